/*
 * forkecho: a client for an RFC 862 echo server that reports how the
 * connection ended: FIN, RST, or no FIN at all; with --bench, one that
 * loads the server and measures it.  See forkecho(1).
 *
 * main reads as a script: the options, read and checked together by
 * client/options.c, then -h or -V, a run, or one session.  Only main
 * decides to exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "opt.h"
#include "options.h"
#include "outcome.h"
#include "session.h"

#define DEFAULT_BENCH_SIZE 64
#define DEFAULT_BULK_SIZE 65536

/* Set by SIGINT or SIGTERM during a run: end it as at its deadline. */
static volatile sig_atomic_t bench_stop;

static void
usage(int fd)
{
	(void)io_write_all(fd, client_options_usage,
	    strlen(client_options_usage));
}

/* -h: the synopsis, then one line per option. */
static int
print_help(void)
{
	usage(STDOUT_FILENO);
	opt_print_help(client_options_table, STDOUT_FILENO);
	return 0;
}

/* -V; returns the exit status, as for any failure to write the output. */
static int
print_version(void)
{
	printf("forkecho %s\n", FORKECHO_VERSION);
	if (fflush(stdout) != 0) {
		diag_err(errno, "write standard output");
		return OUTCOME_LOCAL;
	}
	return 0;
}

static void
on_stop_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
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

/* forkecho --bench: runs the benchmark, prints its result on standard
 * output, and returns the exit status. */
static int
run_bench(const struct client_options *o)
{
	struct bench_config cfg;
	struct bench_result res;
	char err[512], line[1024];

	memset(&cfg, 0, sizeof cfg);
	cfg.mode = o->bench_mode;
	cfg.host = o->host;
	cfg.port = o->port;
	cfg.concurrency = (unsigned)o->concurrency;
	cfg.size = o->size > 0 ? o->size : o->bench_mode == BENCH_BULK ?
	    DEFAULT_BULK_SIZE : DEFAULT_BENCH_SIZE;
	cfg.size_min = o->size_min;
	cfg.close = o->bench_close;
	cfg.duration = o->duration;
	cfg.count = o->count;
	cfg.wait = o->wait;
	cfg.wait_text = o->wait_text;
	cfg.stop = &bench_stop;
	if (bench_resolve(o->host, o->port, &cfg.server, err,
	    sizeof err) < 0) {
		diag_msg("%s", err);
		return OUTCOME_CONNECT;
	}
	if (catch_stop_signals() < 0) {
		diag_err(errno, "sigaction SIGINT");
		return OUTCOME_LOCAL;
	}
	if (bench_run(&cfg, &res, err, sizeof err) < 0) {
		diag_msg("%s", err);
		return OUTCOME_LOCAL;
	}
	if (!o->json && res.errors > 0) {
		bench_format_errors(&cfg, &res, line, sizeof line);
		printf("%s\n", line);
	}
	bench_format(&cfg, &res, o->json, line, sizeof line);
	printf("%s\n", line);
	if (fflush(stdout) != 0) {
		diag_err(errno, "write standard output");
		return OUTCOME_LOCAL;
	}
	return bench_status(&res);
}

int
main(int argc, char *argv[])
{
	/* Static: the input's read-ahead buffer is large. */
	static struct input input;
	struct client_options o;
	struct session_config cfg;
	struct session_result res;
	char err[512], line[512];
	double started;
	int fd, rc;

	diag_set_progname("forkecho");

	/* Before any descriptor is opened: a closed 0, 1 or 2 would
	 * otherwise become the socket, and the echo would be written back
	 * into it.  A closed standard input reads as empty. */
	if (io_reserve_std_fds() < 0) {
		diag_err(errno, "io_reserve_std_fds: open /dev/null");
		return OUTCOME_LOCAL;
	}
	/* A server that goes away is an ending to report, not a reason to
	 * die of SIGPIPE, whether on the socket or on standard output. */
	if (io_ignore_sigpipe() < 0) {
		diag_err(errno, "sigaction SIGPIPE");
		return OUTCOME_LOCAL;
	}

	client_options_defaults(&o);
	/* At most one message per argument. */
	o.messages = calloc((size_t)argc, sizeof *o.messages);
	if (o.messages == NULL) {
		diag_err(errno, "calloc");
		return OUTCOME_LOCAL;
	}
	rc = client_options_parse(argc, argv, &o, err, sizeof err);
	if (rc == 0)
		rc = client_options_check(&o, err, sizeof err);
	if (rc < 0) {
		diag_msg("%s", err);
		usage(STDERR_FILENO);
		free(o.messages);
		return OUTCOME_USAGE;
	}
	if (o.want_help || o.want_version) {
		free(o.messages);
		return o.want_help ? print_help() : print_version();
	}
	if (o.bench) {
		free(o.messages);
		return run_bench(&o);
	}

	fd = net_connect(o.host, o.port, o.connect_timeout, err, sizeof err);
	if (fd < 0) {
		diag_msg("%s", err);
		free(o.messages);
		return OUTCOME_CONNECT;
	}
	started = monotime_now();

	if (o.message_count > 0)
		input_init_messages(&input, o.messages, o.message_count);
	else
		input_init_fd(&input, STDIN_FILENO, o.interval > 0);
	cfg.input = &input;
	cfg.out_fd = STDOUT_FILENO;
	cfg.interval = o.interval;
	cfg.close_mode = o.close_mode;
	cfg.wait = o.wait;
	rc = session_run(fd, &cfg, started, &res);
	free(o.messages);
	if (rc < 0) {
		diag_err(errno, "session");
		return OUTCOME_LOCAL;
	}

	if (res.end == SESSION_ERROR) {
		if (res.on_socket)
			diag_err(res.err, "%s %s %s", res.call, o.host, o.port);
		else
			diag_err(res.err, "%s", res.call);
	} else if (!o.quiet) {
		outcome_line(&res, o.close_mode, o.wait_text, line,
		    sizeof line);
		diag_msg("%s", line);
	}
	return outcome_status(&res);
}
