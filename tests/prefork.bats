#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# The prefork model: a fixed pool of workers that serves many clients, is
# kept full when workers die or retire, never becomes a fork storm, and
# stops (SIGTERM) or renews itself (SIGHUP) without cutting a connection.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2030,SC2031 # bats runs a test and its teardown in one subshell

load helper

# Clients this file started in the background, by name: their PIDs, and
# the descriptors on which this shell holds their standard input.
declare -gA FC_PID FC_FD

setup() {
	TRACE=$BATS_TEST_TMPDIR/trace.json
}

teardown() {
	local name fd
	for name in "${!FC_PID[@]}"; do
		kill -KILL "${FC_PID[$name]}" 2>/dev/null || true
		wait "${FC_PID[$name]}" 2>/dev/null || true
	done
	for name in "${!FC_FD[@]}"; do
		fd=${FC_FD[$name]}
		exec {fd}>&-
	done
	stop_server
}

# prefork ARGS...: the server in the prefork model on port 0, with the
# JSON trace in $TRACE.
prefork() {
	start_server --model prefork -l 127.0.0.1:0 --trace-json "$TRACE" "$@"
}

# pool_of N: the server has exactly N live workers.
pool_of() { has_live_children "$SERVER_PID" "$1"; }

# workers: the server's live workers, sorted, on one line.
workers() { live_children_of "$SERVER_PID" | sort -n | tr '\n' ' '; }

# bg_client NAME INPUT CLIENT-OPTIONS...: starts forkecho in the
# background against the server, reading INPUT; it writes what comes back
# to $BATS_TEST_TMPDIR/NAME.out and its report to NAME.err.  Sets
# FC_PID[NAME].
bg_client() {
	local name=$1 input=$2 fd
	shift 2
	(
		# The FIFOs of fifo_client are this shell's: a client that
		# kept one open would be a writer that never ends its input.
		for fd in "${FC_FD[@]}"; do
			exec {fd}>&-
		done
		exec "$CLIENT" "$@" 127.0.0.1 "$PORT" <"$input" \
		    >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&-
	) &
	FC_PID[$name]=$!
}

# fifo_client NAME CLIENT-OPTIONS...: bg_client whose input is a FIFO
# that this shell holds open.  feed NAME LINE sends a line through it;
# end_input NAME closes the FIFO, which is the client's end of input.
fifo_client() {
	local name=$1 fifo=$BATS_TEST_TMPDIR/$1.in fd
	shift
	mkfifo "$fifo"
	# Read and write: opening a FIFO so does not wait for a reader.
	exec {fd}<>"$fifo"
	FC_FD[$name]=$fd
	bg_client "$name" "$fifo" "$@"
}

feed() { printf '%s\n' "$2" >&"${FC_FD[$1]}"; }

end_input() {
	local fd=${FC_FD[$1]}
	exec {fd}>&-
	unset 'FC_FD[$1]'
}

# client_exit NAME SECS: waits for the client NAME to end; sets
# EXIT_STATUS, and LAST to the last line of its report.
client_exit() {
	wait_exit "${FC_PID[$1]}" "$2" || return 1
	unset 'FC_PID[$1]'
	LAST=$(tail -n 1 "$BATS_TEST_TMPDIR/$1.err")
}

# echoed NAME LINE: LINE has come back to the client NAME.
echoed() { grep -qx -- "$2" "$BATS_TEST_TMPDIR/$1.out"; }

# worker_of_conn N: the PID of the worker that accepted connection N, or
# was passed it, from the trace.
worker_of_conn() {
	{
		grep -E "\"role\":\"worker\",\"event\":\"accept\",\"conn\":$1," "$TRACE" |
			sed 's/.*"pid":\([0-9]*\),.*/\1/'
		grep -E "\"event\":\"pass\",\"conn\":$1," "$TRACE" |
			sed 's/.*"worker_pid":\([0-9]*\).*/\1/'
	} | head -n 1
}

# The bytes queued unread on the server's side of its connections.
server_recvq() {
	ss -Htn "sport = :$PORT" | awk '{ n += $2 } END { print n + 0 }'
}

