# forkecho build settings.  Edit here or override on the command line
# (make CC=clang CFLAGS=-O0); the rules live in Makefile.

VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
SYSCONFDIR = $(PREFIX)/etc

CC = cc
# The user's flags, from the command line or the environment (as
# dpkg-buildflags exports them), are kept: the project's flags below are
# added to them, never replace them.
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
LDLIBS ?=

FE_STD = -std=c11 -D_POSIX_C_SOURCE=200809L
FE_WARN = -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wformat=2 -Wimplicit-fallthrough
FE_CPPFLAGS = -Ilib -DFORKECHO_VERSION=\"$(VERSION)\"

# The ASan+UBSan build used by `make sanitize`.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
