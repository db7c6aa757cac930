#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# What the server refuses to be turned against: a trace path prepared by
# someone else, descriptors left open by whoever started it, and a check
# (-t) that passes what the start would refuse.  And a trace that fills
# its disk, which must still be read to its end, or goes to standard
# output, which must stay JSON Lines alone.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2034,SC2153 # SERVER_WRAP, PORT: see helper.bash
# shellcheck disable=SC2030,SC2031 # bats runs each test in its own subshell

load helper

ACTIVATE=$TOP/build/tests/activate
FORKTRACE=$BIN/forktrace

teardown() {
	stop_server
	if [ -n "${SMALL_FS:-}" ]; then
		umount "$SMALL_FS" 2>/dev/null || true
	fi
}

# start_refused ARGS...: runs the server on ARGS, which it must refuse at
# start (a deadline in case it serves instead).
start_refused() {
	run --separate-stderr timeout 10 "$SERVER" "${AS_ROOT[@]}" \
	    -l 127.0.0.1:0 "$@"
}

# --- the trace file

@test "a symbolic link at the trace path is refused with status 1, and its target is left alone" {
	local d=$BATS_TEST_TMPDIR
	printf 'precious\n' >"$d/victim"
	ln -s victim "$d/t.json"
	start_refused --trace-json "$d/t.json"
	assert_failure 1
	assert_output ''
	[ "$stderr" = "forkechod: --trace-json $d/t.json: a symbolic link, not followed" ]
	[ "$(cat "$d/victim")" = precious ]
}

@test "a FIFO, a device or a directory at the trace path is refused at once with status 1" {
	local d=$BATS_TEST_TMPDIR
	# A FIFO nobody reads would hang an open() for writing for ever.
	mkfifo "$d/fifo"
	start_refused --trace-json "$d/fifo"
	assert_failure 1
	[ "$stderr" = "forkechod: --trace-json $d/fifo: a FIFO, not a regular file" ]
	start_refused --trace-json /dev/null
	assert_failure 1
	[ "$stderr" = "forkechod: --trace-json /dev/null: a character device, not a regular file" ]
	start_refused --trace-json "$d"
	assert_failure 1
	[ "$stderr" = "forkechod: --trace-json $d: a directory, not a regular file" ]
}

@test "the trace file is created 0600, whatever the umask allows" {
	local t=$BATS_TEST_TMPDIR/t.json
	umask 000
	start_server -l 127.0.0.1:0 --trace-json "$t"
	[ "$(stat -c %a "$t")" = 600 ]
}

@test "a trace file with a second hard link is refused and left as it was; with one, it is emptied" {
	local t=$BATS_TEST_TMPDIR/t.json
	printf 'keep\n' >"$t"
	ln "$t" "$BATS_TEST_TMPDIR/other-name"
	start_refused --trace-json "$t"
	assert_failure 1
	[ "$stderr" = "forkechod: --trace-json $t: 2 hard links, not 1: not emptied" ]
	[ "$(cat "$t")" = keep ]
	rm "$BATS_TEST_TMPDIR/other-name"
	start_server -l 127.0.0.1:0 --trace-json "$t"
	wait_until 5 grep -q '"event":"listen"' "$t"
	run head -c 4 "$t"
	assert_output '{"t"'
}

@test "a trace file owned by another user is refused and left as it was" {
	[ "$(id -u)" -eq 0 ] || skip "making a file of another user's needs root"
	id nobody >/dev/null 2>&1 || skip "no user nobody here"
	local t=$BATS_TEST_TMPDIR/t.json
	printf 'keep\n' >"$t"
	chown nobody "$t"
	start_refused --trace-json "$t"
	assert_failure 1
	[ "$stderr" = "forkechod: --trace-json $t: owned by uid $(id -u nobody), not by uid 0 that writes it: not emptied" ]
	[ "$(cat "$t")" = keep ]
}

@test "with --trace-json - standard output holds JSON Lines alone, the listen event giving the port in a field" {
	local out=$BATS_TEST_TMPDIR/out
	"$SERVER" "${AS_ROOT[@]}" -l 127.0.0.1:0 --trace-json - >"$out" \
	    2>"$BATS_TEST_TMPDIR/log" 3>&- &
	SERVER_PID=$!
	SERVER_LOG=$BATS_TEST_TMPDIR/log
	wait_until 10 grep -q '"event":"listen"' "$out"
	need_tool jq jq
	# The port in a field of its own, the same as in "addr".
	PORT=$(jq -r 'select(.event == "listen") | .port' "$out")
	[[ $PORT =~ ^[1-9][0-9]*$ ]]
	[ "$(jq -r 'select(.event == "listen") | .addr' "$out")" = "127.0.0.1 $PORT" ]
	run --separate-stderr timeout 10 "$CLIENT" -m json 127.0.0.1 "$PORT"
	assert_success
	assert_output json
	stop_server
	run grep -vc '^{"t":.*}$' "$out"
	assert_output 0
}

