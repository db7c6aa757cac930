#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forkecho --keep-sending: the client goes on sending after the server's
# FIN, and says what became of each write (docs/LINUX.md, L8, L13).
# Against the test peer (tests/peer.c) and against forkechod's own
# choreography.  The client reads a FIFO that the test feeds one line at
# a time, each only once the client or the server has said that the
# previous step happened: the steps are ordered by events, not by time.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr

load helper

teardown() {
	stop_client
	stop_peer
	stop_server
}

# The seconds in a line: "0.003".
T='[0-9]+\.[0-9]{3}'

# start_fed_client ARGS...: starts forkecho ARGS in the background, its
# standard input a FIFO that feed writes into, and sets CLIENT_PID,
# CLIENT_OUT and CLIENT_ERR (its standard output and error).
start_fed_client() {
	local fifo=$BATS_TEST_TMPDIR/feed
	CLIENT_OUT=$BATS_TEST_TMPDIR/client.out
	CLIENT_ERR=$BATS_TEST_TMPDIR/client.err
	mkfifo "$fifo"
	# 3>&- : bats waits on fd 3; a background client must not hold it.
	"$CLIENT" "$@" <"$fifo" >"$CLIENT_OUT" 2>"$CLIENT_ERR" 3>&- &
	CLIENT_PID=$!
	# Opening a FIFO waits for its other end: the client's.
	exec {FEED_FD}>"$fifo"
}

# feed TEXT: one line to the client's standard input.
feed() { printf '%s\n' "$1" >&"$FEED_FD"; }

# end_feed: the end of the client's input.
end_feed() {
	[ -z "${FEED_FD:-}" ] || exec {FEED_FD}>&-
	FEED_FD=
}

# client_said REGEX: a line of the client's standard error matches.
client_said() { grep -Eq -- "$1" "$CLIENT_ERR"; }

# stop_client: ends the feed, kills the client by PID if it still runs,
# and prints what it wrote on standard error, which bats shows when the
# test failed.
stop_client() {
	end_feed
	[ -n "${CLIENT_PID:-}" ] || return 0
	kill -KILL "$CLIENT_PID" 2>/dev/null || true
	wait "$CLIENT_PID" 2>/dev/null || true
	CLIENT_PID=
	echo "--- client's standard error ---"
	cat "$CLIENT_ERR" 2>/dev/null || true
}

# client_exit: waits for the fed client to end, and sets EXIT_STATUS.
client_exit() {
	wait_exit "$CLIENT_PID" 10 || fail "the client did not end"
	CLIENT_PID=
}

# trace_has REGEX: a line of the server's JSON trace matches.
trace_has() { grep -Eq -- "$1" "$BATS_TEST_TMPDIR/trace.json"; }

@test "after a SHUT_WR-only FIN every later write is accepted, and the server reads them all" {
	start_peer earlyfin
	start_fed_client --keep-sending 127.0.0.1 "$PEER_PORT"
	feed one
	wait_until 10 client_said "^forkecho: server sent FIN after $T s before the input ended; sending on\$"
	feed two
	wait_until 10 client_said '^forkecho: write of 4 bytes after FIN: accepted$'
	feed three
	wait_until 10 client_said '^forkecho: write of 6 bytes after FIN: accepted$'
	end_feed
	client_exit
	assert_equal "$EXIT_STATUS" 0
	assert_equal "$(cat "$CLIENT_OUT")" one
	run cat "$CLIENT_ERR"
	assert_equal "${#lines[@]}" 4
	assert_regex "${lines[3]}" "^forkecho: sent 14 bytes, received 4 bytes, server sent FIN after $T s before the input ended; 10 bytes sent after the FIN\$"
	# The server read every byte, the 10 it could no longer echo too,
	# up to the client's own FIN.
	wait_until 10 grep -q '^peer: connection 1: EOF after' "$PEER_LOG"
	run grep '^peer: connection 1: EOF after' "$PEER_LOG"
	assert_equal "$output" 'peer: connection 1: EOF after 14 bytes'
}

@test "into a server that closed: the first write is accepted, the RST is reported, the next write fails with EPIPE, exit 3" {
	start_server -l 127.0.0.1:0 --child-end first
	start_fed_client --keep-sending 127.0.0.1 "$PORT"
	feed one
	wait_until 10 client_said "^forkecho: server sent FIN after $T s before the input ended; sending on\$"
	feed two
	# L13: accepted, and answered with RST, which leaves EPIPE (not
	# ECONNRESET) as the socket's error.
	wait_until 10 client_said "^forkecho: RST from server after $T s: socket error EPIPE\$"
	feed three
	client_exit
	assert_equal "$EXIT_STATUS" 3
	assert_equal "$(cat "$CLIENT_OUT")" one
	run cat "$CLIENT_ERR"
	assert_equal "${#lines[@]}" 5
	assert_equal "${lines[1]}" 'forkecho: write of 4 bytes after FIN: accepted'
	assert_regex "${lines[2]}" "^forkecho: RST from server after $T s: socket error EPIPE\$"
	assert_equal "${lines[3]}" 'forkecho: write of 6 bytes after FIN: failed with EPIPE'
	assert_regex "${lines[4]}" "^forkecho: sent 8 bytes, received 4 bytes, connection reset by server \(RST\) after $T s; 4 bytes sent after the FIN\$"
}

