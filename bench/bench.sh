#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Runs the same forkecho-bench list against forkechod's process models,
# against two reference servers of our own (bench/ref: the textbook
# fork-per-connection server and a one-process epoll server, the
# yardsticks of docs/PERFORMANCE.md) and, where installed, against the
# peers a user would otherwise pick (socat, ncat, tcpserver, xinetd), each
# on 127.0.0.1 port 0, and prints a table with each server's ratio to
# forkechod's fork model and to both references.  `make bench`
# runs it; docs/PERFORMANCE.md explains the numbers.  It is not a test.
#
# Each test gets a freshly started server, so that a peer wedged by one
# test cannot spoil the next.  Every server runs in its own process group
# (setsid) and is stopped by that group's id; every wait has a deadline;
# a server that fails to start, a client that hangs or a peer that
# corrupts data is reported in the table, never the end of the run.
#
# Environment (all optional):
#   BENCH_SECONDS  length of each test in seconds (default 3)
#   BENCH_RUNS     runs of each test; the table shows the median (default 1)
#   BENCH_SERVERS  which servers to run, in order (default: all of them):
#                  ref-fork ref-epoll fork prefork prefork-parent
#                  threads fork-trace socat socat-pipe ncat tcpserver xinetd
#                  xinetd-default
#   BENCH_TESTS    the tests, as MODE:CONCURRENCY (default sessions:1
#                  sessions:8 sessions:64 bulk:1 bulk:4 rtt:1; fewer for
#                  fork-trace and xinetd-default).  bulk:4 is there because
#                  socat's PIPE stalls only with several streams.
#   BENCH_GRACE    seconds a client may run past BENCH_SECONDS before it
#                  is declared hung and killed (default 20)
#   BENCH_CLIENT   the load generator (default bin/forkecho-bench)
#   BENCH_SERVER   the server (default bin/forkechod)
#   BENCH_OUT      where results and logs go (default build/bench)
#
# Output: the table on standard output.  In BENCH_OUT: results.jsonl, one
# line per run: the client's JSON object with "server", "command", "run"
# and "exit" (the client's exit status) put in front, or, where the client
# gave no result, those and "mode", "concurrency" and "failure"; a run
# whose server misbehaved also has "note".  summary.jsonl, one line per
# server and test, as the table shows it; table.txt and table.md (the
# same table in Markdown); logs/, every server's and client's output.
set -u
cd "$(dirname "$0")/.." || exit 1

# bench.sh --table prints the table of the last run again, from
# BENCH_OUT/results.jsonl, and runs nothing.
table_only=0
case ${1:-} in
'') ;;
--table) table_only=1 ;;
*) printf 'usage: bench/bench.sh [--table]\n' >&2; exit 64 ;;
esac

secs=${BENCH_SECONDS:-3}
runs=${BENCH_RUNS:-1}
grace=${BENCH_GRACE:-20}
client=${BENCH_CLIENT:-bin/forkecho-bench}
server=${BENCH_SERVER:-bin/forkechod}
out=${BENCH_OUT:-build/bench}
servers=${BENCH_SERVERS:-ref-fork ref-epoll fork prefork prefork-parent threads fork-trace socat socat-pipe ncat tcpserver xinetd xinetd-default}
refs=${BENCH_REFS:-build/ref}	# where make bench built the references
start_timeout=5	# seconds for a server to listen
stop_timeout=5	# seconds for a server's group to go after SIGTERM

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

command -v jq >/dev/null 2>&1 || die "needs jq (make bench-deps installs it)"
if [ "$table_only" = 0 ]; then
	case $secs in '' | *[!0-9]* | 0) die "BENCH_SECONDS must be a whole number of seconds > 0, not '$secs'" ;; esac
	case $runs in '' | *[!0-9]* | 0) die "BENCH_RUNS must be a whole number > 0, not '$runs'" ;; esac
	case $grace in '' | *[!0-9]*) die "BENCH_GRACE must be a whole number of seconds, not '$grace'" ;; esac
	[ -x "$client" ] || die "no forkecho-bench at $client (run make)"
	[ -x "$server" ] || die "no server at $server (run make)"
	"$client" -V 2>/dev/null | grep -q '^forkecho-bench ' || die "$client is not forkecho-bench (run make)"
	for tool in ss ps setsid timeout; do
		command -v "$tool" >/dev/null 2>&1 || die "needs $tool (make bench-deps installs it)"
	done
	mkdir -p "$out" || exit 1
