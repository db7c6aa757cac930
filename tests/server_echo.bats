#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# The echo is exact, through every kind of peer: nc, bash's /dev/tcp and
# the bundled client, for text, binary and large data, alone and in crowds.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
load helper

setup() { start_server -l 127.0.0.1:0; }
teardown() { stop_server; }

@test "a line of text comes back unchanged through nc" {
	need_nc
	run --separate-stderr timeout 10 nc -N 127.0.0.1 "$PORT" <<<"hello, echo"
	assert_success
	assert_output "hello, echo"
}

@test "binary data with NUL bytes comes back byte for byte through nc" {
	need_nc
	printf 'a\0b\0\0c\377\001\n\0' >"$BATS_TEST_TMPDIR/bin.in"
	timeout 10 nc -N 127.0.0.1 "$PORT" <"$BATS_TEST_TMPDIR/bin.in" \
	    >"$BATS_TEST_TMPDIR/bin.out"
	cmp "$BATS_TEST_TMPDIR/bin.in" "$BATS_TEST_TMPDIR/bin.out"
}

@test "16 MiB of random data comes back identical through nc" {
	need_nc
	head -c 16777216 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	want=$(sha256sum <"$BATS_TEST_TMPDIR/big")
	# Into a file, not a pipe: nc's status (FIN within the time) counts.
	timeout 30 nc -N 127.0.0.1 "$PORT" <"$BATS_TEST_TMPDIR/big" \
	    >"$BATS_TEST_TMPDIR/back"
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/back")" = "$want" ]
}

@test "text comes back through bash's /dev/tcp, line by line" {
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'one\n' >&5
	read -r -t 5 a <&5
	printf 'two\n' >&5
	read -r -t 5 b <&5
	exec 5>&-
	[ "$a" = one ]
	[ "$b" = two ]
}

@test "16 MiB of random data comes back identical through /dev/tcp" {
	head -c 16777216 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	want=$(sha256sum <"$BATS_TEST_TMPDIR/big")
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	# Write and read at once, or both socket buffers fill and stall.
	timeout 30 cat "$BATS_TEST_TMPDIR/big" >&5 3>&- &
	writer=$!
	timeout 30 head -c 16777216 <&5 >"$BATS_TEST_TMPDIR/back"
	wait_exit "$writer" 30
	[ "$EXIT_STATUS" -eq 0 ]
	exec 5>&-
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/back")" = "$want" ]
}

@test "binary and 16 MiB come back identical through forkecho" {
	head -c 16777216 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	printf '\0\0x\0' >>"$BATS_TEST_TMPDIR/big"
	want=$(sha256sum <"$BATS_TEST_TMPDIR/big")
	# Into a file: the client's status (0: FIN, all intact) counts too.
	timeout 30 "$CLIENT" -q 127.0.0.1 "$PORT" <"$BATS_TEST_TMPDIR/big" \
	    >"$BATS_TEST_TMPDIR/back"
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/back")" = "$want" ]
}

@test "forkecho reports the server's FIN and exits 0" {
	run --separate-stderr timeout 10 "$CLIENT" -m hello 127.0.0.1 "$PORT"
	assert_success
	assert_output "hello"
	[[ $stderr =~ ^forkecho:\ sent\ 6\ bytes,\ received\ 6\ bytes,\ server\ sent\ FIN\ after\ [0-9]+\.[0-9]{3}\ s$ ]]
}

@test "100 concurrent clients each get their own bytes back" {
	need_nc
	local i pids=()
	for i in $(seq 1 100); do
		# Different content and length for each client.
		head -c $((i * 997)) /dev/urandom >"$BATS_TEST_TMPDIR/in.$i"
		printf 'client %d\n' "$i" >>"$BATS_TEST_TMPDIR/in.$i"
	done
	for i in $(seq 1 100); do
		timeout 30 nc -N 127.0.0.1 "$PORT" <"$BATS_TEST_TMPDIR/in.$i" \
		    >"$BATS_TEST_TMPDIR/out.$i" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
	done
	for i in $(seq 1 100); do
		cmp "$BATS_TEST_TMPDIR/in.$i" "$BATS_TEST_TMPDIR/out.$i"
	done
}
