/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * forkecho: a client for an RFC 862 echo server that reports how the
 * connection ended: FIN, RST, or no FIN at all.  See forkecho(1); the
 * load generator is a program of its own, forkecho-bench(1).
 *
 * main reads as a script: the options, read and checked together by
 * client/options.c, then -h or -V, or one session.  Only main decides to
 * exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "addr.h"
#include "diag.h"
#include "nls.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "opt.h"
#include "options.h"
#include "outcome.h"
#include "session.h"

static void
usage(int fd)
{
	const char *text = _(client_options_usage);

	(void)io_write_all(fd, text, strlen(text));
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
		diag_err(errno, "%s", _("write standard output"));
		return OUTCOME_LOCAL;
	}
	return 0;
}

/* --keep-sending: one line per event, as it happens (session.h). */
static void
say_event(const struct session_event *ev, void *ctx)
{
	char line[256];

	(void)ctx;
	outcome_event_line(ev, line, sizeof line);
	diag_msg("%s", line);
}

/* -v: the address it reached, numeric, before any data. */
static void
say_connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[ADDR_TEXT_MAX];

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
		diag_err(errno, "getpeername");
		return;
	}
	addr_text((struct sockaddr *)&ss, len, text, sizeof text);
	diag_msg(_("connected to %s"), text);
}

/* SIGUSR1 ends --read-delay early (the tests' way to read only once the
 * server has done what they wait for). */
static volatile sig_atomic_t read_released;

static void
on_sigusr1(int sig)
{
	(void)sig;
	read_released = 1;
}

/* Catches SIGUSR1, without SA_RESTART so that it wakes the session's
 * poll(); returns 0, or -1 with errno. */
static int
catch_read_release(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
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
	nls_init();

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

	/* Before connecting: a signal meant to end the delay must never
	 * find the default action, which ends the process. */
	if (o.read_delay > 0 && catch_read_release() < 0) {
		diag_err(errno, "sigaction SIGUSR1");
		free(o.messages);
		return OUTCOME_LOCAL;
	}
	/* A whole sentence for each family: the words around the address
	 * may move in a translation. */
	if (o.verbose && o.family == AF_INET)
		diag_msg(_("connecting to %s %s over IPv4"), o.to.host,
		    o.to.port);
	else if (o.verbose && o.family == AF_INET6)
		diag_msg(_("connecting to %s %s over IPv6"), o.to.host,
		    o.to.port);
	else if (o.verbose)
		diag_msg(_("connecting to %s %s"), o.to.host, o.to.port);
	fd = net_connect(o.to.host, o.to.port, o.family, o.connect_timeout, err,
	    sizeof err);
	if (fd < 0) {
		diag_msg("%s", err);
		free(o.messages);
		return OUTCOME_CONNECT;
	}
	if (o.verbose)
		say_connected(fd);
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
	cfg.keep_sending = o.keep_sending;
	cfg.read_delay = o.read_delay;
	cfg.read_release = &read_released;
	/* -q silences these reports with the last line. */
	cfg.report = o.keep_sending && !o.quiet ? say_event : NULL;
	cfg.report_ctx = NULL;
	rc = session_run(fd, &cfg, started, &res);
	free(o.messages);
	if (rc < 0) {
		diag_err(errno, "%s", _("session"));
		return OUTCOME_LOCAL;
	}

	if (res.end == SESSION_ERROR) {
		if (res.on_socket)
			diag_err(res.err, "%s %s %s", res.call, o.to.host, o.to.port);
		else
			diag_err(res.err, "%s", res.call);
	} else if (!o.quiet) {
		outcome_line(&res, o.close_mode, o.wait_text, line,
		    sizeof line);
		diag_msg("%s", line);
	}
	return outcome_status(&res);
}