@test "fifty concurrent clients through a pool of four all get their bytes back intact" {
	prefork --workers 4
	wait_until 5 pool_of 4
	local i
	for i in $(seq 1 50); do
		# Three lines 50 ms apart keep each connection open for a
		# while, so that most of the fifty wait while four are served.
		# Each client gives up after 10 s without progress (-w).
		bg_client "c$i" /dev/null -w 10 -i 0.05 -m "client $i: one" \
		    -m "client $i: two" -m "client $i: three"
	done
	for i in $(seq 1 50); do
		client_exit "c$i" 30
		[ "$EXIT_STATUS" -eq 0 ] || {
			echo "client $i exited $EXIT_STATUS: $LAST"
			return 1
		}
		# The client compares; so does the test, byte for byte.
		printf 'client %s: one\nclient %s: two\nclient %s: three\n' \
		    "$i" "$i" "$i" | cmp - "$BATS_TEST_TMPDIR/c$i.out"
	done
	# Served by the pool: four workers, no process per connection.
	[ "$(grep -c '"event":"accept"' "$TRACE")" -eq 50 ]
	local servers
	servers=$(grep '"event":"accept"' "$TRACE" |
		sed 's/.*"pid":\([0-9]*\),.*/\1/' | sort -u | wc -l)
	[ "$servers" -le 4 ]
	[ "$(grep -c '"event":"spawn"' "$TRACE")" -eq 4 ]
	pool_of 4
}

@test "--workers 3 starts exactly three workers, and connections do not add any" {
	prefork --workers 3
	wait_until 5 pool_of 3
	local before i
	before=$(workers)
	for i in $(seq 1 10); do
		run timeout 10 "$CLIENT" -q -m "$i" 127.0.0.1 "$PORT"
		assert_success
	done
	[ "$(workers)" = "$before" ]
	[ "$(grep -c '"event":"spawn"' "$TRACE")" -eq 3 ]
}

@test "without --workers the pool has four workers" {
	need_nc
	prefork
	wait_until 5 pool_of 4
	run timeout 10 nc -N 127.0.0.1 "$PORT" <<<hello
	assert_success
	assert_output hello
	pool_of 4
	[ "$(grep -c '"event":"spawn"' "$TRACE")" -eq 4 ]
}

@test "an idle worker killed with SIGKILL is replaced within a second and reaped" {
	prefork --workers 3
	wait_until 5 pool_of 3
	local victim new
	victim=$(live_children_of "$SERVER_PID" | head -n 1)
	kill -KILL "$victim"
	replaced() {
		pool_of 3 && ! live_children_of "$SERVER_PID" | grep -qx "$victim"
	}
	wait_within 1 replaced
	run zombies_of "$SERVER_PID"
	assert_output ""
	wait_within 1 grep -qE "^forkechod: worker [1-3] \(pid $victim\) killed by signal 9; replaced by pid [0-9]+$" "$SERVER_LOG"
	new=$(sed -n "s/^forkechod: worker [1-3] (pid $victim) killed by signal 9; replaced by pid \([0-9]*\)$/\1/p" "$SERVER_LOG")
	live_children_of "$SERVER_PID" | grep -qx "$new"
	# The new worker serves.
	run timeout 10 "$CLIENT" -q -m again 127.0.0.1 "$PORT"
	assert_success
	pool_of 3
}

@test "a busy worker killed with SIGKILL ends its connection with FIN; another client carries on" {
	prefork --workers 3
	wait_until 5 pool_of 3
	# a: sends one line and, not half-closing, waits for the server's
	# FIN.  Its line is echoed, so nothing is left unread at the worker.
	bg_client a /dev/null --close none -w 10 -m one
	wait_until 5 echoed a one
	wait_until 5 grep -q '"event":"accept","conn":1,' "$TRACE"
	fifo_client b -w 10
	feed b first
	wait_until 5 echoed b first
	local victim
	victim=$(worker_of_conn 1)
	[ -n "$victim" ]
	kill -KILL "$victim"
	# The worker held the last reference: its death closes it, and with
	# nothing unread that is a FIN (docs/LINUX.md, L2 and L4).
	client_exit a 5
	[ "$EXIT_STATUS" -eq 0 ]
	[[ $LAST == *"sent 4 bytes, received 4 bytes, server sent FIN after"* ]]
	# b's worker is untouched: b goes on and ends normally.
	feed b second
	wait_until 5 echoed b second
	end_input b
	client_exit b 5
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/b.out")" = $'first\nsecond' ]
	wait_until 5 pool_of 3
	run zombies_of "$SERVER_PID"
	assert_output ""
	grep -qE "^forkechod: worker [1-3] \(pid $victim\) killed by signal 9; replaced by pid [0-9]+$" "$SERVER_LOG"
}

