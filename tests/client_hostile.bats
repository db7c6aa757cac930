#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forkecho, the client, against servers that send what they were never
# sent: a flood, a drip, unasked data first (tests/peer.c).  Each must end
# within the client's -w wait, with status 1, with no more written to
# standard output than was sent, and a last line that counts the rest.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr

load helper

teardown() {
	stop_peer
	# The write end of a FIFO that stood for a standard input left open.
	if [ -n "${FIFO_FD:-}" ]; then exec {FIFO_FD}>&-; fi
	FIFO_FD=
}

# The seconds in a last line: "0.003".
T='[0-9]+\.[0-9]{3}'

# capped COMMAND...: runs COMMAND as `run --separate-stderr` does,
# setting status, output and stderr, but with its standard output through
# `head -c 1 MiB`: a client that passed a flood on would otherwise fill
# the disk or the test's memory (it fails on the closed pipe instead).
# Sets OUT_BYTES to the bytes it wrote, and ELAPSED_MS to the wall time
# it took.
capped() {
	local t0 out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	t0=$(now_us)
	"$@" 2>"$err" | head -c 1048576 >"$out"
	status=${PIPESTATUS[0]}
	ELAPSED_MS=$((($(now_us) - t0) / 1000))
	OUT_BYTES=$(wc -c <"$out")
	output=$(cat "$out")
	stderr=$(cat "$err")
}

# within_wait WAIT_MS: the client ended no sooner than its wait, and no
# later than the wait and a margin of a second (longer by FORKECHO_SLOW).
within_wait() {
	((ELAPSED_MS >= $1)) || fail "ended after $ELAPSED_MS ms, before its $1 ms wait"
	((ELAPSED_MS < $1 + 1000 * SLOW)) || fail "ended after $ELAPSED_MS ms, a wait of $1 ms"
}

# unexpected_adds_up: in the last line, the unexpected bytes are all that
# came back beyond the bytes sent.
unexpected_adds_up() {
	[[ $stderr =~ sent\ ([0-9]+)\ bytes,\ received\ ([0-9]+)\ bytes.*\;\ ([0-9]+)\ unexpected ]] ||
		fail "no counts in: $stderr"
	local sent=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]} extra=${BASH_REMATCH[3]}
	((got - sent == extra)) || fail "received $got, sent $sent, but $extra unexpected"
}

# open_stdin: a FIFO that the test holds open for writing, on FIFO_FD:
# a standard input that has not ended, and may never.
open_stdin() {
	FIFO=$BATS_TEST_TMPDIR/stdin
	mkfifo "$FIFO"
	# Read and write: opening does not wait for a reader.
	exec {FIFO_FD}<>"$FIFO"
}

@test "a server that floods after the echo is cut off within the wait with status 1" {
	start_peer flood
	# timeout: before the fix the client read and wrote for ever.
	capped timeout 10 "$CLIENT" -w 1 -m hi 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	# What was sent, and nothing of the flood.
	assert_equal "$output" hi
	assert_equal "$OUT_BYTES" 3
	assert_regex "$stderr" "^forkecho: sent 3 bytes, received [0-9]+ bytes, client stopped reading after $T s; echo differs from what was sent at byte 4; [0-9]+ unexpected bytes came back, not written\$"
	unexpected_adds_up
	within_wait 1000
}

@test "a server that drips bytes after the echo cannot keep the client past its wait" {
	# A byte every 0.2 s: each would have restarted a 1 s wait.
	start_peer -t 0.2 drip
	capped timeout 10 "$CLIENT" -w 1 -m hi 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	assert_equal "$output" hi
	assert_regex "$stderr" "^forkecho: sent 3 bytes, received [0-9]+ bytes, client stopped reading after $T s; echo differs from what was sent at byte 4; [0-9]+ unexpected bytes came back, not written\$"
	unexpected_adds_up
	within_wait 1000
}

@test "unasked data before the echo is counted, not written, and exits 1 at the FIN" {
	start_peer banner
	capped timeout 10 "$CLIENT" -w 1 -m hi 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	# Whether the 8 unasked bytes came before "hi" was sent or after,
	# the first byte differs and 8 of the 11 have no place in the echo.
	assert_regex "$stderr" "^forkecho: sent 3 bytes, received 11 bytes, server sent FIN after $T s; echo differs from what was sent at byte 1; 8 unexpected bytes came back, not written\$"
	# Three bytes written: the echo, or the first three unasked ones.
	[[ $output == hi || $output == una ]] || fail "wrote '$output'"
}

@test "a byte echoed twice before the FIN is counted and not written" {
	start_peer dup
	capped timeout 10 "$CLIENT" -m hello 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 1
	# "helloo" in the place of "hello\n"; the 7th byte, the newline, is
	# the unexpected one: 6 bytes written, not 7 (which $output, trailing
	# newline dropped, could not tell apart).
	assert_equal "$output" helloo
	assert_equal "$OUT_BYTES" 6
	assert_regex "$stderr" "^forkecho: sent 6 bytes, received 7 bytes, server sent FIN after $T s; echo differs from what was sent at byte 6; 1 unexpected bytes came back, not written\$"
}

@test "unasked data while standard input stays open ends the client within the wait" {
	start_peer banner
	open_stdin
	capped timeout 10 "$CLIENT" -w 1 127.0.0.1 "$PEER_PORT" <"$FIFO"
	assert_equal "$status" 1
	assert_equal "$output" ''
	assert_regex "$stderr" "^forkecho: sent 0 bytes, received 8 bytes, client stopped reading after $T s; echo differs from what was sent at byte 1; 8 unexpected bytes came back, not written\$"
	within_wait 1000
}

@test "a flood while standard input stays open ends the client within the wait" {
	start_peer flood
	open_stdin
	# Queued in the FIFO before the client starts; then nothing more,
	# and no end of file.
	printf 'hi\n' >&"$FIFO_FD"
	capped timeout 10 "$CLIENT" -w 1 127.0.0.1 "$PEER_PORT" <"$FIFO"
	assert_equal "$status" 1
	assert_equal "$output" hi
	assert_regex "$stderr" "^forkecho: sent 3 bytes, received [0-9]+ bytes, client stopped reading after $T s; echo differs from what was sent at byte 4; [0-9]+ unexpected bytes came back, not written\$"
	unexpected_adds_up
	within_wait 1000
}

@test "a server that trickles a correct echo slower than the wait still succeeds" {
	# Ten bytes, one every 0.2 s: two seconds in all, against a wait of
	# one; each byte is progress.
	start_peer -t 0.2 trickle
	run --separate-stderr timeout 20 "$CLIENT" -w 1 -m abcdefghi 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" abcdefghi
	assert_regex "$stderr" "^forkecho: sent 10 bytes, received 10 bytes, server sent FIN after $T s\$"
	[[ $stderr =~ after\ ([0-9]+)\.([0-9]{3})\ s ]]
	local ms=$((10#${BASH_REMATCH[1]} * 1000 + 10#${BASH_REMATCH[2]}))
	((ms >= 1000)) || fail "the trickle took only $ms ms, not more than the wait"
}