fi
[ -d "$out" ] || die "no results in $out: run make bench first"
out=$(cd "$out" && pwd) || exit 1	# absolute, for xinetd's configuration
results=$out/results.jsonl
tmp=
# xinetd lives in /usr/sbin, which a user's PATH may lack.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

srv_pid=	# the server running now: its pid is its process group's id

# --- processes

# alive PID: true while PID runs; a zombie (ours, not yet waited for)
# counts as gone, which `kill -0` would not tell.
alive() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	'' | Z*) return 1 ;;
	esac
	return 0
}

# group_alive PGID: true while any live process is left in group PGID.
group_alive() {
	ps -e -o pgid= -o stat= 2>/dev/null |
		awk -v g="$1" '$1 == g && $2 !~ /^Z/ { n++ } END { exit n == 0 }'
}

# await_not SECS TEST ARG: waits at most SECS while TEST ARG holds.
await_not() {
	tries=$(($1 * 10))
	while "$2" "$3"; do
		[ "$tries" -gt 0 ] || return 1
		tries=$((tries - 1))
		sleep 0.1
	done
}

# await_group_gone PGID SECS: waits at most SECS for group PGID to empty.
await_group_gone() { await_not "$2" group_alive "$1"; }

# await_pid_gone PID SECS: waits at most SECS for PID to exit.
await_pid_gone() { await_not "$2" alive "$1"; }

# launch LOG COMMAND...: starts COMMAND in a new session and process group
# (setsid), its output in LOG.out and LOG.err, and sets srv_pid.  setsid
# execs COMMAND in place because a non-interactive shell's background job
# is no group leader, so $! is the server itself and leads its group; that
# is checked (within a second, the time setsid may take to start).  A
# server that exits at once is left to await_port to report.
launch() {
	log=$1
	shift
	setsid "$@" </dev/null >"$log.out" 2>"$log.err" &
	srv_pid=$!
	tries=20
	while alive "$srv_pid"; do
		pgid=$(ps -o pgid= -p "$srv_pid" 2>/dev/null | tr -d ' ')
		[ "$pgid" = "$srv_pid" ] && return 0
		if [ "$tries" -le 0 ]; then
			fail="setsid did not make $1 a group leader (pgid $pgid)"
			kill -s KILL "$srv_pid" 2>/dev/null
			await_pid_gone "$srv_pid" 1 &&
			    wait "$srv_pid" 2>/dev/null
			srv_pid=
			return 1
		fi
		tries=$((tries - 1))
		sleep 0.05
	done
	return 0
}

# reap PID: waits for PID, which has exited, and sets how_ended to how it
# did.  (Not in a command substitution: a subshell cannot wait for it.)
reap() {
	wait "$1"
	st=$?
	if [ "$st" -gt 128 ]; then
		how_ended="killed by signal $((st - 128))"
	else
		how_ended="exit status $st"
	fi
}

# last_line FILE: the last non-empty line of FILE, for messages.
last_line() {
	[ -s "$1" ] || return 0
	grep -v '^[[:space:]]*$' "$1" | tail -n 1 | cut -c 1-160
}

# listen_port_of PID: the TCP port PID listens on, as the kernel reports
# it (ss), or nothing.  This is how the peers' real port is learned: each
# binds port 0 and none of them prints the port it got.
listen_port_of() {
	ss -Hltnp 2>/dev/null |
		awk -v p="pid=$1," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }'
}

# await_port HOW LOG: sets port once the server listens, HOW being
# "readiness" (forkechod's "listening on ADDR PORT" line in LOG.out) or
# "kernel" (listen_port_of), within start_timeout; else sets fail.
await_port() {
	port=
	tries=$((start_timeout * 10))
	while :; do
		if [ "$1" = readiness ]; then
			port=$(sed -n 's/^listening on [^ ]* \([0-9][0-9]*\)$/\1/p' "$2.out" | head -n 1)
		else
			port=$(listen_port_of "$srv_pid")
		fi
		[ -n "$port" ] && return 0
		if ! alive "$srv_pid"; then
			reap "$srv_pid"
			fail="did not start: $how_ended"
			msg=$(last_line "$2.err")
			[ -n "$msg" ] && fail="$fail: $msg"
			stop_server	# whatever it left in its group
			return 1
		fi
		if [ "$tries" -le 0 ]; then
			fail="not listening after ${start_timeout} s"
			stop_server
			return 1
		fi
		tries=$((tries - 1))
		sleep 0.1
	done
}

