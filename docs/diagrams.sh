#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# diagrams.sh [-k DIR] [LESSON...]: runs each lesson (default: every one
# that bin/forkechod --lessons lists) against the real server and client,
# as docs/LESSONS.md's terminal 2 does, with the JSON trace on, and draws
# the trace with bin/forktrace into docs/lessons/LESSON.svg, and in
# Chinese into docs/lessons/zh_CN/LESSON.svg.  -k DIR
# keeps each run's trace as DIR/LESSON.json.  `make diagrams` runs it.
#
# As root with tcpdump installed, each run is also captured on lo (tcpdump
# -w, tcp port $PORT) and drawn with forktrace --wire, so that the
# pictures show the client's segments (-k keeps DIR/LESSON.pcap too);
# otherwise it says so once on stderr and draws the trace alone.
#
# Every run: the server on a free loopback port (port 0, the port read
# from its readiness line), every wait polled with a deadline, the server
# stopped by its PID with SIGTERM unless it stopped by itself.
set -u
cd "$(dirname "$0")/.." || exit 1
keep=
if [ "${1:-}" = -k ]; then
	[ $# -ge 2 ] || { echo "usage: $0 [-k dir] [lesson...]" >&2; exit 64; }
	keep=$2
	shift 2
	mkdir -p "$keep" || exit 1
fi
for prog in bin/forkechod bin/forkecho bin/forktrace; do
	[ -x "$prog" ] || { echo "$0: no $prog: run make first" >&2; exit 1; }
done
work=$(mktemp -d) || exit 1
SERVER_PID='' DUMP_PID=''
cleanup() {
	[ -z "$DUMP_PID" ] || kill -TERM "$DUMP_PID" 2>/dev/null
	[ -z "$SERVER_PID" ] || ! server_running || kill -TERM "$SERVER_PID"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=docs/lesson-lib.sh
. docs/lesson-lib.sh

capture=''
if [ "$(id -u)" -ne 0 ]; then
	echo "$0: not root: no packet capture, no client segments" >&2
elif ! command -v tcpdump >/dev/null 2>&1; then
	echo "$0: no tcpdump: no packet capture, no client segments" >&2
else
	capture=yes
fi

# live_children N: the server has N children that have not exited.
live_children() {
	ps -o stat= --ppid "$SERVER_PID" |
	    awk -v want="$1" '!/^Z/ {n++} END {exit (n + 0 != want)}'
}
# zombie_children N: the server has N exited, unreaped children.
zombie_children() {
	ps -o stat= --ppid "$SERVER_PID" |
	    awk -v want="$1" '/^Z/ {n++} END {exit (n + 0 != want)}'
}
# stopped: the server is in state T (kill -STOP returns before it is).
stopped() {
	case $(ps -o stat= -p "$SERVER_PID") in T*) return 0 ;; esac
	return 1
}
# at T: waits until T seconds after the server's start (its start time
# in /proc/PID/stat, field 22, against /proc/uptime), at most 10 s.
at() {
	# shellcheck disable=SC2016 # $1 is awk's
	await 1000 awk -v t0="$t0" -v t="$1" \
	    '{ exit !($1 - t0 >= t) }' /proc/uptime
}
client() {
	timeout 20 bin/forkecho "$@" 127.0.0.1 "$PORT"
}

# snippet LESSON: terminal 2 of the lesson, as docs/LESSONS.md has it.
snippet() {
	case $1 in
	proper-close | closed-fd-read | child-shutdown-wr | fd-passing)
		client -m hello ;;
	close-flushes)
		head -c 300000 /dev/zero | client --read-delay 1 | wc -c ;;
	parent-forgets-close)
		client -w 3 -m hello ;;
	helper-holds | helper-shutdown-first | cloexec-no-help | exec-holds)
		client -w 1 -m hello ;;
	child-shutdown-kills-parent)
		client -i 0.4 -m one -m two -m three ;;
	dup-counts)
		client -m hello ;;
	parent-shutdown)
		client -i 0.4 -m one -m two -m three -m four ;;
	half-close)
		client --keep-sending -i 0.3 -m one -m two -m three ;;
	shut-rd)
		client -i 0.3 -m one -m two -m three ;;
	close-unread | linger-abort)
		client -i 0.2 -m one -m two ;;
	prefork-listener)
		# One client before the parent closes its copy of the
		# listening socket (1 s), one before worker 1 shuts it
		# down (3 s), one after.
		t0=$(awk -v hz="$(getconf CLK_TCK)" \
		    '{ sub(/.*\) /, ""); print $20 / hz }' \
		    "/proc/$SERVER_PID/stat")
		at 0.5 && client -m one
		at 2 && client -m two
		at 3.5 && client -m three
		;;
	zombies)
		client -m a
		client -m b
		;;
	lost-sigchld)
		# Five children end while the server is stopped: their
		# SIGCHLDs merge into one.
		i=1
		pids=
		while [ "$i" -le 5 ]; do
			client -i 0.5 -m "a$i" -m "b$i" &
			pids="$pids $!"
			i=$((i + 1))
		done
		await 500 live_children 5 && kill -STOP "$SERVER_PID" &&
		    await 500 stopped
		# shellcheck disable=SC2086 # a list of pids
		wait $pids
		await 500 zombie_children 5
		kill -CONT "$SERVER_PID"
		;;
	eintr-accept)
		client -m hello ;;
	close-does-not-wake | shutdown-wakes)
		client -i 2 -m one -m two ;;
	*)
		echo "$0: no snippet for lesson $1" >&2
		return 1
		;;
	esac
}

