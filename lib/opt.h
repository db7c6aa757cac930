/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * opt: a small table-driven command-line parser.
 *
 * POSIX getopt() has no long options and getopt_long() is a GNU extension;
 * this parser takes both forms from one table, so that the server's
 * command line and its config file (whose keys are the long names) share
 * one list of settings.  Accepted forms: "-x", "-x VALUE", "-xVALUE",
 * "-ab" (flags clustered as with getopt), "--name", "--name VALUE",
 * "--name=VALUE", and "--" to end the options.
 */
#ifndef FORKECHO_OPT_H
#define FORKECHO_OPT_H

#include <stddef.h>

struct opt_spec {
	const char *name;	/* long name, without "--" */
	char short_name;	/* 0 if none */
	const char *arg;	/* argument's name in help, NULL for a flag */
	int id;			/* returned to the caller */
	const char *help;	/* one line for --help, marked with N_():
				 * opt_print_help translates it */
};

struct opt_state {
	int index;		/* next argv element; start at 1 */
	const char *value;	/* the argument of the option just returned */
	const char *shown;	/* the option as the user wrote it, "--wait" */
	char shown_buf[64];
	int sub;		/* within "-abc": the next letter, or 0 */
};

/*
 * Returns the id of the next option, 0 when the options end (index then
 * names the first operand), or -1 with a message in err (an unknown
 * option, a missing or unexpected argument).  specs ends with a NULL name.
 */
int opt_next(struct opt_state *st, int argc, char *const argv[],
    const struct opt_spec *specs, char *err, size_t errlen);

/* The entry whose long name is name, or NULL. */
const struct opt_spec *opt_find(const struct opt_spec *specs,
    const char *name);

/* The known long name closest to name (for "did you mean"), or NULL. */
const char *opt_closest(const struct opt_spec *specs, const char *name);

/* Writes the option list, one "  -x, --name ARG  help" line each. */
void opt_print_help(const struct opt_spec *specs, int fd);

/* Says msg, then the usage line, on standard error.  Returns 64, the
 * status of a usage error (sysexits' EX_USAGE), for main to exit with.
 * usage is the English text, marked with N_(): it is translated here;
 * msg is written as it is. */
int opt_usage_error(const char *usage, const char *msg);

/* Writes a program's -h to standard output: its usage line, what, the
 * option list, then where its manual page is (manual, e.g. "forktrace(1)").
 * usage and what are English texts marked with N_(), translated here. */
void opt_print_usage_help(const char *usage, const char *what,
    const struct opt_spec *specs, const char *manual);

/* Room for a host taken out of "HOST:PORT" or "[ADDR]:PORT". */
#define OPT_HOST_MAX 256

/* Where a client connects, as its operands say. */
struct opt_endpoint {
	const char *host;	/* as written, or host_buf */
	const char *port;	/* always numeric: a service name is looked
				 * up while parsing, into port_buf */
	char host_buf[OPT_HOST_MAX];
	char port_buf[8];
};

/*
 * Reads the count operands the clients take: none, "HOST", "HOST PORT",
 * "HOST:PORT", "[ADDR]" or "[ADDR]:PORT", into ep; what is missing is
 * 127.0.0.1 and 7007.  A word with two colons or more is a bare IPv6
 * address, never "HOST:PORT".  A port is a number from 1 to 65535 or a
 * TCP service name.  Returns 0, or -1 with a message naming the bad
 * operand in err.
 */
int opt_host_port(struct opt_endpoint *ep, char *const operands[],
    int count, char *err, size_t errlen);

#endif
