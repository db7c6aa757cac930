# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forkecho: a forking TCP echo server (forkechod), its client (forkecho)
# and its load generator (forkecho-bench).
# Settings are in config.mk; this file holds only the rules.
# Targets: all run check bench bench-deps install uninstall dist clean lint
# sanitize valgrind stress diagrams

include config.mk

LIB_SRC = lib/addr.c lib/diag.c lib/fdpass.c lib/io.c lib/monotime.c \
	lib/net.c lib/num.c lib/opt.c lib/sockinfo.c lib/textrow.c \
	lib/traceevent.c lib/traceview.c lib/fds.c lib/logfile.c lib/echocheck.c \
	lib/sdnotify.c lib/nls.c lib/nls_why.c
SERVER_SRC = server/main.c server/options.c server/config.c \
	server/listeners.c server/signals.c server/children.c server/model_fork.c \
	server/conn.c server/echo.c server/choreo.c server/trace.c \
	server/lessons.c server/model_classic.c server/model_prefork.c \
	server/worker.c server/counter.c server/reload.c server/privs.c \
	server/shm.c server/supervise.c server/passing.c server/step.c \
	server/helper.c server/model_threads.c server/passq.c
CLIENT_SRC = client/main.c client/options.c client/session.c client/input.c \
	client/outcome.c
BENCH_SRC = bench/main.c bench/options.c bench/bench.c bench/loadgen.c \
	bench/pattern.c bench/stats.c bench/report.c
# The bench's two reference servers (the textbook fork server, a one-process
# epoll server): yardsticks, built for make bench only, never installed.
REF_SRC = bench/ref/fork.c bench/ref/epoll.c bench/ref/ref.c
REF_PROGS = build/ref/fork build/ref/epoll
TEST_SRC = tests/peer.c tests/sockinfo_probe.c tests/truth_probe.c \
	tests/dribble.c \
	tests/activate.c tests/notified.c tests/traceevent_probe.c \
	tests/limit_probe.c
FORKTRACE_SRC = forktrace/main.c forktrace/json.c forktrace/model.c \
	forktrace/svg.c forktrace/text.c \
	forktrace/perfetto.c forktrace/mermaid.c forktrace/pcap.c \
	forktrace/wire.c

# The programs: bin/NAME is linked from NAME_SRC and lib/.  A new program
# is its name here and its NAME_SRC below.
PROGRAMS = forkechod forkecho forktrace forkecho-bench
forkechod_SRC = $(SERVER_SRC)
forkecho_SRC = $(CLIENT_SRC)
forktrace_SRC = $(FORKTRACE_SRC)
forkecho-bench_SRC = $(BENCH_SRC)

PROGS = $(PROGRAMS:%=bin/%)
TEST_PROGS = build/tests/peer build/tests/sockinfo_probe \
	build/tests/truth_probe build/tests/activate build/tests/dribble \
	build/tests/notified build/tests/traceevent_probe \
	build/tests/limit_probe
MAN = docs/forkechod.8 docs/forkechod.conf.5 docs/forkecho.1 docs/forktrace.1 \
	docs/forkecho-bench.1

