#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forkecho-bench: the result line the bench harness parses, the counts,
# the error kinds and the exit statuses, against forkechod and against the
# test peer (tests/peer.c) misbehaving on purpose; its command line.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2153 # PORT: see helper.bash
# shellcheck disable=SC2030,SC2031 # bats runs each test in its own subshell

load helper

teardown() {
	# A background client left by a failed test.
	if [ -n "${BG_CLIENT:-}" ]; then
		kill -KILL "$BG_CLIENT" 2>/dev/null || true
		wait "$BG_CLIENT" 2>/dev/null || true
	fi
	stop_peer
	stop_server
}

# The numbers of a result line.
N='[0-9]+'
F='[0-9]+\.[0-9]+'

# sessions_line and rtt_line ERRORS: the last line of a run of that mode.
sessions_line() {
	echo "^bench sessions: $N sessions in $F s, $F sessions/s, p50 $F ms, p99 $F ms, max $F ms, $1 errors\$"
}
rtt_line() {
	echo "^bench rtt: $N round trips in $F s, $F round trips/s, p50 $F ms, p99 $F ms, max $F ms, $1 errors\$"
}
bulk_line() {
	echo "^bench bulk: $F MiB in $F s, $F MiB/s, $1 errors\$"
}

# ms_since START_US: milliseconds since now_us said START_US.
ms_since() { echo $((($(now_us) - $1) / 1000)); }

@test "a one-second sessions run against forkechod has no errors and exits 0" {
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -m sessions -d 1 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_regex "$output" "$(sessions_line 0)"
	assert_equal "${#lines[@]}" 1
	assert_equal "$stderr" ''
	[[ $output =~ :\ ([0-9]+)\ sessions ]] && ((BASH_REMATCH[1] > 0))
}

@test "a one-second rtt run against forkechod has no errors and exits 0" {
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -m rtt -c 4 -d 1 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_regex "$output" "$(rtt_line 0)"
	assert_equal "$stderr" ''
	[[ $output =~ :\ ([0-9]+)\ round\ trips ]] && ((BASH_REMATCH[1] > 0))
}

@test "a one-second bulk run against forkechod has no errors and exits 0" {
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -m bulk -c 2 -d 1 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_regex "$output" "$(bulk_line 0)"
	assert_equal "$stderr" ''
	[[ $output =~ :\ ([0-9]+)\.[0-9]\ MiB ]] && ((BASH_REMATCH[1] > 0))
}

@test "--json prints one JSON object with every field" {
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -m sessions --json -c 2 -n 20 --size 100 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 1
	assert_regex "$output" '^\{.*\}$'
	assert_equal "$(json_field mode)" '"sessions"'
	assert_equal "$(json_field concurrency)" 2
	assert_equal "$(json_field size)" 100
	assert_equal "$(json_field ops)" 20
	assert_equal "$(json_field bytes)" 2000
	assert_equal "$(json_field unit)" '"sessions/s"'
	assert_equal "$(json_field errors)" 0
	local f
	for f in elapsed rate p50_ms p99_ms max_ms; do
		assert_regex "$(json_field "$f")" "^$F\$"
	done
	for f in connect reset mismatch short timeout; do
		assert_equal "$(json_field "$f")" 0
	done
}

@test "--json output parses as JSON (with jq), with exactly five error kinds" {
	need_tool jq jq
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -m sessions --json -n 5 127.0.0.1 "$PORT"
	assert_success
	jq -e '.mode == "sessions" and .ops == 5 and
		(.error_kinds | keys | length) == 5' <<<"$output"
}

