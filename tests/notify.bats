#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# systemd's Type=notify: with NOTIFY_SOCKET set, forkechod sends READY=1
# once it listens, RELOADING=1 and READY=1 around a SIGHUP, and STOPPING=1
# when it starts to drain.  tests/notified plays systemd: it binds the
# socket, execs the server (so SERVER_PID is the server's) and writes each
# datagram to the server's log as "notified: STATE".
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2034 # SERVER_WRAP: see helper.bash

load helper

NOTIFIED=$TOP/build/tests/notified

setup() {
	[ -x "$NOTIFIED" ] || fail "$NOTIFIED is not built"
}

teardown() {
	stop_server
}

states() { sed -n 's/^notified: //p' "$SERVER_LOG" | tr '\n' ' '; }
states_are() { [ "$(states)" = "$1" ]; }

@test "with NOTIFY_SOCKET a path, the server sends READY=1 once it listens" {
	SERVER_WRAP=("$NOTIFIED" "$BATS_TEST_TMPDIR/notify")
	start_server -l 127.0.0.1:0
	wait_until 5 states_are "READY=1 "
	run --separate-stderr timeout 10 "$CLIENT" -m ready 127.0.0.1 "$PORT"
	assert_success
	assert_output ready
}

@test "with NOTIFY_SOCKET an abstract name (@name), the server sends READY=1 there" {
	SERVER_WRAP=("$NOTIFIED" "@forkecho-notify-$$-$BATS_TEST_NUMBER")
	start_server -l 127.0.0.1:0
	wait_until 5 states_are "READY=1 "
}

@test "SIGHUP is framed by RELOADING=1 and READY=1" {
	local f=$BATS_TEST_TMPDIR/hup.conf
	echo "verbose = no" >"$f"
	SERVER_WRAP=("$NOTIFIED" "$BATS_TEST_TMPDIR/notify")
	start_server -c "$f" -l 127.0.0.1:0
	wait_until 5 states_are "READY=1 "
	kill -HUP "$SERVER_PID"
	wait_until 5 states_are "READY=1 RELOADING=1 READY=1 "
}

@test "SIGTERM sends STOPPING=1 as the drain begins, not when it ends" {
	SERVER_WRAP=("$NOTIFIED" "$BATS_TEST_TMPDIR/notify")
	start_server -l 127.0.0.1:0 --drain-timeout 30
	wait_until 5 states_are "READY=1 "
	# A connection served by a child keeps the drain going.
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hello\n' >&5
	read -r -t 5 got <&5
	assert_equal "$got" hello
	kill -TERM "$SERVER_PID"
	wait_until 5 states_are "READY=1 STOPPING=1 "
	# Said while the connection still drains: the server is there and the
	# connection still echoes.
	kill -0 "$SERVER_PID"
	printf 'more\n' >&5
	read -r -t 5 got <&5
	assert_equal "$got" more
	exec 5>&-
	wait_exit "$SERVER_PID" 10
	assert_equal "$EXIT_STATUS" 0
	SERVER_PID=
	assert_equal "$(states)" "READY=1 STOPPING=1 "
}

@test "a NOTIFY_SOCKET nobody listens on is said in the log, and the server serves on" {
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/nobody-here start_server -l 127.0.0.1:0
	wait_until 5 grep -qx "forkechod: NOTIFY_SOCKET $BATS_TEST_TMPDIR/nobody-here: sendto READY=1: No such file or directory" "$SERVER_LOG"
	run --separate-stderr timeout 10 "$CLIENT" -m "serving on" 127.0.0.1 "$PORT"
	assert_success
	assert_output "serving on"
}
