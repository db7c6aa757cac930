#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Under load: many sessions of every size that end in every way, a flood
# of clients past --max-children, and slow clients (slowloris).  These are
# the short versions, seconds each; make stress runs the long ones
# (stress/stress.sh) and docs/RELIABILITY.md lists what each proves.
# shellcheck disable=SC2153 # PORT: see helper.bash

load helper

DRIBBLE=$TOP/build/tests/dribble

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	stop_server
}

# more_children_than PID N: PID has more than N live children.
more_children_than() { [ "$(live_children_of "$1" | wc -l)" -gt "$2" ]; }

# mixed_load IDLE_CHILDREN ARGS...: starts the server with ARGS, runs 3000
# sessions from 1 byte to 256 KiB that half-close, close or abort, and
# checks: no error and every half-closing session's echo whole; then, once
# the server has IDLE_CHILDREN children again, no zombie and the parent's
# descriptors and memory as they were before the load.
mixed_load() {
	skip_under_valgrind "3000 sessions, and the resident set, measure speed and memory"
	local idle=$1 fds rss_before
	shift
	start_server -l 127.0.0.1:0 -q "$@"
	wait_until 10 has_live_children "$SERVER_PID" "$idle"
	fds=$(fd_count "$SERVER_PID")
	rss_before=$(rss_of "$SERVER_PID")
	# -n bounds the load and -d only the time: the count is the point,
	# not how fast a machine (or a sanitizer build) gets through it.
	run --separate-stderr "$BENCH" -m sessions -c 16 -n 3000 -d 40 \
	    --close mixed --size 1-262144 --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field errors)" 0
	assert_equal "$(json_field ops)" 3000
	# The bench checked every byte of these: a third, about.
	(($(closes_field shutdown) > 800)) || fail "too few checked: $output"
	wait_until 10 has_live_children "$SERVER_PID" "$idle"
	assert_equal "$(zombies_of "$SERVER_PID")" ""
	assert_equal "$(fd_count "$SERVER_PID")" "$fds"
	assert_equal "$(rss_of "$SERVER_PID")" "$rss_before"
	# Clients that go away are not the server's errors: nothing logged.
	assert_equal "$(cat "$SERVER_LOG")" ""
}

@test "fork: 3000 mixed sessions, then no zombie, and the parent's descriptors and memory as before" {
	mixed_load 0
}

@test "prefork: 3000 mixed sessions, then the same pool, and the parent's descriptors and memory as before" {
	mixed_load 4 -m prefork
}

@test "prefork passing sockets: 3000 mixed sessions, the same pool, descriptors and memory" {
	mixed_load 4 -m prefork --accept-in parent
}

@test "a flood of 10x --max-children clients: all served, never more than the limit at once" {
	skip_under_valgrind "memcheck's own memory is in the resident set"
	start_server -l 127.0.0.1:0 --max-children 4
	local rss_before
	rss_before=$(rss_of "$SERVER_PID")
	# 40 clients dribble two bytes each over 0.4 s, then half-close: the
	# 36 beyond the limit wait in the backlog, then are served in turn.
	"$DRIBBLE" -n 40 -i 0.2 -d 0.4 -w 20 127.0.0.1 "$PORT" \
	    >"$BATS_TEST_TMPDIR/dribble.out" 3>&- &
	BG_PID=$!
	wait_until 5 has_live_children "$SERVER_PID" 4
	never_within 1 more_children_than "$SERVER_PID" 4
	wait_exit "$BG_PID" 25
	BG_PID=
	assert_equal "$EXIT_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/dribble.out"
	# All 40 connected at once (the backlog took them), 4 were echoed
	# while the bytes came, and every one ended with its whole echo.
	assert_output --regexp '^dribble: 40 connected, 4 echoing, 0 ended by the server, 0 reset, 0 open at the end; 80 bytes sent, 80 echoed, 0 lost; none shed$'
	grep -q '^forkechod: --max-children 4 reached: new connections wait until one ends$' "$SERVER_LOG"
	(($(rss_of "$SERVER_PID") <= rss_before + 64)) || fail "rss $rss_before -> $(rss_of "$SERVER_PID") KiB"
}

@test "a flood of sessions 10x --max-children at once: no error, no client waits past the deadline" {
	skip_under_valgrind "2000 sessions, each within 5 s, measure speed"
	start_server -l 127.0.0.1:0 -q --max-children 4
	run --separate-stderr "$BENCH" -m sessions -c 40 -n 2000 -d 40 \
	    --size 1-65536 -w 10 --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field errors)" 0
	assert_equal "$(json_field ops)" 2000
	# The longest a session waited, backlog included.
	(($(json_field max_ms | cut -d. -f1) < 5000)) || fail "$output"
}

@test "slow clients are shed by --idle-timeout, each after its echo" {
	skip_under_valgrind "timing: ten at a time, each client must be shed (0.5 s idle) before its next byte (2 s)"
	start_server -l 127.0.0.1:0 --max-children 10 --idle-timeout 0.5
	# 50 clients that send a byte every 2 s: each is shed 0.5 s after
	# its byte came back, ten at a time, until none is left.
	run "$DRIBBLE" -n 50 -i 2 -d 6 -w 2 127.0.0.1 "$PORT"
	assert_success
	# The server's 0.5 s start when its read begins, just after it wrote
	# the echo; dribble counts from when the echo reached it, later by
	# however long it waited for a CPU: on a loaded machine (.ci/fresh
	# beside a valgrind run) it saw 0.49.  Hence 0.45 at the least.
	assert_output --regexp '^dribble: 50 connected, 50 echoing, 50 ended by the server, 0 reset, 0 open at the end; 50 bytes sent, 50 echoed, 0 lost; served ones shed after 0\.(4[5-9]|[5-9][0-9]) to [01]\.[0-9]+ s of silence$'
	# Each shed is logged or counted (10 lines a window at the default
	# verbosity); a count comes once its window is over.
	wait_until 15 accounted ': idle for 0\.5 s \(--idle-timeout\): closed$' 'closed idle (--idle-timeout)' 50
}

@test "without --idle-timeout --max-children bounds slow clients, and the log says so" {
	start_server -l 127.0.0.1:0 --max-children 10 --idle-timeout 0
	"$DRIBBLE" -n 50 -i 0.5 -d 3 -w 10 127.0.0.1 "$PORT" \
	    >"$BATS_TEST_TMPDIR/dribble.out" 3>&- &
	BG_PID=$!
	wait_until 5 has_live_children "$SERVER_PID" 10
	never_within 1 more_children_than "$SERVER_PID" 10
	wait_within 5 grep -q '^forkechod: --max-children 10 reached: new connections wait until one ends$' "$SERVER_LOG"
	wait_exit "$BG_PID" 20
	BG_PID=
	assert_equal "$EXIT_STATUS" 0
	# Ten were served while the others dribbled into the backlog; once
	# the clients half-closed, all 50 ended with their whole echo.
	run cat "$BATS_TEST_TMPDIR/dribble.out"
	assert_output --regexp '^dribble: 50 connected, 10 echoing, 0 ended by the server, 0 reset, 0 open at the end; '
	assert_output --regexp ' ([0-9]+) bytes sent, \1 echoed, 0 lost;'
}
