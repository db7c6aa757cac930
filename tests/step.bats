#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# --step: before each act on a shared socket the server says what it is
# about to do and waits; the tests release each step with SIGUSR1 (no
# terminal here) and check that nothing reached the wire before.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr
# shellcheck disable=SC2030,SC2031 # bats runs a test and its teardown in one subshell

load helper

teardown() {
	exec 5>&- 2>/dev/null || true
	[ -z "${CLIENT_PID:-}" ] || kill -KILL "$CLIENT_PID" 2>/dev/null || true
	stop_capture
	stop_server
	exec 6>&- 2>/dev/null || true
	[ -z "${SCRIPT_PID:-}" ] || kill -KILL "$SCRIPT_PID" 2>/dev/null || true
}

# stepping NAME [SERVER-OPTIONS...]: the lesson NAME with --step, on port
# 0, the JSON trace in $TRACE, and a capture of its port in $CAPTURE.
stepping() {
	TRACE=$BATS_TEST_TMPDIR/trace.json
	start_server --lesson "$@" --step -l 127.0.0.1:0 --trace-json "$TRACE"
	start_capture
}

# server_fins: FINs from the server seen so far (0 without a capture, when
# the wire is not looked at: the client's view still is).
server_fins() {
	[ -n "${CAPTURE_PID:-}" ] || { echo 0; return; }
	grep -c "127\\.0\\.0\\.1\\.$PORT > .*Flags \\[F" "$CAPTURE" || true
}
fin_seen() { [ "$(server_fins)" -gt 0 ]; }

# prompts WHO N: the log holds at least N prompts of WHO ("parent conn 1:
# about to close").
prompts() {
	local n
	n=$(grep -c "^forkechod: step: pid [0-9]* $1" "$SERVER_LOG") || true
	[ "${n:-0}" -ge "$2" ]
}

# prompt_pid WHO: the pid named by the last prompt of WHO, which is also
# the one the prompt tells to send SIGUSR1 to.
prompt_pid() {
	local line pid
	line=$(grep "^forkechod: step: pid [0-9]* $1" "$SERVER_LOG" | tail -n 1)
	line=${line%$'\r'}	# from a terminal (script)
	pid=${line#forkechod: step: pid }
	pid=${pid%% *}
	[[ $line == *"; kill -USR1 $pid" ]] || {
		echo "no prompt of $1 ending in kill -USR1 $pid: $line" >&2
		return 1
	}
	echo "$pid"
}

# has_event ROLE EVENT FIELDS-REGEX: the trace has such a line.
has_event() { grep -Eq "\"role\":\"$1\",\"event\":\"$2\",.*$3" "$TRACE"; }

# event_t ROLE EVENT: the time (t) of the first such event.
event_t() {
	grep -E "\"role\":\"$1\",\"event\":\"$2\"," "$TRACE" | head -n 1 |
		sed 's/^{"t":\([0-9.]*\),.*/\1/'
}

# echoes LINE: writes LINE on the connection held on fd 5 and reads it
# back within 5 s.
echoes() {
	local got
	printf '%s\n' "$1" >&5
	IFS= read -r -t $((5 * SLOW)) got <&5
	[ "$got" = "$1" ]
}

# at_eof: the connection on fd 5 is at end of file (the server's FIN has
# come): read returns nothing within 5 s, and not for lack of time.
at_eof() {
	local got rc=0
	IFS= read -r -t $((5 * SLOW)) got <&5 || rc=$?
	# read: 1 at end of file, above 128 when the time ran out.
	[ "$rc" -eq 1 ] && [ -z "$got" ]
}

@test "parent-shutdown with --step: no FIN while the parent waits at its step, echo still works, SIGUSR1 releases the FIN" {
	stepping parent-shutdown
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	echoes one
	# 1 s after the accept the parent says what it is about to do.
	wait_until 5 prompts "parent conn 1: about to shutdown(SHUT_RDWR) fd [0-9]* (the parent's timed shutdown)" 1
	[ "$(prompt_pid parent)" = "$SERVER_PID" ]
	# And does nothing for as long as the step waits: no FIN, no row,
	# and the child goes on echoing what the client sends meanwhile.
	never_within 1.5 fin_seen
	echoes two
	run ! has_event parent shutdown ''
	kill -USR1 "$SERVER_PID"
	wait_until 5 has_event parent shutdown '"how":"SHUT_RDWR","refs_before":2,"refs":2,.*"wire":"FIN"'
	at_eof
	[ -n "${CAPTURE_PID:-}" ] || skip "not root: tcpdump cannot capture, the wire is not checked"
	wait_until 5 fin_seen
}

@test "proper-close with --step: the parent's close and then the child's close wait for SIGUSR1; the client gets its FIN only then" {
	stepping proper-close
	timeout $((20 * SLOW)) "$CLIENT" -w $((15 * SLOW)) -m hello 127.0.0.1 "$PORT" \
	    >"$BATS_TEST_TMPDIR/client.out" 2>"$BATS_TEST_TMPDIR/client.err" 3>&- &
	CLIENT_PID=$!
	# First the parent's close of its copy, right after fork.
	wait_until 5 prompts "parent conn 1: about to close fd [0-9]* (the parent closes its copy at once)" 1
	[ "$(prompt_pid parent)" = "$SERVER_PID" ]
	run ! has_event parent close ''
	kill -USR1 "$SERVER_PID"
	wait_until 5 has_event parent close '"conn":1,.*"refs_before":2,"refs":1,.*"wire":"none"'
	# Then the child's, at the client's EOF: the client has its echo
	# and waits for the FIN, which does not come while the child waits.
	wait_until 5 prompts "child conn 1: about to close fd [0-9]* (done with the connection)" 1
	local child
	child=$(prompt_pid child)
	[ "$child" != "$SERVER_PID" ]
	never_within 1.5 not_running "$CLIENT_PID"
	[ "$(server_fins)" -eq 0 ]
	run ! has_event child close ''
	kill -USR1 "$child"
	wait_exit "$CLIENT_PID" 5
	CLIENT_PID=
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/client.out")" = hello ]
	grep -q 'server sent FIN after' "$BATS_TEST_TMPDIR/client.err"
	has_event child close '"conn":1,.*"refs_before":1,"refs":0,.*"wire":"FIN"'
	[ -n "${CAPTURE_PID:-}" ] || skip "not root: tcpdump cannot capture, the wire is not checked"
	wait_until 5 fin_seen
}