# The project's flags first, the user's after them (a later -O or -D
# wins), in every compile: CPPFLAGS is where dpkg-buildflags puts
# -D_FORTIFY_SOURCE.
ALL_CPPFLAGS = $(FE_STD) $(FE_THREADS) $(FE_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(ALL_CPPFLAGS) $(FE_WARN) $(CFLAGS)

# make with no target builds all, though rules come before it.
.DEFAULT_GOAL := all

SAN_DIR = build/san

# Translations (lib/nls.h).  The catalogs are built into build/locale,
# where the programs of the build tree find them; make install copies
# them to LOCALEDIR.  lib/nls.o is rebuilt when the directories change
# (build/nls.flags holds them), so that an install never carries a
# program that looks in the wrong place.
NLS_SRC = $(LIB_SRC) $(SERVER_SRC) $(CLIENT_SRC) $(FORKTRACE_SRC) \
	$(BENCH_SRC)
# Without msgfmt (Debian's gettext is not installed yet) the programs are
# built all the same and speak English; make check installs gettext
# (tests/deps.sh) and then builds the catalogs.
ifeq ($(NLS),yes)
ifneq ($(shell command -v msgfmt 2>/dev/null),)
MO = $(LINGUAS:%=build/locale/%/LC_MESSAGES/forkecho.mo)
else
MO =
$(info make: no msgfmt (Debian package gettext): the programs will speak English only)
endif
FE_CPPFLAGS += -DFE_NLS=1
NLS_DIRS = -DFE_LOCALEDIR=\"$(LOCALEDIR)\" -DFE_BUILDDIR=\"$(CURDIR)\"
else
MO =
FE_CPPFLAGS += -DFE_NLS=0
NLS_DIRS =
endif
build/lib/nls.o $(SAN_DIR)/lib/nls.o: CPPFLAGS += $(NLS_DIRS)
build/lib/nls.o $(SAN_DIR)/lib/nls.o: build/nls.flags
FORCE:
build/nls.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(NLS_DIRS)' | cmp -s - $@ || echo '$(NLS_DIRS)' >$@

build/locale/%/LC_MESSAGES/forkecho.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

# make pot: po/forkecho.pot from every _() and N_() in the sources;
# make update-po: each po/LANG.po merged with it (new messages appear
# untranslated, for a translator; make check fails until they are done).
# -k alone: only _() and N_() mark a message (not lib/nls.c's own
# gettext calls).
XGETTEXT = xgettext --from-code=UTF-8 -k --keyword=_ --keyword=N_ \
	--add-comments=TRANSLATORS: --package-name=forkecho \
	--package-version=$(VERSION) \
	--msgid-bugs-address='the forkecho authors' --sort-by-file
POT = po/forkecho.pot
pot:
	$(XGETTEXT) -o $(POT) $(NLS_SRC)
update-po: pot
	for l in $(LINGUAS); do \
	    msgmerge --quiet --update --backup=none po/$$l.po po/forkecho.pot \
	    || exit 1; done

all: $(PROGS) $(MO)

# The catalogs, as a target of their own: make check installs gettext
# first and then runs make catalogs, whose $(MO) is worked out anew,
# with msgfmt there (a $(MO) in check's own recipe would be the one
# found before the install: none, on a fresh machine).
catalogs: $(MO)

# Each program's objects, from build/ (the normal build) and from
# $(SAN_DIR) (the sanitizer build, apart so that the two never mix).
SAN_PROGS = $(PROGRAMS:%=$(SAN_DIR)/bin/%)
$(foreach p,$(PROGRAMS),$(eval bin/$(p): \
	$$($(p)_SRC:%.c=build/%.o) $$(LIB_SRC:%.c=build/%.o)))
$(foreach p,$(PROGRAMS),$(eval $(SAN_DIR)/bin/$(p): \
	$$($(p)_SRC:%.c=$(SAN_DIR)/%.o) $$(LIB_SRC:%.c=$(SAN_DIR)/%.o)))

# The test helpers: build/tests/NAME from tests/NAME.c, with lib/ but for
# activate, which must see the environment as a bare program would.
$(TEST_PROGS): build/tests/%: build/tests/%.o
$(filter-out build/tests/activate,$(TEST_PROGS)): $(LIB_SRC:%.c=build/%.o)

# One link rule for every program of each build.
$(PROGS) $(TEST_PROGS):
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SAN_PROGS):
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) $(FE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The references are linked as a textbook's server would be, with the
# user's flags alone: they are yardsticks, not forkechod.
$(REF_PROGS): build/ref/%: build/bench/ref/%.o build/bench/ref/ref.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(SAN_DIR)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(FE_WARN) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

-include $(shell find build -name '*.d' 2>/dev/null)

# As root, the server serves as nobody by itself.
run: bin/forkechod bin/forkecho $(MO)
	bin/forkechod -c conf/forkechod.conf --trace

# The tools first (they include a library the build needs), then the
# build, then the suite.
check:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(PROGS) $(TEST_PROGS) catalogs
	@sh tests/run

# make bench: forkechod's process models against the peers that bench-deps
# installs, BENCH_SECONDS per test; BENCH_RUNS=N runs each test N times and
# shows the median (see docs/PERFORMANCE.md).  A benchmark, not a test:
# check does not run it.
BENCH_SECONDS ?= 3
bench: bin/forkechod bin/forkecho-bench $(REF_PROGS)
	BENCH_SECONDS=$(BENCH_SECONDS) sh bench/bench.sh

bench-deps:
	@sh bench/deps.sh

# make stress: the long versions of the load tests (stress/stress.sh):
# 100000 sessions against each process model, a flood of 10x
# --max-children, 500 slow clients.  Bounded (a few minutes); CI runs it,
# check does not.
stress: $(PROGS) build/tests/dribble
	bash stress/stress.sh

sanitize:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(SAN_PROGS) $(TEST_PROGS) catalogs
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	FORKECHO_BIN=$(SAN_DIR)/bin FORKECHO_SUITE=sanitize sh tests/run

# make valgrind: the suite with the programs under valgrind's memcheck and
# the server's JSON trace on; fails on any error memcheck reports, in any
# process (tests/valgrind.sh).  Deadlines stretch by FORKECHO_SLOW.
FORKECHO_SLOW ?= 10
valgrind:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(PROGS) $(TEST_PROGS) catalogs
	@FORKECHO_SLOW=$(FORKECHO_SLOW) sh tests/valgrind.sh

# make diagrams: runs every lesson against the real server and client and
# draws its trace with forktrace into docs/lessons/NAME.svg.
diagrams: $(PROGS)
	sh docs/diagrams.sh

# make fuzz: every parser under libFuzzer (clang, with ASan and UBSan):
# the config file (config), forkechod's command line over a config file
# (options), single option values and lib/num (values), addresses
# (addr), forkecho's command line (client), forkecho-bench's (bench),
# the LISTEN_PID and LISTEN_FDS of socket activation (activation),
# forktrace's JSON reader (json) and its pcap reader (pcap).
# FUZZ_SECONDS is per target, and the targets run in turn, so make fuzz
# takes nine times that (less under make -j); make fuzz-NAME runs one.
# Seeds are in
# fuzz/corpus-NAME; what the fuzzer adds goes to build/fuzz/corpus-NAME
# and an input that fails to build/fuzz/NAME-*, never to the source
# tree.  A crash, a leak, a failed check or an input slower than 5 s
# fails it.
FUZZ_CC = clang
FUZZ_SECONDS = 30
FUZZ_DIR = build/fuzz
FUZZ_TARGETS = config options values addr client activation bench json \
	pcap
FUZZ_COMMON = fuzz/no_dns.c fuzz/check.c fuzz/args.c
FUZZ_SRC = $(FUZZ_COMMON) $(FUZZ_TARGETS:%=fuzz/%_fuzz.c)
FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
# The code under test and the common part, built once for every target:
# lib/ for all, the server's modules for the targets that fuzz them, the
# client's for client_fuzz, the bench's for bench_fuzz, forktrace's
# readers for json_fuzz and pcap_fuzz.  No main.c: the fuzzer has its
# own main.
FUZZ_OBJ = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_COMMON) $(LIB_SRC))
FUZZ_SERVER_OBJ = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o, \
	$(filter-out server/main.c,$(SERVER_SRC)))
