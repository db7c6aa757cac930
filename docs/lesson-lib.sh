# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# lesson-lib.sh: what docs/lesson-trace.sh and docs/diagrams.sh share,
# sourced by both: polling with a deadline, starting and watching a
# lesson's server, and capturing its packets.  SERVER_PID and PORT are
# set by start_lesson, DUMP_PID by dump_start.
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

# --- the packet capture (as root, with tcpdump), for the lesson's port

# tcpdump has opened lo and set its filter, or has died trying (it says
# "listening on lo", after "tcpdump: " when it writes a file).
dump_listening() {
	grep -q 'listening on lo' "$lib_caperr" && return 0
	case $(ps -o stat= -p "$DUMP_PID") in
	'' | Z*) return 0 ;;
	esac
	return 1
}
# dump_state: what tcpdump's last report ("N packets captured, M packets
# received by filter, D packets dropped by kernel", on SIGUSR1 or at exit)
# says: none (no report yet), dropped (D > 0), complete (it has written
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
	}' "$lib_caperr"
}
dump_behind() {
	case $(dump_state) in
	none | behind) return 0 ;;
	esac
	return 1
}
# dump_reports N: tcpdump has printed more than N reports.
dump_reports() {
	[ "$(grep -c 'packets captured' "$lib_caperr")" -gt "$1" ]
}

# dump_start PCAP ERR: tcpdump -w PCAP on lo for tcp port $PORT, its
# messages in ERR; sets DUMP_PID.  Fails, having said why on stderr, if
# tcpdump did not start.
dump_start() {
	lib_caperr=$2
	# -U --immediate-mode: each packet written as it comes, none held back
	# at the stop.  -s 128: headers only; in immediate mode the ring holds
	# one snapshot-length frame per packet, and the default 262144 bytes
	# left 8 frames, so lost-sigchld's burst of FINs was dropped.  The
	# payload lengths come from the IP headers, which stay whole.
	tcpdump -i lo -U --immediate-mode -s 128 -w "$1" "tcp port $PORT" \
	    2>"$lib_caperr" &
	DUMP_PID=$!
	if ! await 500 dump_listening ||
	    ! grep -q 'listening on lo' "$lib_caperr"; then
		echo "$0: tcpdump did not start: no packet capture" >&2
		sed 's/^/	/' "$lib_caperr" >&2
		kill -TERM "$DUMP_PID" 2>/dev/null
		wait "$DUMP_PID"
		DUMP_PID=''
		return 1
	fi
}

# dump_stop: once the lesson is over, asks tcpdump (SIGUSR1) how far it is
# until it has written everything, then stops it by its PID; says so on
# stderr if the capture may be incomplete.
dump_stop() {
	lib_tries=0
	while dump_behind; do
		lib_tries=$((lib_tries + 1))
		[ "$lib_tries" -le 100 ] || break
		lib_reports=$(grep -c 'packets captured' "$lib_caperr")
		kill -USR1 "$DUMP_PID"
		await 500 dump_reports "$lib_reports" || break
	done
	kill -TERM "$DUMP_PID"
	wait "$DUMP_PID"
	DUMP_PID=''
	[ "$(dump_state)" = complete ] || {
		echo "$0: the capture may be incomplete:" >&2
		grep 'packets' "$lib_caperr" | tail -n 3 | sed 's/^/	/' >&2
	}
}
