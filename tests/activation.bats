#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# systemd socket activation: with LISTEN_PID and LISTEN_FDS set for it,
# forkechod serves on the passed sockets instead of binding its own.
# tests/activate plays systemd: it listens on 127.0.0.1 port 0, passes
# the sockets from descriptor 3 on, and execs the server.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2034,SC2153 # SERVER_WRAP, PORT: see helper.bash

load helper

ACTIVATE=$TOP/build/tests/activate

setup() {
	[ -x "$ACTIVATE" ] || fail "$ACTIVATE is not built"
}

teardown() {
	stop_server
}

passed_ports() { # the ports activate said it passed, one a line
	awk '/^activate: passing /{print $4}' "$SERVER_LOG"
}

@test "a passed socket is served instead of the configured address" {
	SERVER_WRAP=("$ACTIVATE")
	start_server -l 127.0.0.1:0
	[ "${#PORTS[@]}" -eq 1 ]
	[ "$PORT" = "$(passed_ports)" ]
	run --separate-stderr timeout 10 "$CLIENT" -m activated 127.0.0.1 "$PORT"
	assert_success
	assert_output activated
}

@test "every passed socket is announced and served" {
	SERVER_WRAP=("$ACTIVATE" -n 2)
	start_server
	wait_until 5 ready_lines "$SERVER_OUT" 2
	mapfile -t PORTS < <(awk '/^listening on /{print $4}' "$SERVER_OUT")
	[ "${PORTS[*]}" = "$(passed_ports | tr '\n' ' ' | sed 's/ $//')" ]
	local p
	for p in "${PORTS[@]}"; do
		run --separate-stderr timeout 10 "$CLIENT" -m "to $p" 127.0.0.1 "$p"
		assert_success
		assert_output "to $p"
	done
}

@test "prefork workers accept on a passed socket" {
	SERVER_WRAP=("$ACTIVATE")
	start_server -m prefork -w 2
	[ "$PORT" = "$(passed_ports)" ]
	run --separate-stderr timeout 10 "$CLIENT" -m pool 127.0.0.1 "$PORT"
	assert_success
	assert_output pool
}

@test "sockets meant for another pid are left alone: the server binds its own" {
	SERVER_WRAP=("$ACTIVATE" -p wrong)
	start_server -l 127.0.0.1:0
	[ "$PORT" != "$(passed_ports)" ]
	run --separate-stderr timeout 10 "$CLIENT" -m own 127.0.0.1 "$PORT"
	assert_success
	assert_output own
}

@test "a passed descriptor that is not a listening socket is refused with status 1" {
	run --separate-stderr timeout 10 "$ACTIVATE" -x "$SERVER"
	assert_failure 1
	assert_output ''
	[ "${stderr_lines[-1]}" = "forkechod: LISTEN_FDS: descriptor 3 is not a listening socket" ]
}

@test "a bad LISTEN_FDS is refused with status 1, naming it" {
	# shellcheck disable=SC2016 # $$ is the inner shell's, which exec keeps
	run --separate-stderr timeout 10 bash -c \
	    'LISTEN_PID=$$ LISTEN_FDS=99 exec "$1"' _ "$SERVER"
	assert_failure 1
	[ "$stderr" = "forkechod: LISTEN_FDS: '99' is not a count from 1 to 16" ]
}

@test "the sample systemd service's command serves a passed socket as a user with no name, and says READY=1" {
	local exec_start cmd
	exec_start=$(sed -n 's/^ExecStart=//p' "$TOP/conf/forkechod.service")
	[ -n "$exec_start" ]
	# DynamicUser=yes: systemd runs it as a uid of its own (61184 and
	# up) that /etc/passwd does not name; Type=notify: READY=1.
	grep -qx 'DynamicUser=yes' "$TOP/conf/forkechod.service"
	grep -qx 'Type=notify' "$TOP/conf/forkechod.service"
	[ "$(id -u)" -eq 0 ] || skip "not root: cannot run as another user"
	need_tool setpriv util-linux
	local uid=61184
	! getent passwd "$uid" >/dev/null || skip "uid $uid has a name here"
	# The installed paths, pointed at copies of this tree's files that
	# the unit's user can reach (it may not reach the tree).
	local server conf activate notified
	server=$(reachable "$SERVER")
	conf=$(reachable "$TOP/conf/forkechod.conf")
	activate=$(reachable "$ACTIVATE")
	notified=$(reachable "$TOP/build/tests/notified")
	mkdir -m 777 "$BATS_TEST_TMPDIR/reachable/run"
	exec_start=${exec_start//@SBINDIR@\/forkechod/$server}
	exec_start=${exec_start//@SYSCONFDIR@\/forkechod.conf/$conf}
	read -ra cmd <<<"$exec_start"
	SERVER_WRAP=(setpriv --reuid="$uid" --regid="$uid" --clear-groups
	    "$activate" "$notified" "$BATS_TEST_TMPDIR/reachable/run/notify")
	# start_server runs "$SERVER" after the wrapper: the unit's program.
	[ "${cmd[0]}" = "$server" ]
	local SERVER=$server
	# shellcheck disable=SC2034 # read by start_server, in this scope
	local AS_ROOT=()
	start_server "${cmd[@]:1}"
	[ "$PORT" = "$(passed_ports)" ]
	wait_until 5 grep -qx 'notified: READY=1' "$SERVER_LOG"
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$SERVER_PID/status")" = "$uid" ]
	run --separate-stderr timeout 10 "$CLIENT" -m unit 127.0.0.1 "$PORT"
	assert_success
	assert_output unit
}