@test "fd-passing with --step: the worker's close and the parent's timed close wait at once, each in the process its prompt names" {
	stepping fd-passing
	timeout $((20 * SLOW)) "$CLIENT" -w $((15 * SLOW)) -m hello 127.0.0.1 "$PORT" \
	    >"$BATS_TEST_TMPDIR/client.out" 2>"$BATS_TEST_TMPDIR/client.err" 3>&- &
	CLIENT_PID=$!
	wait_until 5 prompts "worker conn 1: about to close fd [0-9]* (done with the connection)" 1
	local worker
	worker=$(prompt_pid worker)
	children_of "$SERVER_PID" | grep -qx "$worker"
	# The worker's wait holds up neither the parent's loop nor its
	# timer: 1 s after the accept the parent waits too.
	wait_until 5 prompts "parent conn 1: about to close fd [0-9]* (the parent's timed close)" 1
	[ "$(prompt_pid parent)" = "$SERVER_PID" ]
	kill -USR1 "$worker"
	wait_until 5 has_event worker close '"conn":1,.*"refs_before":2,"refs":1,.*"wire":"none"'
	# The parent still holds its copy: no FIN yet.
	never_within 1 not_running "$CLIENT_PID"
	[ "$(server_fins)" -eq 0 ]
	kill -USR1 "$SERVER_PID"
	wait_exit "$CLIENT_PID" 5
	CLIENT_PID=
	[ "$EXIT_STATUS" -eq 0 ]
	has_event parent close '"conn":1,.*"refs_before":1,"refs":0,.*"wire":"FIN"'
}