@test "after forkechod's child-shutdown wr@first the child reads the next write and its echo fails with EPIPE; after its close, RST" {
	start_server -v -l 127.0.0.1:0 --child-shutdown wr@first \
		--trace-json "$BATS_TEST_TMPDIR/trace.json"
	start_fed_client --keep-sending 127.0.0.1 "$PORT"
	feed one
	wait_until 10 client_said "^forkecho: server sent FIN after $T s before the input ended; sending on\$"
	feed two
	wait_until 10 client_said '^forkecho: write of 4 bytes after FIN: accepted$'
	# The half-closed child read it: its echo write failed (L8), it
	# closed its copy, and said how many bytes it read.
	wait_until 10 trace_has '"role":"child","event":"error","conn":1,.*"call":"write","errno":"EPIPE"'
	wait_until 10 trace_has '"role":"child","event":"close","conn":1,'
	wait_until 10 grep -q 'connection 1 from .*, 8 bytes in, 4 bytes out,' "$SERVER_LOG"
	# Nobody holds the server's socket now: the next write is lost to
	# an RST, and the one after it fails.
	feed three
	wait_until 10 client_said "^forkecho: RST from server after $T s: socket error EPIPE\$"
	feed four
	client_exit
	assert_equal "$EXIT_STATUS" 3
	run cat "$CLIENT_ERR"
	assert_equal "${#lines[@]}" 6
	assert_equal "${lines[2]}" 'forkecho: write of 6 bytes after FIN: accepted'
	assert_equal "${lines[4]}" 'forkecho: write of 5 bytes after FIN: failed with EPIPE'
	assert_regex "${lines[5]}" "^forkecho: sent 14 bytes, received 4 bytes, connection reset by server \(RST\) after $T s; 10 bytes sent after the FIN\$"
}

@test "an RST before any FIN is reported as the read saw it, and the next write fails with EPIPE" {
	start_peer rst
	start_fed_client --keep-sending 127.0.0.1 "$PEER_PORT"
	feed one
	wait_until 10 client_said "^forkecho: RST from server after $T s: read failed with ECONNRESET\$"
	feed two
	client_exit
	assert_equal "$EXIT_STATUS" 3
	run cat "$CLIENT_ERR"
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[1]}" 'forkecho: write of 4 bytes: failed with EPIPE'
	assert_regex "${lines[2]}" "^forkecho: sent 4 bytes, received 0 bytes, connection reset by server \(RST\) after $T s\$"
}

@test "after an RST the client waits for its own input past the wait, and the next line fails" {
	start_peer rst
	start_fed_client --keep-sending -w 0.5 127.0.0.1 "$PEER_PORT"
	feed one
	wait_until 10 client_said "^forkecho: RST from server after $T s: read failed with ECONNRESET\$"
	# Nothing it sent can come back now: the wait does not run out on
	# the server, and the client waits for its input.
	never_within 1.5 not_running "$CLIENT_PID"
	feed two
	client_exit
	assert_equal "$EXIT_STATUS" 3
	run cat "$CLIENT_ERR"
	assert_equal "${lines[1]}" 'forkecho: write of 4 bytes: failed with EPIPE'
}

@test "messages with an interval go on after the FIN, and the server reads them all" {
	start_peer earlyfin
	# The interval is what is tested here: the peer has a second to
	# answer the first message with its echo and FIN.
	run --separate-stderr timeout $((10 * SLOW)) "$CLIENT" --keep-sending -i 1 \
		-m one -m two -m three 127.0.0.1 "$PEER_PORT"
	assert_equal "$status" 0
	assert_equal "$output" one
	assert_equal "${#stderr_lines[@]}" 4
	assert_regex "${stderr_lines[0]}" "^forkecho: server sent FIN after $T s before the input ended; sending on\$"
	assert_equal "${stderr_lines[1]}" 'forkecho: write of 4 bytes after FIN: accepted'
	assert_equal "${stderr_lines[2]}" 'forkecho: write of 6 bytes after FIN: accepted'
	assert_regex "${stderr_lines[3]}" "^forkecho: sent 14 bytes, received 4 bytes, server sent FIN after $T s before the input ended; 10 bytes sent after the FIN\$"
	wait_until 10 grep -q '^peer: connection 1: EOF after' "$PEER_LOG"
	run grep '^peer: connection 1: EOF after' "$PEER_LOG"
	assert_equal "$output" 'peer: connection 1: EOF after 14 bytes'
}

