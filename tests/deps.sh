#!/bin/sh
# Makes sure the test suite's tools are here.  As root on Debian it installs
# what is missing; otherwise it names the one command that would.
set -u
# libjansson-dev: forktrace reads the trace's JSON with it (the build needs
# it); xmllint and rsvg-convert check forktrace's pictures.
pkgs="bats bats-support bats-assert netcat-openbsd libjansson-dev
	libxml2-utils librsvg2-bin"
missing=
command -v bats >/dev/null 2>&1 || missing="$missing bats"
[ -f /usr/lib/bats/bats-support/load.bash ] || missing="$missing bats-support"
[ -f /usr/lib/bats/bats-assert/load.bash ] || missing="$missing bats-assert"
command -v nc >/dev/null 2>&1 || missing="$missing netcat-openbsd"
[ -f /usr/include/jansson.h ] || missing="$missing libjansson-dev"
command -v xmllint >/dev/null 2>&1 || missing="$missing libxml2-utils"
command -v rsvg-convert >/dev/null 2>&1 || missing="$missing librsvg2-bin"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "tests/deps.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# $pkgs is a list of package names: split on purpose.
	# shellcheck disable=SC2086
	apt-get update -qq >/dev/null && apt-get install -y -qq $pkgs >/dev/null
	exit $?
fi
echo "tests/deps.sh: missing$missing; install with:" >&2
# shellcheck disable=SC2086
echo "    sudo apt-get install" $pkgs >&2
exit 1
