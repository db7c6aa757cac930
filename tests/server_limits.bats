#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# --per-source: at most N connections at once from one client host; the
# next one is told so in one line and closed, and the log says so.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

teardown() {
	exec 5>&- 2>/dev/null || true
	exec 6>&- 2>/dev/null || true
	exec 7>&- 2>/dev/null || true
	stop_server
}

open_on() { # FD: opens it to the server and proves it is served
	eval "exec $1<>/dev/tcp/127.0.0.1/$PORT"
	printf 'ping\n' >&"$1"
	local got
	read -r -t 5 got <&"$1"
	[ "$got" = ping ]
}

# The third connection from 127.0.0.1 is refused with one line; after one
# of the two ends, the next is served.
per_source_two() {
	open_on 5
	open_on 6
	run read_refusal
	assert_success
	assert_output "forkechod: too many connections from 127.0.0.1 (at most 2)"
	wait_until 5 grep -Eq "refused a connection from 127\.0\.0\.1 [0-9]+: 2 already \(--per-source 2\)" "$SERVER_LOG"
	exec 5>&-
	# Served again once the count is below the limit: poll, since the
	# server learns of the end when the child is reaped.
	wait_until 5 served_now
}

read_refusal() { # connects, sends nothing, prints what comes back
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	timeout 5 cat <&7
}

served_now() {
	[ "$(timeout 5 "$CLIENT" -q -m again 127.0.0.1 "$PORT" 2>/dev/null)" = again ]
}

@test "fork: a third connection from one host is refused with one line, then served once one ends" {
	start_server -l 127.0.0.1:0 --per-source 2
	per_source_two
}

@test "prefork --accept-in parent: the same limit across the pool and its queue" {
	start_server -l 127.0.0.1:0 -m prefork -w 4 --accept-in parent --per-source 2
	per_source_two
}

@test "connections from another host are counted apart" {
	need_nc
	start_server -l 127.0.0.1:0 --per-source 1
	open_on 5
	# From 127.0.0.2: its own count, served.
	run timeout 5 nc -N -s 127.0.0.2 127.0.0.1 "$PORT" <<<"other"
	assert_success
	assert_output other
	# From 127.0.0.1 again: refused.  (Sending nothing: a client whose
	# data is still unread when the server closes gets RST, RFC 2525.)
	run read_refusal
	assert_success
	assert_output "forkechod: too many connections from 127.0.0.1 (at most 1)"
}

@test "--per-source with workers accepting is refused, naming both" {
	run --separate-stderr "$SERVER" -m prefork --per-source 2 -t
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --per-source and --accept-in workers: no one process sees every connection (try --accept-in parent)" ]
}

@test "--workers with the fork model is refused, naming both" {
	run --separate-stderr "$SERVER" --workers 3 -t
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --workers and --model fork: a forked child serves the one connection its parent accepted" ]
}

@test "--max-children with prefork is refused: the pool is the limit" {
	run --separate-stderr "$SERVER" -m prefork --max-children 3 -t
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --max-children and --model prefork: the pool's size (--workers) bounds the connections served at once" ]
}

@test "threads: a third connection from one host is refused with one line, then served once one ends" {
	start_server -l 127.0.0.1:0 -m threads --per-source 2
	per_source_two
}
