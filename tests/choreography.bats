#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# The close choreography beyond the lessons: timed parent actions,
# SHUT_RD from the other process, and combinations that are refused.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

teardown() { stop_server; }

@test "after the parent's SHUT_RD the child's reads return 0, yet it keeps echoing to the real EOF" {
	start_server -l 127.0.0.1:0 --parent-shutdown rd@0.3 \
	    --trace-json "$BATS_TEST_TMPDIR/trace.json"
	run --separate-stderr timeout 10 "$CLIENT" -i 0.3 -m one -m two -m three 127.0.0.1 "$PORT"
	assert_success
	assert_output $'one\ntwo\nthree'
	local t=$BATS_TEST_TMPDIR/trace.json not_eof real_eof
	grep -Eq '"role":"parent","event":"shutdown",.*"how":"SHUT_RD",.*"wire":"none"' "$t"
	# The SHUT_RD really happened: the child read 0 while the client
	# had not sent its FIN (the TCP state said so), read on, and met the
	# real EOF only later.
	not_eof=$(grep -n '"role":"child","event":"eof",.*"why":"read returned 0 after SHUT_RD, but the client has not sent its FIN' "$t" | head -1 | cut -d: -f1)
	real_eof=$(grep -n '"role":"child","event":"eof",.*"state":"CLOSE_WAIT","why":"the client.s FIN has arrived' "$t" | cut -d: -f1)
	[ -n "$not_eof" ] && [ -n "$real_eof" ] || false
	((not_eof < real_eof)) || false
}

@test "a shutdown by the socket's only holder says so, and counts no others to ignore" {
	start_server -l 127.0.0.1:0 --child-shutdown wr@first \
	    --trace-json "$BATS_TEST_TMPDIR/trace.json"
	run --separate-stderr timeout 10 "$CLIENT" -m one 127.0.0.1 "$PORT"
	assert_success
	local t=$BATS_TEST_TMPDIR/trace.json
	# The parent closed its copy at once: the child's SHUT_WR is the
	# only holder's, a plain FIN.
	wait_until 5 grep -Eq '"role":"child","event":"shutdown",.*"how":"SHUT_WR","refs_before":1,"refs":1,.*"wire":"FIN",.*"why":"after the first read and echo; the only holder: FIN"' "$t"
	run ! grep -q 'ignores the other 0 holders' "$t"
}

@test "after the parent's SHUT_WR the child's echo fails with EPIPE too; with --child-epipe read-on it reads on to the client's EOF" {
	start_server -l 127.0.0.1:0 --parent-shutdown wr@0.5 --child-epipe read-on \
	    --trace-json "$BATS_TEST_TMPDIR/trace.json"
	run --separate-stderr timeout $((10 * SLOW)) "$CLIENT" --keep-sending -i 1 -m one -m two -m three 127.0.0.1 "$PORT"
	assert_success
	[[ $stderr == *"server sent FIN after"*"before the input ended; sending on"* ]]
	[[ ${stderr_lines[-1]} =~ \;\ (10|14)\ bytes\ sent\ after\ the\ FIN$ ]]
	local t=$BATS_TEST_TMPDIR/trace.json
	# The parent's shutdown acts on the socket: the FIN goes out while
	# the child holds a copy, and the child's next write fails (L8).
	grep -Eq '"role":"parent","event":"shutdown",.*"how":"SHUT_WR","refs_before":2,"refs":2,.*"wire":"FIN"' "$t"
	grep -Eq '"role":"child","event":"error",.*"call":"write","errno":"EPIPE"' "$t"
	# It read on: what the client sent after the FIN was taken in, and
	# no RST went out.
	grep -Eq '"role":"child","event":"eof",.*"why":"read returned 0; (10|14) bytes were read that could not be echoed"' "$t"
	run ! grep -q '"wire":"RST"' "$t"
}

