#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# SIGHUP: the config file is read again; new connections get the new
# settings, running ones keep theirs; a bad file changes nothing.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

teardown() {
	exec 5>&- 2>/dev/null || true
	exec 6>&- 2>/dev/null || true
	stop_server
}

conf() { # writes the config file from its arguments, one line each
	CONF=$BATS_TEST_TMPDIR/forkechod.conf
	printf '%s\n' "$@" >"$CONF"
}

hup_lines() { grep -c 'SIGHUP: ' "$SERVER_LOG" || true; }
more_hup_lines() { [ "$(hup_lines)" -gt "$1" ]; }

hup() { # SIGHUP, then waits for the server's verdict line
	local before
	before=$(hup_lines)
	kill -HUP "$SERVER_PID"
	wait_until 5 more_hup_lines "$before"
}

workers_are() { [ "$(children_of "$SERVER_PID" | wc -l)" -eq "$1" ]; }

# all_new N OLD...: N workers, none of them one of OLD.
all_new() {
	local n=$1 pid
	shift
	workers_are "$n" || return 1
	for pid in "$@"; do
		children_of "$SERVER_PID" | grep -qx "$pid" && return 1
	done
	return 0
}

# Opens fd N to the server and proves it is served.
open_on() {
	eval "exec $1<>/dev/tcp/127.0.0.1/$2"
	printf 'ping\n' >&"$1"
	local got
	read -r -t 5 got <&"$1"
	[ "$got" = ping ]
}

# closed_within N SECS: fd N reaches end of file within SECS.
closed_within() {
	timeout "$2" cat <&"$1" >/dev/null
}

@test "SIGHUP applies a changed setting to new connections only" {
	conf 'listen = 127.0.0.1:0' 'idle-timeout = 300'
	start_server -c "$CONF"
	open_on 5 "$PORT"
	conf 'listen = 127.0.0.1:0' 'idle-timeout = 0.3'
	hup
	grep -q "SIGHUP: settings re-read from $CONF" "$SERVER_LOG"
	# A new connection gets the new idle time ...
	open_on 6 "$PORT"
	closed_within 6 5
	# ... the one served before keeps 300 s: still open and echoing.
	local got
	printf 'again\n' >&5
	read -r -t 5 got <&5
	[ "$got" = again ]
	# The child logs after its close: the line may follow the EOF.
	wait_until 5 grep -q 'idle for' "$SERVER_LOG"
	run grep -c 'idle for' "$SERVER_LOG"
	assert_output 1
}

@test "SIGHUP with a bad file keeps the old settings and says why" {
	conf 'listen = 127.0.0.1:0' 'idle-timeout = 300'
	start_server -c "$CONF"
	conf 'listen = 127.0.0.1:0' 'idle-timeout = soon'
	hup
	grep -qx "forkechod: SIGHUP: $CONF:2: idle-timeout: 'soon' is not a number of seconds from 0 to 86400; keeping the old settings" "$SERVER_LOG"
	# Still serving, and still with 300 s: not closed within a second.
	open_on 5 "$PORT"
	run closed_within 5 1
	assert_failure 124	# timeout's: still open, not reset
}

@test "SIGHUP on a file that cannot be read keeps the old settings and says why" {
	# The file becomes /dev/zero, then a directory: neither is ever
	# taken for an empty file, and the parent is not stuck reading.
	conf 'listen = 127.0.0.1:0' 'idle-timeout = 300'
	local link=$BATS_TEST_TMPDIR/link.conf
	ln -s "$CONF" "$link"
	start_server -c "$link"
	ln -sfn /dev/zero "$link"
	hup
	grep -qx "forkechod: SIGHUP: $link:1: not text (NUL byte); keeping the old settings" "$SERVER_LOG"
	ln -sfn "$BATS_TEST_TMPDIR" "$link"
	hup
	grep -qx "forkechod: SIGHUP: read $link: Is a directory; keeping the old settings" "$SERVER_LOG"
	# Still serving, and still with 300 s: not closed within a second.
	open_on 5 "$PORT"
	run closed_within 5 1
	assert_failure 124	# timeout's: still open, not reset
}