@test "a busy worker killed with SIGKILL while data waits unread ends its connection with RST" {
	need_tool ss iproute2
	prefork --workers 3
	wait_until 5 pool_of 3
	fifo_client a --close none -w 10
	feed a one
	wait_until 5 echoed a one
	local victim
	victim=$(worker_of_conn 1)
	[ -n "$victim" ]
	# Stopped, the worker cannot read what comes next.  kill returns
	# before the stop takes effect: wait for state T.
	kill -STOP "$victim"
	wait_until 5 stopped "$victim"
	feed a two
	unread() { [ "$(server_recvq)" -eq 4 ]; }
	wait_until 5 unread
	kill -KILL "$victim"
	# The last reference goes with unread data queued: RST (docs/LINUX.md, L4).
	client_exit a 5
	[ "$EXIT_STATUS" -eq 3 ]
	[[ $LAST == *"sent 8 bytes, received 4 bytes, connection reset by server (RST)"* ]]
	wait_until 5 pool_of 3
	run zombies_of "$SERVER_PID"
	assert_output ""
	run timeout 10 "$CLIENT" -q -m after 127.0.0.1 "$PORT"
	assert_success
}

@test "--max-requests-per-worker 2 replaces the worker after its second connection" {
	prefork --workers 1 --max-requests-per-worker 2
	wait_until 5 pool_of 1
	local first second
	first=$(workers)
	run timeout 10 "$CLIENT" -q -m one 127.0.0.1 "$PORT"
	assert_success
	[ "$(workers)" = "$first" ]
	run timeout 10 "$CLIENT" -q -m two 127.0.0.1 "$PORT"
	assert_success
	retired() { pool_of 1 && [ "$(workers)" != "$first" ]; }
	wait_until 5 retired
	second=$(workers)
	run timeout 10 "$CLIENT" -q -m three 127.0.0.1 "$PORT"
	assert_success
	first=${first% } second=${second% }
	[ "$(worker_of_conn 1)" = "$first" ]
	[ "$(worker_of_conn 2)" = "$first" ]
	[ "$(worker_of_conn 3)" = "$second" ]
	grep -q "\"pid\":$first,\"role\":\"worker\",\"event\":\"exit\",\"worker\":1,\"status\":0" "$TRACE"
	grep -q "\"event\":\"reap\",\"worker\":1,\"worker_pid\":$first,\"status\":0" "$TRACE"
	grep -q "\"event\":\"spawn\",.*\"worker\":1,\"worker_pid\":$second" "$TRACE"
}

@test "--accept-in parent with every worker busy: a third client waits until one ends" {
	prefork --workers 2 --accept-in parent
	wait_until 5 pool_of 2
	fifo_client a -w 10
	feed a a
	wait_until 5 echoed a a
	fifo_client b -w 10
	feed b b
	wait_until 5 echoed b b
	bg_client c /dev/null -w 20 -m c
	# The parent accepts it and keeps it queued: no worker is idle.
	wait_until 5 grep -q '"role":"parent","event":"accept","conn":3,' "$TRACE"
	never_within 1 echoed c c
	run ! grep -q '"event":"pass","conn":3,' "$TRACE"
	# a ends: its worker is idle again and gets the third connection.
	end_input a
	client_exit a 5
	[ "$EXIT_STATUS" -eq 0 ]
	client_exit c 5
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/c.out")" = c ]
	grep -q '"event":"pass","conn":3,' "$TRACE"
	[ "$(worker_of_conn 3)" = "$(worker_of_conn 1)" ]
	end_input b
	client_exit b 5
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "workers that die right after their start are replaced with a growing pause, not a fork storm" {
	prefork --workers 2
	wait_until 5 pool_of 2
	# For two seconds, kill every worker the moment it is seen.
	local end pid spawns
	end=$(($(now_us) + 2000000))
	while (($(now_us) < end)); do
		for pid in $(live_children_of "$SERVER_PID"); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		sleep 0.01
	done
	spawns=$(grep -c '"event":"spawn"' "$TRACE")
	# Respawned at once, each slot would see a new worker every few
	# tens of milliseconds (over 50 in 2 s); with the pause (0, 0.1,
	# 0.2, 0.4, 0.8, 1.6 s) about 6 per slot.
	echo "spawns in the window: $spawns"
	[ "$spawns" -ge 6 ]
	[ "$spawns" -le 16 ]
	# Each quick death of slot 1 after the first doubles the pause.
	local d
	for d in 0.1 0.2 0.4 0.8; do
		grep -qE "^forkechod: worker 1 \(pid [0-9]+\) killed by signal 9; it died 0\.[0-9]+ s after its start; replacing it in $d s$" "$SERVER_LOG"
	done
	# Left alone, the pool fills again (the longest pause due is 3.2 s)
	# and serves.
	wait_until 10 pool_of 2
	run timeout 10 "$CLIENT" -q -m back 127.0.0.1 "$PORT"
	assert_success
}