@test "the server as forkecho names it: HOST:PORT and [ADDR]:PORT as one operand" {
	need_tool jq jq
	start_server -l 127.0.0.1:0 -l '[::1]:0' -q
	local port6
	port6=$(awk '/^listening on ::1 /{print $4; exit}' "$SERVER_OUT")
	run --separate-stderr "$BENCH" -m sessions --json -n 3 "127.0.0.1:$PORT"
	assert_success
	jq -e '.ops == 3 and .errors == 0' <<<"$output"
	run --separate-stderr "$BENCH" -m sessions --json -n 3 "[::1]:$port6"
	assert_success
	jq -e '.ops == 3 and .errors == 0' <<<"$output"
	run --separate-stderr "$BENCH" -n 3 "127.0.0.1:$PORT" "$PORT"
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: '127.0.0.1:$PORT' names a port already: '$PORT' is one too many"
}

@test "-n bounds the count: 10 sessions, 25 round trips on 4 connections, 1 MiB a stream" {
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -m sessions -n 10 -c 3 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_regex "$output" '^bench sessions: 10 sessions in '
	run --separate-stderr "$BENCH" -m rtt -n 25 -c 4 --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field ops)" 25
	assert_equal "$(json_field bytes)" $((25 * 64))
	run --separate-stderr "$BENCH" -m bulk -n 1 -c 2 --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field ops)" 2
	assert_equal "$(json_field bytes)" $((2 * 1048576))
}

@test "a changed byte is counted as a mismatch, named, and makes the status 1" {
	start_peer mismatch
	run --separate-stderr "$BENCH" -m sessions -n 5 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "${lines[0]}" 'bench sessions errors: connect 0, reset 0, mismatch 5, short 0, timeout 0'
	assert_regex "${lines[1]}" "^bench sessions: 0 sessions in $F s, .*, 5 errors\$"
	assert_equal "${stderr_lines[0]}" 'forkecho-bench: session 1: echo differs from what was sent at byte 5'
	assert_equal "${#stderr_lines[@]}" 5
}

@test "every third session corrupted: exactly 3 mismatches in 9, 6 intact" {
	start_peer -e 3 mismatch
	run --separate-stderr "$BENCH" -m sessions -n 9 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$(json_field ops)" 6
	assert_equal "$(json_field errors)" 3
	assert_equal "$(json_field mismatch)" 3
	assert_equal "${stderr_lines[*]}" "forkecho-bench: session 3: echo differs from what was sent at byte 5 forkecho-bench: session 6: echo differs from what was sent at byte 5 forkecho-bench: session 9: echo differs from what was sent at byte 5"
}

@test "bulk checks every byte: one changed 3 MB into the stream is caught there" {
	start_peer -k 3000000 mismatch
	run --separate-stderr "$BENCH" -m bulk -d 1 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$(json_field mismatch)" 1
	assert_equal "$(json_field bytes)" 2999999
	assert_equal "$stderr" 'forkecho-bench: stream 1: echo differs from what was sent at byte 3000000'
}

@test "bulk catches a dropped byte and a duplicated one where they happen" {
	start_peer -k 1000000 drop
	run --separate-stderr "$BENCH" -m bulk -d 1 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$(json_field mismatch)" 1
	assert_regex "$stderr" '^forkecho-bench: stream 1: echo differs from what was sent at byte 100000[0-9]$'
	start_peer -k 1000000 dup
	run --separate-stderr "$BENCH" -m bulk -d 1 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$(json_field mismatch)" 1
	assert_regex "$stderr" '^forkecho-bench: stream 1: echo differs from what was sent at byte 100000[0-9]$'
}

@test "rtt checks each round trip: a byte changed in the second is caught there" {
	start_peer -k 100 mismatch
	run --separate-stderr "$BENCH" -m rtt -d 1 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$(json_field ops)" 1
	assert_equal "$(json_field mismatch)" 1
	assert_equal "$stderr" 'forkecho-bench: connection 1: round trip 2: echo differs from what was sent at byte 36'
}

