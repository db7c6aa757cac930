#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# The threads model: one process, a thread per connection, one descriptor
# per connection shared by every thread.  It echoes, bears load within
# --max-children, drains at SIGTERM (shutting down what the drain time
# left), leaks neither descriptors nor threads, refuses what has no
# meaning with one descriptor table, and its trace has a lane per thread.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2030,SC2031 # bats runs a test and its teardown in one subshell

load helper

DRIBBLE=$TOP/build/tests/dribble

setup() {
	TRACE=$BATS_TEST_TMPDIR/trace.json
}

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	exec 5>&- 6>&-
	stop_server
}

# threads ARGS...: the server in the threads model on port 0.
threads() {
	start_server -m threads -l 127.0.0.1:0 "$@"
}

# tasks_of PID: how many threads PID has (its /proc/PID/task entries).
tasks_of() {
	find "/proc/$1/task" -mindepth 1 -maxdepth 1 | wc -l
}

# has_tasks PID N: PID has exactly N threads.
has_tasks() { [ "$(tasks_of "$1")" -eq "$2" ]; }

# more_tasks_than PID N: PID has more than N threads.
more_tasks_than() { [ "$(tasks_of "$1")" -gt "$2" ]; }

# has_fds PID N: PID has exactly N descriptors open.
has_fds() { [ "$(fd_count "$1")" -eq "$2" ]; }

# open_conn: opens fd 5 to the server and proves a thread serves it.
open_conn() {
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hello\n' >&5
	read -r -t 5 got <&5
	[ "$got" = hello ]
}

@test "threads: the client and a plain peer get their bytes back, and FIN" {
	need_nc
	threads
	run --separate-stderr "$CLIENT" -m hello 127.0.0.1 "$PORT"
	assert_success
	assert_output hello
	[[ ${stderr_lines[-1]} == 'forkecho: sent 6 bytes, received 6 bytes, server sent FIN after '* ]]
	run bash -c "printf 'one\ntwo\n' | nc -N 127.0.0.1 $PORT"
	assert_success
	assert_output $'one\ntwo'
	# One process served both: no child was ever forked.
	assert_equal "$(children_of "$SERVER_PID")" ""
}

@test "threads: fifty concurrent clients all get their bytes back intact, in one process" {
	threads
	local i pids=()
	for i in $(seq 1 50); do
		# Three lines 50 ms apart keep the fifty connections open
		# together for a while.
		"$CLIENT" -w 10 -i 0.05 -m "client $i: one" -m "client $i: two" \
		    -m "client $i: three" 127.0.0.1 "$PORT" </dev/null \
		    >"$BATS_TEST_TMPDIR/c$i.out" 2>"$BATS_TEST_TMPDIR/c$i.err" 3>&- &
		pids+=($!)
	done
	for i in $(seq 1 50); do
		wait_exit "${pids[i - 1]}" 30
		[ "$EXIT_STATUS" -eq 0 ] || {
			echo "client $i exited $EXIT_STATUS: $(tail -n 1 "$BATS_TEST_TMPDIR/c$i.err")"
			return 1
		}
		printf 'client %s: one\nclient %s: two\nclient %s: three\n' \
		    "$i" "$i" "$i" | cmp - "$BATS_TEST_TMPDIR/c$i.out"
	done
	assert_equal "$(children_of "$SERVER_PID")" ""
	wait_until 10 has_tasks "$SERVER_PID" 1
}

@test "threads: 1000 mixed sessions, then one thread and the descriptors as before" {
	skip_under_valgrind "1000 sessions measure speed"
	threads -q
	local fds
	fds=$(fd_count "$SERVER_PID")
	run --separate-stderr "$BENCH" -m sessions -c 16 -n 1000 -d 40 \
	    --close mixed --size 1-65536 --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field errors)" 0
	assert_equal "$(json_field ops)" 1000
	wait_until 10 has_tasks "$SERVER_PID" 1
	wait_until 10 has_fds "$SERVER_PID" "$fds"
	# Clients that go away are not the server's errors: nothing logged.
	assert_equal "$(cat "$SERVER_LOG")" ""
}

