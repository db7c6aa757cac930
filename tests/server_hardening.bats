#!/usr/bin/env bats
# What the server refuses to be turned against: descriptors left open by
# whoever started it.  And a JSON trace on standard output that must stay
# JSON Lines alone.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2034,SC2153 # SERVER_WRAP, PORT: see helper.bash

load helper

ACTIVATE=$TOP/build/tests/activate

teardown() {
	stop_server
}

# --- the trace

@test "with --trace-json - standard output holds JSON Lines alone, the listen event giving the port" {
	local out=$BATS_TEST_TMPDIR/out
	"$SERVER" "${AS_ROOT[@]}" -l 127.0.0.1:0 --trace-json - >"$out" \
	    2>"$BATS_TEST_TMPDIR/log" 3>&- &
	SERVER_PID=$!
	SERVER_LOG=$BATS_TEST_TMPDIR/log
	wait_until 10 grep -q '"event":"listen"' "$out"
	PORT=$(sed -n 's/.*"event":"listen".*"addr":"127\.0\.0\.1 \([0-9]*\)".*/\1/p' "$out")
	run --separate-stderr timeout 10 "$CLIENT" -m json 127.0.0.1 "$PORT"
	assert_success
	assert_output json
	stop_server
	run grep -vc '^{"t":.*}$' "$out"
	assert_output 0
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