# stop_server: SIGTERM to the server's process group (its children and
# their cats too), SIGKILL to what is left after stop_timeout, and the
# server reaped.  Sets stop_note when the group had to be killed.
stop_server() {
	stop_note=
	[ -n "$srv_pid" ] || return 0
	kill -s TERM -- "-$srv_pid" 2>/dev/null
	if ! await_group_gone "$srv_pid" "$stop_timeout"; then
		stop_note="did not stop within ${stop_timeout} s of SIGTERM; killed"
		kill -s KILL -- "-$srv_pid" 2>/dev/null
		await_group_gone "$srv_pid" 2 ||
			stop_note="$stop_note, and still not gone"
	fi
	# Only a process that has exited is waited for: one stuck even
	# after SIGKILL (uninterruptible sleep) must not hang the run.
	await_pid_gone "$srv_pid" 1 && wait "$srv_pid" 2>/dev/null
	srv_pid=
}

cleanup() {
	stop_server
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- servers

# forkechod serves as nobody when run as root (it refuses root).
user_opt=
[ "$(id -u)" = 0 ] && user_opt="--user nobody"

# server_name ID: the name shown in the table.
server_name() {
	case $1 in
	fork) echo "forkechod fork" ;;
	prefork) echo "forkechod prefork" ;;
	prefork-parent) echo "forkechod prefork/parent" ;;
	threads) echo "forkechod threads" ;;
	fork-trace) echo "forkechod fork --trace" ;;
	ref-fork) echo "ref fork server" ;;
	ref-epoll) echo "ref epoll server" ;;
	socat-pipe) echo "socat PIPE" ;;
	xinetd-default) echo "xinetd default limits" ;;
	*) echo "$1" ;;
	esac
}

# server_tests ID: the tests run against ID, as MODE:CONCURRENCY.
server_tests() {
	if [ -n "${BENCH_TESTS:-}" ]; then
		echo "$BENCH_TESTS"
		return
	fi
	case $1 in
	fork-trace) echo "sessions:1 sessions:8 sessions:64" ;;
	xinetd-default) echo "sessions:1" ;;
	*) echo "sessions:1 sessions:8 sessions:64 bulk:1 bulk:4 rtt:1" ;;
	esac
}

# server_missing ID: prints why ID cannot run here, or nothing.
server_missing() {
	case $1 in
	fork | prefork | prefork-parent | threads | fork-trace) ;;
	ref-fork | ref-epoll)
		[ -x "$refs/${1#ref-}" ] || echo "$refs/${1#ref-} is not built (make bench builds it)" ;;
	socat | ncat | tcpserver | xinetd)
		command -v "$1" >/dev/null 2>&1 || echo "$1 is not installed (make bench-deps)" ;;
	socat-pipe)
		command -v socat >/dev/null 2>&1 || echo "socat is not installed (make bench-deps)" ;;
	xinetd-default)
		command -v xinetd >/dev/null 2>&1 || echo "xinetd is not installed (make bench-deps)" ;;
	*) echo "unknown server (see BENCH_SERVERS in bench/bench.sh)" ;;
	esac
}

# xinetd_conf FILE LIMITS LOG: a private xinetd configuration serving xinetd's
# internal echo (echo-stream, forking) on 127.0.0.1, port 0.  LIMITS
# "raised" lifts the limits that otherwise refuse a benchmark's load: cps
# (connections per second) defaults to 50, and over that xinetd disables
# the service for 10 s.  instances and per_source are unlimited by default
# (Debian's /etc/xinetd.conf sets neither) but are spelled out.  The service
# must be named "echo", since xinetd finds an internal service by name;
# UNLISTED lets it take a port other than /etc/services' 7.
xinetd_conf() {
	{
		echo "defaults"
		echo "{"
		echo "	log_type = FILE $3"
		echo "	log_on_success ="
		echo "	log_on_failure = HOST"
		echo "}"
		echo "service echo"
		echo "{"
		echo "	type = INTERNAL UNLISTED"
		echo "	id = echo-stream"
		echo "	socket_type = stream"
		echo "	protocol = tcp"
		echo "	wait = no"
		[ "$(id -u)" = 0 ] && echo "	user = root"
		echo "	bind = 127.0.0.1"
		echo "	port = 0"
		if [ "$2" = raised ]; then
			echo "	cps = 1000000 1"
			echo "	instances = UNLIMITED"
			echo "	per_source = UNLIMITED"
		fi
		echo "}"
	} >"$1"
}

