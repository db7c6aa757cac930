#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# The one list of what the build and the test suite need, as Debian
# packages, each with a probe for what is used of it.
#
#   sh tests/deps.sh          make check's needs: as root on Debian,
#                             installs what is missing; otherwise names
#                             the one command that would
#   sh tests/deps.sh ci       the same, with what .ci/run adds (lint,
#                             make sanitize, make valgrind, make fuzz)
#   sh tests/deps.sh list [ci]
#                             the packages, one a line
#
# A test that needs one of these tools and does not find it fails and
# names the package (tests/helper.bash, need_tool): nothing the suite
# uses may be missing unnoticed.
set -u

# PACKAGE  PROBE: the probe succeeds when what the suite uses of PACKAGE
# is here.  Most are essential on Debian or already on a desktop, but a
# minimal system (debootstrap --variant=minbase, as .ci/fresh uses) has
# none of the non-essential ones.
check_list='
build-essential	command -v cc && command -v make
binutils	command -v readelf
bats	command -v bats
bats-support	test -f /usr/lib/bats/bats-support/load.bash
bats-assert	test -f /usr/lib/bats/bats-assert/load.bash
netcat-openbsd	nc -h 2>&1 | grep -q "^OpenBSD netcat"
tcpdump	command -v tcpdump
mandoc	command -v mandoc
bsdextrautils	command -v col
jq	command -v jq
iproute2	command -v ip && command -v ss
procps	command -v ps && command -v pgrep
netbase	grep -Eq "^echo[[:space:]]+7/tcp" /etc/services
time	test -x /usr/bin/time
util-linux	command -v setpriv && command -v setsid && command -v unshare && command -v prlimit
libxml2-utils	command -v xmllint
librsvg2-bin	command -v rsvg-convert
git	command -v git
systemd	command -v systemd-analyze
strace	command -v strace
gettext	command -v msgfmt && command -v xgettext && command -v msgcmp && command -v msgattrib
locales	test -f /usr/share/i18n/locales/zh_CN && test -f /usr/share/i18n/charmaps/UTF-8.gz
fontconfig	command -v fc-match && command -v fc-list
fonts-wqy-microhei	test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
'
# netcat-openbsd: the tests use its -N (shut down the sending side at end
# of input), -s, -U and -k; busybox's and the traditional nc have none of
# them, so any nc will not do: its usage text says which it is.
# bsdextrautils: col, which cleans mandoc's output for the SYNOPSIS
# tests.  time: /usr/bin/time -f %M, the client's memory.  util-linux:
# setpriv, setsid, unshare, prlimit (essential, so always here).
# binutils: readelf, which shows forktrace links libc alone (it comes
# with build-essential, but is named for what it is used for).
# tcpdump: the lessons' wire checks (as root only).  netbase:
# /etc/services, for forkecho's service names (client_args.bats).
# git: make dist (git archive).  systemd: systemd-analyze verify on the
# installed units; it reads unit files, no running systemd needed.
# strace: server_timeouts.bats counts the setsockopt calls a connection
# makes (none: the listener's timeouts are inherited).
# gettext: msgfmt builds the catalogs (make, with NLS = yes), and the
# catalog tests use xgettext, msgcmp and msgattrib.  locales: the
# definitions localedef needs to make zh_CN.UTF-8 and de_DE.UTF-8
# (tests/i18n.bats makes them as it starts; localedef itself is in
# libc-bin).  fonts-wqy-microhei: a CJK font (WenQuanYi Micro Hei, 5 MB,
# the smallest in Debian), so that the Chinese diagrams render;
# fontconfig: fc-match, which shows it is the font chosen.

ci_list='
cppcheck	command -v cppcheck
clang	command -v clang
clang-tidy	command -v clang-tidy
shellcheck	command -v shellcheck
valgrind	command -v valgrind
'
# clang: make fuzz (libFuzzer) and clang-tidy's headers.

mode=check
list=$check_list
case ${1:-} in
'') ;;
ci) list=$check_list$ci_list ;;
list)
	mode=list
	[ "${2:-}" = ci ] && list=$check_list$ci_list
	;;
*)
	echo "usage: sh tests/deps.sh [ci | list [ci]]" >&2
	exit 64
	;;
esac

tab=$(printf '\t')
# missing: the packages whose probe fails, on one line.
missing() {
	echo "$list" | while IFS=$tab read -r pkg probe; do
		[ -n "$pkg" ] || continue
		# </dev/null: a probe must not read the rest of the list.
		sh -c "$probe" </dev/null >/dev/null 2>&1 || printf ' %s' "$pkg"
	done
}

if [ "$mode" = list ]; then
	echo "$list" | while IFS=$tab read -r pkg _; do
		[ -z "$pkg" ] || echo "$pkg"
	done
	exit 0
fi

need=$(missing)
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "tests/deps.sh: installing$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	# $need is a list of package names: split on purpose.
	# shellcheck disable=SC2086
	if ! { apt-get update -qq >/dev/null &&
		apt-get install -y -qq $need >/dev/null; }; then
		echo "tests/deps.sh: apt-get install$need failed" >&2
		exit 1
	fi
	need=$(missing)
	[ -z "$need" ] && exit 0
	# Installed but still not found: another nc comes first.
	echo "tests/deps.sh: still missing after apt-get install:$need" >&2
	case $need in *netcat-openbsd*)
		echo "    $(command -v nc) is not OpenBSD's netcat; it is /bin/nc.openbsd" >&2
	esac
	exit 1
fi
echo "tests/deps.sh: missing$need; install with:" >&2
# shellcheck disable=SC2086
echo "    sudo apt-get install" $need >&2
exit 1