FUZZ_CLIENT_OBJ = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o, \
	$(filter-out client/main.c,$(CLIENT_SRC)))
FUZZ_BENCH_OBJ = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o, \
	$(filter-out bench/main.c,$(BENCH_SRC)))
FUZZ_BIN = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%_fuzz)
FUZZ_RUN = $(FUZZ_TARGETS:%=fuzz-%)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(FE_WARN) -Iserver -Iforktrace $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

# ld --wrap sends every getaddrinfo call to fuzz/no_dns.c: no DNS.
$(FUZZ_BIN): $(FUZZ_DIR)/%_fuzz: $(FUZZ_DIR)/obj/fuzz/%_fuzz.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Wl,--wrap=getaddrinfo \
	    -o $@ $^
$(FUZZ_DIR)/client_fuzz: $(FUZZ_CLIENT_OBJ)
$(FUZZ_DIR)/json_fuzz: $(FUZZ_DIR)/obj/forktrace/json.o
$(FUZZ_DIR)/pcap_fuzz: $(FUZZ_DIR)/obj/forktrace/pcap.o
$(FUZZ_DIR)/bench_fuzz: $(FUZZ_BENCH_OBJ)
$(filter-out $(FUZZ_DIR)/client_fuzz $(FUZZ_DIR)/bench_fuzz \
	$(FUZZ_DIR)/json_fuzz $(FUZZ_DIR)/pcap_fuzz,$(FUZZ_BIN)): \
	$(FUZZ_SERVER_OBJ)

fuzz: $(FUZZ_RUN)

$(FUZZ_RUN): fuzz-%: $(FUZZ_DIR)/%_fuzz
	@mkdir -p $(FUZZ_DIR)/corpus-$*
	$(FUZZ_DIR)/$*_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/$*- \
	    $(FUZZ_DIR)/corpus-$* fuzz/corpus-$*