# confine_xinetd: xinetd names each child of an internal service after its
# client: the child calls getnameinfo() on the client's address, a reverse
# DNS lookup per connection.  The bench's clients come from all over
# 127.0.0.0/8, which /etc/hosts does not list, so every lookup would go to
# the resolver: traffic off this machine, and a stall (5 s at times, on the
# machine of docs/PERFORMANCE.md) that measures the resolver, not xinetd.
# So xinetd runs in a mount namespace of its own in which nsswitch.conf
# says "hosts: files".  Sets confine to the command that makes such a
# namespace (unshare -m, or as a user unshare -r -m), or, where neither
# works, leaves it empty and says why in confine_note.
confine=
confine_note=
confine_xinetd() {
	if ! [ -f /etc/nsswitch.conf ] || ! sed 's/^hosts:.*/hosts: files/' \
		/etc/nsswitch.conf >"$tmp/nsswitch.conf"; then
		confine_note="xinetd's name lookup of each client went to DNS: no /etc/nsswitch.conf to confine it"
		return
	fi
	for ns in "unshare -m" "unshare -r -m"; do
		# $ns is two or three words; $1 is for the inner shell.
		# shellcheck disable=SC2086,SC2016
		if $ns sh -c 'mount --bind "$1" /etc/nsswitch.conf' sh \
			"$tmp/nsswitch.conf" 2>/dev/null; then
			confine=$ns
			return
		fi
	done
	confine_note="xinetd's name lookup of each client went to DNS: no mount namespace (unshare -m) here"
}

# start_server ID LOG: starts server ID and sets srv_pid, port and command
# (as shown in results.jsonl), and start_note if the run needs one; or
# sets fail and returns 1.
#
# The peers are given the same room as forkechod's defaults where they have
# a knob for it: a listen backlog of 4096 (forkechod uses SOMAXCONN) and 64
# connections at once (forkechod's --max-children).  tcpserver's defaults
# (-c 40, -b 20) and socat's backlog of 5 would otherwise make SYNs wait
# for a retransmission at 64 clients; ncat has no such knobs (backlog 10,
# 100 connections).
start_server() {
	fail=
	start_note=
	case $1 in
	fork | prefork | prefork-parent | threads | fork-trace)
		case $1 in
		fork) model= ;;
		prefork) model="-m prefork" ;;
		prefork-parent) model="-m prefork --accept-in parent" ;;
		threads) model="-m threads" ;;
		fork-trace) model="--trace" ;;
		esac
		command="$server -l 127.0.0.1:0 -q --drain-timeout 1${model:+ $model}${user_opt:+ $user_opt}"
		# $command is a list of words without blanks inside: split on purpose.
		# shellcheck disable=SC2086
		launch "$2" $command || return 1
		await_port readiness "$2"
		;;
	ref-fork | ref-epoll)
		command="$refs/${1#ref-}"
		launch "$2" "$command" || return 1
		await_port readiness "$2"
		;;
	socat)
		command="socat TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr,backlog=4096 EXEC:cat"
		# shellcheck disable=SC2086
		launch "$2" $command || return 1
		await_port kernel "$2"
		;;
	socat-pipe)
		# socat's own echo: what it reads it writes into a pipe and
		# sends back what comes out of it; no process is executed.
		command="socat TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr,backlog=4096 PIPE"
		# shellcheck disable=SC2086
		launch "$2" $command || return 1
		await_port kernel "$2"
		;;
	ncat)
		command="ncat -l -k --exec /bin/cat 127.0.0.1 0"
		# shellcheck disable=SC2086
		launch "$2" $command || return 1
		await_port kernel "$2"
		;;
	tcpserver)
		# -R -H -l 0: no ident or DNS lookups; quiet (-v would log four
		# lines per connection and still not print the port).
		command="tcpserver -R -H -l 0 -c 64 -b 4096 127.0.0.1 0 cat"
		# shellcheck disable=SC2086
		launch "$2" $command || return 1
		await_port kernel "$2"
		;;
	xinetd | xinetd-default)
		conf=$2.conf
		limits=raised
		[ "$1" = xinetd-default ] && limits=default
		# Refusals (over cps, instances, per_source) go to LOG.service.
		xinetd_conf "$conf" "$limits" "$2.service"
		command="xinetd -dontfork -filelog $2.xinetd.log -f $conf"
		if [ -n "$confine" ]; then
			# shellcheck disable=SC2086,SC2016
			launch "$2" $confine sh -c \
				'mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"' \
				sh "$tmp/nsswitch.conf" $command || return 1
			command="$confine, /etc/nsswitch.conf hosts: files: $command"
		else
			# shellcheck disable=SC2086
			launch "$2" $command || return 1
			start_note=$confine_note
		fi
		await_port kernel "$2"
		;;
	esac
}

