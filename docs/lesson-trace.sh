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
# stopped) and prints the packets as a third section, timestamps relative
# to the first packet.  Otherwise it says so on stderr and skips that.
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

# tcpdump has opened lo and set its filter, or has died trying.
dump_listening() {
	grep -q '^listening on lo' "$caperr" && return 0
	case $(ps -o stat= -p "$DUMP_PID") in
	'' | Z*) return 0 ;;
	esac
	return 1
}
# dump_state: what tcpdump's last report ("N packets captured, M packets
# received by filter, D packets dropped by kernel", on SIGUSR1 or at exit)
# says: none (no report yet), dropped (D > 0), complete (it has printed
# every packet the kernel handed it) or behind.  On lo the kernel hands
# each packet to the capture twice (going out and coming in) and libpcap
# keeps one, so it is complete when M is twice N.
dump_state() {
	awk '{
		for (i = 1; i + 2 <= NF; i++) {
			if ($(i + 1) != "packets") continue
			if ($(i + 2) ~ /^captured/) c = $i
			else if ($(i + 2) == "received") r = $i
			else if ($(i + 2) == "dropped") d = $i
		}
	} END {
		if (r == "") print "none"
		else if (d + 0 > 0) print "dropped"
		else if (r + 0 == 2 * c) print "complete"
		else print "behind"
	}' "$caperr"
}
dump_behind() {
	case $(dump_state) in
	none | behind) return 0 ;;
	esac
	return 1
}
# dump_reports N: tcpdump has printed more than N reports.
dump_reports() {
	[ "$(grep -c 'packets captured' "$caperr")" -gt "$1" ]
}

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
	# -U --immediate-mode: each packet printed as it comes, none held back
	# at the stop.  -s 128: headers only; in immediate mode the ring holds
	# one snapshot-length frame per packet, and the default 262144 bytes
	# left 8 frames, so lost-sigchld's burst of FINs was dropped.
	# -ttttt: time since the first packet.
	tcpdump -i lo -U --immediate-mode -s 128 -n -ttttt "tcp port $PORT" \
	    >"$cap" 2>"$caperr" &
	DUMP_PID=$!
	if ! await 500 dump_listening ||
	    ! grep -q '^listening on lo' "$caperr"; then
		echo "$0: tcpdump did not start: no packet capture" >&2
		sed 's/^/	/' "$caperr" >&2
		kill -TERM "$DUMP_PID" 2>/dev/null
		wait "$DUMP_PID"
		DUMP_PID='' capture=''
	fi
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
	# Ask tcpdump (SIGUSR1) how far it is until it has printed everything.
	tries=0
	while dump_behind; do
		tries=$((tries + 1))
		[ "$tries" -le 100 ] || break
		reports=$(grep -c 'packets captured' "$caperr")
		kill -USR1 "$DUMP_PID"
		await 500 dump_reports "$reports" || break
	done
	kill -TERM "$DUMP_PID"
	wait "$DUMP_PID"
	DUMP_PID=''
	[ "$(dump_state)" = complete ] || {
		echo "$0: the capture may be incomplete:" >&2
		grep 'packets' "$caperr" | tail -n 3 | sed 's/^/	/' >&2
	}
fi

if [ $# -eq 3 ]; then
	bin/forktrace -t "$1" -o "$3" "$out" ||
	    echo "$0: forktrace could not draw $3" >&2
fi

sed -n '/^forkechod trace:/,$p' "$err"
echo "(server $how; exit status $status)"
echo "----"
cat "$said"
if [ -n "$capture" ]; then
	echo "----"
	sed -e '/^[[:space:]]*$/d' -e 's/^[[:space:]]*//' "$cap"
fi