@test "a reset and a short echo are counted as such" {
	start_peer rst
	run --separate-stderr "$BENCH" -m sessions -n 2 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$(json_field reset)" 2
	assert_regex "${stderr_lines[0]}" "^forkecho-bench: session 1: read 127\.0\.0\.1 $PEER_PORT: Connection reset by peer\$"
	start_peer short
	run --separate-stderr "$BENCH" -m sessions -n 2 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$(json_field short)" 2
	assert_equal "${stderr_lines[0]}" 'forkecho-bench: session 1: server sent FIN after 63 of 64 bytes came back'
}

# never_answers MODE: against a peer that reads and never echoes, and one
# that never reads, the run ends within -d plus -w and counts timeouts.
never_answers() {
	local peer t0 ms
	for peer in discard noread; do
		start_peer "$peer"
		t0=$(now_us)
		run --separate-stderr timeout 10 "$BENCH" -m "$1" -d 0.5 -w 0.5 --json 127.0.0.1 "$PEER_PORT"
		ms=$(ms_since "$t0")
		assert_equal "$status" 1
		((ms < (1000 + 500) * SLOW)) || fail "$1 against $peer took $ms ms"
		(($(json_field timeout) >= 1)) || fail "$1 against $peer: $output"
		assert_equal "$(json_field errors)" "$(json_field timeout)"
		assert_regex "${stderr_lines[0]}" '^forkecho-bench: (session|connection|stream) 1: .*no progress within 0\.5 s: sent [0-9]+ bytes, received 0 bytes$'
	done
}

@test "sessions with a server that never answers end within -d plus -w, with timeouts" {
	never_answers sessions
}

@test "rtt with a server that never answers ends within -d plus -w, with timeouts" {
	never_answers rtt
}

@test "bulk with a server that never answers ends within -d plus -w, with timeouts" {
	never_answers bulk
}

@test "a port nobody listens on: connect errors, status 5, and the run stops at once" {
	start_peer echo
	local port=$PEER_PORT
	stop_peer
	local t0
	t0=$(now_us)
	run --separate-stderr "$BENCH" -m sessions -c 3 -d 5 --json 127.0.0.1 "$port"
	assert_equal "$status" 5
	(($(ms_since "$t0") < 1000)) || fail "it tried for the whole duration"
	assert_equal "$(json_field connect)" 3
	assert_equal "${stderr_lines[0]}" "forkecho-bench: session 1: connect 127.0.0.1 $port from 127.0.1.1: Connection refused"
}

@test "to 127.0.0.1 each connection comes from its own loopback source address" {
	start_peer -a echo
	run --separate-stderr "$BENCH" -m sessions -n 3 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	wait_until 10 grep -q '^peer: connection 3: EOF' "$PEER_LOG"
	run grep -o 'connection [0-9]*: from [0-9.]*' "$PEER_LOG"
	assert_equal "${lines[*]}" 'connection 1: from 127.0.1.1 connection 2: from 127.0.1.2 connection 3: from 127.0.1.3'
}

