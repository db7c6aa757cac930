# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# lesson-lib.sh: what docs/lesson-trace.sh and docs/diagrams.sh share,
# sourced by both: polling with a deadline, and starting and watching a
# lesson's server.  SERVER_PID and PORT are set by start_lesson.
# shellcheck shell=sh

# await TICKS COMMAND...: run COMMAND every 10 ms until it succeeds; fail
# once it has failed TICKS times.
await() {
	ticks=$1
	shift
	until "$@"; do
		ticks=$((ticks - 1))
		[ "$ticks" -gt 0 ] || return 1
		sleep 0.01
	done
}

# The server is still our child and has not exited.  Once it has, its
# pid is a zombie until wait, or may already be reaped (and reused):
# neither must get a signal.
server_running() {
	ps -o ppid= -o stat= -p "$SERVER_PID" |
	    awk -v me="$$" '$1 == me && $2 !~ /^Z/ {ok = 1} END {exit !ok}'
}

server_gone() {
	! server_running
}

# await_own_end NAME: for a lesson whose server stops by itself
# (prefork-listener, 2 s after its listening socket was shut down;
# eintr-accept, at its first child's end), waits for that, at most 10 s,
# so that SIGTERM does not cut the story short.  Others return at once.
await_own_end() {
	case $1 in
	prefork-listener | eintr-accept) await 1000 server_gone || true ;;
	esac
}

# No child of the server is at work any more (zombies count as done).
children_done() {
	ps -o stat= --ppid "$SERVER_PID" | awk '!/^Z/ {n++} END {exit (n > 0)}'
}

# at_rest FILE PATTERN: the server has nothing left to do for the
# clients: no child at work, or, where prefork workers wait for the next
# connection (PATTERN, a spawn event, is in FILE) and so never finish, no
# connection to the port that the server has not yet ended.
at_rest() {
	children_done && return 0
	grep -q "$2" "$1" || return 1
	[ -z "$(ss -Htn state established state syn-recv state close-wait \
	    "( sport = :$PORT )")" ]
}

# lib_port FILE: the port from the server's standard output, as the
# readiness line says it, or, with the JSON trace on standard output
# (--trace-json -), as the listen event's port field does.
lib_port() {
	awk '/^listening on / { print $4; exit }
	    /"event":"listen"/ && match($0, /"port":[0-9]+/) {
		print substr($0, RSTART + 7, RLENGTH - 7); exit
	    }' "$1"
}
lib_ready() {
	[ -n "$(lib_port "$1")" ]
}

# start_lesson NAME OUT ERR [OPTION...]: the lesson's server on a free
# loopback port, stdout to OUT, stderr to ERR, with the JSON trace on
# stdout too: where it goes to a file, that file takes a descriptor and
# every socket after it gets a number one higher than in the lane view
# of a run without it.  Waits for readiness and sets SERVER_PID and
# PORT.  As root (tcpdump needs it) the server is told to stay root: the
# trace is the same either way.
start_lesson() {
	lib_lesson=$1 lib_out=$2 lib_err=$3
	shift 3
	lib_user=
	[ "$(id -u)" -eq 0 ] && lib_user=--user=root
	# shellcheck disable=SC2086 # $lib_user is one word or none
	bin/forkechod --lesson "$lib_lesson" $lib_user -l 127.0.0.1:0 \
	    --trace-json - "$@" >"$lib_out" 2>"$lib_err" &
	SERVER_PID=$!
	await 500 lib_ready "$lib_out" || return 1
	PORT=$(lib_port "$lib_out")
}
