# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Loaded by every test file: paths, and starting and stopping servers.
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables are used by the test files

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# What a process holds and who its children are: shared with make stress.
# shellcheck source=tests/procs.bash
. "$TOP/tests/procs.bash"
# Nearly every test looks at processes with ps, through the helpers; and
# without ps not_running would call every process gone.  So one check, as
# the file loads: every test of the file fails with this message.
if ! command -v ps >/dev/null; then
	echo "ps is not installed: install the Debian package procps (sh tests/deps.sh installs them all)" >&2
	return 1
fi
BIN=${FORKECHO_BIN:-$TOP/bin}
# FORKECHO_BIN may be relative to the top directory (make sanitize).
case $BIN in /*) ;; *) BIN=$TOP/$BIN ;; esac
SERVER=$BIN/forkechod
CLIENT=$BIN/forkecho
BENCH=$BIN/forkecho-bench
PEER=$TOP/build/tests/peer
# Run as root (CI), the server would serve as nobody unless told to stay root;
# the tests of that default, and of --user, leave this out.
AS_ROOT=()
if [ "$(id -u)" -eq 0 ]; then AS_ROOT=(--user root); fi

# FORKECHO_SLOW: a whole number that multiplies the deadlines of the
# waiting helpers below (and BATS_TEST_TIMEOUT, in tests/run); make
# valgrind sets it, as programs under memcheck run many times slower.  A
# deadline only: how long never_within watches stays as written, since
# slowness can delay an event, never bring it forward.
SLOW=${FORKECHO_SLOW:-1}
if [[ ! $SLOW =~ ^[1-9][0-9]*$ ]]; then
	echo "FORKECHO_SLOW=$SLOW: a whole number from 1 expected" >&2
	exit 1
fi

# need_tool COMMAND PACKAGE: fails the test, naming the Debian package,
# when COMMAND is not installed.  tests/deps.sh installs every package the
# suite uses (make check runs it), so a missing tool is a broken set-up,
# never a reason to skip: skips are for what cannot be had here (root).
need_tool() {
	command -v "$1" >/dev/null ||
		fail "$1 is not installed: install the Debian package $2 (sh tests/deps.sh installs them all)"
}

# need_nc: OpenBSD's netcat as nc, for its -N, -s, -U and -k; busybox's
# or the traditional nc would fail the test on an option instead.
need_nc() {
	command nc -h 2>&1 | grep -q '^OpenBSD netcat' ||
		fail "nc is not OpenBSD's netcat: install the Debian package netcat-openbsd (sh tests/deps.sh installs them all)"
}

# need_mandoc: what man_synopsis runs.
need_mandoc() {
	need_tool mandoc mandoc
	need_tool col bsdextrautils
}

# reachable FILE: copies FILE (a program, a config file) to a place every
# user can reach, and prints the copy's path: for the tests that run the
# server as another user, who may not reach the tree (/root is 0700, and
# so is a new home directory on Debian 12): a test of theirs must not
# depend on where the tree is.  The place is the test's directory, which
# bats makes private, with its parents: they are opened for search only
# (o+x), up to bats's run directory, which bats removes afterwards.
reachable() {
	local dir=$BATS_TEST_TMPDIR/reachable d
	case $BATS_TEST_TMPDIR in
	"$BATS_RUN_TMPDIR"/*) ;;
	*) fail "reachable: $BATS_TEST_TMPDIR is not under $BATS_RUN_TMPDIR" ;;
	esac
	if [ ! -d "$dir" ]; then
		mkdir -m 755 "$dir" || return 1
		d=$BATS_TEST_TMPDIR
		while :; do
			chmod o+x "$d" || return 1
			[ "$d" != "$BATS_RUN_TMPDIR" ] || break
			d=${d%/*}
		done
	fi
	cp "$1" "$dir/" && chmod o+r "$dir/${1##*/}" && echo "$dir/${1##*/}"
}

# skip_under_valgrind WHY: skips, in make valgrind only, a test of what
# memcheck changes (speed, CPU time, memory, descriptors).
skip_under_valgrind() {
	[ "${FORKECHO_SUITE:-}" != valgrind ] || skip "under valgrind: $*"
}