@test "SIGHUP opens a new listen address and closes a dropped one" {
	conf 'listen = 127.0.0.1:0'
	start_server -c "$CONF"
	local old=$PORT
	conf 'listen = 127.0.0.2:0'
	hup
	wait_until 5 ready_lines "$SERVER_OUT" 2
	local new
	new=$(awk '/^listening on 127\.0\.0\.2 /{print $4}' "$SERVER_OUT")
	[ -n "$new" ]
	run --separate-stderr timeout 10 "$CLIENT" -m moved 127.0.0.2 "$new"
	assert_success
	assert_output moved
	run --separate-stderr timeout 10 "$CLIENT" -m gone 127.0.0.1 "$old"
	assert_failure 5
}

@test "an address that stays keeps its socket, port 0 included" {
	conf 'listen = 127.0.0.1:0'
	start_server -c "$CONF"
	conf 'listen = 127.0.0.1:0' 'verbose = yes'
	hup
	grep -q "SIGHUP: settings re-read" "$SERVER_LOG"
	[ "$(grep -c '^listening on ' "$SERVER_OUT")" -eq 1 ]
	run --separate-stderr timeout 10 "$CLIENT" -m same 127.0.0.1 "$PORT"
	assert_success
	# verbose = yes took effect for the new connection.
	wait_until 5 grep -q "connection 1 from .*, started" "$SERVER_LOG"
}

@test "a setting fixed at start is refused on SIGHUP, naming it" {
	conf 'listen = 127.0.0.1:0'
	start_server -c "$CONF"
	conf 'listen = 127.0.0.1:0' 'model = prefork'
	hup
	grep -qx "forkechod: SIGHUP: $CONF: 'model' cannot change while the server runs (restart it); keeping the old settings" "$SERVER_LOG"
	[ -z "$(children_of "$SERVER_PID")" ]
}

@test "without -c, SIGHUP says there is nothing to re-read and goes on" {
	start_server -l 127.0.0.1:0
	hup
	grep -qx "forkechod: SIGHUP: no config file (-c) to re-read" "$SERVER_LOG"
	run --separate-stderr timeout 10 "$CLIENT" -m still 127.0.0.1 "$PORT"
	assert_success
}

@test "prefork: SIGHUP re-reads the file and replaces every worker" {
	conf 'listen = 127.0.0.1:0' 'model = prefork' 'workers = 2' \
	    'idle-timeout = 300'
	start_server -c "$CONF"
	wait_until 5 workers_are 2
	local before
	mapfile -t before < <(children_of "$SERVER_PID")
	conf 'listen = 127.0.0.1:0' 'model = prefork' 'workers = 2' \
	    'idle-timeout = 0.3'
	hup
	# Both replaced: two workers again, none of the old ones.
	wait_until 5 all_new 2 "${before[@]}"
	open_on 5 "$PORT"
	closed_within 5 5
}

@test "threads: SIGHUP applies a changed setting to new connections only" {
	conf 'listen = 127.0.0.1:0' 'model = threads' 'idle-timeout = 300'
	start_server -c "$CONF"
	open_on 5 "$PORT"
	conf 'listen = 127.0.0.1:0' 'model = threads' 'idle-timeout = 0.3'
	hup
	grep -q "SIGHUP: settings re-read from $CONF" "$SERVER_LOG"
	# A new connection's thread gets the new idle time; the thread
	# started before keeps its own copy of the settings: 300 s.
	open_on 6 "$PORT"
	closed_within 6 5
	local got
	printf 'again\n' >&5
	read -r -t 5 got <&5
	[ "$got" = again ]
	wait_until 5 grep -q 'idle for' "$SERVER_LOG"
	run grep -c 'idle for' "$SERVER_LOG"
	assert_output 1
}