@test "--accept-in parent with --step: the worker serves while the parent waits to close its copy, and the next pass finds the worker ready" {
	TRACE=$BATS_TEST_TMPDIR/trace.json
	start_server -m prefork -w 1 --accept-in parent --step -l 127.0.0.1:0 --trace-json "$TRACE"
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_until 5 prompts "parent conn 1: about to close fd [0-9]* (the parent closes its copy at once)" 1
	# The worker does not wait for the parent's step: it echoes at once.
	echoes one
	# Held past the 2 s a worker waits for the parent's go-ahead.
	never_within 2.5 has_event parent close '"conn":1,'
	kill -USR1 "$SERVER_PID"
	wait_until 5 has_event parent close '"conn":1,.*"refs_before":2,"refs":1'
	exec 5>&-
	wait_until 5 prompts "worker conn 1: about to close" 1
	kill -USR1 "$(prompt_pid worker)"
	wait_until 5 has_event worker close '"conn":1,'
	# The same worker takes the next connection, with no stray message
	# of the first in its way.
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_until 5 prompts "parent conn 2" 1
	echoes two
	run ! grep -q 'unexpected message' "$SERVER_LOG"
}

# refused: a client is refused (the listening socket is shut down).
refused() { ! timeout 5 "$CLIENT" -q -m x 127.0.0.1 "$PORT" >/dev/null 2>&1; }

@test "prefork-listener with --step: the listener acts wait too, and clients are served until worker 1's SHUT_RD is released" {
	stepping prefork-listener
	wait_until 5 prompts "parent listener: about to close fd [0-9]* (the parent closes its copy of the listening socket)" 1
	kill -USR1 "$SERVER_PID"
	wait_until 5 has_event parent close ''
	wait_until 5 prompts "worker listener: about to shutdown(SHUT_RD) fd [0-9]* (worker 1 shuts down its copy of the listening socket)" 1
	local worker
	worker=$(prompt_pid worker)
	children_of "$SERVER_PID" | grep -qx "$worker"
	# While worker 1 waits, the other workers accept and serve (up to
	# the close at EOF, a step of its own).
	timeout $((20 * SLOW)) "$CLIENT" -w $((15 * SLOW)) -m hello 127.0.0.1 "$PORT" \
	    >"$BATS_TEST_TMPDIR/client.out" 2>/dev/null 3>&- &
	CLIENT_PID=$!
	wait_until 5 prompts "worker conn 1: about to close" 1
	kill -USR1 "$(prompt_pid "worker conn 1")"
	wait_exit "$CLIENT_PID" 5
	CLIENT_PID=
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/client.out")" = hello ]
	run ! has_event worker shutdown ''
	kill -USR1 "$worker"
	wait_until 5 has_event worker shutdown '"how":"SHUT_RD"'
	wait_until 5 refused
}

@test "SIGTERM while a child waits at a step stops the server at once, with no process left" {
	# A drain time far longer than the deadline below: the server stops
	# at once because the child's step ends, not because the drain did.
	stepping proper-close --drain-timeout 60
	timeout $((20 * SLOW)) "$CLIENT" -q -w $((15 * SLOW)) -m hello 127.0.0.1 "$PORT" \
	    >/dev/null 2>&1 3>&- &
	CLIENT_PID=$!
	wait_until 5 prompts "parent conn 1" 1
	kill -USR1 "$SERVER_PID"
	wait_until 5 prompts "child conn 1" 1
	local child
	child=$(prompt_pid child)
	kill -TERM "$SERVER_PID"
	wait_until $((2 * SLOW)) not_running "$SERVER_PID"
	not_running "$child"
	wait_exit "$CLIENT_PID" 5
	CLIENT_PID=
	[ "$EXIT_STATUS" -eq 0 ]
	grep -q "^forkechod: step: pid $child child: no more steps (SIGUSR2)" "$SERVER_LOG"
	# The child was reaped by the server before it stopped.
	has_event parent reap '"conn":1'
}

@test "SIGTERM while the parent waits at a step stops the server at once; the act is made on the way out" {
	stepping parent-shutdown --drain-timeout 60
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	echoes one
	wait_until 5 prompts "parent conn 1" 1
	local child
	child=$(children_of "$SERVER_PID")
	[ -n "$child" ]
	kill -TERM "$SERVER_PID"
	wait_until $((2 * SLOW)) not_running "$SERVER_PID"
	not_running "$child"
	grep -q "^forkechod: step: pid $SERVER_PID parent: no more steps (the server stops)" "$SERVER_LOG"
	has_event parent shutdown '"how":"SHUT_RDWR"'
	at_eof
}