@test "to another address the kernel chooses the source" {
	[ -e /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6 ||
		skip "no IPv6 loopback"
	start_peer -a -l '[::1]:0' echo
	run --separate-stderr "$BENCH" -m sessions -n 2 ::1 "$PEER_PORT"
	assert_equal "$status" 0
	wait_until 10 grep -q '^peer: connection 2: EOF' "$PEER_LOG"
	run grep -c 'connection [0-9]*: from ::1 ' "$PEER_LOG"
	assert_equal "$output" 2
}

# peer_echoed: the peer's connection has sent bytes the client acked.
peer_echoed() {
	ss -tin state established "( sport = :$PEER_PORT )" | grep -q 'bytes_acked:[1-9]'
}

@test "SIGTERM ends a run early and still prints its result" {
	need_tool ss iproute2
	start_peer -a echo
	local out=$BATS_TEST_TMPDIR/out pid
	"$BENCH" -m rtt -d 30 127.0.0.1 "$PEER_PORT" >"$out" 2>&1 3>&- &
	pid=$!
	BG_CLIENT=$pid
	# The handler is in place before the connection is made, and a round
	# trip is under way once the peer has sent an echo that was acked:
	# one that has started ends before the run does.
	wait_until 10 grep -q '^peer: connection 1: from' "$PEER_LOG"
	wait_until 10 peer_echoed
	kill -TERM "$pid"
	wait_exit "$pid" 2
	assert_equal "$EXIT_STATUS" 0
	assert_regex "$(cat "$out")" "$(rtt_line 0)"
}

# grep_count_is FILE REGEX N: FILE has N lines that match REGEX (ERE).
grep_count_is() { [ "$(grep -cE "$2" "$1")" -eq "$3" ]; }

@test "--close mixed ends sessions all three ways, counts each, and the server sees each" {
	start_server -l 127.0.0.1:0 -v
	run --separate-stderr "$BENCH" -m sessions --close mixed --size 1-200000 -n 300 -c 4 -d $((5 * SLOW)) --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field errors)" 0
	assert_equal "$(json_field ops)" 300
	local shut cl abort
	shut=$(closes_field shutdown) cl=$(closes_field close) abort=$(closes_field linger0)
	assert_equal $((shut + cl + abort)) 300
	# An even mix: each way about a third, never none.
	((shut > 60 && cl > 60 && abort > 60)) || fail "closes: $output"
	# Every connection, the aborted ones too, ended and was logged.
	wait_until 10 grep_count_is "$SERVER_LOG" ' bytes out, [0-9.]+ s, ended ' 300
	# Each half-closing client's EOF came, and so did some closing
	# ones' (those that closed with no echo unread send FIN, not RST);
	# every abort was an error at the server.
	local eof err
	eof=$(grep -c ", ended at the peer's EOF\$" "$SERVER_LOG")
	err=$(grep -c ', ended in an error$' "$SERVER_LOG")
	((eof >= shut && eof <= shut + cl && err >= abort)) ||
		fail "shutdown $shut, close $cl, linger0 $abort; server: EOF $eof, error $err"
}

@test "--size MIN-MAX: sessions of many sizes, every byte of each checked" {
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -m sessions --size 1-100000 -n 200 -c 2 -d $((5 * SLOW)) --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field size_min)" 1
	assert_equal "$(json_field size)" 100000
	assert_equal "$(closes_field shutdown)" 200
	local bytes
	bytes=$(json_field bytes)
	# As many sessions between each two powers of two: far below the
	# all-largest total and far above the all-smallest.
	((bytes > 200 * 100 && bytes < 200 * 50000)) || fail "bytes $bytes"
	# The sizes come from the session numbers: the same run, the same
	# bytes.
	run --separate-stderr "$BENCH" -m sessions --size 1-100000 -n 200 -c 2 -d $((5 * SLOW)) --json 127.0.0.1 "$PORT"
	assert_equal "$(json_field bytes)" "$bytes"
}

@test "--size MIN-MAX still checks every byte: a change at byte 50000 fails exactly the longer sessions" {
	start_peer -k 50000 mismatch
	run --separate-stderr "$BENCH" -m sessions --size 1000-100000 -n 100 --json 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	local ops bad
	ops=$(json_field ops) bad=$(json_field mismatch)
	assert_equal $((ops + bad)) 100
	((ops > 10 && bad > 10)) || fail "ops $ops, mismatches $bad"
	assert_equal "$(json_field errors)" "$bad"
	assert_regex "${stderr_lines[0]}" '^forkecho-bench: session [0-9]+: echo differs from what was sent at byte 50000$'
}