@test "--parent-after-close read: the prefork parent's read of the copy it passed and closed fails with EBADF; the worker echoes" {
	start_server -l 127.0.0.1:0 -m prefork -w 1 --accept-in parent \
	    --parent-after-close read --trace-json "$BATS_TEST_TMPDIR/trace.json"
	run --separate-stderr timeout 10 "$CLIENT" -m hello 127.0.0.1 "$PORT"
	assert_success
	assert_output hello
	local t=$BATS_TEST_TMPDIR/trace.json
	grep -Eq '"role":"parent","event":"error","conn":1,.*"call":"read","errno":"EBADF"' "$t"
	wait_until 5 grep -Eq '"role":"worker","event":"close","conn":1,.*"refs_before":1,"refs":0,.*"wire":"FIN"' "$t"
}

@test "--parent-after-close read is refused where the parent has no copy closed at once to read" {
	run --separate-stderr "$SERVER" --parent-after-close read --parent-close exit
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --parent-after-close read needs --parent-close now: the parent reads the copy it has just closed" ]
	run --separate-stderr "$SERVER" --parent-after-close read --parent-shutdown wr@1
	assert_failure 64
	[[ ${stderr_lines[0]} == "forkechod: --parent-after-close read and --parent-shutdown:"* ]]
}

@test "--parent-close SECS holds the FIN until the parent's timed close" {
	start_server -l 127.0.0.1:0 --parent-close 0.5
	run --separate-stderr timeout 10 "$CLIENT" -m hi 127.0.0.1 "$PORT"
	assert_success
	[[ $stderr =~ server\ sent\ FIN\ after\ (0\.[4-9]|1\.[0-4])[0-9]{2}\ s$ ]]
}

@test "a parent close before the parent's shutdown is refused, naming both options" {
	run --separate-stderr "$SERVER" --parent-close 1 --parent-shutdown wr@2
	assert_failure 64
	[[ ${stderr_lines[0]} == "forkechod: --parent-close 1 and --parent-shutdown @2:"* ]]
}

@test "a shutdown at EOF for a child that stops after the first echo is refused" {
	run --separate-stderr "$SERVER" --child-shutdown wr@eof --child-end first
	assert_failure 64
	[[ ${stderr_lines[0]} == "forkechod: --child-shutdown @eof and --child-end first:"* ]]
}

@test "a classic bug with a held parent copy is refused, naming both" {
	run --separate-stderr "$SERVER" --classic-bug zombies --parent-close never
	assert_failure 64
	[[ ${stderr_lines[0]} == "forkechod: --classic-bug and --parent-close"* ]]
}

@test "bad choreography values name the option and what is allowed" {
	run --separate-stderr "$SERVER" --child-shutdown wr@later
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --child-shutdown: 'wr@later': after @ comes a number of seconds, first or eof" ]
	run --separate-stderr "$SERVER" --parent-close sometime
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --parent-close: 'sometime' is not now, exit, never or a number of seconds" ]
	run --separate-stderr "$SERVER" --child-epipe ignore
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --child-epipe: 'ignore' is not close or read-on" ]
	run --separate-stderr "$SERVER" --parent-after-close write
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --parent-after-close: 'write' is not none or read" ]
}

@test "--helper-does without --helper is refused, and bad helper, dup and cloexec values name what is allowed" {
	run --separate-stderr "$SERVER" --helper-does close
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --helper-does needs --helper SECS: there is no helper to do it" ]
	run --separate-stderr "$SERVER" --helper soon
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --helper: 'soon' is not none or a number of seconds from 0 to 86400" ]
	run --separate-stderr "$SERVER" --helper 1 --helper-does fork
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --helper-does: 'fork' is not hold, close, shutdown or exec" ]
	run --separate-stderr "$SERVER" --child-dup -1
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --child-dup: '-1' is not none or a number of seconds from 0 to 86400" ]
	run --separate-stderr "$SERVER" --cloexec maybe
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --cloexec: 'maybe' is not yes or no" ]
	run --separate-stderr "$SERVER" --child-close later
	assert_failure 64
	[ "${stderr_lines[0]}" = "forkechod: --child-close: 'later' is not normal, linger0, unread or shutdown" ]
}