# --- running

# record_failure NAME MODE CONCURRENCY EXIT TEXT: a result line for a run
# that gave no numbers.
record_failure() {
	jq -nc --arg server "$1" --arg command "$command" --arg mode "$2" \
		--argjson concurrency "$3" --argjson exit "$4" --arg failure "$5" \
		--argjson run "$run_no" \
		'{server: $server, command: $command, run: $run, exit: $exit,
		  mode: $mode, concurrency: $concurrency, failure: $failure}' >>"$results"
}

# run_test ID MODE CONCURRENCY: one test against a fresh server.
run_test() {
	name=$(server_name "$1")
	log=$out/logs/$1-$2-c$3-r$run_no
	rm -f "$log".*
	command=
	printf 'bench: %-26s %-8s -c %-3s ' "$name" "$2" "$3" >&2
	if ! start_server "$1" "$log"; then
		echo "server failed: $fail" >&2
		record_failure "$name" "$2" "$3" null "server: $fail"
		return
	fi
	limit=$((secs + grace))
	# timeout(1) puts the client in a process group of its own and kills
	# that group if the client outlives its limit.
	timeout -k 5 "$limit" "$client" -m "$2" -c "$3" -d "$secs" --json \
		127.0.0.1 "$port" >"$log.json" 2>"$log.client"
	rc=$?
	server_note=
	if ! alive "$srv_pid"; then
		reap "$srv_pid"
		server_note="server ended during the test: $how_ended"
	fi
	stop_server
	[ -n "$stop_note" ] && server_note="${server_note:+$server_note; }server $stop_note"
	[ -n "$start_note" ] && server_note="${server_note:+$server_note; }$start_note"

	# The client's object (the last JSON line it printed), with our fields
	# in front, and where it counted errors the first detail it gave of
	# them; lines that are not JSON are skipped.
	said=$(head -n 1 "$log.client" 2>/dev/null | cut -c 1-200)
	line=$(jq -Rc --arg server "$name" --arg command "$command" \
		--argjson exit "$rc" --arg note "$server_note" --argjson run "$run_no" \
		--arg said "$said" \
		'fromjson? | select(type == "object" and has("mode"))
		 | {server: $server, command: $command, run: $run, exit: $exit} + .
		 | if $note == "" then . else . + {note: $note} end
		 | if (.errors // 0) > 0 and $said != "" then . + {client_said: $said} else . end' \
		"$log.json" 2>/dev/null | tail -n 1)
	if [ -n "$line" ]; then
		printf '%s\n' "$line" >>"$results"
		printf '%s\n' "$line" | jq -r '"\(.rate) \(.unit), \(.errors) errors"' >&2
		return
	fi
	case $rc in
	124 | 137) why="hung: no result within $limit s; client killed" ;;
	5) why="could not connect" ;;
	126 | 127) why="client could not run (exit $rc)" ;;
	*) why="no result (client exit $rc)" ;;
	esac
	msg=$(last_line "$log.client")
	[ -n "$msg" ] && why="$why: $msg"
	[ -n "$server_note" ] && why="$why; $server_note"
	echo "FAILED: $why" >&2
	record_failure "$name" "$2" "$3" "$rc" "$why"
}

# --- the table

