/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * forkechod: a forking TCP echo server (RFC 862) that shows what happens
 * to a socket that several processes share.
 *
 * main reads as a script: settings (command line over config file), the
 * checks that span several settings, the listening sockets, the signals,
 * then the process model.  Only main decides to exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "nls.h"
#include "fds.h"
#include "io.h"
#include "listeners.h"
#include "model_classic.h"
#include "model_fork.h"
#include "model_prefork.h"
#include "model_threads.h"
#include "monotime.h"
#include "options.h"
#include "privs.h"
#include "sdnotify.h"
#include "signals.h"
#include "step.h"
#include "trace.h"

/* Exit statuses (sysexits.h values, as forkechod(8) lists them). */
#define EXIT_USAGE 64
#define EXIT_CONFIG 78

static int
usage_error(const char *msg)
{
	return opt_usage_error(options_usage, msg);
}

int
main(int argc, char *argv[])
{
	struct server_config cfg;
	struct listeners ls;
	double started = monotime_now();
	sigset_t wait_mask;
	char err[512];
	struct reload_cli cli = { argc, argv };
	const char *serve_as;
	int next, check_only, by_default;

	diag_set_progname("forkechod");
	nls_init();
	/* Descriptors whoever started us left open (a shell's redirection,
	 * a supervisor's pipe) would reach every child and worker, and keep
	 * files and pipes open for as long as the server runs: gone before
	 * anything is opened here, except the sockets systemd passed. */
	fds_closefrom(3 + listeners_passed());
	/* With stdout closed, the first listening socket would become fd 1
	 * and receive the readiness line. */
	if (io_reserve_std_fds() < 0) {
		diag_err(errno, "%s", _("opening /dev/null for a closed "
		    "descriptor 0-2"));
		return 1;
	}

	/* First pass: the command line alone, for usage errors, -h, -V and
	 * the config file's name. */
	options_defaults(&cfg);
	next = options_parse_cli(&cfg, argc, argv, err, sizeof err);
	if (next < 0)
		return usage_error(err);
	if (next < argc) {
		snprintf(err, sizeof err, _("unexpected argument '%s'"),
		    argv[next]);
		return usage_error(err);
	}
	if (cfg.want_help) {
		opt_print_usage_help(options_usage,
		    N_("An RFC 862 TCP echo server."), options_table,
		    "forkechod(8)");
		return 0;
	}
	if (cfg.want_version) {
		printf("forkechod %s\n", FORKECHO_VERSION);
		return 0;
	}
	if (cfg.want_lessons) {
		const struct lesson *l;
		int width = 0;

		/* One column for the names, as wide as the longest, and
		 * two spaces at least before each summary (the names are
		 * ASCII: bytes are columns; the summaries are translated). */
		for (l = lessons_table; l->name != NULL; l++)
			if ((int)strlen(l->name) > width)
				width = (int)strlen(l->name);
		for (l = lessons_table; l->name != NULL; l++)
			printf("%-*s  %s\n", width, l->name, _(l->summary));
		return 0;
	}

	/* Second pass: defaults, then the file, then the command line again
	 * on top, so that the command line wins. */
	check_only = cfg.check_only;
	switch (config_assemble(&cfg, cfg.config_file, argc, argv, err,
	    sizeof err)) {
	case CONFIG_BAD_FILE:
		diag_msg("%s", err);
		return EXIT_CONFIG;
	case CONFIG_BAD_USE:
		return usage_error(err);
	case CONFIG_OK:
		break;
	}
	cfg.check_only = check_only;
	/* Decided once, so that -t reports what a start would do. */
	serve_as = privs_target(cfg.user);
	by_default = serve_as != NULL && cfg.user[0] == '\0';
	if (cfg.check_only && serve_as != NULL &&
	    privs_check(serve_as, by_default, err, sizeof err) < 0) {
		diag_msg("%s", err);
		if (by_default)
			return 1;	/* the machine's users, not the settings */
		return cfg.config_file != NULL ? EXIT_CONFIG : EXIT_USAGE;
	}
	/* Bound and let go at once: an address the start could not bind
	 * (one the kernel refuses, or not on this machine) fails here too,
	 * with the same message and status. */
	if (cfg.check_only && listeners_check(&cfg, err, sizeof err) < 0) {
		diag_msg("%s", err);
		return 1;
	}
	if (cfg.check_only) {
		if (by_default)
			diag_msg(_("-t: started as root without --user: would "
			    "serve as %s"), serve_as);
		/* The program's name is no word to translate. */
		printf("forkechod: %s%s%s\n", _("configuration OK"),
		    cfg.config_file ? ": " : "",
		    cfg.config_file ? cfg.config_file : "");
		return 0;
	}

	if (cfg.syslog)
		diag_use_syslog();
	/* Sockets passed by systemd replace the configured addresses. */
	next = listeners_inherit(&ls, err, sizeof err);
	if (next < 0 || (next == 0 &&
	    listeners_open(&ls, &cfg, err, sizeof err) < 0)) {
		diag_msg("%s", err);
		return 1;
	}
	reload_listener_timeouts(&cfg, &ls);
	/* The lesson's text first, then the trace's column heads. */
	if (cfg.lesson != NULL) {
		/* TRANSLATORS: the lesson's name, then its summary. */
		diag_msg(_("lesson %s: %s"), cfg.lesson->name,
		    _(cfg.lesson->summary));
		(void)fputs(_(cfg.lesson->text), stderr);
		(void)fflush(stderr);
	}
	/* A trace file that outgrows RLIMIT_FSIZE must end the trace, not
	 * the server: the write then fails with EFBIG instead of killing the
	 * process that made it.  Children and workers inherit this. */
	if (io_ignore_signal(SIGXFSZ) < 0) {
		diag_err(errno, "sigaction SIGXFSZ");
		listeners_close(&ls);
		return 1;
	}
	if (trace_open(cfg.trace, cfg.trace_json[0] != '\0' ? cfg.trace_json :
	    NULL, err, sizeof err) < 0) {
		diag_msg("%s", err);
		listeners_close(&ls);
		return 1;
	}
	if (signals_install(&wait_mask, err, sizeof err) < 0 || (cfg.step &&
	    step_install(&wait_mask, cfg.model == MODEL_PREFORK, err,
	    sizeof err) < 0)) {
		diag_msg("%s", err);
		listeners_close(&ls);
		return 1;
	}
	/* Root was needed to bind (port 7, say), not to serve. */
	if (serve_as != NULL) {
		if (privs_drop(serve_as, by_default, err, sizeof err) < 0) {
			diag_msg("%s", err);
			listeners_close(&ls);
			return 1;
		}
		if (by_default)
			diag_msg(_("running as %s: started as root without "
			    "--user (--user root keeps root)"), serve_as);
	}
	/* stdout is flushed here once; children never write to it, so no
	 * buffered readiness line can be written twice after fork. */
	for (next = 0; next < ls.count; next++)
		trace_listen(ls.fd[next], ls.where[next]);
	/* With the JSON trace on stdout the listen events just written are
	 * the readiness lines: a line of another form would break that
	 * stream of JSON Lines. */
	if (strcmp(cfg.trace_json, "-") != 0 && listeners_announce(&ls) != 0)
		diag_err(errno, "%s", _("writing the readiness lines"));
	/* The same news for systemd (Type=notify); a failure is said and
	 * the server serves on, as it would without systemd. */
	if (sdnotify_send("READY=1", err, sizeof err) < 0)
		diag_msg("%s", err);
	if (cfg.bug != BUG_NONE)
		return model_classic_run(&cfg, &ls);
	if (cfg.model == MODEL_PREFORK)
		return model_prefork_run(&cfg, &ls, &wait_mask, started, &cli);
	if (cfg.model == MODEL_THREADS)
		return model_threads_run(&cfg, &ls, &wait_mask, &cli);
	return model_fork_run(&cfg, &ls, &wait_mask, &cli);
}