# trace_ends_whole FILE: FILE holds at least one line, ends in a newline,
# and forktrace reads every line of it.
trace_ends_whole() {
	[ -s "$1" ]
	[ "$(tail -c 1 "$1" | od -An -tx1 | tr -d ' ')" = 0a ]
	run --separate-stderr "$FORKTRACE" "$1"
	assert_success
	[ -z "$stderr" ]
}

# clients_until_trace_stops: up to 40 clients, one after the other, each
# echoed, until the server says its JSON trace has stopped.
clients_until_trace_stops() {
	local nth	# not i: bats's run sets a global i
	for ((nth = 1; nth <= 40; nth++)); do
		run --separate-stderr timeout 10 "$CLIENT" -m "hello $nth" \
		    127.0.0.1 "$PORT"
		assert_success
		assert_output "hello $nth"
		! grep -q 'the JSON trace stops here' "$SERVER_LOG" || return 0
	done
	echo "the trace never stopped" >&2
	return 1
}

@test "a JSON trace that stops in the middle of the fork event leaves no connection waiting" {
	local t=$BATS_TEST_TMPDIR/t.json cut
	# A first run says where the fork event's line lies in such a trace
	# (in bytes: LC_ALL=C).
	start_server -l 127.0.0.1:0 --trace-json "$t"
	run --separate-stderr timeout 10 "$CLIENT" -m hi 127.0.0.1 "$PORT"
	assert_success
	stop_server
	cut=$(LC_ALL=C awk '/"event":"fork"/ { print n + int(length($0) / 2); exit }
		{ n += length($0) + 1 }' "$t")
	[[ $cut =~ ^[0-9]+$ ]]
	rm -f "$t"
	# Now the file may not grow past the middle of that line: the
	# parent's write of its fork event falls short, the trace stops
	# there, and the child at its start gate must still be let go.
	SERVER_WRAP=(prlimit --fsize="$cut")
	start_server -l 127.0.0.1:0 --trace-json "$t"
	run --separate-stderr timeout 10 "$CLIENT" -w 3 -m hi 127.0.0.1 "$PORT"
	assert_success
	assert_output hi
	grep -q 'the JSON trace stops here' "$SERVER_LOG"
	# It stopped at the fork: accept is the last event written.
	[ "$(tail -n 1 "$t" | jq -r .event)" = accept ]
	trace_ends_whole "$t"
}

@test "a trace cut short by the file size limit ends in whole lines, and forktrace reads them all" {
	local t=$BATS_TEST_TMPDIR/t.json
	# 8 KiB: room for the server's table of its processes (4 KiB, in a
	# file too), not for the trace of a dozen connections.  Past the
	# limit a write falls short, then fails with EFBIG (and SIGXFSZ,
	# which would kill a server that did not ignore it).
	# shellcheck disable=SC2016 # expanded by the inner bash
	SERVER_WRAP=(bash -c 'ulimit -f 8 && exec "$@"' _)
	start_server -l 127.0.0.1:0 --trace-json "$t"
	clients_until_trace_stops
	run grep -c "^forkechod: --trace-json $t: write: File too large; the JSON trace stops here, the server goes on\$" "$SERVER_LOG"
	assert_output 1
	stop_server
	trace_ends_whole "$t"
}

@test "a trace that fills its file system ends in whole lines, is said once, and the server goes on serving" {
	[ "$(id -u)" -eq 0 ] || skip "mounting a small file system needs root"
	SMALL_FS=$BATS_TEST_TMPDIR/small
	mkdir "$SMALL_FS"
	mount -t tmpfs -o size=16k,mode=0755 forkecho-test "$SMALL_FS" ||
	    skip "cannot mount a tmpfs here"
	# 8 KiB left: the trace of a few connections.
	head -c 8192 /dev/zero >"$SMALL_FS/fill"
	local t=$SMALL_FS/t.json
	start_server -l 127.0.0.1:0 --trace-json "$t"
	clients_until_trace_stops
	run grep -c "^forkechod: --trace-json $t: write: No space left on device; the JSON trace stops here, the server goes on\$" "$SERVER_LOG"
	assert_output 1
	# And nothing else went wrong; the server goes on.
	assert_equal "$(wc -l <"$SERVER_LOG")" 1
	run --separate-stderr timeout 10 "$CLIENT" -m after 127.0.0.1 "$PORT"
	assert_success
	assert_output after
	stop_server
	trace_ends_whole "$t"
}

# --- descriptors inherited from whoever started the server

# holds_inherited PID: PID has a descriptor on the file or the FIFO that
# the test left open when it started the server.
holds_inherited() {
	local fd target
	for fd in /proc/"$1"/fd/*; do
		target=$(readlink "$fd") || continue
		case $target in "$MARKER" | "$FIFO") return 0 ;; esac
	done
	return 1
}

# open_strays: descriptors 10 (a file) and 251 (a FIFO, read and write,
# so that opening it does not wait) in this shell, for the server to
# inherit, as from a careless shell or supervisor.
open_strays() {
	MARKER=$BATS_TEST_TMPDIR/marker
	FIFO=$BATS_TEST_TMPDIR/fifo
	: >"$MARKER"
	mkfifo "$FIFO"
	exec 10<"$MARKER" 251<>"$FIFO"
	# The test itself holds them: the check below can see them.
	holds_inherited "$BASHPID"
}

@test "descriptors left open by the starter reach neither the parent nor a child" {
	open_strays
	start_server -l 127.0.0.1:0
	exec 10<&- 251<&-
	# A child holding a connection.
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	wait_until 5 has_live_children "$SERVER_PID" 1
	local child
	child=$(live_children_of "$SERVER_PID")
	! holds_inherited "$SERVER_PID" || false
	! holds_inherited "$child" || false
	printf 'still\n' >&5
	local got
	read -r -t 5 got <&5
	[ "$got" = still ]
	exec 5>&-
}

@test "descriptors left open by the starter reach neither the prefork parent nor a worker" {
	open_strays
	start_server -l 127.0.0.1:0 -m prefork -w 2
	exec 10<&- 251<&-
	wait_until 5 has_live_children "$SERVER_PID" 2
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'pool\n' >&5
	local got worker
	read -r -t 5 got <&5
	[ "$got" = pool ]
	! holds_inherited "$SERVER_PID" || false
	for worker in $(live_children_of "$SERVER_PID"); do
		! holds_inherited "$worker" || false
	done
	exec 5>&-
}

@test "sockets passed by socket activation are kept, and other inherited descriptors closed" {
	[ -x "$ACTIVATE" ] || fail "$ACTIVATE is not built"
	open_strays
	SERVER_WRAP=("$ACTIVATE")
	start_server
	exec 10<&- 251<&-
	[ "$PORT" = "$(awk '/^activate: passing /{print $4}' "$SERVER_LOG")" ]
	[[ $(readlink "/proc/$SERVER_PID/fd/3") == socket:* ]]
	! holds_inherited "$SERVER_PID" || false
	run --separate-stderr timeout 10 "$CLIENT" -m activated 127.0.0.1 "$PORT"
	assert_success
	assert_output activated
}

# --- -t

@test "-t refuses a listening address that the start cannot bind, as the start does" {
	# An IPv4-mapped address on the server's IPv6-only sockets: bind()
	# fails with EINVAL.
	run --separate-stderr timeout 10 "$SERVER" "${AS_ROOT[@]}" \
	    -l '[::ffff:127.0.0.1]:0'
	assert_failure 1
	local at_start=$stderr
	[[ $at_start == "forkechod: "*"::ffff:127.0.0.1 0: "* ]]
	run --separate-stderr "$SERVER" -t -l 127.0.0.1:0 -l '[::ffff:127.0.0.1]:0'
	assert_failure 1
	assert_output ''
	[ "$stderr" = "$at_start" ]
}

@test "-t on the configuration of a running server passes, and says its port is in use" {
	start_server -l 127.0.0.1:0
	run --separate-stderr "$SERVER" -t -l "127.0.0.1:$PORT" "${AS_ROOT[@]}"
	assert_success
	assert_output 'forkechod: configuration OK'
	[ "$stderr" = "forkechod: -t: 127.0.0.1 $PORT: port in use (by the running server, perhaps): the address is good, but it could not be bound now" ]
	# The check took nothing from the running server.
	run --separate-stderr timeout 10 "$CLIENT" -m still 127.0.0.1 "$PORT"
	assert_success
	assert_output still
}