@test "threads: no leaked descriptor or thread after clients of every ending" {
	threads
	local fds i
	fds=$(fd_count "$SERVER_PID")
	has_tasks "$SERVER_PID" 1
	for i in 1 2 3 4 5; do
		"$CLIENT" -q -m "x$i" 127.0.0.1 "$PORT" >/dev/null
		"$CLIENT" -q --close close -m "y$i" 127.0.0.1 "$PORT" >/dev/null || true
		"$CLIENT" -q --close linger0 -m "z$i" 127.0.0.1 "$PORT" >/dev/null || true
	done
	wait_until 10 has_tasks "$SERVER_PID" 1
	wait_until 10 has_fds "$SERVER_PID" "$fds"
}

@test "threads: --max-children bounds the threads, and the log says so" {
	threads --max-children 4 --idle-timeout 0
	"$DRIBBLE" -n 20 -i 0.2 -d 0.6 -w 20 127.0.0.1 "$PORT" \
	    >"$BATS_TEST_TMPDIR/dribble.out" 3>&- &
	BG_PID=$!
	# The main thread and four connections' threads, never more.
	wait_until 5 has_tasks "$SERVER_PID" 5
	never_within 1 more_tasks_than "$SERVER_PID" 5
	wait_exit "$BG_PID" 30
	BG_PID=
	assert_equal "$EXIT_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/dribble.out"
	assert_output --regexp '^dribble: 20 connected, 4 echoing, 0 ended by the server, 0 reset, 0 open at the end; '
	assert_output --regexp ' ([0-9]+) bytes sent, \1 echoed, 0 lost;'
	grep -q '^forkechod: --max-children 4 reached: new connections wait until one ends$' "$SERVER_LOG"
	wait_until 10 has_tasks "$SERVER_PID" 1
}

@test "threads: SIGTERM lets an open connection finish, then exits 0" {
	threads --drain-timeout 30
	open_conn
	kill -TERM "$SERVER_PID"
	wait_until 5 grep -q 'stopping: waiting up to 30.0 s for 1 connection$' "$SERVER_LOG"
	# The open connection still echoes.
	printf 'more\n' >&5
	read -r -t 5 got <&5
	[ "$got" = more ]
	kill -0 "$SERVER_PID"
	exec 5>&-
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 0 ]
	SERVER_PID=
}

@test "threads: an idle client still open at the drain's end is shut down, FIN; exit 0" {
	threads --drain-timeout 0.5 --trace-json "$TRACE"
	open_conn
	local start=$SECONDS
	kill -TERM "$SERVER_PID"
	# A thread cannot be killed: shutdown(SHUT_RDWR) wakes its read,
	# which returns 0, and the thread closes: the client sees EOF.
	run timeout 10 cat <&5
	assert_success
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 0 ]
	((SECONDS - start < 5))
	grep -q 'ending 1 connection with shutdown(SHUT_RDWR) on their sockets$' "$SERVER_LOG"
	run jq -c 'select(.event == "shutdown") | [.role, .how, .wire]' "$TRACE"
	assert_output '["parent","SHUT_RDWR","FIN"]'
	# Woken at once: the thread's eof and close follow.
	run jq -c 'select(.role == "thread") | .event' "$TRACE"
	assert_output $'"eof"\n"close"\n"exit"'
	exec 5>&-
	SERVER_PID=
}

@test "threads: a second SIGTERM ends the server at once, with status 0" {
	threads --drain-timeout 60
	open_conn
	kill -TERM "$SERVER_PID"
	wait_until 5 grep -q 'stopping: waiting up to' "$SERVER_LOG"
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 5
	[ "$EXIT_STATUS" -eq 0 ]
	exec 5>&-
	SERVER_PID=
}