@test "SIGTERM drains the pool: the busy worker finishes, new clients are refused, exit 0" {
	prefork --workers 3 --drain-timeout 20
	wait_until 5 pool_of 3
	local pool pid
	pool=$(workers)
	fifo_client a -w 10
	feed a one
	wait_until 5 echoed a one
	kill -TERM "$SERVER_PID"
	wait_until 5 grep -q '^forkechod: stopping: waiting up to 20.0 s for 3 workers$' "$SERVER_LOG"
	# The idle workers leave at once; the busy one stays with its client.
	wait_until 5 pool_of 1
	[ "$(workers)" = "$(worker_of_conn 1) " ]
	run --separate-stderr timeout 10 "$CLIENT" -m new 127.0.0.1 "$PORT"
	assert_failure 5
	[[ ${stderr_lines[-1]} == "forkecho: connect 127.0.0.1 $PORT: Connection refused" ]]
	kill -0 "$SERVER_PID"
	feed a two
	wait_until 5 echoed a two
	kill -0 "$SERVER_PID"
	end_input a
	client_exit a 5
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/a.out")" = $'one\ntwo' ]
	wait_exit "$SERVER_PID" 5
	[ "$EXIT_STATUS" -eq 0 ]
	SERVER_PID=
	for pid in $pool; do
		not_running "$pid"
	done
	grep -q '"event":"stop"' "$TRACE"
}

@test "SIGHUP replaces every worker, and a connection open across it completes intact" {
	prefork --workers 2
	wait_until 5 pool_of 2
	local old
	old=$(workers)
	fifo_client a -w 10
	feed a one
	wait_until 5 echoed a one
	kill -HUP "$SERVER_PID"
	wait_until 5 grep -q '^forkechod: SIGHUP: replacing 2 workers as they finish$' "$SERVER_LOG"
	# The idle worker goes at once; the busy one stays for its client.
	local busy
	busy=$(worker_of_conn 1)
	# survivors: how many of the old workers are still in the pool.
	survivors() {
		local n=0 p
		for p in $old; do
			if live_children_of "$SERVER_PID" | grep -qx "$p"; then
				n=$((n + 1))
			fi
		done
		echo "$n"
	}
	idle_replaced() { pool_of 2 && [ "$(survivors)" -eq 1 ]; }
	wait_until 5 idle_replaced
	live_children_of "$SERVER_PID" | grep -qx "$busy"
	feed a two
	wait_until 5 echoed a two
	end_input a
	client_exit a 5
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/a.out")" = $'one\ntwo' ]
	all_new() { pool_of 2 && [ "$(survivors)" -eq 0 ]; }
	wait_until 5 all_new
	run timeout 10 "$CLIENT" -q -m after 127.0.0.1 "$PORT"
	assert_success
	run zombies_of "$SERVER_PID"
	assert_output ""
}

# refused ARGS...: the server refuses ARGS as a usage error (64), with a
# first line that starts "forkechod: ", and does not start.
refused() {
	run --separate-stderr timeout 5 "$SERVER" "$@" -l 127.0.0.1:0
	assert_failure 64
	[ -z "$output" ]
	[[ ${stderr_lines[0]} == "forkechod: "* ]]
}

@test "--workers 0 is refused with status 64" {
	refused --model prefork --workers 0
	[ "${stderr_lines[0]}" = "forkechod: --workers: '0' is not a whole number from 1 to 1024" ]
}

@test "--workers abc is refused with status 64" {
	refused --model prefork --workers abc
	[ "${stderr_lines[0]}" = "forkechod: --workers: 'abc' is not a whole number from 1 to 1024" ]
}

