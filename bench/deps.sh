#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Installs what `make bench` compares forkechod with, from Debian packages:
# socat, ncat, tcpserver (ucspi-tcp) and xinetd, and the tools bench.sh
# uses (jq, ss from iproute2, ps from procps).  As root on Debian it
# installs what is missing; otherwise it names the one command that would.
#
# On a Debian system with an init system, installing xinetd also starts the
# system's xinetd; it serves nothing until a service in /etc/xinetd.d is
# enabled, and the bench does not use it (it starts its own, from a private
# configuration).  `systemctl disable --now xinetd` stops it for good.
set -u
pkgs="socat ncat ucspi-tcp xinetd jq iproute2 procps"
missing=
for p in $pkgs; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "bench/deps.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# $missing is a list of package names: split on purpose.
	# shellcheck disable=SC2086
	apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null
	exit $?
fi
echo "bench/deps.sh: missing$missing; install with:" >&2
echo "    sudo apt-get install$missing" >&2
exit 1