@test "threads: model = threads in a config file" {
	local conf=$BATS_TEST_TMPDIR/t.conf
	printf 'listen = 127.0.0.1:0\nmodel = threads\nmax-children = 8\n' >"$conf"
	run "$SERVER" -t -c "$conf"
	assert_success
	start_server -c "$conf"
	run "$CLIENT" -q -m viaconf 127.0.0.1 "$PORT"
	assert_success
	assert_output viaconf
	assert_equal "$(children_of "$SERVER_PID")" ""
}

@test "threads: options that need processes are refused, naming the option and the model" {
	run "$SERVER" -m threads --workers 2
	assert_equal "$status" 64
	assert_output --partial 'forkechod: --workers and --model threads: '
	run "$SERVER" -m threads --accept-in parent
	assert_equal "$status" 64
	assert_output --partial 'forkechod: --accept-in parent and --model threads: '
	run "$SERVER" -m threads --parent-close never
	assert_equal "$status" 64
	assert_output --partial 'forkechod: --parent-close never and --model threads: the accepting thread holds no copy to forget'
	run "$SERVER" -m threads --parent-after-close read
	assert_equal "$status" 64
	assert_output --partial 'forkechod: --parent-after-close read and --model threads: '
	run "$SERVER" -m threads --step
	assert_equal "$status" 64
	assert_output --partial 'forkechod: --step and --model threads: '
	run "$SERVER" -m threads --classic-bug zombies
	assert_equal "$status" 64
	assert_output --partial 'forkechod: --classic-bug and --model threads: '
	run "$SERVER" -m threads --parent-close-listener 1
	assert_equal "$status" 64
	assert_output --partial 'forkechod: --parent-close-listener and --model threads: '
	run "$SERVER" -m thread
	assert_equal "$status" 64
	assert_output --partial 'threads'
}

@test "threads: the trace has a lane per thread, and counts one descriptor, not two" {
	need_tool jq jq
	threads --trace-json "$TRACE"
	run "$CLIENT" -q -m one 127.0.0.1 "$PORT"
	assert_success
	run "$CLIENT" -q -m two 127.0.0.1 "$PORT"
	assert_success
	wait_until 5 grep -q '"role":"thread","event":"exit","conn":2' "$TRACE"
	# The main thread accepts: refs 0 -> 1, the only descriptor.
	run jq -c 'select(.event == "accept") | [.role, .conn, .refs_before, .refs]' "$TRACE"
	assert_output $'["parent",1,0,1]\n["parent",2,0,1]'
	# No fork, no copy: the thread closes the one descriptor, 1 -> 0, FIN.
	run jq -c 'select(.event == "fork" or .event == "pass")' "$TRACE"
	assert_output ""
	run jq -c 'select(.event == "close") | [.role, .thread, .conn, .refs_before, .refs, .wire]' "$TRACE"
	assert_output $'["thread",1,1,1,0,"FIN"]\n["thread",2,2,1,0,"FIN"]'
	# Every event of a thread is written by the server's own process,
	# with the thread's id: a lane each, both in one pid.
	local pids tids
	pids=$(jq -r 'select(.role == "thread") | .pid' "$TRACE" | sort -u)
	assert_equal "$pids" "$SERVER_PID"
	tids=$(jq -r 'select(.role == "thread") | "\(.thread) \(.tid)"' "$TRACE" | sort -u | wc -l)
	assert_equal "$tids" 2
	run jq -r 'select(.role == "thread") | .tid | select(. > 0 and . != '"$SERVER_PID"')' "$TRACE"
	assert_equal "${#lines[@]}" 6
	# forktrace reads it: the lanes are named after the threads.
	run "$BIN/forktrace" --text "$TRACE"
	assert_success
	assert_output --partial '[t1] close fd'
	run "$BIN/forktrace" -o "$BATS_TEST_TMPDIR/t.svg" "$TRACE"
	assert_success
	grep -q 'data-role="thread"' "$BATS_TEST_TMPDIR/t.svg"
}