@test "--accept-in nope is refused with status 64" {
	refused --model prefork --accept-in nope
	[ "${stderr_lines[0]}" = "forkechod: --accept-in: 'nope' is not workers or parent" ]
}

@test "--parent-shutdown with prefork workers accepting is refused, naming both" {
	refused --model prefork --parent-shutdown rdwr@1
	[[ ${stderr_lines[0]} == "forkechod: --parent-shutdown and --accept-in workers: "* ]]
}

@test "--parent-close-listener with --model fork is refused, naming both" {
	refused --model fork --parent-close-listener 1
	[[ ${stderr_lines[0]} == "forkechod: --parent-close-listener and --model fork: "* ]]
}

@test "a listening socket shut down under the pool stops the server instead of respawning into it" {
	# The parent keeps its copy, so only the shutdown tells it that new
	# workers could never accept (docs/LINUX.md, P8: a fork loop).
	prefork --workers 3 --worker-shutdown-listener rd@0.5
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 1 ]
	SERVER_PID=
	grep -qx 'forkechod: no worker can accept any more: the listening socket is shut down; stopping' "$SERVER_LOG"
	[ "$(grep -c '"event":"error",.*"call":"accept","errno":"EINVAL"' "$TRACE")" -eq 3 ]
	[ "$(grep -c '"event":"spawn"' "$TRACE")" -eq 3 ]
	run timeout 10 "$CLIENT" -q -m late 127.0.0.1 "$PORT"
	assert_failure 5
}

@test "a pass the worker does not acknowledge is traced with refs unknown, not guessed" {
	prefork -w 1 --accept-in parent
	wait_until 5 pool_of 1
	local w
	w=$(workers | tr -d ' ')
	# A stopped worker cannot say it holds the socket; meanwhile the
	# descriptor is in flight, in no /proc table (docs/LINUX.md, L15).
	kill -STOP "$w"
	wait_until 5 stopped "$w"
	bg_client late /dev/null -m late -w 10
	wait_until 10 grep -q '"event":"pass"' "$TRACE"
	kill -CONT "$w"
	grep -q '"event":"pass","conn":1,"fd":[0-9]*,"refs_before":1,"refs":null,' "$TRACE"
	grep -q "worker 1 (pid $w) did not acknowledge connection 1" "$SERVER_LOG"
	# The parent's close cannot be judged either: no made-up RST.
	wait_until 5 grep -q '"role":"parent","event":"close","conn":1' "$TRACE"
	grep '"role":"parent","event":"close","conn":1' "$TRACE" |
	    grep -q '"refs_before":null,"refs":null,.*"wire":null'
	# And the client is served all the same.
	wait_exit "${FC_PID[late]}" 10
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/late.out")" = late ]
}

@test "SHUT_WR on the shared listening socket changes nothing, and the trace says so" {
	prefork -w 2 --worker-shutdown-listener wr@0.2 --trace
	wait_until 5 grep -q '"event":"shutdown","worker":1,"fd":[0-9]*,"how":"SHUT_WR",.*"wire":"none"' "$TRACE"
	# The trace writes the JSON line first, then the lane view's.
	wait_until 5 grep -q 'SHUT_WR on a listening socket changes nothing: it still accepts' "$SERVER_LOG"
	run --separate-stderr timeout 10 "$CLIENT" -m still 127.0.0.1 "$PORT"
	assert_success
	assert_output still
	run grep -c '"event":"error"' "$TRACE"
	assert_output 0
}

# none_running PID...: none of the processes is running (a zombie is not).
none_running() {
	local pid
	for pid in "$@"; do
		not_running "$pid" || return 1
	done
}

@test "no worker outlives a parent killed with SIGKILL, in either accept mode" {
	local mode workers
	for mode in workers parent; do
		start_server -l 127.0.0.1:0 -m prefork -w 3 --accept-in "$mode"
		wait_until 5 has_live_children "$SERVER_PID" 3
		mapfile -t workers < <(live_children_of "$SERVER_PID")
		kill -KILL "$SERVER_PID"
		wait "$SERVER_PID" 2>/dev/null || true
		# Each worker's channel to the parent reads EOF: it exits.
		wait_within 1 none_running "${workers[@]}"
		SERVER_PID=
	done
}

# The quick path of --accept-in parent: with no trace and no choreography
# the parent passes before its next accept and reads a worker's DONE
# only when it needs an idle one.  These run it without --trace-json.

