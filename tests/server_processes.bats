#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Processes and descriptors: children are reaped, the parent leaks
# nothing, and --max-children holds the rest in the backlog.

load helper

teardown() { stop_server; }

no_children() { [ -z "$(children_of "$SERVER_PID")" ]; }

@test "no zombie is left after 300 connections" {
	need_nc
	start_server -l 127.0.0.1:0
	local i
	for i in $(seq 1 300); do
		timeout 10 nc -N 127.0.0.1 "$PORT" <<<"$i" >/dev/null
	done
	# Each child is reaped once its SIGCHLD is handled; give the last one
	# a deadline, then there must be no child at all, zombie or not.
	wait_until 5 no_children
	run zombies_of "$SERVER_PID"
	assert_output ""
}

@test "the parent holds as many descriptors after 300 connections as before" {
	need_nc
	start_server -l 127.0.0.1:0
	before=$(fd_count "$SERVER_PID")
	local i
	for i in $(seq 1 300); do
		timeout 10 nc -N 127.0.0.1 "$PORT" <<<"$i" >/dev/null
	done
	wait_until 5 no_children
	after=$(fd_count "$SERVER_PID")
	[ "$before" -eq "$after" ]
}

@test "the parent holds no copy of a connection its child is serving" {
	start_server -l 127.0.0.1:0
	before=$(fd_count "$SERVER_PID")
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'x\n' >&5
	read -r -t 5 got <&5
	[ "$got" = x ]
	# The child exists and holds the socket; the parent closed its copy.
	[ -n "$(children_of "$SERVER_PID")" ]
	[ "$(fd_count "$SERVER_PID")" -eq "$before" ]
	exec 5>&-
}

@test "with --max-children 2 a third client waits, then is served" {
	start_server -l 127.0.0.1:0 --max-children 2
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" 6<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'a\n' >&5
	printf 'b\n' >&6
	read -r -t 5 a <&5
	read -r -t 5 b <&6
	[ "$a" = a ]
	[ "$b" = b ]
	# The third connection completes in the kernel's backlog, but no
	# child serves it while two are busy: no echo within a second.
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'c\n' >&7
	run read -r -t 1 c <&7
	assert_failure
	[ "$(children_of "$SERVER_PID" | wc -l)" -eq 2 ]
	# One ends: the third is accepted and echoed.
	exec 5>&-
	read -r -t 5 c <&7
	[ "$c" = c ]
	exec 6>&- 7>&-
	grep -q 'max-children 2 reached' "$SERVER_LOG"
}

@test "a client that resets mid-echo ends only its own child, with a log line" {
	need_nc
	start_server -l 127.0.0.1:0
	exec 6<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'survivor\n' >&6
	read -r -t 5 s <&6
	# Send a lot, never read it, abort: the server's write or read meets
	# the reset.
	head -c 4194304 /dev/zero | timeout 10 "$CLIENT" -q --close linger0 \
	    127.0.0.1 "$PORT" >/dev/null || true
	wait_until 5 grep -qE 'connection 2 from 127\.0\.0\.1 [0-9]+: (read|write): (Connection reset by peer|Broken pipe)' "$SERVER_LOG"
	# The server and the other connection carry on.
	printf 'still here\n' >&6
	read -r -t 5 s <&6
	[ "$s" = "still here" ]
	exec 6>&-
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<next
	assert_success
	assert_output next
}

@test "forkechod binds every library symbol at start, so that no child binds its own" {
	skip_under_valgrind "forkechod is memcheck's wrapper script there; make check and make sanitize read the program itself"
	need_tool readelf binutils
	# With lazy binding each child would resolve, page by page, the
	# functions its parent never called (docs/PERFORMANCE.md).
	run readelf -d "$SERVER"
	assert_success
	assert_line --regexp '\(FLAGS_1\) +Flags: .*NOW'
}