.PHONY: $(FUZZ_RUN)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --std=c11 --inline-suppr -Ilib \
	    -D__linux__ -DFORKECHO_VERSION=\"lint\" \
	    $(LIB_SRC) $(SERVER_SRC) $(CLIENT_SRC) $(BENCH_SRC) $(TEST_SRC) \
	    $(REF_SRC)
	clang-tidy --quiet $(LIB_SRC) $(SERVER_SRC) $(CLIENT_SRC) $(BENCH_SRC) \
	    $(TEST_SRC) $(REF_SRC) \
	    -- $(FE_STD) $(FE_CPPFLAGS)
	clang-tidy --quiet $(FUZZ_SRC) -- $(FE_STD) $(FE_CPPFLAGS) -Iserver \
	    -Iforktrace
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --std=c11 --inline-suppr -Ilib -DFORKECHO_VERSION=\"lint\" \
	    $(FORKTRACE_SRC)
	clang-tidy --quiet $(FORKTRACE_SRC) -- $(FE_STD) $(FE_CPPFLAGS)
	shellcheck -x docs/diagrams.sh docs/lesson-lib.sh
	shellcheck -x tests/*.bash tests/*.bats tests/run tests/deps.sh .ci/run .ci/fresh \
	    tests/valgrind.sh \
	    docs/lesson-trace.sh bench/bench.sh bench/deps.sh stress/stress.sh
	mandoc -Tlint -Wwarning $(MAN)
	@# Every source file says its licence (LICENSE) near its top.
	@missing=$$(for f in $(LIB_SRC) $(SERVER_SRC) $(CLIENT_SRC) \
	    $(BENCH_SRC) $(FORKTRACE_SRC) $(TEST_SRC) $(FUZZ_SRC) \
	    $$(git ls-files '*.h' '*.sh' '*.bash' '*.bats' 2>/dev/null); do \
	    head -n 4 "$$f" | grep -q 'SPDX-License-Identifier: ISC' || \
	    echo "$$f"; done); \
	if [ -n "$$missing" ]; then \
	    echo "lint: no SPDX-License-Identifier line in:" $$missing; \
	    exit 1; fi

# make install: programs 0755, pages and samples 0644, with install -m so
# that the modes never depend on the umask or on the tree's own modes.
# The systemd units get the installed paths in place of @SBINDIR@ and
# @SYSCONFDIR@.  The configuration is installed as a sample only, never
# over a forkechod.conf the administrator wrote.
UNITS = forkechod.service forkechod.socket
INSTALL_DIRS = $(SBINDIR) $(BINDIR) $(MANDIR)/man8 $(MANDIR)/man5 \
	$(MANDIR)/man1 $(SYSCONFDIR) $(UNITDIR)
install: $(PROGS) $(MO)
	for d in $(INSTALL_DIRS); do install -d -m 0755 "$(DESTDIR)$$d" || exit 1; done
	for l in $(if $(MO),$(LINGUAS)); do \
	    install -d -m 0755 "$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES" && \
	    install -m 0644 "build/locale/$$l/LC_MESSAGES/forkecho.mo" \
	        "$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/forkecho.mo" || exit 1; \
	done
	install -m 0755 bin/forkechod $(DESTDIR)$(SBINDIR)/forkechod
	install -m 0755 bin/forkecho bin/forkecho-bench bin/forktrace \
	    $(DESTDIR)$(BINDIR)
	install -m 0644 docs/forkechod.8 $(DESTDIR)$(MANDIR)/man8/forkechod.8
	install -m 0644 docs/forkechod.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/forkechod.conf.5
	install -m 0644 docs/forkecho.1 docs/forkecho-bench.1 docs/forktrace.1 \
	    $(DESTDIR)$(MANDIR)/man1
	install -m 0644 conf/forkechod.conf \
	    $(DESTDIR)$(SYSCONFDIR)/forkechod.conf.sample
	for u in $(UNITS); do \
	    sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	        "conf/$$u" >"build/$$u" && \
	    install -m 0644 "build/$$u" "$(DESTDIR)$(UNITDIR)/$$u" || exit 1; \
	done

# The directories stay: they may be shared with other packages.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/forkechod $(DESTDIR)$(BINDIR)/forkecho \
	    $(DESTDIR)$(BINDIR)/forkecho-bench $(DESTDIR)$(BINDIR)/forktrace \
	    $(DESTDIR)$(MANDIR)/man8/forkechod.8 \
	    $(DESTDIR)$(MANDIR)/man5/forkechod.conf.5 \
	    $(DESTDIR)$(MANDIR)/man1/forkecho.1 \
	    $(DESTDIR)$(MANDIR)/man1/forkecho-bench.1 \
	    $(DESTDIR)$(MANDIR)/man1/forktrace.1 \
	    $(DESTDIR)$(SYSCONFDIR)/forkechod.conf.sample \
	    $(UNITS:%=$(DESTDIR)$(UNITDIR)/%) \
	    $(LINGUAS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/forkecho.mo)

# make dist: forkecho-VERSION.tar.gz in DISTDIR, from the commit checked
# out (git archive), so what is not committed is not in it.
dist:
	git archive --format=tar.gz --prefix=forkecho-$(VERSION)/ \
	    -o $(DISTDIR)/forkecho-$(VERSION).tar.gz HEAD

clean:
	rm -rf bin build

.PHONY: FORCE pot update-po catalogs
.PHONY: all run check bench bench-deps sanitize lint fuzz install uninstall \
	dist clean diagrams valgrind stress
