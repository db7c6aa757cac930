#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Facts of docs/LINUX.md where Linux differs from the textbook, as
# tests/truth_probe observes them on a loopback connection.  The probe
# prints what each call returned; the expected values are here.

load helper

PROBE=$TOP/build/tests/truth_probe

setup() {
	[ -x "$PROBE" ] || fail "$PROBE is not built"
}

@test "L12: after RST, read gives ECONNRESET once, then 0" {
	run "$PROBE" rst-read
	assert_success
	# The RST has arrived (POLLERR, CLOSED) and the 5 bytes sent before
	# it are still queued: the reset did not discard them.
	assert_output - <<-EOF
		before client unread=5
		after-rst client poll POLLERR POLLHUP
		after-rst client state=CLOSED
		after-rst client unread=5
		read1 5 bytes hello
		read2 -1 ECONNRESET
		read3 0
		read4 0
	EOF
}

@test "L13: into a closed server the first write succeeds, then EPIPE, and read gives 0" {
	run "$PROBE" write-closed
	assert_success
	assert_line 'after-fin client state=CLOSE_WAIT'
	assert_line 'write1 5'
	# The data was answered with RST: the client socket is closed, and
	# its pending error is EPIPE (it was in CLOSE_WAIT), not ECONNRESET.
	assert_line 'after-write1 client poll POLLERR POLLHUP'
	assert_line 'after-write1 client state=CLOSED'
	assert_line 'after-write1 client so_error EPIPE'
	assert_line 'write2 -1 EPIPE'
	assert_line 'write3 -1 EPIPE'
	assert_line 'child-write killed by SIGPIPE'
	assert_line 'read1 0'
	assert_line 'read2 0'
	refute_output --partial ECONNRESET
}

@test "L5: SO_LINGER {1,1} close blocks 1 s, returns 0, and data and FIN still arrive" {
	local written got
	run "$PROBE" linger-timeout
	assert_success
	# Nothing was in flight and data waited unsent: only the server's
	# full window held it, so the close could not be acknowledged.
	assert_line 'before-close client stalled=1'
	assert_line --regexp '^close returned 0 after (0\.9[5-9]|1\.[0-9][0-9]) s$'
	assert_line 'after-close client state=FIN_WAIT1'
	written=$(awk '$1 == "written" {print $2}' <<<"$output")
	got=$(awk '$1 == "server" && $2 == "read" && $4 == "bytes" {print $3}' \
		<<<"$output")
	[ "${written:-0}" -gt 0 ] || fail "nothing was written"
	assert_equal "$got" "$written"
	# 0, not ECONNRESET: the FIN came after the data, no RST.
	assert_line 'server then read 0'
}

@test "L2: close() with data still queued returns at once; the data comes, then FIN" {
	run "$PROBE" close-flushes
	assert_success
	# The client read nothing before the close: what the server wrote
	# beyond the client's window was still in the server's queue.
	assert_output - <<-EOF
		before-close server stalled=1
		before-close server queued=yes
		close returned 0 at once
		after-close server state=FIN_WAIT1
		client read every byte
		client then read 0
	EOF
}

@test "L5: SO_LINGER {1,0} set in one process resets when the other closes last" {
	run "$PROBE" linger0-other-process
	assert_success
	# The child set the option and closed its copy: nothing was sent,
	# and the parent's descriptor shows the option on the shared socket.
	assert_output - <<-EOF
		child-closed client state=ESTABLISHED
		child-closed client unread=0
		child-closed parent linger-abort=1
		parent-closed client read -1 ECONNRESET
	EOF
}

@test "L7, L8: SHUT_WR while another process holds the socket sends FIN; then every holder's write fails, reads still work" {
	run "$PROBE" shutwr-shared
	assert_success
	# The client's end of file came while the child still held a copy;
	# the parent's write fails with EPIPE (SIGPIPE ignored there), the
	# child's raises SIGPIPE, and the parent still reads the client.
	assert_output - <<-EOF
		shutdown client read 0
		parent-write -1 EPIPE
		child-write killed by SIGPIPE
		client-write 2
		server read 2 bytes hi
	EOF
}

@test "L10: after SHUT_RDWR the peer's write succeeds, yet its data is lost to an RST" {
	run "$PROBE" shutrdwr-later-data
	assert_success
	# The client saw the FIN and wrote; the server answered with RST
	# (the client is CLOSED) and queued nothing: the reset ended its
	# own socket too.
	assert_output - <<-EOF
		shutdown client read 0
		client-write 5
		after-write client poll POLLERR POLLHUP
		after-write client state=CLOSED
		after-write server unread=0
		after-write server state=CLOSED
		server read -1 ECONNRESET
	EOF
}

@test "L20: an accepted socket inherits SO_RCVTIMEO and SO_SNDTIMEO from its listener" {
	run "$PROBE" timeouts-inherited
	assert_success
	assert_output - <<-EOF
		accepted SO_RCVTIMEO 1.500000
		accepted SO_SNDTIMEO 1.500000
	EOF
}
