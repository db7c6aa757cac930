#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# make install, make uninstall and make dist: where each file goes, with
# which mode, what the installed systemd units run, that uninstall leaves
# no file behind, and that the dist tarball builds on its own.

load helper

# install_into DESTDIR PREFIX: make install, staged under DESTDIR.
install_into() {
	run make -C "$TOP" --no-print-directory install DESTDIR="$1" PREFIX="$2"
	assert_success
}

# files_under DIR: every file (not directory) under DIR, with its mode,
# one "MODE PATH" a line, sorted.
files_under() {
	find "$1" ! -type d -printf '%m /%P\n' | LC_ALL=C sort
}

@test "make install PREFIX=/usr puts the configuration in /etc, the rest under /usr, with modes set" {
	local dest=$BATS_TEST_TMPDIR/dest
	install_into "$dest" /usr
	run files_under "$dest"
	assert_output - <<-EOF
		644 /etc/forkechod.conf.sample
		644 /usr/lib/systemd/system/forkechod.service
		644 /usr/lib/systemd/system/forkechod.socket
		644 /usr/share/locale/zh_CN/LC_MESSAGES/forkecho.mo
		644 /usr/share/man/man1/forkecho-bench.1
		644 /usr/share/man/man1/forkecho.1
		644 /usr/share/man/man1/forktrace.1
		644 /usr/share/man/man5/forkechod.conf.5
		644 /usr/share/man/man8/forkechod.8
		755 /usr/bin/forkecho
		755 /usr/bin/forkecho-bench
		755 /usr/bin/forktrace
		755 /usr/sbin/forkechod
	EOF
	cmp "$TOP/bin/forkechod" "$dest/usr/sbin/forkechod"
	cmp "$TOP/conf/forkechod.conf" "$dest/etc/forkechod.conf.sample"
	cmp "$TOP/build/locale/zh_CN/LC_MESSAGES/forkecho.mo" \
	    "$dest/usr/share/locale/zh_CN/LC_MESSAGES/forkecho.mo"
	# Installed, the programs look for their catalogs where they are
	# (lib/nls.c); the build tree's own place is for bin/ alone.
	grep -qa '^/usr/share/locale$' <(strings -n 8 "$dest/usr/bin/forkecho")
}

@test "make install PREFIX=/usr/local keeps the configuration under the prefix" {
	local dest=$BATS_TEST_TMPDIR/dest
	install_into "$dest" /usr/local
	run files_under "$dest"
	assert_output - <<-EOF
		644 /usr/local/etc/forkechod.conf.sample
		644 /usr/local/lib/systemd/system/forkechod.service
		644 /usr/local/lib/systemd/system/forkechod.socket
		644 /usr/local/share/locale/zh_CN/LC_MESSAGES/forkecho.mo
		644 /usr/local/share/man/man1/forkecho-bench.1
		644 /usr/local/share/man/man1/forkecho.1
		644 /usr/local/share/man/man1/forktrace.1
		644 /usr/local/share/man/man5/forkechod.conf.5
		644 /usr/local/share/man/man8/forkechod.8
		755 /usr/local/bin/forkecho
		755 /usr/local/bin/forkecho-bench
		755 /usr/local/bin/forktrace
		755 /usr/local/sbin/forkechod
	EOF
	grep -qa '^/usr/local/share/locale$' <(strings -n 8 "$dest/usr/local/bin/forkecho")
}

@test "the installed service runs the installed server with the installed configuration" {
	local dest=$BATS_TEST_TMPDIR/dest prefix
	for prefix in /usr /usr/local; do
		install_into "$dest$prefix" "$prefix"
	done
	run sed -n 's/^ExecStart=//p' "$dest/usr/usr/lib/systemd/system/forkechod.service"
	assert_output "/usr/sbin/forkechod -c /etc/forkechod.conf"
	run sed -n 's/^ExecStart=//p' "$dest/usr/local/usr/local/lib/systemd/system/forkechod.service"
	assert_output "/usr/local/sbin/forkechod -c /usr/local/etc/forkechod.conf"
	# No placeholder is left anywhere in the installed units.
	run grep -rn '@[A-Z]*@' "$dest/usr/usr/lib/systemd/system" \
	    "$dest/usr/local/usr/local/lib/systemd/system"
	assert_failure 1
	assert_output ''
}

@test "make uninstall removes every file make install put in place" {
	local dest=$BATS_TEST_TMPDIR/dest prefix
	for prefix in /usr /usr/local; do
		install_into "$dest" "$prefix"
		run make -C "$TOP" --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix"
		assert_success
		run files_under "$dest"
		assert_output ''
	done
}

@test "systemd-analyze verify finds nothing wrong in the installed units" {
	need_tool systemd-analyze systemd
	# A real prefix, not a staging DESTDIR: verify checks that ExecStart's
	# program is there.  --man=no: the pages are not where man looks.
	local prefix=$BATS_TEST_TMPDIR/prefix
	install_into "" "$prefix"
	run systemd-analyze verify --man=no \
	    "$prefix/lib/systemd/system/forkechod.socket" \
	    "$prefix/lib/systemd/system/forkechod.service"
	assert_success
	assert_output ''
}

@test "make dist makes forkecho-VERSION.tar.gz of the commit, and it builds" {
	need_tool git git
	# A repository of its own, made from this tree, which may not be a
	# git checkout (.ci/fresh unpacks a git archive).
	local src=$BATS_TEST_TMPDIR/src out=$BATS_TEST_TMPDIR/out version
	mkdir "$src" "$out"
	tar -C "$TOP" --exclude=./.git --exclude=./bin --exclude=./build \
	    --exclude='./forkecho-*.tar.gz' -cf - . | tar -C "$src" -xf -
	git -C "$src" init -q
	git -C "$src" add -A
	git -C "$src" -c user.name=test -c user.email=test@localhost \
	    commit -qm dist
	# Not committed, so not in the tarball.
	echo scratch >"$src/uncommitted"
	version=$(sed -n 's/^VERSION = //p' "$src/config.mk")
	[ -n "$version" ]
	run make -C "$src" --no-print-directory dist DISTDIR="$out"
	assert_success
	[ -f "$out/forkecho-$version.tar.gz" ]
	run bash -c "tar -tzf '$out/forkecho-$version.tar.gz' | grep -v '/\$' | LC_ALL=C sort"
	assert_success
	assert_output "$(git -C "$src" ls-files | sed "s|^|forkecho-$version/|" | LC_ALL=C sort)"
	tar -C "$out" -xzf "$out/forkecho-$version.tar.gz"
	run make -C "$out/forkecho-$version" -j2 all CFLAGS=-O0
	assert_success
	run "$out/forkecho-$version/bin/forkechod" --version
	assert_success
	assert_output --partial "$version"
}