@test "passing sockets untraced: workers that retire after --max-requests-per-worker lose no connection" {
	start_server -l 127.0.0.1:0 -q -m prefork -w 2 --accept-in parent \
	    --max-requests-per-worker 3
	# The count is the point, not the speed: the bench's time stretches
	# with FORKECHO_SLOW as every other deadline does.
	run --separate-stderr "$BENCH" -m sessions -c 8 -n 600 \
	    -d $((5 * SLOW)) --size 1-65536 --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_regex "$output" '"ops":600,.*"errors":0,'
	assert_equal "$stderr" ""
	# 600 connections, 3 a worker: about 200 workers came and went.
	wait_until 10 pool_of 2
	assert_equal "$(zombies_of "$SERVER_PID")" ""
}

@test "passing sockets untraced: SIGHUP after SIGHUP under load loses no connection" {
	local conf=$BATS_TEST_TMPDIR/f.conf i
	printf 'model = prefork\nworkers = 3\naccept-in = parent\n' >"$conf"
	start_server -l 127.0.0.1:0 -c "$conf"
	# Sessions that half-close: a reset in the log would be the server's.
	"$BENCH" -m sessions -c 8 -d 3 --size 1-65536 \
	    --json 127.0.0.1 "$PORT" >"$BATS_TEST_TMPDIR/bench.out" 3>&- &
	FC_PID[bench]=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -HUP "$SERVER_PID"
		wait_until 5 hups_said "$i"
	done
	wait_exit "${FC_PID[bench]}" 20
	unset 'FC_PID[bench]'
	assert_equal "$EXIT_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/bench.out"
	assert_output --regexp '"errors":0,'
	assert_output --regexp '"ops":[1-9][0-9]*,'
	# Nothing but the reloads in the log: no worker met a broken pipe.
	run grep -v '^forkechod: SIGHUP: ' "$SERVER_LOG"
	assert_output ""
}

# The shared queue (server/passq.h): untraced, with no choreography, the
# parent sends each connection into one queue that every idle worker
# reads, and the workers tell it nothing.

# plain_pool ARGS...: a pool whose parent accepts, without the trace.
plain_pool() {
	start_server --model prefork -l 127.0.0.1:0 --accept-in parent "$@"
}

# backlog_is N: N connections wait in the listening socket's accept
# queue, not yet accepted by anyone.
backlog_is() {
	[ "$(ss -Hltn "sport = :$PORT" | awk '{ print $2; exit }')" = "$1" ]
}
backlog_below() { (($(ss -Hltn "sport = :$PORT" | awk '{ print $2; exit }') < $1)); }

# line_file NAME: a file holding the line NAME, for bg_client.
line_file() { printf '%s\n' "$1" >"$BATS_TEST_TMPDIR/$1.txt"; }

@test "passing sockets untraced: one connection per worker waits in the shared queue, the rest in the backlog, and all are served" {
	plain_pool --workers 1
	wait_until 5 pool_of 1
	fifo_client a -w 20
	feed a a
	wait_until 5 echoed a a
	local n
	for n in b c d e; do
		line_file "$n"
		bg_client "$n" "$BATS_TEST_TMPDIR/$n.txt" -w 20
	done
	# The one worker is busy: the parent accepts b into the queue and
	# stops there, so c, d and e stay in the kernel's accept queue.
	wait_until 5 backlog_is 3
	never_within 1 backlog_below 3
	never_within 0.5 echoed b b
	# a ends: the worker takes b, and wakes the parent, which accepts
	# the next; every client is served in turn.
	end_input a
	client_exit a 5
	[ "$EXIT_STATUS" -eq 0 ]
	for n in b c d e; do
		client_exit "$n" 10
		[ "$EXIT_STATUS" -eq 0 ]
		[ "$(cat "$BATS_TEST_TMPDIR/$n.out")" = "$n" ]
	done
	wait_until 5 backlog_is 0
}

