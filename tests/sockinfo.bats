#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# lib/sockinfo: reference counts and TCP states of a socket that several
# descriptors share, as tests/sockinfo_probe sees them on loopback.  The
# expected lines are the measured facts L1, L2, L5, L15, L16 of docs/LINUX.md.

load helper

PROBE=$TOP/build/tests/sockinfo_probe

setup() {
	[ -x "$PROBE" ] || fail "$PROBE is not built"
	# A closed socket waits in FIN_WAIT2 or TIME_WAIT only if the kernel
	# has a bucket for it; with the table full (a load run in the last
	# minute, make stress) it is dropped at once, and the states these
	# tests expect never show.  Entries expire within 60 s.
	wait_until 55 time_wait_room || fail "the TIME_WAIT table stayed full"
}

# time_wait_room: the kernel can keep a thousand more sockets in TIME_WAIT
# (net.ipv4.tcp_max_tw_buckets).
time_wait_room() {
	local tw max
	tw=$(awk '/^TCP:/ {for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1)}' /proc/net/sockstat)
	max=$(cat /proc/sys/net/ipv4/tcp_max_tw_buckets)
	((tw + 1000 < max))
}

# probe ARGS...: runs the probe; skips the test when it reports that there
# is no IPv6 loopback (status 77).
probe() {
	run "$PROBE" "$@"
	[ "$status" -ne 77 ] || skip "no IPv6 loopback here"
}

@test "a listener has no peer, one holder, and is in LISTEN" {
	probe listener
	assert_success
	assert_output - <<-EOF
		listener have_tuple=0
		listener refs=1
		listener state=LISTEN
	EOF
}

@test "an accepted socket has one holder and both ends are ESTABLISHED" {
	probe accept
	assert_success
	assert_output - <<-EOF
		accepted have_tuple=1
		accepted refs=1
		accepted state=ESTABLISHED
		accepted by-tuple state=ESTABLISHED
		client state=ESTABLISHED
	EOF
}

@test "fork makes two holders; the child's close leaves one and sends nothing" {
	probe fork
	assert_success
	assert_output - <<-EOF
		forked refs=2
		forked refs_in(self,child)=2 refs_in(self)=1
		forked state=ESTABLISHED
		child-closed refs=1
		child-closed state=ESTABLISHED
		child-closed client-readable=0
		parent-closed refs=0
		parent-closed client read=0
	EOF
}

@test "a dup() descriptor is one more holder, and its close one less" {
	probe dup
	assert_success
	assert_output - <<-EOF
		dup refs=2
		dup-closed refs=1
	EOF
}

@test "after the last close the server, found by its tuple, is in FIN_WAIT2" {
	probe finwait
	assert_success
	assert_output - <<-EOF
		closed refs=0
		closed client read=0
		closed server state=FIN_WAIT2
		closed client state=CLOSE_WAIT
	EOF
}

@test "the active closer reaches TIME_WAIT and its tuple finds it" {
	probe timewait
	assert_success
	assert_output - <<-EOF
		closed client read=0
		both-closed server state=TIME_WAIT
		both-closed client state=CLOSED
	EOF
}

@test "in TIME_WAIT an open descriptor reads CLOSED and the tuple finds TIME_WAIT" {
	probe timewait_fd
	assert_success
	assert_output - <<-EOF
		shutdown client read=0
		shutdown server state=FIN_WAIT2
		client-closed server read=0
		client-closed server state=TIME_WAIT
		client-closed server fd-only state=CLOSED
		client-closed server refs=1
	EOF
}

# The accepted socket shares its local port with the listener, which the
# kernel's tuple lookup falls back to: that must not read LISTEN.
@test "a close with SO_LINGER {1,0} resets: both ends are CLOSED" {
	probe linger
	assert_success
	assert_output - <<-EOF
		before linger-abort=0
		set linger-abort=1
		closed client read=ECONNRESET
		closed server state=CLOSED
		closed client state=CLOSED
	EOF
}

@test "5 bytes the peer wrote are 5 unread bytes" {
	probe unread
	assert_success
	assert_output - <<-EOF
		before unread=0
		written unread=5
	EOF
}

@test "a process asleep in accept() is seen there, and not once it reads" {
	probe in_accept
	assert_success
	assert_output - <<-EOF
		self in_accept=0
		accepting in_accept=1
		reading in_accept=0
	EOF
}

@test "states are named as Linux names them, with CLOSE as CLOSED" {
	probe names
	assert_success
	assert_output - <<-EOF
		-1 NULL
		1 ESTABLISHED
		2 SYN_SENT
		3 SYN_RECV
		4 FIN_WAIT1
		5 FIN_WAIT2
		6 TIME_WAIT
		7 CLOSED
		8 CLOSE_WAIT
		9 LAST_ACK
		10 LISTEN
		11 CLOSING
		12 NULL
	EOF
}

# The IPv4 outputs are checked line by line above; IPv6 must match them.
@test "on ::1 every scenario gives the same lines as on 127.0.0.1" {
	local s v4
	for s in listener accept fork dup finwait timewait timewait_fd \
		linger unread; do
		run "$PROBE" "$s"
		assert_success
		v4=$output
		probe -6 "$s"
		assert_success
		assert_output "$v4"
	done
}

# A count scans every process in /proc; one that exits during the scan
# is skipped, never an error that makes the whole count unknown.  A race:
# the old fdopendir() failure showed in every one of ten runs, 2 to 7
# times in each.
@test "processes that exit while the references are counted do not make the count unknown" {
	probe churn
	assert_success
	assert_output - <<-EOF
		churn wrong-counts=0
		churn counts=200-or-more
	EOF
}
