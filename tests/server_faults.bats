#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Faults around the server: running out of descriptors or processes, a
# stopped parent, a killed child.  Each time the server says what happened,
# does not spin, and serves again.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2034 # SERVER_WRAP is read by start_server
# shellcheck disable=SC2030,SC2031 # bats runs a test and its helpers in one subshell

load helper

teardown() {
	local pid
	for pid in ${BG[@]+"${BG[@]}"}; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	stop_server
}

# clients N ARGS...: starts N forkecho clients in the background, each
# writing its output to $BATS_TEST_TMPDIR/c.I.out; BG holds their PIDs.
clients() {
	local n=$1 i
	shift
	BG=()
	for ((i = 1; i <= n; i++)); do
		"$CLIENT" -q "$@" 127.0.0.1 "$PORT" >"$BATS_TEST_TMPDIR/c.$i.out" \
		    2>"$BATS_TEST_TMPDIR/c.$i.err" 3>&- &
		BG+=($!)
	done
}

# all_clients_ok WANT: every client exited 0 and wrote WANT.
all_clients_ok() {
	local i status
	for ((i = 0; i < ${#BG[@]}; i++)); do
		status=0
		wait "${BG[$i]}" || status=$?
		[ "$status" -eq 0 ] || fail "client $((i + 1)) exited $status: $(cat "$BATS_TEST_TMPDIR/c.$((i + 1)).err")"
		[ "$(cat "$BATS_TEST_TMPDIR/c.$((i + 1)).out")" = "$1" ] ||
		    fail "client $((i + 1)) got '$(cat "$BATS_TEST_TMPDIR/c.$((i + 1)).out")'"
	done
	BG=()
}

@test "out of descriptors, accept's EMFILE is logged, the server does not spin, and serves again" {
	skip_under_valgrind "memcheck needs descriptors beyond the 16 allowed, and CPU time of its own"
	# 16 descriptors: the parent keeps each connection's copy for 1 s,
	# so a burst of 20 runs it out; as the copies go, it accepts again.
	SERVER_WRAP=(prlimit --nofile=16:16 --)
	start_server -l 127.0.0.1:0 --parent-close 1
	clients 20 -m burst -w 20
	wait_until 10 grep -q "accept 127.0.0.1 $PORT (accepting again in [0-9.]* s): Too many open files" "$SERVER_LOG"
	# While it waits for descriptors it sleeps: under a fifth of a
	# second of CPU in one second (a spin would use all of it).
	local before after
	before=$(cpu_ticks "$SERVER_PID")
	sleep 1		# the interval measured, not a wait for an event
	after=$(cpu_ticks "$SERVER_PID")
	((after - before < 20)) || fail "the server used $((after - before)) ticks in 1 s"
	all_clients_ok burst
}

@test "prefork, the parent passing sockets: out of descriptors it backs off from 0.1 s like the fork model, and serves again" {
	skip_under_valgrind "memcheck needs descriptors beyond the 16 allowed"
	# As above: each passed connection's copy is kept for 1 s, so a
	# burst of 20 runs the parent out of its 16 descriptors.
	SERVER_WRAP=(prlimit --nofile=16:16 --)
	start_server -l 127.0.0.1:0 -m prefork -w 2 --accept-in parent \
	    --parent-close 1
	clients 20 -m burst -w 20
	# The pause forkechod(8) gives for a failed accept: 0.1 s first.
	wait_until 10 grep -q "accept 127.0.0.1 $PORT (accepting again in [0-9.]* s): Too many open files" "$SERVER_LOG"
	grep -m 1 "accepting again in" "$SERVER_LOG" | grep -qF "(accepting again in 0.1 s)"
	all_clients_ok burst
}

# start_nproc_limited ARGS...: the server as a uid of its own, with no
# process yet, under RLIMIT_NPROC 2 (room for the server and one child,
# or one connection thread: the limit counts the real uid's tasks, and
# root ignores it).
start_nproc_limited() {
	need_tool setpriv util-linux
	need_tool prlimit util-linux
	local uid tries=0
	uid=$((61000 + RANDOM % 4000))
	while [ -n "$(pgrep -u "$uid")" ]; do
		((++tries < 20)) || fail "20 uids tried, each with processes"
		uid=$((61000 + RANDOM % 4000))
	done
	# That uid may not reach the tree: it runs a copy it can.
	local copy
	copy=$(reachable "$SERVER")
	local SERVER=$copy
	SERVER_WRAP=(prlimit --nproc=2:2 -- setpriv --reuid="$uid" --regid="$uid" --clear-groups --)
	local saved=("${AS_ROOT[@]}")
	AS_ROOT=()
	start_server -l 127.0.0.1:0 "$@"
	AS_ROOT=("${saved[@]}")
	SERVER_WRAP=()
}

# second_client_dropped CALL: with the first client holding the one child
# or thread the limit allows, a second is closed at once, and the log
# names CALL, which failed; once the first has ended, a client is served.
second_client_dropped() {
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'one\n' >&5
	local got
	read -r -t 5 got <&5
	[ "$got" = one ]
	run --separate-stderr timeout 10 "$CLIENT" -m two 127.0.0.1 "$PORT"
	# Closed at once, unechoed: with FIN if the close came before the
	# client's bytes (exit 1, bytes missing), with RST if it found them
	# unread or they came after it (exit 3); not 4, which would be a
	# wait for a FIN that never came.
	((status == 1 || status == 3))
	[[ $stderr == *"received 0 bytes"* ]]
	wait_until 5 grep -Eq "$1 for connection 2 from 127\.0\.0\.1 [0-9]+ \(dropped; accepting again in [0-9.]+ s\): Resource temporarily unavailable" "$SERVER_LOG"
	kill -0 "$SERVER_PID"
	exec 5>&-
	wait_until 10 served_again
}

@test "when fork fails the connection is closed and logged, and the server keeps serving" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to change user (root ignores RLIMIT_NPROC)"
	start_nproc_limited
	second_client_dropped fork
}

@test "threads: when pthread_create fails the connection is closed and logged, and the server keeps serving" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to change user (root ignores RLIMIT_NPROC)"
	start_nproc_limited -m threads
	second_client_dropped pthread_create
}

no_zombies() { [ -z "$(zombies_of "$SERVER_PID")" ]; }

served_again() {
	[ "$(timeout 5 "$CLIENT" -q -m three 127.0.0.1 "$PORT" 2>/dev/null)" = three ]
}

@test "clients that come while the parent is stopped are served after SIGCONT" {
	start_server -l 127.0.0.1:0
	kill -STOP "$SERVER_PID"
	wait_until 5 stopped "$SERVER_PID"
	clients 10 -m later -w 20
	# Nobody is served while the parent sleeps: the kernel queues them.
	never_within 0.5 grep -q . "$BATS_TEST_TMPDIR/c.1.out"
	kill -CONT "$SERVER_PID"
	all_clients_ok later
	wait_until 5 no_zombies
}

@test "SIGSTOP and SIGCONT of the parent under load: no session fails, every child is reaped" {
	start_server -l 127.0.0.1:0 -q
	# Sessions of every size and ending, 8 at once, for 3 s.
	"$BENCH" -m sessions -c 8 -d 3 -w 20 --size 1-65536 \
	    --close mixed --json 127.0.0.1 "$PORT" \
	    >"$BATS_TEST_TMPDIR/bench.out" 3>&- &
	BG=($!)
	# Stopped in the middle of it, for half a second: the children
	# serve on, the new clients queue, the SIGCHLDs wait.
	wait_within 2 a_child_is_serving
	kill -STOP "$SERVER_PID"
	wait_until 5 stopped "$SERVER_PID"
	never_within 0.5 not_running "$SERVER_PID"
	kill -CONT "$SERVER_PID"
	wait_exit "${BG[0]}" 25
	BG=()
	assert_equal "$EXIT_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/bench.out"
	assert_output --regexp '"errors":0,'
	assert_output --regexp '"ops":[1-9][0-9]*,'
	wait_until 5 no_child_serving
	assert_equal "$(zombies_of "$SERVER_PID")" ""
}

a_child_is_serving() { [ -n "$(children_of "$SERVER_PID")" ]; }
no_child_serving() { ! a_child_is_serving; }

@test "a child killed with SIGKILL ends its connection, is logged and reaped" {
	start_server -l 127.0.0.1:0
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hi\n' >&5
	local got child
	read -r -t 5 got <&5
	[ "$got" = hi ]
	child=$(children_of "$SERVER_PID")
	kill -KILL "$child"
	# Its last reference went with it: FIN, and nothing unread, so no RST.
	run timeout 5 cat <&5
	assert_success
	wait_until 5 grep -q "connection 1: child $child killed by signal 9" "$SERVER_LOG"
	wait_until 5 no_zombies
	exec 5>&-
	run --separate-stderr timeout 10 "$CLIENT" -m after 127.0.0.1 "$PORT"
	assert_success
}