# wait_until SECONDS COMMAND...: polls COMMAND every 20 ms until it
# succeeds; fails when the deadline passes.  Polling a condition with a
# deadline, not sleeping a guessed time.
wait_until() {
	local limit=$(($1 * SLOW)) start=$SECONDS
	shift
	until "$@"; do
		if ((SECONDS - start >= limit)); then
			echo "wait_until: gave up after ${limit}s: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

ready_lines() { # FILE N: FILE holds at least N readiness lines
	local n
	# No FILE yet (the background job has not opened it) is no line.
	n=$(grep -c '^listening on ' "$1" 2>/dev/null) || true
	[ "${n:-0}" -ge "$2" ]
}

# start_server ARGS...: starts forkechod in the background on the given
# options and waits for its readiness lines (one per --listen, at least
# one).  Sets SERVER_PID, PORT (of the first socket), PORTS (all), and
# SERVER_OUT / SERVER_LOG (its stdout and stderr).
start_server() {
	local want=0 arg
	for arg in "$@"; do
		case $arg in -l | --listen | --listen=*) want=$((want + 1)) ;; esac
	done
	((want > 0)) || want=1
	SERVER_OUT=$BATS_TEST_TMPDIR/server.out
	SERVER_LOG=$BATS_TEST_TMPDIR/server.log
	# A server started before in this test left its readiness line there,
	# until the background job below opens the file anew.
	rm -f "$SERVER_OUT"
	# 3>&- : bats waits on fd 3; a background server must not hold it.
	# SERVER_WRAP: a command to run the server under (setsid), or none.
	${SERVER_WRAP[@]+"${SERVER_WRAP[@]}"} "$SERVER" "${AS_ROOT[@]}" "$@" \
	    >"$SERVER_OUT" 2>"$SERVER_LOG" 3>&- &
	SERVER_PID=$!
	if ! wait_ready "$want"; then
		echo "server did not become ready; its log:" >&2
		cat "$SERVER_LOG" >&2
		return 1
	fi
	mapfile -t PORTS < <(awk '/^listening on /{print $4}' "$SERVER_OUT")
	PORT=${PORTS[0]}
}

# wait_ready N: the server's N readiness lines within 10 s (times
# FORKECHO_SLOW); gives up at once if it has exited instead.
wait_ready() {
	local start=$SECONDS rc
	while :; do
		rc=0
		server_ready "$1" || rc=$?
		((rc != 0)) || return 0
		((rc != 2)) || return 1
		((SECONDS - start < 10 * SLOW)) || return 1
		sleep 0.02
	done
}

server_ready() {
	kill -0 "$SERVER_PID" 2>/dev/null || {
		echo "server exited before it was ready" >&2
		return 2
	}
	ready_lines "$SERVER_OUT" "$1"
}

