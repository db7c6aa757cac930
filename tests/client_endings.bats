#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forkecho, the client: every way a connection can end, against the test
# peer (tests/peer.c), with the exit status and the last line scripts read.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

teardown() { stop_peer; }

# The seconds in a last line: "0.003".
T='[0-9]+\.[0-9]{3}'

# now_ms: the wall clock in milliseconds, from bash's EPOCHREALTIME.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# line_seconds_ms LINE: the "after X s" time of a last line, in ms.
line_seconds_ms() {
	[[ $1 =~ after\ ([0-9]+)\.([0-9]{3})\ s ]] || return 1
	echo $((10#${BASH_REMATCH[1]} * 1000 + 10#${BASH_REMATCH[2]}))
}

@test "an intact echo ended by FIN exits 0 with the FIN line" {
	start_peer echo
	run --separate-stderr "$CLIENT" -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" hello
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 6 bytes, server sent FIN after $T s\$"
}

@test "every message gets a newline and all come back in order" {
	start_peer echo
	run --separate-stderr "$CLIENT" -m one -m '' -m three 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" "$(printf 'one\n\nthree')"
	assert_regex "$stderr" "^forkecho: sent 11 bytes, received 11 bytes, server sent FIN after $T s\$"
}

@test "an echo with a changed byte exits 1 and names the first differing byte" {
	start_peer mismatch
	run --separate-stderr "$CLIENT" -m 'hello world' 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$output" 'helln world'
	assert_regex "$stderr" "^forkecho: sent 12 bytes, received 12 bytes, server sent FIN after $T s; echo differs from what was sent at byte 5\$"
}

@test "an echo one byte short before the FIN exits 1 and says how much came back" {
	start_peer short
	run --separate-stderr "$CLIENT" -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$output" hello
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 5 bytes, server sent FIN after $T s; only 5 of 6 bytes came back\$"
}

@test "a server that resets the connection makes the client exit 3" {
	start_peer rst
	run --separate-stderr "$CLIENT" -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 3
	assert_equal "$output" ''
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 0 bytes, connection reset by server \(RST\) after $T s\$"
}

@test "a server that never sends FIN makes the client exit 4 after the wait" {
	start_peer nofin
	local t0 t1
	t0=$(now_ms)
	run --separate-stderr "$CLIENT" -w 1 -m hello 127.0.0.1 "$PEER_PORT"
	t1=$(now_ms)
	assert_equal "$status" 4
	assert_equal "$output" hello
	assert_equal "$stderr" 'forkecho: sent 6 bytes, received 6 bytes, no FIN from server within 1 s: another process may still hold its socket'
	# It waited the whole second, and did not give up at once.
	((t1 - t0 >= 1000)) || fail "gave up after $((t1 - t0)) ms"
}

@test "the no-FIN line shows the wait as it was written" {
	start_peer nofin
	run --separate-stderr "$CLIENT" -w 0.00001 -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 4
	assert_regex "$stderr" ' within 0\.00001 s: '
}

@test "a server that accepts and never reads makes the client exit 4, not hang" {
	start_peer noread
	head -c 8388608 /dev/zero >"$BATS_TEST_TMPDIR/in"
	local rc=0 t0 t1
	t0=$(now_ms)
	timeout 10 "$CLIENT" -w 1 127.0.0.1 "$PEER_PORT" <"$BATS_TEST_TMPDIR/in" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	t1=$(now_ms)
	assert_equal "$rc" 4
	assert_regex "$(cat "$BATS_TEST_TMPDIR/err")" '^forkecho: sent [0-9]+ bytes, received 0 bytes, no progress from server within 1 s: it is not reading or not echoing$'
	((t1 - t0 >= 1000)) || fail "gave up after $((t1 - t0)) ms"
}

@test "a server that reads and never echoes makes the client exit 4, not hang" {
	start_peer discard
	# More than the client keeps unechoed (4 MiB), so it stalls.
	head -c 8388608 /dev/zero >"$BATS_TEST_TMPDIR/in"
	local rc=0
	timeout 10 "$CLIENT" -w 1 127.0.0.1 "$PEER_PORT" <"$BATS_TEST_TMPDIR/in" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	assert_equal "$rc" 4
	assert_regex "$(cat "$BATS_TEST_TMPDIR/err")" '^forkecho: sent [0-9]+ bytes, received 0 bytes, no progress from server within 1 s: it is not reading or not echoing$'
}

@test "a short message that never comes back is no progress, not a missing FIN" {
	start_peer discard
	run --separate-stderr timeout 10 "$CLIENT" -w 0.5 -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 4
	assert_equal "$output" ''
	assert_equal "$stderr" 'forkecho: sent 6 bytes, received 0 bytes, no progress from server within 0.5 s: it is not reading or not echoing'
}

@test "a wrong echo and no FIN exit 4: no FIN comes before a wrong echo" {
	start_peer mismatch-nofin
	run --separate-stderr "$CLIENT" -w 0.5 -m 'hello world' 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 4
	assert_equal "$output" 'helln world'
	assert_equal "$stderr" 'forkecho: sent 12 bytes, received 12 bytes, no FIN from server within 0.5 s: another process may still hold its socket; echo differs from what was sent at byte 5'
}

@test "a wrong echo and a reset exit 3: a reset comes first" {
	start_peer mismatch-rst
	run --separate-stderr "$CLIENT" -m 'hello world' 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 3
	assert_equal "$output" 'helln world'
	assert_regex "$stderr" "^forkecho: sent 12 bytes, received 12 bytes, connection reset by server \(RST\) after $T s; echo differs from what was sent at byte 5\$"
}

@test "what the server echoed before its RST is still written and counted" {
	start_peer echorst
	run --separate-stderr "$CLIENT" -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 3
	assert_equal "$output" hello
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 6 bytes, connection reset by server \(RST\) after $T s\$"
}

@test "a closed standard output is not taken by the socket" {
	start_peer echo
	# The echo goes to /dev/null, opened in place of the closed fd 1.
	run --separate-stderr timeout 10 bash -c '"$@" >&-' _ "$CLIENT" -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 6 bytes, server sent FIN after $T s\$"
}

@test "a closed standard input reads as empty input" {
	start_peer echo
	run --separate-stderr timeout 10 bash -c '"$@" <&-' _ "$CLIENT" 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" ''
	assert_regex "$stderr" "^forkecho: sent 0 bytes, received 0 bytes, server sent FIN after $T s\$"
}

@test "a FIN before the input ended stops the client with status 1" {
	start_peer earlyfin
	# The interval keeps the second message back, so the FIN that
	# answers the first always arrives while input remains.  timeout
	# proves the client stopped at the FIN instead of sleeping on.
	run --separate-stderr timeout 5 "$CLIENT" -i 30 -m first -m second 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$output" first
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 6 bytes, server sent FIN after $T s before the input ended\$"
}

@test "a port nobody listens on makes the client exit 5 naming the address" {
	# A port that was just free: the peer had it, and is gone.
	start_peer echo
	local port=$PEER_PORT
	stop_peer
	run --separate-stderr "$CLIENT" -m hello 127.0.0.1 "$port"
	assert_equal "$status" 5
	assert_equal "$output" ''
	assert_equal "$stderr" "forkecho: connect 127.0.0.1 $port: Connection refused"
}

# The hold peer echoes nothing before the client's EOF, so the client has
# nothing unread when it closes, and the server is still reading: what it
# sees is the client's close alone, not a race with the echo.
@test "--close close sends everything and a FIN, and exits 0 without waiting" {
	start_peer hold
	run --separate-stderr "$CLIENT" --close close -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" ''
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 0 bytes, client closed \(close\) after $T s without waiting for the echo\$"
	wait_until 10 grep -q '^peer: connection 1: ' "$PEER_LOG"
	run grep '^peer: connection 1: ' "$PEER_LOG"
	assert_equal "${lines[0]}" 'peer: connection 1: EOF after 6 bytes'
}

@test "--close linger0 aborts the connection with RST, which the server sees" {
	start_peer hold
	run --separate-stderr "$CLIENT" --close linger0 -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" ''
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 0 bytes, client closed \(linger0\) after $T s without waiting for the echo\$"
	wait_until 10 grep -q '^peer: connection 1: ' "$PEER_LOG"
	run grep '^peer: connection 1: ' "$PEER_LOG"
	assert_equal "${lines[0]}" 'peer: connection 1: read: Connection reset by peer'
}

@test "--close none never half-closes, so an echo server never sends FIN" {
	start_peer echo
	run --separate-stderr "$CLIENT" --close none -w 0.5 -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 4
	assert_equal "$output" hello
	assert_equal "$stderr" 'forkecho: sent 6 bytes, received 6 bytes, no FIN from server within 0.5 s: another process may still hold its socket'
}

@test "-q prints no last line but keeps the exit status" {
	start_peer echo
	run --separate-stderr "$CLIENT" -q -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" hello
	assert_equal "$stderr" ''
	start_peer mismatch
	run --separate-stderr "$CLIENT" -q -m 'hello world' 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$stderr" ''
}

@test "standard input line by line with an interval comes back whole" {
	start_peer echo
	run --separate-stderr "$CLIENT" -i 0.05 127.0.0.1 "$PEER_PORT" < <(printf 'one\ntwo\nthree')
	assert_equal "$status" 0
	assert_equal "$output" "$(printf 'one\ntwo\nthree')"
	assert_regex "$stderr" "^forkecho: sent 13 bytes, received 13 bytes, server sent FIN after $T s\$"
}

@test "-i pauses between messages: three take at least two intervals" {
	start_peer echo
	run --separate-stderr "$CLIENT" -i 0.2 -m one -m two -m three 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_regex "$stderr" "^forkecho: sent 14 bytes, received 14 bytes, server sent FIN after $T s\$"
	local ms
	ms=$(line_seconds_ms "$stderr")
	((ms >= 400)) || fail "three messages with -i 0.2 took only $ms ms"
}

@test "binary input with NUL bytes comes back byte for byte" {
	start_peer echo
	printf 'a\0b\0\0c\n\0\377' >"$BATS_TEST_TMPDIR/in"
	# Not `run`: it would pass the output through a shell variable,
	# which cannot hold NUL bytes.
	local rc=0
	"$CLIENT" 127.0.0.1 "$PEER_PORT" <"$BATS_TEST_TMPDIR/in" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	assert_equal "$rc" 0
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_regex "$(cat "$BATS_TEST_TMPDIR/err")" "^forkecho: sent 9 bytes, received 9 bytes, server sent FIN after $T s\$"
}

@test "16 MiB of random input comes back identical without a deadlock" {
	start_peer echo
	head -c 16777216 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	# timeout: a deadlock would otherwise hang until the suite's limit.
	local rc=0
	timeout 30 "$CLIENT" 127.0.0.1 "$PEER_PORT" <"$BATS_TEST_TMPDIR/in" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	assert_equal "$rc" 0
	assert_regex "$(cat "$BATS_TEST_TMPDIR/err")" "^forkecho: sent 16777216 bytes, received 16777216 bytes, server sent FIN after $T s\$"
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/out")" "$(sha256sum <"$BATS_TEST_TMPDIR/in")"
}

@test "64 MiB through an echo server stays within 32 MiB of memory" {
	skip_under_valgrind "memcheck's own memory is in the resident set"
	need_tool /usr/bin/time time
	start_peer echo
	local rc=0
	head -c 67108864 /dev/zero |
		/usr/bin/time -o "$BATS_TEST_TMPDIR/rss" -f %M \
			timeout 60 "$CLIENT" -q 127.0.0.1 "$PEER_PORT" >/dev/null || rc=$?
	assert_equal "$rc" 0
	local kb
	kb=$(tail -n 1 "$BATS_TEST_TMPDIR/rss")
	((kb < 32768)) || fail "maximum resident set $kb KB"
}

@test "an unknown option is a usage error naming it" {
	run --separate-stderr "$CLIENT" -x
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" 'forkecho: unknown option -x'
	assert_equal "${stderr_lines[1]}" 'usage: forkecho [-46hNqVv] [-i secs] [-m text] [-w secs] [--close mode]'
}

@test "a --wait that is not a number is a usage error naming it" {
	run --separate-stderr "$CLIENT" --wait abc
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: --wait: 'abc' is not a number of seconds"
}

@test "an unknown --close mode is a usage error listing the modes" {
	run --separate-stderr "$CLIENT" --close sideways
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: --close: 'sideways' is not one of shutdown, close, linger0, none"
}

@test "a third operand is a usage error" {
	run --separate-stderr "$CLIENT" 127.0.0.1 7007 extra
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: too many operands: 'extra'"
}

@test "a port that is not a number is a usage error" {
	run --separate-stderr "$CLIENT" 127.0.0.1 seven
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: port 'seven' is neither a number from 1 to 65535 nor a TCP service in /etc/services"
}

@test "--wait with --close close is refused, naming both" {
	run --separate-stderr "$CLIENT" -w 3 --close close
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" 'forkecho: --wait makes no sense with --close close: the client does not wait for the server'
}

@test "the usage text is the man page's SYNOPSIS" {
	need_mandoc
	assert_equal "$(usage_text "$CLIENT")" "$(man_synopsis "$TOP/docs/forkecho.1")"
}

@test "-V prints the version" {
	run "$CLIENT" -V
	assert_equal "$status" 0
	assert_regex "$output" '^forkecho [0-9]+\.[0-9]+\.[0-9]+$'
}

# recv_q PORT: the Recv-Q of the client's half-closed connection to PORT
# (FIN-WAIT-2), as ss sees it: the bytes that came and are not read yet.
# The state picks the test's own connection: an earlier one to the same
# port may linger in TIME-WAIT.  (A socket is in the kernel's tables only
# until both FINs have passed: Linux then keeps a TIME-WAIT entry in its
# place, which shows nothing of what the process has still to read:
# docs/LINUX.md, P17.)
recv_q() {
	ss -Htn state fin-wait-2 "( dport = :$1 )" | awk '{print $1; exit}'
}
# recv_q_is PORT N: it is N now (a command for wait_until, which must
# measure afresh on each try).
recv_q_is() { [ "$(recv_q "$1")" = "$2" ]; }

@test "--read-delay reads nothing until SIGUSR1, which ends it early" {
	need_tool ss iproute2
	# nofin: the peer never ends, so the client's socket stays in the
	# tables (FIN-WAIT-2) with what it has not read.
	start_peer nofin
	"$CLIENT" --read-delay 600 -w 1 -m hello 127.0.0.1 "$PEER_PORT" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	local pid=$!
	# The echo waits unread in the client's socket: 6 bytes, and the
	# client's -w does not run out meanwhile.
	wait_until 10 recv_q_is "$PEER_PORT" 6 || {
		ss -tn "( dport = :$PEER_PORT )"
		kill -KILL "$pid"
		fail "the echo was not left unread"
	}
	kill -USR1 "$pid"
	wait_exit "$pid" 10 || { kill -KILL "$pid"; fail "SIGUSR1 did not end the delay"; }
	# Read, then the 1 s wait for a FIN that never comes.
	assert_equal "$EXIT_STATUS" 4
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" hello
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" 'forkecho: sent 6 bytes, received 6 bytes, no FIN from server within 1 s: another process may still hold its socket'
}

@test "--read-delay SECS starts reading after SECS, and the wait only then" {
	start_peer echo
	# The delay is longer than -w: a wait that ran during it would end
	# the client with "no FIN".
	run --separate-stderr "$CLIENT" --read-delay 0.6 -w 0.3 -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" hello
	ms=$(line_seconds_ms "$stderr")
	((ms >= 600)) || fail "the FIN was read after only $ms ms: $stderr"
}

@test "--read-delay with a bad number of seconds is a usage error" {
	run --separate-stderr "$CLIENT" --read-delay soon -m hi 127.0.0.1 7
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: --read-delay: 'soon' is not a number of seconds"
}
