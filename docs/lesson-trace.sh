#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# lesson-trace.sh NAME SNIPPET [SVG]: runs bin/forkechod --lesson NAME on a
# free loopback port, runs SNIPPET (terminal 2's commands; $PORT and
# $SERVER_PID are set), stops the server with SIGTERM unless it has stopped
# by itself (prefork-listener, eintr-accept), and prints the server's lane
# view (without the lesson's banner), then what SNIPPET printed.
# docs/LESSONS.md pastes its output.  With SVG, bin/forktrace draws the
# same run's JSON trace there (docs/lessons/NAME.svg), so that the
# picture shows the very events of the text.
#
# Run as root with tcpdump installed, it also captures the lesson on lo
# (tcp port $PORT, from before SNIPPET starts until the server has
# stopped, with tcpdump -w), prints the packets as a third section,
# timestamps relative to the first packet, and gives the capture to
# forktrace --wire, so that the picture shows the client's segments.
# Otherwise it says so on stderr and skips that.
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -eq 2 ] || [ $# -eq 3 ] ||
    { echo "usage: $0 lesson snippet [svg]" >&2; exit 64; }
out=$(mktemp) err=$(mktemp) said=$(mktemp) cap=$(mktemp) caperr=$(mktemp)
SERVER_PID='' DUMP_PID=''
cleanup() {
	[ -z "$DUMP_PID" ] || kill -TERM "$DUMP_PID" 2>/dev/null
	[ -z "$SERVER_PID" ] || ! server_running || kill -TERM "$SERVER_PID"
	rm -f "$out" "$err" "$said" "$cap" "$caperr"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=docs/lesson-lib.sh
. docs/lesson-lib.sh

capture=''
if [ "$(id -u)" -ne 0 ]; then
	echo "$0: not root: no packet capture" >&2
elif ! command -v tcpdump >/dev/null 2>&1; then
	echo "$0: no tcpdump: no packet capture" >&2
else
	capture=yes
fi

start_lesson "$1" "$out" "$err" ||
	{ echo "$0: no readiness line" >&2; exit 1; }

if [ -n "$capture" ]; then
	dump_start "$cap" "$caperr" || capture=''
fi

export PORT SERVER_PID
sh -c "$2" >"$said" 2>&1
# Let the children or workers finish their part before the server is told
# to stop, so the stop does not cut into the trace.
await 500 at_rest "$err" ' spawn '
await_own_end "$1"
how='stopped with SIGTERM'
if server_running; then
	kill -TERM "$SERVER_PID"
else
	how='had stopped by itself'
fi
wait "$SERVER_PID"
status=$?
SERVER_PID=''

if [ -n "$capture" ]; then
	dump_stop
fi

# With a capture, the picture shows the client's segments too.
if [ $# -eq 3 ] && [ -n "$capture" ]; then
	bin/forktrace -t "$1" --wire "$cap" -o "$3" "$out" ||
	    echo "$0: forktrace could not draw $3" >&2
elif [ $# -eq 3 ]; then
	bin/forktrace -t "$1" -o "$3" "$out" ||
	    echo "$0: forktrace could not draw $3" >&2
fi

sed -n '/^forkechod trace:/,$p' "$err"
echo "(server $how; exit status $status)"
echo "----"
cat "$said"
if [ -n "$capture" ]; then
	echo "----"
	# -ttttt: time since the first packet.
	tcpdump -r "$cap" -n -ttttt 2>/dev/null |
	    sed -e '/^[[:space:]]*$/d' -e 's/^[[:space:]]*//'
fi
