#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Listening: port 0 and the readiness line, IPv6, several sockets, and a
# port that is taken.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2153 # PORTS is set by start_server in helper.bash
load helper

teardown() { stop_server; }

@test "port 0 gives a real port, announced in exactly one readiness line" {
	need_nc
	start_server -l 127.0.0.1:0
	run cat "$SERVER_OUT"
	assert_output --regexp '^listening on 127\.0\.0\.1 [0-9]+$'
	[ "$PORT" -gt 0 ]
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<ping
	assert_success
	assert_output ping
}

@test "an IPv6 listener on ::1 echoes" {
	need_nc
	start_server -l '[::1]:0'
	run cat "$SERVER_OUT"
	assert_output --regexp '^listening on ::1 [0-9]+$'
	run timeout 10 nc -N ::1 "$PORT" <<<six
	assert_success
	assert_output six
}

@test "two --listen sockets at once both echo" {
	need_nc
	start_server -l 127.0.0.1:0 -l '[::1]:0'
	[ "${#PORTS[@]}" -eq 2 ]
	run timeout 10 nc -N 127.0.0.1 "${PORTS[0]}" <<<four
	assert_success
	assert_output four
	run timeout 10 nc -N ::1 "${PORTS[1]}" <<<six
	assert_success
	assert_output six
}

@test "nothing but the readiness lines is written to standard output" {
	need_nc
	start_server -l 127.0.0.1:0 -v
	timeout 10 nc -N 127.0.0.1 "$PORT" <<<x >/dev/null
	stop_server
	run cat "$SERVER_OUT"
	assert_output --regexp '^listening on 127\.0\.0\.1 [0-9]+$'
}

@test "a port in use gives status 1 and names the address" {
	start_server -l 127.0.0.1:0
	run --separate-stderr timeout 10 "$SERVER" -l "127.0.0.1:$PORT"
	assert_failure 1
	[ "$stderr" = "forkechod: bind 127.0.0.1 $PORT: Address already in use" ]
}

@test "with standard output closed, no socket takes its place" {
	need_nc
	# The readiness line cannot be read; the JSON trace's listen event
	# gives the port.
	"$SERVER" "${AS_ROOT[@]}" -l 127.0.0.1:0 --trace-json "$BATS_TEST_TMPDIR/t.json" \
	    >&- 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	SERVER_PID=$!
	# shellcheck disable=SC2034 # read by stop_server in helper.bash
	SERVER_LOG=$BATS_TEST_TMPDIR/err
	wait_until 10 grep -q '"event":"listen"' "$BATS_TEST_TMPDIR/t.json"
	PORT=$(sed -n 's/.*"addr":"127\.0\.0\.1 \([0-9]*\)".*/\1/p' "$BATS_TEST_TMPDIR/t.json")
	[ "$(readlink "/proc/$SERVER_PID/fd/1")" = /dev/null ]
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<still
	assert_success
	assert_output still
}