@test "a timed act counts from the step before it, not from the accept" {
	# The shutdown 1 s after the accept, the close 2 s after it: 1 s
	# apart, and still 1 s apart when the shutdown's step is held 2 s.
	stepping parent-shutdown --parent-close 2
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	echoes one
	wait_until 5 prompts "parent conn 1: about to shutdown" 1
	# Held past the close's time on the accept's clock.
	never_within 2 prompts "parent conn 1: about to close" 1
	local released seen
	released=$(now_us)
	kill -USR1 "$SERVER_PID"
	wait_until 5 prompts "parent conn 1: about to close fd [0-9]* (the parent's timed close)" 1
	seen=$(now_us)
	# 1 s after the release (the poll sees it up to 20 ms late).
	((seen - released >= 950000)) || {
		echo "the close's step came $((seen - released)) us after the release"
		return 1
	}
	((seen - released <= 1500000 * SLOW))
	kill -USR1 "$SERVER_PID"
	# (The child's close waits at its own step: the parent's drops a
	# reference only.)
	wait_until 5 has_event parent close '"conn":1,.*"refs_before":2,"refs":1'
	# In the trace too: the shutdown 1 s after the accept and the 2 s
	# held, the close 1 s after the shutdown.
	awk -v a="$(event_t parent accept)" -v s="$(event_t parent shutdown)" \
	    -v c="$(event_t parent close)" \
	    'BEGIN { exit !(s - a >= 2.95 && c - s >= 0.95 && c - s < 2) }'
}

# server_child_of PID: PID (script) has a child, which is then SERVER_PID.
server_child_of() {
	SERVER_PID=$(children_of "$1")
	[ -n "$SERVER_PID" ]
}

@test "at a terminal, Enter releases the parent's step; a child's step waits for SIGUSR1 alone" {
	need_tool script bsdutils
	TRACE=$BATS_TEST_TMPDIR/trace.json
	SERVER_LOG=$BATS_TEST_TMPDIR/terminal.out
	local keys=$BATS_TEST_TMPDIR/keys
	mkfifo "$keys"
	# script(1) runs the server on a terminal of its own, in the
	# foreground, and types what comes through the FIFO.
	script -qfec "exec $SERVER ${AS_ROOT[*]} --step -l 127.0.0.1:0 --trace-json $TRACE" \
	    /dev/null <"$keys" >"$SERVER_LOG" 2>&1 3>&- &
	SCRIPT_PID=$!
	exec 6>"$keys"
	wait_until 10 grep -q '^listening on ' "$SERVER_LOG"
	wait_until 5 server_child_of "$SCRIPT_PID"
	PORT=$(awk '/^listening on /{print $4}' "$SERVER_LOG" | tr -d '\r')
	# A line typed before the step releases nothing.  The terminal's
	# echo of it says it is there, waiting to be read.
	printf 'early\n' >&6
	wait_until 5 grep -q '^early' "$SERVER_LOG"
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_until 5 prompts "parent conn 1: about to close" 1
	grep -q "; Enter or kill -USR1 $SERVER_PID"$'\r'"\$" "$SERVER_LOG"
	never_within 1 has_event parent close ''
	printf '\n' >&6
	wait_until 5 has_event parent close '"conn":1,'
	# The child does not read the terminal: Enter there releases nothing.
	exec 5>&-
	wait_until 5 prompts "child conn 1: about to close" 1
	local child
	child=$(prompt_pid child)
	run ! grep -q "step: pid $child .*Enter or" "$SERVER_LOG"
	printf '\n' >&6
	never_within 1 has_event child close ''
	kill -USR1 "$child"
	wait_until 5 has_event child close '"conn":1,'
}

@test "step = yes in the config file turns step mode on" {
	local conf=$BATS_TEST_TMPDIR/step.conf
	printf 'listen = 127.0.0.1:0\nstep = yes\n' >"$conf"
	start_server -c "$conf"
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_until 5 prompts "parent conn 1: about to close" 1
	kill -USR1 "$SERVER_PID"
	echoes one
}

@test "--step with a classic bug is refused, naming both" {
	run --separate-stderr "$SERVER" --lesson zombies --step -l 127.0.0.1:0
	assert_failure 64
	[[ $stderr == *"--classic-bug and --step: "* ]]
}