# run LESSON: one run, its trace drawn.
run() {
	json=$work/$1.json
	if ! start_lesson "$1" "$json" "$work/server.err"; then
		echo "$0: $1: the server did not start:" >&2
		cat "$work/server.err" >&2
		return 1
	fi
	pcap=$work/$1.pcap
	set -- "$1"
	if [ -n "$capture" ] && dump_start "$pcap" "$work/dump.err"; then
		set -- "$1" --wire "$pcap"
	fi
	snippet "$1" >"$work/client.out" 2>&1
	# Let the children or workers finish before the stop, so that the
	# stop does not cut into the trace.
	await 500 at_rest "$json" '"event":"spawn"'
	await_own_end "$1"
	if server_running; then
		kill -TERM "$SERVER_PID"
	fi
	# SIGTERM ends every lesson's server; a deadline all the same.
	if ! await 1000 server_gone; then
		echo "$0: $1: the server did not stop" >&2
		kill -KILL "$SERVER_PID"
	fi
	wait "$SERVER_PID"
	SERVER_PID=''
	[ -z "$DUMP_PID" ] || dump_stop
	[ -z "$keep" ] || cp "$json" "$keep/$1.json"
	[ -z "$keep" ] || [ $# -eq 1 ] || cp "$pcap" "$keep/$1.pcap"
	# "$@": the lesson, and --wire with its capture if there is one.
	bin/forktrace -t "$@" -o "$work/$1.svg" "$json" &&
	    mv "$work/$1.svg" "docs/lessons/$1.svg" &&
	    echo "docs/lessons/$1.svg: $(wc -l <"$json") events" || return 1
	# The same run drawn in Chinese, for docs/LESSONS.zh_CN.md.
	[ -z "$zh" ] && return 0
	LC_ALL=$zh bin/forktrace -t "$@" -o "$work/$1.svg" "$json" &&
	    mv "$work/$1.svg" "docs/lessons/zh_CN/$1.svg" &&
	    echo "docs/lessons/zh_CN/$1.svg"
}

# Lesson names are single words: split on purpose.
# shellcheck disable=SC2046
[ $# -gt 0 ] || set -- $(bin/forkechod --lessons | awk '{print $1}')
mkdir -p docs/lessons docs/lessons/zh_CN || exit 1
# The Chinese pictures need the zh_CN.UTF-8 locale (tests/i18n.bats makes
# it as root; localedef -i zh_CN -f UTF-8 zh_CN.UTF-8) and the catalog.
zh=''
if locale -a 2>/dev/null | grep -qx 'zh_CN.utf8'; then
	zh=zh_CN.UTF-8
else
	echo "$0: no zh_CN.UTF-8 locale: the Chinese pictures are not drawn" >&2
fi
status=0
for lesson in "$@"; do
	run "$lesson" || status=1
done
# The status of the last command, not an exit: shellcheck would take the
# functions that only await and trap call for unreachable.
[ "$status" -eq 0 ]