# stop_server: SIGTERM by PID, then SIGKILL if it has not gone in time.
# Prints the server's log, which bats shows when the test failed.
stop_server() {
	[ -n "${SERVER_PID:-}" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	if ! wait_until 10 not_running "$SERVER_PID"; then
		kill -KILL "$SERVER_PID" 2>/dev/null || true
	fi
	wait "$SERVER_PID" 2>/dev/null || true
	echo "--- server log ---"
	cat "$SERVER_LOG" 2>/dev/null || true
	SERVER_PID=
}

# wait_exit PID SECS: waits for PID (a child of this shell) to exit within
# SECS and sets EXIT_STATUS to its status.
wait_exit() {
	wait_until "$2" not_running "$1" || return 1
	EXIT_STATUS=0
	wait "$1" || EXIT_STATUS=$?
}

# start_peer MODE [ARGS...]: starts the test peer in the background, waits
# for its readiness line, and sets PEER_PID, PEER_PORT and PEER_LOG (its
# standard error, one line per connection).
start_peer() {
	stop_peer
	PEER_OUT=$BATS_TEST_TMPDIR/peer.out
	PEER_LOG=$BATS_TEST_TMPDIR/peer.log
	rm -f "$PEER_OUT"	# as in start_server
	# 3>&- : bats waits on fd 3; a background peer must not hold it.
	"$PEER" "$@" >"$PEER_OUT" 2>"$PEER_LOG" 3>&- &
	PEER_PID=$!
	wait_until 10 ready_lines "$PEER_OUT" 1 || {
		cat "$PEER_LOG" >&2
		return 1
	}
	PEER_PORT=$(awk '/^listening on /{print $4; exit}' "$PEER_OUT")
}

# stop_peer: kills the peer by PID and prints its log, which bats shows
# when the test failed.
stop_peer() {
	[ -n "${PEER_PID:-}" ] || return 0
	kill -KILL "$PEER_PID" 2>/dev/null || true
	wait "$PEER_PID" 2>/dev/null || true
	PEER_PID=
	echo "--- peer log ---"
	cat "$PEER_LOG" 2>/dev/null || true
}

# start_capture: a tcpdump on lo for the server's port, its packets in
# $CAPTURE as they come, as root (it needs CAP_NET_RAW; as root, a missing
# tcpdump fails the test).  Not root, CAPTURE_PID stays empty and callers
# leave the wire unchecked.
start_capture() {
	CAPTURE=$BATS_TEST_TMPDIR/wire.txt
	CAPTURE_PID=
	[ "$(id -u)" = 0 ] || return 0
	need_tool tcpdump tcpdump
	# -U --immediate-mode: or the last packets are missing (LINUX.md P1).
	# -s 128 -B 8192: the headers are all the tests read, and a megabyte
	# of loopback segments (64 KiB each) in whole overflowed tcpdump's
	# default buffer: the kernel dropped packets, once the FIN (P16).
	tcpdump -i lo -n -l -U --immediate-mode -s 128 -B 8192 \
	    "tcp port $PORT" >"$CAPTURE" 2>"$CAPTURE.err" 3>&- &
	CAPTURE_PID=$!
	wait_until 10 grep -q 'listening on lo' "$CAPTURE.err"
}

# start_capture_pcap: the same capture, written as a pcap file to $CAPTURE
# (tcpdump -w), for forktrace --wire.  -U: each packet is written whole
# as it comes, so that the file can be read while tcpdump runs.  Root
# only; callers skip without it.
start_capture_pcap() {
	CAPTURE=$BATS_TEST_TMPDIR/wire.pcap
	CAPTURE_PID=
	need_tool tcpdump tcpdump
	tcpdump -i lo -w "$CAPTURE" -U --immediate-mode "tcp port $PORT" \
	    2>"$CAPTURE.err" 3>&- &
	CAPTURE_PID=$!
	wait_until 10 grep -q 'listening on lo' "$CAPTURE.err"
}

# captured REGEX: tcpdump's reading of $CAPTURE has a line that matches.
captured() {
	tcpdump -r "$CAPTURE" -n 2>/dev/null | grep -qE "$1"
}

# stop_capture: stops the capture by its PID, so that $CAPTURE is whole.
stop_capture() {
	[ -n "${CAPTURE_PID:-}" ] || return 0
	kill -INT "$CAPTURE_PID" 2>/dev/null || true
	wait "$CAPTURE_PID" 2>/dev/null || true
	CAPTURE_PID=
}

# man_synopsis PAGE: the SYNOPSIS of a man page, white space folded.
man_synopsis() {
	MANWIDTH=200 mandoc -Tascii -O width=200 "$1" | col -b |
		awk '/^SYNOPSIS/{on=1; next} /^[A-Z]/{on=0} on' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

# usage_text PROGRAM: the usage lines of PROGRAM -h (up to the first blank
# or indented option line), white space folded, "usage: " dropped.
usage_text() {
	"$1" -h | awk '/^$/ || /^  /{exit} {print}' | tr -s ' \t\n' ' ' |
		sed 's/^usage: //; s/ $//'
}

# now_us: the wall clock in microseconds ($EPOCHREALTIME has six
# decimals, after the locale's decimal point).
now_us() {
	local t=$EPOCHREALTIME
	echo $((10#${t%[.,]*} * 1000000 + 10#${t#*[.,]}))
}

# secs_us SECS: SECS (whole or with a fraction, 0.5) in microseconds.
secs_us() {
	awk -v s="$1" 'BEGIN { printf "%d\n", s * 1000000 }'
}

# wait_within SECS COMMAND...: wait_until with a deadline measured to the
# microsecond, for deadlines of a second or less (wait_until counts whole
# seconds of $SECONDS, so its "1" may end after a few milliseconds).
wait_within() {
	local deadline
	deadline=$(($(now_us) + $(secs_us "$1") * SLOW))
	shift
	until "$@"; do
		if (($(now_us) >= deadline)); then
			echo "wait_within: gave up: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# never_within SECS COMMAND...: COMMAND, polled every 20 ms, does not
# succeed for SECS; fails as soon as it does.  The way to show that
# something does not happen: watched for a stated time, not slept over.
never_within() {
	local deadline
	deadline=$(($(now_us) + $(secs_us "$1")))
	shift
	while (($(now_us) < deadline)); do
		if "$@"; then
			echo "never_within: it happened: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# stopped PID: the process is in state T (kill -STOP has taken effect;
# kill returns before it does).
stopped() { [[ $(ps -o stat= -p "$1") == T* ]]; }

# json_field NAME: the value of member NAME of the one-line JSON object in
# $output (a number or a string with its quotes; the last member of that
# name, as forkecho-bench's error kinds are members of a member).
json_field() {
	# shellcheck disable=SC2154 # bats's run sets output
	sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[0-9.]*\).*/\1/p" <<<"$output"
}

# closes_field WAY: how many sessions of the JSON in $output ended that way.
closes_field() {
	# shellcheck disable=SC2154 # bats's run sets output
	sed -n "s/.*\"closes\":{[^}]*\"$1\":\([0-9]*\).*/\1/p" <<<"$output"
}

# lines_and_counts LINE COUNTED: in the server's log, the lines matching
# the ERE LINE plus the numbers in "N more connections COUNTED in the
# last" lines: what the log limit wrote and what it counted.
lines_and_counts() {
	local lines more
	lines=$(grep -cE "$1" "$SERVER_LOG" || true)
	more=$(grep -F " more connection" "$SERVER_LOG" | grep -F "$2 in the last " |
		sed -En 's/^forkechod: ([0-9]+) more .*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }')
	echo $((lines + more))
}
accounted() { [ "$(lines_and_counts "$1" "$2")" -eq "$3" ]; }
