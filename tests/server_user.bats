#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# --user: bind as root (port 7, the echo port), serve as another user;
# started as root without it, the server serves as nobody.
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

# start_server without helper.bash's --user root: these tests are about
# the user the server becomes by itself.
start_unpinned() {
	# shellcheck disable=SC2034 # read by start_server, in this scope
	local AS_ROOT=()
	start_server "$@"
}

uid_of() { awk '/^Uid:/ {print $2 "/" $3}' "/proc/$1/status"; }

@test "as root without --user the server serves as nobody, and says so in one log line" {
	start_unpinned -l 127.0.0.1:0
	[ "$(uid_of "$SERVER_PID")" = "$NOBODY/$NOBODY" ]
	[ "$(grep -c '^forkechod: running as ' "$SERVER_LOG")" -eq 1 ]
	grep -qx 'forkechod: running as nobody: started as root without --user (--user root keeps root)' "$SERVER_LOG"
	run --separate-stderr timeout 10 "$CLIENT" -m unprivileged 127.0.0.1 "$PORT"
	assert_success
	assert_output unprivileged
}

@test "-t as root without --user says the start would serve as nobody" {
	run --separate-stderr timeout 10 "$SERVER" -t -l 127.0.0.1:0
	assert_success
	assert_output 'forkechod: configuration OK'
	[ "$stderr" = "forkechod: -t: started as root without --user: would serve as nobody" ]
}

@test "--user root keeps root, and says nothing about it" {
	start_unpinned -l 127.0.0.1:0 --user root
	[ "$(uid_of "$SERVER_PID")" = "0/0" ]
	! grep -q 'running as' "$SERVER_LOG" || false
	run --separate-stderr timeout 10 "$SERVER" -t -l 127.0.0.1:0 --user root
	assert_success
	[ "$stderr" = '' ]
}

@test "as root without --user on a machine with no user nobody, the start and -t fail naming it" {
	need_tool unshare util-linux
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	# A passwd without nobody, read by files alone (libnss-systemd would
	# make nobody up), in a mount namespace of the test's own.
	grep -v '^nobody:' /etc/passwd >"$BATS_TEST_TMPDIR/passwd"
	echo 'passwd: files' >"$BATS_TEST_TMPDIR/nsswitch.conf"
	# shellcheck disable=SC2016 # expanded by the inner bash
	run timeout 20 unshare -m bash -c '
		mount --bind "$2/passwd" /etc/passwd || exit 99
		mount --bind "$2/nsswitch.conf" /etc/nsswitch.conf || exit 99
		"$1" -l 127.0.0.1:0 3>&-
		echo "start $?"
		"$1" -t -l 127.0.0.1:0
		echo "check $?"' _ "$SERVER" "$BATS_TEST_TMPDIR"
	assert_success
	assert_output "forkechod: user nobody (the default as root): no such user: give --user NAME, or --user root to stay root
start 1
forkechod: user nobody (the default as root): no such user: give --user NAME, or --user root to stay root
check 1"
}

@test "--user nobody: the server and its children run as nobody, and the trace still counts" {
	chmod 755 "$BATS_TEST_TMPDIR"
	start_unpinned -l 127.0.0.1:0 --user nobody --parent-close 2 \
	    --trace-json "$BATS_TEST_TMPDIR/t.json"
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
