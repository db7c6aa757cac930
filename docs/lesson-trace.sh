#!/bin/sh
# lesson-trace.sh NAME SNIPPET: runs bin/forkechod --lesson NAME on a free
# loopback port, runs SNIPPET (terminal 2's commands; $PORT and
# $SERVER_PID are set), stops the server with SIGTERM, and prints the
# server's lane view (without the lesson's banner), then what SNIPPET
# printed.  docs/LESSONS.md pastes its output.
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -eq 2 ] || { echo "usage: $0 lesson snippet" >&2; exit 64; }
out=$(mktemp) err=$(mktemp) said=$(mktemp)
trap 'rm -f "$out" "$err" "$said"' EXIT

bin/forkechod --lesson "$1" -l 127.0.0.1:0 >"$out" 2>"$err" &
SERVER_PID=$!
tries=0
until grep -q '^listening on ' "$out"; do
	tries=$((tries + 1))
	[ "$tries" -lt 500 ] || { echo "$0: no readiness line" >&2; exit 1; }
	sleep 0.01
done
PORT=$(awk '/^listening on /{print $4; exit}' "$out")
export PORT SERVER_PID
sh -c "$2" >"$said" 2>&1
# Let the children finish their part (zombies count as finished) before
# the server is told to stop, so the stop does not cut into the trace.
tries=0
while ps -o stat= --ppid "$SERVER_PID" | awk '!/^Z/ {n++} END {exit !n}'; do
	tries=$((tries + 1))
	[ "$tries" -lt 500 ] || break
	sleep 0.01
done
kill -TERM "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID"
status=$?
sed -n '/^forkechod trace:/,$p' "$err"
echo "(server exit status $status)"
echo "----"
cat "$said"
