# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forkecho build settings.  Edit here or override on the command line
# (make CC=clang CFLAGS=-O0); the rules live in Makefile.

# The one place the version is written: the programs get it as
# FORKECHO_VERSION, make dist names its tarball with it.
VERSION = 0.1.0

# make install's directories.  PREFIX=/usr is a distribution's install,
# whose configuration lives in /etc, not /usr/etc, as the FHS and the GNU
# coding standards say; any other prefix keeps it under the prefix.
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
SYSCONFDIR = $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
# systemd reads system units from /usr/lib/systemd/system and from
# /usr/local/lib/systemd/system, so the prefix's own is right for both.
UNITDIR = $(PREFIX)/lib/systemd/system
# The message catalogs: LOCALEDIR/LANG/LC_MESSAGES/forkecho.mo.
LOCALEDIR = $(PREFIX)/share/locale

# NLS = yes: the programs speak the user's language where po/ has a
# catalog for it (GNU gettext: libintl is part of glibc; msgfmt, from
# Debian's gettext package, builds the catalogs).  NLS = no: English
# only, and neither gettext nor msgfmt is needed.
NLS = yes
# The languages po/ translates into, each po/LANG.po.
LINGUAS = zh_CN
# Where make dist writes forkecho-VERSION.tar.gz.
DISTDIR = .

CC = cc
# The user's flags, from the command line or the environment (as
# dpkg-buildflags exports them), are kept: the project's flags below are
# added to them, never replace them.
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
LDLIBS ?=

# -z now: every library symbol is bound when the program starts, once.
# With lazy binding each forked child would bind for itself the first
# call of each function its parent never made (setsockopt, sigemptyset,
# ...): the dynamic linker's code and tables faulted into every child and
# the GOT copied on write, a third of a child's page faults
# (docs/PERFORMANCE.md, "Where the fork model's time went").
FE_LDFLAGS = -Wl,-z,now $(FE_THREADS)

# forkechod -m threads: POSIX threads, in every compile and link (the
# flag also makes the compiler define what libc's thread-safe paths
# need; on glibc 2.34 and later libpthread is part of libc).
FE_THREADS = -pthread

FE_STD = -std=c11 -D_POSIX_C_SOURCE=200809L
FE_WARN = -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wformat=2 -Wimplicit-fallthrough
FE_CPPFLAGS = -Ilib -DFORKECHO_VERSION=\"$(VERSION)\"

# The ASan+UBSan build used by `make sanitize`.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