@test "a helper without the trace holds the FIN back for its life, and leaves no process behind" {
	start_server -l 127.0.0.1:0 --helper 1.5
	run --separate-stderr timeout 10 "$CLIENT" -m hi 127.0.0.1 "$PORT"
	assert_success
	[[ $stderr =~ server\ sent\ FIN\ after\ (1\.[4-9]|2\.[0-5])[0-9]{2}\ s$ ]]
	# The child waited for its helper, and the parent reaped the child.
	wait_until 5 has_live_children "$SERVER_PID" 0
	[ -z "$(zombies_of "$SERVER_PID")" ]
}

@test "a helper that execs, without the trace: the program holds the FIN back; close-on-exec lets it go" {
	start_server -l 127.0.0.1:0 --helper 1.5 --helper-does exec
	run --separate-stderr timeout 10 "$CLIENT" -m hi 127.0.0.1 "$PORT"
	assert_success
	[[ $stderr =~ server\ sent\ FIN\ after\ (1\.[4-9]|2\.[0-5])[0-9]{2}\ s$ ]]
	stop_server
	start_server -l 127.0.0.1:0 --helper 1.5 --helper-does exec --cloexec yes
	run --separate-stderr timeout 10 "$CLIENT" -m hi 127.0.0.1 "$PORT"
	assert_success
	[[ $stderr =~ server\ sent\ FIN\ after\ 0\.[0-4][0-9]{2}\ s$ ]]
}

@test "a server stopped while a helper holds a connection leaves no helper behind" {
	start_server -l 127.0.0.1:0 --helper 60 --drain-timeout 0.5
	run --separate-stderr timeout 10 "$CLIENT" -w 0.5 -m hi 127.0.0.1 "$PORT"
	assert_failure 4
	local child helper
	child=$(children_of "$SERVER_PID")
	[ -n "$child" ]
	helper=$(children_of "$child")
	[ -n "$helper" ]
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 10
	SERVER_PID=
	# The drain ended the child; the helper went with it.
	wait_until 5 not_running "$helper"
	wait_until 5 not_running "$child"
}

@test "a trace file that cannot be written is a clear error with status 1" {
	run --separate-stderr "$SERVER" -l 127.0.0.1:0 --trace-json /nonexistent/dir/t.json
	assert_failure 1
	[ "$stderr" = "forkechod: --trace-json /nonexistent/dir/t.json: No such file or directory" ]
}

@test "a trace on a standard output that fills up is said once, and the server goes on serving" {
	[ -w /dev/full ] || skip "no /dev/full here"
	local activate=$TOP/build/tests/activate
	[ -x "$activate" ] || fail "$activate is not built"
	# /dev/full by name is refused (not a regular file), but standard
	# output may be anything.  The readiness lines would go there, lost:
	# the port comes from tests/activate, which listens for the server.
	SERVER_LOG=$BATS_TEST_TMPDIR/server.log
	"$activate" "$SERVER" "${AS_ROOT[@]}" --trace-json - \
	    >/dev/full 2>"$SERVER_LOG" 3>&- &
	SERVER_PID=$!
	wait_until 10 grep -q '^activate: passing ' "$SERVER_LOG"
	PORT=$(awk '/^activate: passing /{print $4; exit}' "$SERVER_LOG")
	local i
	for i in 1 2 3; do
		run "$CLIENT" -m "hello $i" 127.0.0.1 "$PORT"
		assert_success
		assert_line --index 0 "hello $i"
	done
	# Once for the whole server, not once a process or an event.
	run grep -c '^forkechod: --trace-json -: write: No space left on device; the JSON trace stops here, the server goes on$' "$SERVER_LOG"
	assert_output 1
	# And nothing else went wrong.
	assert_equal "$(grep -vc '^activate: ' "$SERVER_LOG")" 1
	kill -0 "$SERVER_PID"
}