# machine: what the numbers ran on.
machine() {
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
	deb=$(cat /etc/debian_version 2>/dev/null)
	echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $(uname -sr); Debian ${deb:-?}"
	echo "load average at the start: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)"
}

# summarize: one line per server and test from results.jsonl, in the
# order they first ran: the run with the median rate (of those that gave
# numbers; the lower middle one of an even count), with the errors and
# error kinds of all its runs added up, the lowest and highest rate, the
# failures of the runs that gave none, and every note.
summarize() {
	jq -sc '
		[to_entries[] | .value + {i: .key}]
		| group_by([.server, .mode, .concurrency]) | sort_by(.[0].i)
		| map(
			(map(select(.failure == null)) | sort_by(.rate)) as $ok
			| map(select(.failure != null)) as $bad
			| (if ($ok | length) > 0 then $ok[(($ok | length) - 1) / 2 | floor]
			   else $bad[0] end)
			+ {runs: length,
			   rate_min: ($ok | map(.rate) | min),
			   rate_max: ($ok | map(.rate) | max),
			   errors: (if ($ok | length) > 0 then $ok | map(.errors) | add else null end),
			   error_kinds: ($ok | map(.error_kinds // {} | to_entries[])
				| group_by(.key) | map({key: .[0].key, value: (map(.value) | add)})
				| from_entries),
			   failures: ($bad | map(.failure) | unique),
			   notes: (map(.note // empty) | unique),
			   client_said: (map(.client_said // empty) | first)}
			| del(.i, .run, .exit, .note))
		| .[]' "$results"
}

# table FORMAT: the summary as a text or Markdown table, then the notes
# (failures, error kinds, trouble with a server) that its [n] point to.
# Rows are grouped by test; "vs fork", "vs ref fork" and "vs ref epoll"
# are the rate over that of forkechod fork, of the textbook fork server and
# of the epoll server, in the same test; "range" is the lowest and highest
# rate of all runs.
table() {
	jq -r '. as $c | [.server, .mode, (.concurrency | tostring),
		(.rate // "" | tostring),
		(.unit // ""), (.p50_ms // "" | tostring), (.p99_ms // "" | tostring),
		(.max_ms // "" | tostring), (.errors // "" | tostring),
		(.error_kinds | to_entries | map(select(.value != 0))
		 | map("\(.key) \(.value)") | join(", ")
		 | if . != "" and $c.client_said != null then . + " (first: \($c.client_said))" else . end),
		(if .failure != null then .failure else "" end),
		(.notes | join("; ")),
		(if .failure == null and .failures != [] then
			"\(.failures | length) of \(.runs) runs gave no result: \(.failures | join("; "))"
		 else "" end),
		(.runs | tostring), (.rate_min // "" | tostring), (.rate_max // "" | tostring)]
		| join("\t")' "$out/summary.jsonl" |
		awk -F '\t' -v fmt="$1" '
		function num(x, f) { return x == "" ? "-" : sprintf(f, x) }
		function row(a, b, c, d, e, f, g, h, i, x, y, j) {
			if (fmt == "md")
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", a, b, c, d, e, f, g, h, i, x, y, j
			else {
				line = sprintf("%-13s %-28s %10s %-13s %8s %8s %9s %10s %7s %11s %12s  %s", a, b, c, d, e, f, g, h, i, x, y, j)
				sub(/ +$/, "", line)
				print line
			}
		}
		function note(text) { notes[++nn] = text; return "[" nn "]" }
		{
			n++
			for (i = 1; i <= NF; i++) f[n, i] = $i
			t = $2 " c" $3
			if (!(t in seen)) { seen[t] = 1; order[++nt] = t }
			if ($1 == "forkechod fork" && $4 != "" && $11 == "") base[t] = $4
			if ($1 == "ref fork server" && $4 != "" && $11 == "") rfork[t] = $4
			if ($1 == "ref epoll server" && $4 != "" && $11 == "") repoll[t] = $4
			if ($14 > 1) multi = 1
		}
		END {
			row("test", "server", "rate", "unit", "p50 ms", "p99 ms", "max ms", "errors", "vs fork",
			    "vs ref fork", "vs ref epoll", multi ? "range" : "")
			if (fmt == "md")
				print "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
			for (k = 1; k <= nt; k++) {
				if (fmt != "md" && k > 1) print ""
				for (r = 1; r <= n; r++) {
					t = f[r, 2] " c" f[r, 3]
					if (t != order[k]) continue
					srv = f[r, 1]
					if (f[r, 12] != "") srv = srv " " note(f[r, 1] ", " t ": " f[r, 12])
					if (f[r, 11] != "") {
						row(t, srv, "FAILED " note(f[r, 1] ", " t ": " f[r, 11]), "", "-", "-", "-", "-", "-", "-", "-", "")
						continue
					}
					err = f[r, 9]
					if (err != "" && err + 0 > 0 && f[r, 10] != "")
						err = err " " note(f[r, 1] ", " t ": errors: " f[r, 10])
					if (f[r, 13] != "") err = err " " note(f[r, 1] ", " t ": " f[r, 13])
					ratio = (t in base && base[t] > 0) ? sprintf("%.2fx", f[r, 4] / base[t]) : "-"
					rf = (t in rfork && rfork[t] > 0) ? sprintf("%.2fx", f[r, 4] / rfork[t]) : "-"
					re = (t in repoll && repoll[t] > 0) ? sprintf("%.2fx", f[r, 4] / repoll[t]) : "-"
					range = ""
					if (f[r, 14] > 1 && f[r, 15] != "")
						range = sprintf("%.1f-%.1f", f[r, 15], f[r, 16])
					# A bulk stream has no latency to show, nor a run in
					# which nothing succeeded.
					if (f[r, 2] == "bulk" || f[r, 4] + 0 == 0) f[r, 6] = f[r, 7] = f[r, 8] = ""
					row(t, srv, num(f[r, 4], "%.1f"), f[r, 5], num(f[r, 6], "%.3f"),
					    num(f[r, 7], "%.3f"), num(f[r, 8], "%.3f"), err, ratio, rf, re, range)
				}
			}
			if (nn) print ""
			for (k = 1; k <= nn; k++) printf "[%d] %s\n", k, notes[k]
		}'
}

# targets: issue 6's targets against this run's numbers (the medians).  A
# target counts as met only where forkechod's runs had no errors.
targets() {
	jq -r 'select(.failure == null) | [.server, .mode, (.concurrency | tostring),
		(.rate | tostring), (.p99_ms | tostring), (.errors | tostring)]
		| join("\t")' "$out/summary.jsonl" |
		awk -F '\t' '
		{ k = $1 "|" $2 "|" $3; rate[k] = $4; p99[k] = $5; errs[k] = $6 }
		function verdict(ok, k) { return ok && errs[k] == 0 ? "met" : "NOT met" }
		# vs SRV MODE C REF WANT: SRV over REF in one test, at least WANT.
		function vs(srv, mode, c, ref, want,   a, b, x) {
			a = srv "|" mode "|" c; b = ref "|" mode "|" c
			if (!(a in rate) || !(b in rate) || rate[b] <= 0)
				return sprintf("%s >= %gx %s in %s at c %d: no numbers", srv, want, ref, mode, c)
			x = rate[a] / rate[b]
			return sprintf("%s >= %gx %s in %s at c %d: %.2fx (%.1f vs %.1f): %s",
			    srv, want, ref, mode, c, x, rate[a], rate[b], verdict(x >= want, a))
		}
		function ratio(srv, want, c,   a, b, x) {
			a = srv "|sessions|" c; b = "xinetd|sessions|" c
			if (!(a in rate) || !(b in rate) || rate[b] <= 0)
				return sprintf("%s >= %gx xinetd in sessions/s at c %d: no numbers", srv, want, c)
			x = rate[a] / rate[b]
			return sprintf("%s >= %gx xinetd in sessions/s at c %d: %.2fx (%.0f vs %.0f): %s",
			    srv, want, c, x, rate[a], rate[b], verdict(x >= want, a))
		}
		END {
			print "targets (issue 6):"
			for (c = 1; c <= 64; c *= 8) print "  " ratio("forkechod fork", 2, c)
			for (c = 1; c <= 64; c *= 8) print "  " ratio("forkechod prefork", 5, c)
			for (c = 1; c <= 64; c *= 8) print "  " ratio("forkechod prefork/parent", 5, c)
			k = "forkechod fork|bulk|1"
			if (k in rate)
				printf "  forkechod fork bulk, one stream >= 1.1 GiB/s (1126.4 MiB/s): %.1f MiB/s: %s\n",
				    rate[k], verdict(rate[k] >= 1126.4, k)
			else
				print "  forkechod fork bulk, one stream >= 1.1 GiB/s: no numbers"
			split("forkechod prefork|forkechod prefork/parent", pre, "|")
			for (i = 1; i <= 2; i++) {
				k = pre[i] "|sessions|64"
				if (k in p99)
					printf "  %s p99 at c 64 < 10 ms: %.2f ms: %s\n", pre[i], p99[k],
					    verdict(p99[k] < 10, k)
				else
					printf "  %s p99 at c 64 < 10 ms: no numbers\n", pre[i]
			}
			for (c = 1; c <= 64; c *= 8) {
				k = "forkechod fork --trace|sessions|" c
				if (k in rate)
					printf "  forkechod fork --trace >= 1000 sessions/s at c %d: %.0f: %s\n",
					    c, rate[k], verdict(rate[k] >= 1000, k)
				else
					printf "  forkechod fork --trace >= 1000 sessions/s at c %d: no numbers\n", c
			}
			print "targets (issue 18):"
			for (c = 1; c <= 64; c *= 8)
				print "  " vs("forkechod fork", "sessions", c, "ref fork server", 0.95)
			print "  " vs("forkechod fork", "bulk", 1, "ref fork server", 0.97)
			print "  " vs("forkechod fork", "sessions", 64, "xinetd", 2.5)
			for (c = 8; c <= 64; c *= 8)
				print "  " vs("forkechod prefork", "sessions", c, "ref epoll server", 1)
			k = "forkechod prefork|sessions|64"
			if (k in p99)
				printf "  forkechod prefork p99 at c 64 < 8 ms: %.2f ms: %s\n", p99[k], verdict(p99[k] < 8, k)
			else
				print "  forkechod prefork p99 at c 64 < 8 ms: no numbers"
			for (c = 1; c <= 64; c *= 8)
				print "  " vs("forkechod prefork/parent", "sessions", c, "forkechod prefork", 0.85)
		}'
}

# --- main

# run_all: every run of every test against every server.  Whole rounds
# one after another, so that a burst of other load on the machine falls on
# one run of many tests rather than on every run of one.
run_all() {
	rm -rf "$out/logs" "$out/skipped.jsonl"
	mkdir -p "$out/logs" || exit 1
	: >"$results" || exit 1
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/forkecho-bench.XXXXXX") || exit 1
	case " $servers " in *" xinetd"*) confine_xinetd ;; esac
	machine >"$out/machine.txt"
	say "$(cat "$out/machine.txt")"
	say "$secs s per test, $runs run(s) of each; raw results in $results, logs in $out/logs"
	run_no=1
	while [ "$run_no" -le "$runs" ]; do
		for id in $servers; do
			why=$(server_missing "$id")
			if [ -n "$why" ]; then
				if [ "$run_no" = 1 ]; then
					say "skipping $id: $why"
					jq -nc --arg server "$(server_name "$id")" --arg skipped "$why" \
						'{server: $server, skipped: $skipped}' >>"$out/skipped.jsonl"
				fi
				continue
			fi
			for t in $(server_tests "$id"); do
				case $t in
				sessions:[1-9]* | bulk:[1-9]* | rtt:[1-9]*) ;;
				*) die "BENCH_TESTS: '$t' is not MODE:CONCURRENCY" ;;
				esac
				run_test "$id" "${t%%:*}" "${t#*:}"
			done
		done
		run_no=$((run_no + 1))
	done
	{
		echo "load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)"
		echo "$secs s per test, median of $runs run(s); $(date -u '+%Y-%m-%d %H:%M UTC')"
	} >"$out/run.txt"
}

if [ "$table_only" = 0 ]; then
	run_all
else
	[ -s "$results" ] || die "no results in $results: run make bench first"
fi
summarize >"$out/summary.jsonl"
{
	cat "$out/machine.txt" "$out/run.txt" 2>/dev/null
	echo
	table text
	echo
	targets
	[ -s "$out/skipped.jsonl" ] &&
		jq -r '"skipped \(.server): \(.skipped)"' "$out/skipped.jsonl"
} | tee "$out/table.txt"
{
	table md
	echo
	targets
} >"$out/table.md"