@test "passing sockets untraced: the workers tell the parent nothing, and the parent sends each connection once" {
	skip_under_valgrind "strace and valgrind do not trace the same process"
	need_tool strace strace
	local log=$BATS_TEST_TMPDIR/s.strace spid n
	# shellcheck disable=SC2034 # SERVER_WRAP: see helper.bash
	SERVER_WRAP=(strace -f -qq -e 'trace=sendmsg,sendto' -o "$log")
	plain_pool --workers 2 -q
	# shellcheck disable=SC2034
	SERVER_WRAP=()
	spid=$(children_of "$SERVER_PID" | head -n 1)
	wait_until 5 has_live_children "$spid" 2
	for n in 1 2 3 4 5 6; do
		run timeout 10 "$CLIENT" -q -m "hello $n" 127.0.0.1 "$PORT"
		assert_success
		assert_output "hello $n"
	done
	# The parent: one sendmsg a connection, into the queue.
	[ "$(grep -cE "^$spid +sendmsg\(" "$log")" -eq 6 ]
	# A worker: nothing to the parent (no DONE).
	run sh -c "grep -E '^[0-9]+ +(sendmsg|sendto)\(' '$log' | awk -v p=$spid '\$1 != p'"
	assert_output ""
	kill -TERM "$spid"
	wait_exit "$SERVER_PID" 10
	SERVER_PID=
}

@test "passing sockets untraced: a worker killed while serving gives its --per-source place back" {
	plain_pool --workers 1 --per-source 1 -q
	wait_until 5 pool_of 1
	local first
	first=$(workers)
	fifo_client a -w 20
	feed a a
	wait_until 5 echoed a a
	kill -KILL "${first% }"
	client_exit a 5
	wait_until 5 pool_of 1
	# Its connection was counted for 127.0.0.1; it is over with the
	# worker, so the next client from there is served, not refused.
	run timeout 10 "$CLIENT" -q -m again 127.0.0.1 "$PORT"
	assert_success
	assert_output again
}

@test "passing sockets untraced: a worker out of descriptors loses that connection, not its place in the queue" {
	skip_under_valgrind "its runs add the trace, which passes on each worker's own channel, not through the shared queue"
	need_tool prlimit util-linux
	plain_pool --workers 1
	wait_until 5 pool_of 1
	local w n
	w=$(workers)
	w=${w% }
	# Its lowest free descriptor number as its limit: the next
	# descriptor cannot come.
	n=0
	while [ -e "/proc/$w/fd/$n" ]; do n=$((n + 1)); done
	prlimit --pid "$w" --nofile="$n:"
	run timeout 10 "$CLIENT" -q -m lost 127.0.0.1 "$PORT"
	refute_output lost
	wait_until 5 grep -qE "^forkechod: worker 1: recvmsg on the workers' queue: connection 1 came without its socket: " "$SERVER_LOG"
	# The same worker, given room again, serves the next client: the
	# queue's one place came back with the lost connection.
	prlimit --pid "$w" --nofile=1024:
	run timeout 10 "$CLIENT" -q -m again 127.0.0.1 "$PORT"
	assert_success
	assert_output again
	[ "$(workers)" = "$w " ]
}

# traced_by PID TRACER: TRACER (a PID) has attached to PID.
traced_by() { grep -qx "TracerPid:[[:space:]]*$2" "/proc/$1/status"; }

@test "passing sockets untraced: a worker killed after taking a connection out of the queue, before counting it, costs the queue no place" {
	skip_under_valgrind "its runs add the trace, which passes on each worker's own channel, not through the shared queue"
	need_tool strace strace
	# One worker, so one place in the queue: a place lost for good
	# would leave the parent waiting for room that never comes.
	plain_pool --workers 1 --per-source 1 -q
	wait_until 5 pool_of 1
	local w log=$BATS_TEST_TMPDIR/w.strace tracer
	w=$(workers)
	w=${w% }
	# The worker's receive from the queue is held at its return, with
	# the connection out of the socket and not yet counted as taken.
	strace -qq -p "$w" -o "$log" -e trace=recvmsg \
	    -e inject=recvmsg:delay_exit=60s &
	tracer=$!
	FC_PID[tracer]=$tracer
	wait_until 5 traced_by "$w" "$tracer"
	line_file a
	bg_client a "$BATS_TEST_TMPDIR/a.txt" -w 20
	wait_until 5 grep -q 'SCM_RIGHTS' "$log"
	# SIGKILL waits while strace holds the worker stopped; strace
	# leaving lets it in.
	kill -KILL "$w"
	kill -TERM "$tracer"
	wait_exit "$tracer" 10
	unset 'FC_PID[tracer]'
	client_exit a 10
	wait_until 5 pool_of 1
	# The next client, from the same host, is accepted and served: the
	# place in the queue and the --per-source count came back.
	run timeout 10 "$CLIENT" -q -m again 127.0.0.1 "$PORT"
	assert_success
	assert_output again
}

@test "passing sockets untraced: SIGTERM closes the connections still queued, and the busy worker finishes" {
	plain_pool --workers 1 --drain-timeout 20
	wait_until 5 pool_of 1
	fifo_client a -w 20
	feed a one
	wait_until 5 echoed a one
	fifo_client b -w 20
	feed b b
	# b is accepted into the queue: nothing is left in the backlog.
	wait_until 5 backlog_is 0
	kill -TERM "$SERVER_PID"
	# b is closed at once, never served, while a still is.
	client_exit b 5
	[ "$(cat "$BATS_TEST_TMPDIR/b.out")" = "" ]
	kill -0 "$SERVER_PID"
	feed a two
	wait_until 5 echoed a two
	end_input a
	client_exit a 5
	[ "$EXIT_STATUS" -eq 0 ]
	wait_exit "$SERVER_PID" 5
	[ "$EXIT_STATUS" -eq 0 ]
	SERVER_PID=
}

@test "passing sockets untraced: a reload that turns the choreography on takes effect for the next connection" {
	local conf=$BATS_TEST_TMPDIR/f.conf
	printf 'model = prefork\nworkers = 2\naccept-in = parent\n' >"$conf"
	start_server -l 127.0.0.1:0 -c "$conf"
	wait_until 5 pool_of 2
	run timeout 10 "$CLIENT" -q -m one -m two 127.0.0.1 "$PORT"
	assert_success
	assert_output $'one\ntwo'
	# child-end = first: each connection ends after its first echo.
	printf 'child-end = first\n' >>"$conf"
	kill -HUP "$SERVER_PID"
	wait_until 5 hups_said 1
	wait_until 5 pool_of 2
	run timeout 10 "$CLIENT" -q -i 0.2 -m one -m two 127.0.0.1 "$PORT"
	assert_output one
	# And back: the shared queue again.
	sed -i '/^child-end/d' "$conf"
	kill -HUP "$SERVER_PID"
	wait_until 5 hups_said 2
	run timeout 10 "$CLIENT" -q -m one -m two 127.0.0.1 "$PORT"
	assert_success
	assert_output $'one\ntwo'
}

# hups_said N: the log has N lines of SIGHUP replacing workers.
hups_said() {
	[ "$(grep -c '^forkechod: SIGHUP: replacing' "$SERVER_LOG")" -ge "$1" ]
}

# past_us T: the clock has passed T (microseconds, as now_us).
past_us() { (($(now_us) >= $1)); }

@test "a drain that outlasts --parent-close-listener's time leaves the parent asleep" {
	skip_under_valgrind "CPU time of its own"
	local start got before after
	prefork --workers 2 --parent-close-listener 1 --drain-timeout 30
	# Taken once the server is ready, so later than its own start: the
	# close time has passed by start + 1.2 s however slow the start was.
	start=$(now_us)
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'x\n' >&5
	read -r -t 5 got <&5
	[ "$got" = x ]
	kill -TERM "$SERVER_PID"
	wait_until 5 grep -q 'stopping: waiting up to' "$SERVER_LOG"
	# The close time (1 s after the start) passes during the drain; the
	# parent waits for its busy worker, and nothing else is due.
	wait_until 5 past_us $((start + 1200000))
	before=$(cpu_ticks "$SERVER_PID")
	sleep 1		# the interval measured, not a wait for an event
	after=$(cpu_ticks "$SERVER_PID")
	((after - before < 5)) || fail "the parent used $((after - before)) ticks in 1 s"
	exec 5>&-
	wait_exit "$SERVER_PID" 10
	[ "$EXIT_STATUS" -eq 0 ]
	SERVER_PID=
}

@test "without -c, SIGHUP says there is nothing to re-read, then replaces the workers" {
	prefork --workers 2
	wait_until 5 pool_of 2
	kill -HUP "$SERVER_PID"
	wait_until 5 grep -q '^forkechod: SIGHUP: replacing' "$SERVER_LOG"
	run grep '^forkechod: SIGHUP: ' "$SERVER_LOG"
	assert_output 'forkechod: SIGHUP: no config file (-c) to re-read
forkechod: SIGHUP: replacing 2 workers as they finish'
}