@test "bad --size ranges and --close none are usage errors naming them" {
	local bad
	for bad in 5-5 9-3 0-10 1- -5 1-16777217 a-b; do
		run --separate-stderr "$BENCH" -m sessions --size "$bad"
		assert_equal "$status" 64
		assert_equal "${stderr_lines[0]}" "forkecho-bench: --size: '$bad' is not a number from 1 to 16777216, nor a range MIN-MAX of them with MIN below MAX"
	done
	run --separate-stderr "$BENCH" -m sessions --close none
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: --close: 'none' is not one of shutdown, close, linger0, mixed"
	# mixed is the bench's alone.
	run --separate-stderr "$CLIENT" --close mixed
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: --close: 'mixed' is not one of shutdown, close, linger0, none"
}

@test "a bad mode, -c 0, --size 0, -d 0, -w 0 or a bad -n is a usage error naming it" {
	run --separate-stderr "$BENCH" -m sideways
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: -m: 'sideways' is not one of sessions, bulk, rtt"
	assert_regex "${stderr_lines[1]}" '^usage: forkecho-bench '
	run --separate-stderr "$BENCH" -m sessions -c 0
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: -c: '0' is not a number from 1 to 4096"
	run --separate-stderr "$BENCH" -m rtt --size 0
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: --size: '0' is not a number from 1 to 16777216"
	run --separate-stderr "$BENCH" -m bulk -d 0
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: -d: '0' is not a number of seconds more than 0 and at most 3600"
	run --separate-stderr "$BENCH" -m bulk -d 3601
	assert_equal "$status" 64
	run --separate-stderr "$BENCH" -m bulk --count=-1
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: --count: '-1' is not a number from 0 to 1000000000"
	# Every wait in a run has a deadline.
	run --separate-stderr "$BENCH" -m rtt -w 0
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho-bench: -w: '0' is not a number of seconds more than 0 and at most 86400"
}

@test "--close and --size ranges are refused with a mode they make no sense with, naming both" {
	run --separate-stderr "$BENCH" -m rtt --close close
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" 'forkecho-bench: --close close makes no sense with -m rtt: its connections half-close to read the whole echo'
	run --separate-stderr "$BENCH" --close linger0 --mode bulk
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" 'forkecho-bench: --close linger0 makes no sense with --mode bulk: its connections half-close to read the whole echo'
	run --separate-stderr "$BENCH" -m rtt --size 1-64
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" 'forkecho-bench: --size 1-64 makes no sense with -m rtt: only sessions have sizes of their own'
}

@test "the client's options are not the bench's, and the bench's are not the client's" {
	local opt
	# A run sends its own data, says nothing but its result, and bounds
	# every wait, connecting included, with -w.
	for opt in --message -i -q --connect-timeout; do
		run --separate-stderr "$BENCH" -m rtt "$opt" 1
		assert_equal "$status" 64
		assert_equal "${stderr_lines[0]}" "forkecho-bench: unknown option $opt"
	done
	# forkecho is the plain client again: no run, no run's options.
	for opt in '--bench sessions' '-c 8' '-d 1' '-n 10' '--json' '--size 64'; do
		# shellcheck disable=SC2086 # an option and its value
		run --separate-stderr "$CLIENT" $opt -m hello
		assert_equal "$status" 64
		assert_equal "${stderr_lines[0]}" "forkecho: unknown option ${opt%% *}"
		assert_regex "${stderr_lines[1]}" '^usage: forkecho '
	done
}

@test "without -m a run is of sessions" {
	start_server -l 127.0.0.1:0 -q
	run --separate-stderr "$BENCH" -n 5 --json 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$(json_field mode)" '"sessions"'
	assert_equal "$(json_field ops)" 5
}

@test "the usage text is forkecho-bench(1)'s SYNOPSIS" {
	need_mandoc
	assert_equal "$(usage_text "$BENCH")" "$(man_synopsis "$TOP/docs/forkecho-bench.1")"
}

@test "-V prints forkecho-bench's version" {
	run "$BENCH" -V
	assert_equal "$status" 0
	assert_regex "$output" '^forkecho-bench [0-9]+\.[0-9]+\.[0-9]+$'
}
