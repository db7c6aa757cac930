#!/usr/bin/env bats
# What forkechod writes on standard error: with -v a line at every
# connection's start and end, with -q errors only.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

teardown() {
	exec 5>&- 2>/dev/null || true
	exec 6>&- 2>/dev/null || true
	stop_server
	if [ -n "${SYSLOGD:-}" ]; then
		kill "$SYSLOGD" 2>/dev/null || true
		wait "$SYSLOGD" 2>/dev/null || true
	fi
}

@test "-v logs each connection's start and end: pid, peer, bytes each way, time, how" {
	start_server -l 127.0.0.1:0 -v
	run --separate-stderr timeout 10 "$CLIENT" -m hello 127.0.0.1 "$PORT"
	assert_success
	local peer='127\.0\.0\.1 [0-9]+'
	wait_until 5 grep -Eq "^forkechod: connection 1 from $peer: pid [0-9]+, 6 bytes in, 6 bytes out, [0-9]+\.[0-9]{3} s, ended at the peer's EOF$" "$SERVER_LOG"
	grep -Eq "^forkechod: connection 1 from $peer: pid [0-9]+, started$" "$SERVER_LOG"
	# The start comes first, from the same process as the end.
	local start_pid end_pid
	start_pid=$(sed -En 's/.*: pid ([0-9]+), started$/\1/p' "$SERVER_LOG")
	end_pid=$(sed -En 's/.*: pid ([0-9]+), 6 bytes in.*/\1/p' "$SERVER_LOG")
	[ "$start_pid" = "$end_pid" ]
	[ "$(grep -n started "$SERVER_LOG" | cut -d: -f1)" -lt \
	    "$(grep -n 'bytes in' "$SERVER_LOG" | cut -d: -f1)" ]
}

@test "-v says when a connection ended idle" {
	start_server -l 127.0.0.1:0 -v --idle-timeout 0.3
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_until 5 grep -q "0 bytes in, 0 bytes out, .* s, ended idle (--idle-timeout)$" "$SERVER_LOG"
	exec 5>&-
}

@test "without -v nothing is logged for a connection that ends well" {
	start_server -l 127.0.0.1:0
	run --separate-stderr timeout 10 "$CLIENT" -m hello 127.0.0.1 "$PORT"
	assert_success
	stop_server >/dev/null
	run cat "$SERVER_LOG"
	refute_output --partial "connection 1"
}

@test "--syslog sends the same lines to syslog too, as daemon.notice" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private /dev/log"
	need_tool unshare util-linux
	need_nc
	# A syslog daemon of our own: a datagram socket, and in a private
	# mount namespace /dev/log pointing at it, so nothing on the machine
	# is touched.
	local sock=$BATS_TEST_TMPDIR/log got=$BATS_TEST_TMPDIR/syslog
	nc -lkUu "$sock" >"$got" 3>&- &
	SYSLOGD=$!
	wait_until 5 test -S "$sock"
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	# shellcheck disable=SC2016,SC2034 # expanded by the inner sh; read by start_server
	SERVER_WRAP=(unshare -m sh -c 'mount -t tmpfs tmpfs /dev &&
	    ln -s "$0" /dev/log && exec "$@"' "$sock")
	start_server -l 127.0.0.1:0 --syslog -v --per-source 1
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	# The second connection is refused: a log line at LOG_NOTICE (29 =
	# daemon.notice), and the start line of the first.
	exec 6<>"/dev/tcp/127.0.0.1/$PORT"
	timeout 5 cat <&6 >/dev/null
	wait_until 5 grep -Eq "<29>.*forkechod\[$SERVER_PID\]: refused a connection from 127\.0\.0\.1 [0-9]+: 1 already \(--per-source 1\)" "$got"
	grep -Eq "<29>.*forkechod\[[0-9]+\]: connection 1 from 127\.0\.0\.1 [0-9]+: pid [0-9]+, started" "$got"
	# The same lines still go to standard error.
	grep -q "refused a connection from 127.0.0.1" "$SERVER_LOG"
}
