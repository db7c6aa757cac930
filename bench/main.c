/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * forkecho-bench: loads an RFC 862 echo server with many connections at
 * once, checks every byte that comes back, and prints a rate, latencies
 * and an error count.  See forkecho-bench(1).
 *
 * main reads as a script: the options, read and checked together by
 * bench/options.c, then -h or -V, or the run (bench/loadgen.c) and its
 * result (bench/report.c).  Only main decides to exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "diag.h"
#include "nls.h"
#include "io.h"
#include "loadgen.h"
#include "opt.h"
#include "options.h"
#include "report.h"

/* Set by SIGINT or SIGTERM during a run: end it as at its deadline. */
static volatile sig_atomic_t stop_requested;

static void
usage(int fd)
{
	const char *text = _(bench_options_usage);

	(void)io_write_all(fd, text, strlen(text));
}

/* -h: the synopsis, then one line per option. */
static int
print_help(void)
{
	usage(STDOUT_FILENO);
	opt_print_help(bench_options_table, STDOUT_FILENO);
	return REPORT_OK;
}

/* -V; returns the exit status, as for any failure to write the output. */
static int
print_version(void)
{
	printf("forkecho-bench %s\n", FORKECHO_VERSION);
	if (fflush(stdout) != 0) {
		diag_err(errno, "%s", _("write standard output"));
		return REPORT_LOCAL;
	}
	return REPORT_OK;
}

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGINT and SIGTERM end a run early, with its result; SA_RESETHAND, so
 * that a second one ends the program without waiting for connections
 * still in flight. */
static int
catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -1;
	return 0;
}

/* The run's settings, from the options. */
static void
config_from(const struct bench_options *o, struct bench_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->mode = o->mode;
	cfg->host = o->to.host;
	cfg->port = o->to.port;
	cfg->concurrency = (unsigned)o->concurrency;
	cfg->size = bench_options_size(o);
	cfg->size_min = o->size_min;
	cfg->close = o->close;
	cfg->duration = o->duration;
	cfg->count = o->count;
	cfg->wait = o->wait;
	cfg->wait_text = o->wait_text;
	cfg->stop = &stop_requested;
}

int
main(int argc, char *argv[])
{
	struct bench_options o;
	struct bench_config cfg;
	struct bench_result res;
	char err[512], line[1024];
	int rc;

	diag_set_progname("forkecho-bench");
	nls_init();

	/* Before any descriptor is opened: a closed 0, 1 or 2 would
	 * otherwise become a connection's socket, and the result would be
	 * written into it. */
	if (io_reserve_std_fds() < 0) {
		diag_err(errno, "io_reserve_std_fds: open /dev/null");
		return REPORT_LOCAL;
	}
	/* Standard output that has gone is an error to report, not a
	 * reason to die of SIGPIPE; the sockets use MSG_NOSIGNAL. */
	if (io_ignore_sigpipe() < 0) {
		diag_err(errno, "sigaction SIGPIPE");
		return REPORT_LOCAL;
	}

	bench_options_defaults(&o);
	rc = bench_options_parse(argc, argv, &o, err, sizeof err);
	if (rc == 0)
		rc = bench_options_check(&o, err, sizeof err);
	if (rc < 0) {
		diag_msg("%s", err);
		usage(STDERR_FILENO);
		return REPORT_USAGE;
	}
	if (o.want_help || o.want_version)
		return o.want_help ? print_help() : print_version();

	config_from(&o, &cfg);
	if (loadgen_resolve(o.to.host, o.to.port, &cfg.server, err,
	    sizeof err) < 0) {
		diag_msg("%s", err);
		return REPORT_CONNECT;
	}
	if (catch_stop_signals() < 0) {
		diag_err(errno, "sigaction SIGINT");
		return REPORT_LOCAL;
	}
	if (loadgen_run(&cfg, &res, err, sizeof err) < 0) {
		diag_msg("%s", err);
		return REPORT_LOCAL;
	}

	if (!o.json && res.errors > 0) {
		report_errors_line(&cfg, &res, line, sizeof line);
		printf("%s\n", line);
	}
	report_line(&cfg, &res, o.json, line, sizeof line);
	printf("%s\n", line);
	if (fflush(stdout) != 0) {
		diag_err(errno, "%s", _("write standard output"));
		return REPORT_LOCAL;
	}
	return report_status(&res);
}
