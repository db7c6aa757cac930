#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2034 # SERVER_WRAP: see helper.bash
# --idle-timeout: a connection whose client is silent (or never reads)
# that long is closed, and the log says why; a client that keeps talking
# is not.

load helper

teardown() {
	if [ -n "${WRITER:-}" ]; then
		kill "$WRITER" 2>/dev/null || true
		wait "$WRITER" 2>/dev/null || true
	fi
	exec 5>&- 2>/dev/null || true
	stop_server
}

# Reads fd 5 to its end within SECS; sets ELAPSED (whole ms) and GOT.
read_to_eof() {
	local start=$EPOCHREALTIME
	GOT=$(timeout "$1" cat <&5) || return 1
	ELAPSED=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
}

@test "a silent client is closed with FIN after --idle-timeout, and the log says why" {
	start_server -l 127.0.0.1:0 --idle-timeout 0.5
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hello\n' >&5
	read_to_eof 5
	[ "$GOT" = hello ]
	# A clean end of file (cat exited 0): FIN, not RST; not before the
	# time, and not long after it.
	((ELAPSED >= 450 && ELAPSED < 3000))
	wait_until 5 grep -q \
	    "connection 1 from 127.0.0.1 [0-9]*: idle for 0.5 s (--idle-timeout): closed" \
	    "$SERVER_LOG"
}

@test "a client that pauses less than the idle time each time is served to the end" {
	start_server -l 127.0.0.1:0 --idle-timeout 0.6
	# 1.2 s in all, more than the idle time, but never 0.6 s silent.
	run --separate-stderr timeout 10 "$CLIENT" -i 0.3 -m a -m b -m c -m d \
	    -m e 127.0.0.1 "$PORT"
	assert_success
	assert_output $'a\nb\nc\nd\ne'
	run grep -c idle "$SERVER_LOG"
	assert_output 0
}

@test "after SHUT_RD, where read() returns 0 at once, silence still times out" {
	# docs/LINUX.md, L9: a poll() or read() timeout never fires there.
	local t=$BATS_TEST_TMPDIR/trace.json
	start_server -l 127.0.0.1:0 --idle-timeout 0.5 --child-shutdown rd@first \
	    --trace-json "$t"
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hello\n' >&5
	read_to_eof 5
	[ "$GOT" = hello ]
	((ELAPSED >= 450 && ELAPSED < 3000)) || false
	wait_until 5 grep -q "idle for 0.5 s" "$SERVER_LOG"
	# The silence was a run of zero reads after a real SHUT_RD, not a
	# read() that timed out.
	grep -q '"role":"child","event":"eof",.*"why":"read returned 0 after SHUT_RD, but the client has not sent its FIN' "$t"
}

@test "a client that sends but never reads is closed after the idle time" {
	start_server -l 127.0.0.1:0 --idle-timeout 0.5
	# The echo fills the client's receive buffer, then the server's
	# send buffer; its write() then waits for a reader that never comes.
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	timeout 20 head -c 67108864 /dev/zero >&5 2>/dev/null 3>&- &
	WRITER=$!
	wait_until 10 grep -q "idle for 0.5 s" "$SERVER_LOG"
}

@test "prefork workers time idle connections out too, and go on serving" {
	start_server -l 127.0.0.1:0 -m prefork -w 1 --idle-timeout 0.5
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	read_to_eof 5
	[ -z "$GOT" ]
	wait_until 5 grep -q "idle for 0.5 s" "$SERVER_LOG"
	run --separate-stderr timeout 10 "$CLIENT" -m after 127.0.0.1 "$PORT"
	assert_success
	assert_output after
}

@test "a bad --idle-timeout is refused with status 64, naming it" {
	run --separate-stderr "$SERVER" --idle-timeout -1
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --idle-timeout: '-1' is not a number of seconds from 0 to 86400" ]
}

# setsockopt_calls_not_by PID FILE: the setsockopt calls strace -f logged
# in FILE by any process or thread but PID (the server's main one).
setsockopt_calls_not_by() {
	grep -E '^[0-9]+ +setsockopt\(' "$2" | awk -v p="$1" '$1 != p' | grep -c . || true
}

# The idle time is set once, on the listening socket, and every accepted
# socket inherits it (docs/LINUX.md, L20): a connection's process makes
# no setsockopt of its own, and is still timed out.
@test "the idle timeout is inherited from the listener: no setsockopt per connection, in every model" {
	skip_under_valgrind "strace and valgrind do not trace the same process"
	need_tool strace strace
	local model log n
	for model in fork prefork threads; do
		log=$BATS_TEST_TMPDIR/$model.strace
		SERVER_WRAP=(strace -f -qq -e trace=setsockopt -o "$log")
		start_server -m "$model" -l 127.0.0.1:0 --idle-timeout 0.5
		SERVER_WRAP=()
		# strace runs the server: its pid is strace's only child.
		local spid
		spid=$(children_of "$SERVER_PID" | head -n 1)
		for n in 1 2 3; do
			run timeout 10 "$CLIENT" -q -m "hello $n" 127.0.0.1 "$PORT"
			assert_success
		done
		# And a silent one is closed at the idle time all the same.
		exec 5<>"/dev/tcp/127.0.0.1/$PORT"
		read_to_eof 5
		((ELAPSED >= 400 && ELAPSED < 3000))
		exec 5>&-
		run setsockopt_calls_not_by "$spid" "$log"
		assert_output 0
		# The listener got it: SO_RCVTIMEO and SO_SNDTIMEO, in the server.
		grep -q "^$spid .*SO_RCVTIMEO" "$log"
		# The server by its own pid: strace, told to stop, would
		# detach and leave it running.
		kill -TERM "$spid"
		wait_exit "$SERVER_PID" 10
		SERVER_PID=
	done
}
