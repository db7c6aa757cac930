#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Stopping: SIGTERM and SIGINT drain open connections within
# --drain-timeout, then end the rest; the server exits 0.

# shellcheck disable=SC2030,SC2031 # bats runs a test and its teardown in one subshell
load helper

teardown() { stop_server; }

open_conn() { # opens fd 5 to the server and proves a child serves it
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hello\n' >&5
	read -r -t 5 got <&5
	[ "$got" = hello ]
}

@test "SIGTERM with a connection open lets it finish, then exits 0" {
	start_server -l 127.0.0.1:0 --drain-timeout 30
	open_conn
	kill -TERM "$SERVER_PID"
	# New connections are refused while the open one drains.
	wait_until 5 bash -c "! exec 7<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
	# The open connection still echoes.
	printf 'more\n' >&5
	read -r -t 5 got <&5
	[ "$got" = more ]
	run kill -0 "$SERVER_PID"
	assert_success
	exec 5>&-
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 0 ]
	SERVER_PID=
}

@test "SIGINT drains like SIGTERM" {
	start_server -l 127.0.0.1:0 --drain-timeout 30
	open_conn
	kill -INT "$SERVER_PID"
	wait_until 5 grep -q 'stopping: waiting up to' "$SERVER_LOG"
	# Still there, and the open connection still echoes ...
	printf 'more\n' >&5
	read -r -t 5 got <&5
	[ "$got" = more ]
	run kill -0 "$SERVER_PID"
	assert_success
	# ... until it ends; then the server exits 0.
	exec 5>&-
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 0 ]
	SERVER_PID=
}

@test "a connection still open when the drain time ends is ended; exit 0" {
	start_server -l 127.0.0.1:0 --drain-timeout 0.5
	open_conn
	start=$SECONDS
	kill -TERM "$SERVER_PID"
	# The child is ended, so the client sees the connection close.
	run timeout 10 cat <&5
	assert_success
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 0 ]
	((SECONDS - start < 5))
	grep -q 'ending 1 connection with SIGTERM' "$SERVER_LOG"
	exec 5>&-
	SERVER_PID=
}

@test "a second SIGTERM ends the server at once, with status 0" {
	start_server -l 127.0.0.1:0 --drain-timeout 60
	open_conn
	kill -TERM "$SERVER_PID"
	wait_until 5 grep -q 'stopping: waiting up to' "$SERVER_LOG"
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 5
	[ "$EXIT_STATUS" -eq 0 ]
	exec 5>&-
	SERVER_PID=
}

@test "SIGQUIT ends the server at once, without a drain, with status 0" {
	start_server -l 127.0.0.1:0 --drain-timeout 60
	open_conn
	kill -QUIT "$SERVER_PID"
	wait_exit "$SERVER_PID" 5
	[ "$EXIT_STATUS" -eq 0 ]
	grep -q 'stopping: ending 1 connection with SIGTERM' "$SERVER_LOG"
	exec 5>&-
	SERVER_PID=
}

@test "Ctrl-C (SIGINT to the whole process group) still drains open connections" {
	need_tool setsid util-linux
	# Its own process group, as a terminal's foreground job would be.
	# shellcheck disable=SC2034 # read by start_server in helper.bash
	SERVER_WRAP=(setsid)
	start_server -l 127.0.0.1:0 --drain-timeout 30
	open_conn
	kill -INT -- "-$SERVER_PID"
	wait_until 5 grep -q 'stopping: waiting up to' "$SERVER_LOG"
	# The child ignored the Ctrl-C: the connection still echoes.
	printf 'more\n' >&5
	read -r -t 5 got <&5
	[ "$got" = more ]
	exec 5>&-
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 0 ]
	SERVER_PID=
}

@test "SIGHUP to the whole process group leaves open connections alone" {
	need_tool setsid util-linux
	# shellcheck disable=SC2034 # read by start_server in helper.bash
	SERVER_WRAP=(setsid)
	start_server -l 127.0.0.1:0
	open_conn
	kill -HUP -- "-$SERVER_PID"
	wait_until 5 grep -q 'SIGHUP: no config file' "$SERVER_LOG"
	# The child ignored it: the connection still echoes.
	printf 'more\n' >&5
	read -r -t 5 got <&5
	[ "$got" = more ]
	exec 5>&-
}