@test "a half-closed server that stops reading makes the client exit 4 after the wait" {
	start_peer earlyfin-noread
	start_fed_client --keep-sending -w 1 127.0.0.1 "$PEER_PORT"
	# The bulk goes in only once the client has seen the FIN: written
	# at once, the client could fill both socket buffers before the
	# FIN reached it, and no write would be accepted after it.
	feed one
	wait_until 10 client_said "^forkecho: server sent FIN after $T s before the input ended; sending on\$"
	# More than both socket buffers hold (tcp_wmem and tcp_rmem at
	# most 4 and 6 MiB by default), so that the writes stall.  The
	# writer blocks once the client stops reading its input, and ends
	# with the client, when the FIFO loses its reader.
	head -c 33554432 /dev/zero >&"$FEED_FD" 2>/dev/null 3>&- &
	local writer=$!
	end_feed
	client_exit
	assert_equal "$EXIT_STATUS" 4
	wait_until 10 not_running "$writer" || fail "the writer did not end with the client"
	assert_regex "$(tail -n 1 "$CLIENT_ERR")" '^forkecho: sent [0-9]+ bytes, received 4 bytes, no progress from server within 1 s: it is not reading or not echoing; [0-9]+ bytes sent after the FIN$'
	client_said '^forkecho: write of [0-9]+ bytes after FIN: accepted$'
}

@test "-q silences the reports with the last line, and keeps the status" {
	start_peer rst
	start_fed_client --keep-sending -q 127.0.0.1 "$PEER_PORT"
	feed one
	# Nothing to synchronise on in the client's words: the server's.
	wait_until 10 grep -q '^peer: connection 1: closing with RST' "$PEER_LOG"
	# Before or after the RST reaches the client, this ends as a reset.
	feed two
	end_feed
	client_exit
	assert_equal "$EXIT_STATUS" 3
	assert_equal "$(cat "$CLIENT_ERR")" ''
}

# step_pid WHO: the pid of the last "forkechod: step: pid PID WHO" prompt
# in the server's log (WHO: "parent conn 1: about to close").
step_pid() {
	sed -n "s/^forkechod: step: pid \([0-9]*\) $1.*/\1/p" "$SERVER_LOG" | tail -n 1
}
stepped() { [ -n "$(step_pid "$1")" ]; }

@test "L10: after the parent's SHUT_RDWR the client's next data is answered with RST, though two processes still hold the socket" {
	start_server --lesson parent-shutdown --step -l 127.0.0.1:0 \
		--trace-json "$BATS_TEST_TMPDIR/trace.json"
	start_fed_client --keep-sending -w 20 127.0.0.1 "$PORT"
	feed one
	# --step holds the parent at its shutdown: nothing yet.
	wait_until 10 stepped 'parent conn 1: about to shutdown(SHUT_RDWR)'
	run ! client_said 'server sent FIN'
	kill -USR1 "$(step_pid 'parent conn 1: about to shutdown')"
	wait_until 10 client_said "^forkecho: server sent FIN after $T s before the input ended; sending on\$"
	# The child's read returned 0; it and the parent now wait at their
	# closes, each still holding the socket.
	wait_until 10 stepped 'child conn 1: about to close'
	wait_until 10 stepped 'parent conn 1: about to close'
	trace_has '"role":"parent","event":"shutdown","conn":1,.*"how":"SHUT_RDWR","refs_before":2,"refs":2,'
	feed two
	wait_until 10 client_said "^forkecho: RST from server after $T s: socket error EPIPE\$"
	# Answered with RST while nobody had closed anything: SHUT_RD's
	# part of SHUT_RDWR, not a last close.
	run ! trace_has '"event":"close","conn":1,'
	kill -USR1 "$(step_pid 'child conn 1: about to close')"
	kill -USR1 "$(step_pid 'parent conn 1: about to close')"
	end_feed
	client_exit
	assert_equal "$EXIT_STATUS" 3
	assert_equal "$(cat "$CLIENT_OUT")" one
	client_said "^forkecho: write of 4 bytes after FIN: accepted\$"
	client_said "^forkecho: sent 8 bytes, received 4 bytes, connection reset by server \(RST\) after $T s; 4 bytes sent after the FIN\$"
	# The closes come once released (so the check above could fail).
	wait_until 10 trace_has '"role":"child","event":"close","conn":1,'
}
