#!/usr/bin/env bats
# What forkechod writes on standard error: with -v a line at every
# connection's start and end, with -q errors only.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

teardown() {
	stop_server
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
