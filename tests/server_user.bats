#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# --user: bind as root (port 7, the echo port), serve as another user;
# started as root without it, the server refuses to serve.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	id nobody >/dev/null 2>&1 || skip "no user nobody here"
	NOBODY=$(id -u nobody)
}

teardown() {
	stop_server
}

uid_of() { awk '/^Uid:/ {print $2 "/" $3}' "/proc/$1/status"; }

@test "as root without --user the server refuses to serve, and says how to fix it" {
	run --separate-stderr timeout 10 "$SERVER" -l 127.0.0.1:0
	assert_failure 64
	assert_output ''
	[ "$stderr" = "forkechod: refusing to serve connections as root: give --user NAME to serve as NAME once the sockets are bound (--user nobody, say), or --user root to insist" ]
}

@test "--user nobody: the server and its children run as nobody, and the trace still counts" {
	# Not start_server's --user root: this test is about another user.
	local saved=("${AS_ROOT[@]}")
	AS_ROOT=()
	chmod 755 "$BATS_TEST_TMPDIR"
	start_server -l 127.0.0.1:0 --user nobody --parent-close 2 \
	    --trace-json "$BATS_TEST_TMPDIR/t.json"
	AS_ROOT=("${saved[@]}")
	[ "$(uid_of "$SERVER_PID")" = "$NOBODY/$NOBODY" ]
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hi\n' >&5
	local got child
	read -r -t 5 got <&5
	[ "$got" = hi ]
	child=$(children_of "$SERVER_PID")
	[ -n "$child" ]
	[ "$(uid_of "$child")" = "$NOBODY/$NOBODY" ]
	# Root again is out of reach ...
	! grep -q '^Groups:.*\b0\b' "/proc/$child/status" || false
	# ... and the references are counted in full: after a change of
	# uid the kernel would have hidden /proc/PID/fd without the fix.
	grep -q '"event":"fork","conn":1,"fd":[0-9]*,"refs_before":1,"refs":2' "$BATS_TEST_TMPDIR/t.json"
	exec 5>&-
	wait_until 5 grep -q '"role":"child","event":"close","conn":1,"child":1,"fd":[0-9]*,"refs_before":2,"refs":1' "$BATS_TEST_TMPDIR/t.json"
}

@test "--user nobody serves the echo port 7, bound as root, in a namespace of the test's own" {
	need_tool unshare util-linux
	need_tool ip iproute2
	unshare -n true 2>/dev/null || skip "cannot make a network namespace here"
	# In its own network namespace port 7 is the test's alone.
	# shellcheck disable=SC2016 # expanded by the inner bash
	run timeout 20 unshare -n bash -c '
		set -u
		ip link set lo up
		"$1" -l 127.0.0.1:7 --user nobody >"$3/out" 2>"$3/err" 3>&- &
		pid=$!
		for _ in $(seq 500); do
			grep -q "^listening on 127.0.0.1 7$" "$3/out" 2>/dev/null && break
			sleep 0.01
		done
		"$2" -q -m seven 127.0.0.1 7
		echo "status $?"
		awk "/^Uid:/ {print \$2}" "/proc/$pid/status"
		kill "$pid"
		wait "$pid"
		echo "server $?"' _ "$SERVER" "$CLIENT" "$BATS_TEST_TMPDIR"
	assert_success
	assert_output "seven
status 0
$NOBODY
server 0"
}

@test "--user with an unknown name fails with status 1, naming it" {
	run --separate-stderr timeout 10 "$SERVER" -l 127.0.0.1:0 --user no-such-user-here
	assert_failure 1
	[ "$stderr" = "forkechod: --user no-such-user-here: no such user" ]
}
