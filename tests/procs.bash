# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Looking at a process from outside (Linux: ps and /proc): its children,
# its descriptors, its memory.  Sourced by tests/helper.bash and by
# stress/stress.sh.
# shellcheck shell=bash

# A process that has exited, even one still waiting to be reaped by this
# shell (kill -0 succeeds on a zombie, so it cannot tell).
not_running() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ $st == Z* ]]
}

# Zombie children of a process, one PID a line.
zombies_of() {
	ps -o pid=,stat= --ppid "$1" | awk '$2 ~ /^Z/ {print $1}'
}

# The children of a process, one PID a line.
children_of() {
	ps -o pid= --ppid "$1" | tr -d ' '
}

# How many descriptors a process has open.
fd_count() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# The children of a process that are alive (not zombies), one PID a line.
live_children_of() {
	ps -o pid=,stat= --ppid "$1" | awk '$2 !~ /^Z/ {print $1}'
}

# has_live_children PID N: PID has exactly N live children.
has_live_children() {
	[ "$(live_children_of "$1" | wc -l)" -eq "$2" ]
}

# rss_of PID: the resident memory of a process, in KiB.
rss_of() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null
}

# cpu_ticks PID: user + system time of PID so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
