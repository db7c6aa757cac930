#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forkecho's command line by netcat habits: HOST:PORT and [ADDR]:PORT as
# one operand, service names, -4 and -6, -N and -v, options after the
# operands.  Each form that should connect is tried against a server on
# port 0 and must echo.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines

load helper

teardown() { stop_server; }

# The seconds in a last line: "0.003".
T='[0-9]+\.[0-9]{3}'
FIN_LINE="^forkecho: sent 3 bytes, received 3 bytes, server sent FIN after $T s\$"

# need_services: the echo service in /etc/services, from netbase.
need_services() {
	grep -Eq '^echo[[:space:]]+7/tcp' /etc/services ||
		fail "/etc/services has no echo 7/tcp: install the Debian package netbase (sh tests/deps.sh installs them all)"
}

@test "HOST:PORT as one operand connects and echoes" {
	start_server -l 127.0.0.1:0
	run --separate-stderr "$CLIENT" -m hi "127.0.0.1:$PORT"
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_regex "$stderr" "$FIN_LINE"
}

@test "[ADDR]:PORT connects to an IPv6 server and echoes" {
	start_server -l '[::1]:0'
	run --separate-stderr "$CLIENT" -m hi "[::1]:$PORT"
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_regex "$stderr" "$FIN_LINE"
}

@test "a bare IPv6 address is a host, with the port as the next operand" {
	start_server -l '[::1]:0'
	run --separate-stderr "$CLIENT" -m hi ::1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_regex "$stderr" "$FIN_LINE"
}

@test "options after the operands are read as options" {
	start_server -l 127.0.0.1:0
	run --separate-stderr "$CLIENT" 127.0.0.1 "$PORT" -m hi -q
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_equal "$stderr" ''
}

@test "after -- every argument is an operand, even one that looks like an option" {
	run --separate-stderr "$CLIENT" -m hi 127.0.0.1 -- -q
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: port '-q' is neither a number from 1 to 65535 nor a TCP service in /etc/services"
}

@test "a port operand after HOST:PORT is refused, naming both" {
	run --separate-stderr "$CLIENT" -m hi 127.0.0.1:7007 7008
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: '127.0.0.1:7007' names a port already: '7008' is one too many"
}

@test "a service name as the port is looked up: echo is port 7" {
	need_services
	# Nothing of the test's listens on port 7, and a fixed port is not
	# for tests: what is checked is the port -v names, and, where the
	# connection is refused, the port the error names.
	run --separate-stderr "$CLIENT" -v --connect-timeout 5 -m hi 127.0.0.1 echo
	assert_equal "${stderr_lines[0]}" 'forkecho: connecting to 127.0.0.1 7'
	# Not a usage error: 5 where nothing listens on port 7 (the error
	# names the port), 0 where an echo service does.
	if [ "$status" -eq 5 ]; then
		assert_regex "${stderr_lines[1]}" '^forkecho: connect 127\.0\.0\.1 7: '
	else
		assert_equal "$status" 0
	fi
}

@test "HOST:SERVICE and a host name with a service name name port 7 too" {
	need_services
	run --separate-stderr "$CLIENT" -v --connect-timeout 5 -m hi 127.0.0.1:echo
	assert_equal "${stderr_lines[0]}" 'forkecho: connecting to 127.0.0.1 7'
	[ "$status" -eq 0 ] || [ "$status" -eq 5 ]
	run --separate-stderr "$CLIENT" -v --connect-timeout 5 -m hi localhost echo
	assert_equal "${stderr_lines[0]}" 'forkecho: connecting to localhost 7'
	[ "$status" -eq 0 ] || [ "$status" -eq 5 ]
}

@test "a port that is neither a number nor a service is a usage error" {
	run --separate-stderr "$CLIENT" -m hi 127.0.0.1:no-such-service
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: port 'no-such-service' is neither a number from 1 to 65535 nor a TCP service in /etc/services"
}

@test "-v says where it connects and what it reached, and the last line stays" {
	start_server -l 127.0.0.1:0
	run --separate-stderr "$CLIENT" -v -m hi 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_equal "${#stderr_lines[@]}" 3
	assert_equal "${stderr_lines[0]}" "forkecho: connecting to 127.0.0.1 $PORT"
	assert_equal "${stderr_lines[1]}" "forkecho: connected to 127.0.0.1 $PORT"
	assert_regex "${stderr_lines[2]}" "$FIN_LINE"
}

@test "-4 connects to a name's IPv4 address and -6 refuses to" {
	start_server -l 127.0.0.1:0
	run --separate-stderr "$CLIENT" -4 -v -m hi localhost "$PORT"
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_equal "${stderr_lines[1]}" "forkecho: connected to 127.0.0.1 $PORT"
	# localhost has no IPv6 address here, or ::1 where nothing of the
	# test listens on that port: either way, not the IPv4 server.
	run --separate-stderr "$CLIENT" -6 -m hi localhost "$PORT"
	assert_equal "$status" 5
	assert_equal "$output" ''
	assert_regex "${stderr_lines[0]}" "^forkecho: (connect )?localhost $PORT: "
}

@test "-6 connects to an IPv6 server" {
	start_server -l '[::1]:0'
	run --separate-stderr "$CLIENT" -6 -v -m hi ::1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_equal "${stderr_lines[0]}" "forkecho: connecting to ::1 $PORT over IPv6"
	assert_equal "${stderr_lines[1]}" "forkecho: connected to ::1 $PORT"
}

@test "-4 with an IPv6 address and -6 with an IPv4 address are refused, naming the address" {
	run --separate-stderr "$CLIENT" -4 -m hi '[::1]:7007'
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: -4: '::1' is an IPv6 address"
	run --separate-stderr "$CLIENT" -6 -m hi 127.0.0.1
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "forkecho: -6: '127.0.0.1' is an IPv4 address"
}

@test "-4 and -6 together are refused" {
	run --separate-stderr "$CLIENT" -4 -6 -m hi
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" 'forkecho: -4 and -6 exclude each other'
}

@test "-N is accepted and changes nothing: the client half-closes as always" {
	start_server -l 127.0.0.1:0
	run --separate-stderr "$CLIENT" -N -m hi 127.0.0.1 "$PORT"
	assert_equal "$status" 0
	assert_equal "$output" hi
	assert_regex "$stderr" "$FIN_LINE"
}

@test "an empty host operand is a usage error" {
	run --separate-stderr "$CLIENT" -m hi '' 7007
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" 'forkecho: missing host: the host operand is empty'
}
