#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
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
	# The child says its start line itself, in its own time: a slow
	# child (under valgrind) can say it after the parent's refusal.
	wait_until 5 grep -Eq "<29>.*forkechod\[[0-9]+\]: connection 1 from 127\.0\.0\.1 [0-9]+: pid [0-9]+, started" "$got"
	# The same lines still go to standard error (written just after
	# the syslog datagram).
	wait_until 5 grep -q "refused a connection from 127.0.0.1" "$SERVER_LOG"
}

# reset_clients N: N clients, one after the other, each sending a line and
# closing with the echo unread: the close sends RST (docs/LINUX.md, L4),
# and the server's next read fails with ECONNRESET.  Bash's own sockets:
# no client program that could hide a server bug.
reset_clients() {
	local i c
	for ((i = 0; i < $1; i++)); do
		exec 5<>"/dev/tcp/127.0.0.1/$PORT"
		printf 'ab\n' >&5
		# Bash reads a socket a byte at a time: the rest of the echo
		# stays queued, unread.
		read -r -N 1 -t $((5 * SLOW)) c <&5
		[ "$c" = a ]
		exec 5>&-
	done
}

error_lines() { grep -c ': read: Connection reset by peer$' "$SERVER_LOG" || true; }

# summed_up N: the error lines and the "N more" lines account for N.
summed_up() {
	local more
	more=$(sed -En 's/^forkechod: ([0-9]+) more connections? ended in an error in the last [0-9.]+ s \(-v logs each\)$/\1/p' "$SERVER_LOG" |
		awk '{ n += $1 } END { print n + 0 }')
	[ $(($(error_lines) + more)) -eq "$1" ]
}

# A flood of resets is logged within the limit: the first window's 10
# error lines, a count, and never more than 10 error lines between two
# counts.  (Every error is a line or in a count: summed_up.)
within_limit() {
	awk '
		/: read: Connection reset by peer$/ { run++; next }
		/ more connections? ended in an error in the last / {
			runs[++counts] = run; run = 0
		}
		END {
			if (counts == 0) { print "no count line"; exit 1 }
			if (runs[1] != 10) {
				print runs[1] " error lines before the first count"
				exit 1
			}
			for (i = 2; i <= counts; i++)
				if (runs[i] > 10) {
					print runs[i] " error lines in window " i
					exit 1
				}
			if (run > 10) { print run " error lines at the end"; exit 1 }
		}' "$SERVER_LOG"
}

@test "200 resets at the default verbosity: 10 lines, then one line with the count of the rest" {
	start_server -l 127.0.0.1:0
	reset_clients 200
	# The count comes when the window (5 s from the first error) is
	# over, with no more errors to carry it.
	wait_until 30 summed_up 200
	within_limit
	# Said when the window is over: 5 s or more after the first error.
	grep -Eq '^forkechod: [0-9]+ more connections ended in an error in the last ([5-9]|[1-9][0-9])(\.[0-9])? s \(-v logs each\)$' "$SERVER_LOG"
}

@test "prefork workers share one limit, and the parent says the count though nothing wakes it" {
	start_server -l 127.0.0.1:0 -m prefork -w 3
	reset_clients 200
	wait_until 30 summed_up 200
	within_limit
}

@test "the count of a window still open is said when the server stops" {
	start_server -l 127.0.0.1:0
	reset_clients 50
	# At once, in the window the first error opened: the drain waits for
	# the children still counting, then the parent says the count.
	stop_server >/dev/null
	summed_up 50
	grep -q ' more connections ended in an error in the last ' "$SERVER_LOG"
}

@test "-v logs every connection that ends in an error, and no count" {
	start_server -l 127.0.0.1:0 -v
	reset_clients 200
	wait_until 30 summed_up 200
	[ "$(error_lines)" -eq 200 ]
	run ! grep -q ' more connections\? ended in an error' "$SERVER_LOG"
}


@test "40 connections closed idle at the default verbosity: 10 lines, then one count of the rest" {
	start_server -l 127.0.0.1:0 --idle-timeout 0.2
	local i fds=()
	for ((i = 0; i < 40; i++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
		fds+=("$fd")
	done
	local line=': idle for 0.2 s \(--idle-timeout\): closed$'
	wait_until 30 accounted "$line" 'closed idle (--idle-timeout)' 40
	for fd in "${fds[@]}"; do exec {fd}>&-; done
	[ "$(grep -cE "$line" "$SERVER_LOG")" -eq 10 ]
	grep -Eq '^forkechod: 30 more connections closed idle \(--idle-timeout\) in the last [0-9.]+ s \(-v logs each\)$' "$SERVER_LOG"
}

@test "30 connections refused by --per-source at the default verbosity: 10 lines, then one count of the rest" {
	start_server -l 127.0.0.1:0 --per-source 1
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'held\n' >&5
	read -r -t 5 got <&5
	[ "$got" = held ]
	local i
	for ((i = 0; i < 30; i++)); do
		exec 6<>"/dev/tcp/127.0.0.1/$PORT"
		# The refusal's one line, then EOF: refused, not queued.
		read -r -t 5 got <&6
		[ "$got" = "forkechod: too many connections from 127.0.0.1 (at most 1)" ]
		exec 6>&-
	done
	local line='^forkechod: refused a connection from 127\.0\.0\.1 [0-9]+: 1 already \(--per-source 1\)$'
	wait_until 30 accounted "$line" 'refused (--per-source)' 30
	[ "$(grep -cE "$line" "$SERVER_LOG")" -eq 10 ]
}

@test "-v logs every idle close and every refusal, and no count" {
	start_server -l 127.0.0.1:0 -v --idle-timeout 0.2
	local i
	for ((i = 0; i < 15; i++)); do
		exec 5<>"/dev/tcp/127.0.0.1/$PORT"
		# Held until the idle close's EOF: one connection at a time.
		timeout 5 cat <&5 >/dev/null
		exec 5>&-
	done
	wait_until 10 accounted ': idle for 0.2 s \(--idle-timeout\): closed$' 'closed idle' 15
	[ "$(grep -c ': idle for 0.2 s' "$SERVER_LOG")" -eq 15 ]
	run ! grep -q ' more connections' "$SERVER_LOG"
	stop_server >/dev/null

	start_server -l 127.0.0.1:0 -v --per-source 1
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'held\n' >&5
	read -r -t 5 got <&5
	[ "$got" = held ]
	for ((i = 0; i < 15; i++)); do
		exec 6<>"/dev/tcp/127.0.0.1/$PORT"
		timeout 5 cat <&6 >/dev/null
		exec 6>&-
	done
	exec 5>&-
	wait_until 10 accounted 'refused a connection from' 'refused' 15
	[ "$(grep -c 'refused a connection from' "$SERVER_LOG")" -eq 15 ]
	run ! grep -q ' more connections' "$SERVER_LOG"
}

@test "a line written while the looker writes its count waits for the next window: the count comes first" {
	# tests/limit_probe plays the parent (the looker) and a child on a
	# made-up clock.  Unheld, the child's line at 7.5 s would pass and
	# could come out before the parent's count of the window before.
	run "$TOP/build/tests/limit_probe"
	assert_success
	assert_output - <<-EOF
		take 1 pass
		take 2 pass
		take 3 drop
		due 7 1
		take 7.5 drop
		reopen 7
		take 8 pass
		take 9 pass
		take 10 drop
		take 13 pass (after 2 missed)
	EOF
}
