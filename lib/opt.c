/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "opt.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "io.h"
#include "nls.h"
#include "num.h"

/* A caller's text, marked with N_(), in the user's language.  Not for
 * "": gettext("") is the catalog's header. */
static const char *
translated(const char *text)
{
	return text[0] != '\0' ? _(text) : text;
}

const struct opt_spec *
opt_find(const struct opt_spec *specs, const char *name)
{
	for (; specs->name != NULL; specs++)
		if (strcmp(specs->name, name) == 0)
			return specs;
	return NULL;
}

static const struct opt_spec *
find_short(const struct opt_spec *specs, char c)
{
	for (; specs->name != NULL; specs++)
		if (specs->short_name == c)
			return specs;
	return NULL;
}

static int long_option(struct opt_state *st, int argc, char *const argv[],
    const struct opt_spec *specs, const char *arg, char *err, size_t errlen);
static int take_value(struct opt_state *st, int argc, char *const argv[],
    const struct opt_spec *spec, const char *inline_value, char *err,
    size_t errlen);

/* Letter st->sub of arg ("-vq", "-lADDR"): a flag, after which the cluster
 * goes on, or an option that takes the rest of the word, or the next word,
 * as its argument. */
static int
short_option(struct opt_state *st, int argc, char *const argv[],
    const struct opt_spec *specs, const char *arg, char *err, size_t errlen)
{
	const struct opt_spec *spec;
	char c = arg[st->sub];

	spec = find_short(specs, c);
	if (spec == NULL) {
		st->sub = 0;
		snprintf(err, errlen, _("unknown option -%c"), c);
		return -1;
	}
	snprintf(st->shown_buf, sizeof st->shown_buf, "-%c", c);
	st->shown = st->shown_buf;
	if (spec->arg == NULL) {
		st->sub = arg[st->sub + 1] != '\0' ? st->sub + 1 : 0;
		return spec->id;
	}
	{
		int pos = st->sub;

		st->sub = 0;
		return take_value(st, argc, argv, spec, arg[pos + 1] != '\0' ?
		    arg + pos + 1 : NULL, err, errlen);
	}
}

/* "--name", "--name=VALUE" or "--name VALUE". */
static int
long_option(struct opt_state *st, int argc, char *const argv[],
    const struct opt_spec *specs, const char *arg, char *err, size_t errlen)
{
	const struct opt_spec *spec;
	const char *inline_value = NULL;
	const char *eq = strchr(arg + 2, '=');
	size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	char name[48];

	if (len >= sizeof name) {
		snprintf(err, errlen, _("unknown option %.60s"), arg);
		return -1;
	}
	memcpy(name, arg + 2, len);
	name[len] = '\0';
	spec = opt_find(specs, name);
	if (spec == NULL) {
		const char *near = opt_closest(specs, name);

		if (near != NULL)
			snprintf(err, errlen, _("unknown option --%s "
			    "(did you mean --%s?)"), name, near);
		else
			snprintf(err, errlen, _("unknown option --%s"),
			    name);
		return -1;
	}
	snprintf(st->shown_buf, sizeof st->shown_buf, "--%s",
	    spec->name);
	if (eq != NULL)
		inline_value = eq + 1;
	st->shown = st->shown_buf;
	return take_value(st, argc, argv, spec, inline_value, err, errlen);
}

int
opt_next(struct opt_state *st, int argc, char *const argv[],
    const struct opt_spec *specs, char *err, size_t errlen)
{
	const char *arg;

	st->value = NULL;
	if (st->sub > 0) {
		/* The next letter of a cluster such as "-vq". */
		arg = argv[st->index - 1];
		return short_option(st, argc, argv, specs, arg, err, errlen);
	}
	if (st->index >= argc)
		return 0;
	arg = argv[st->index];
	if (arg[0] != '-' || arg[1] == '\0')
		return 0;	/* an operand ("-" alone is one too) */
	if (strcmp(arg, "--") == 0) {
		st->index++;
		return 0;
	}
	st->index++;
	if (arg[1] != '-') {
		st->sub = 1;
		return short_option(st, argc, argv, specs, arg, err, errlen);
	}

	return long_option(st, argc, argv, specs, arg, err, errlen);
}

/* Gives the option its argument, from "=VALUE", the rest of a cluster,
 * or the next word. */
static int
take_value(struct opt_state *st, int argc, char *const argv[],
    const struct opt_spec *spec, const char *inline_value, char *err,
    size_t errlen)
{
	if (spec->arg == NULL) {
		if (inline_value != NULL) {
			/* TRANSLATORS: %s is the option as written, "--wait". */
			snprintf(err, errlen, _("%s takes no argument"),
			    st->shown);
			return -1;
		}
		return spec->id;
	}
	if (inline_value != NULL) {
		st->value = inline_value;
	} else {
		if (st->index >= argc) {
			/* TRANSLATORS: the option, then the name of its
			 * argument in the help ("SECS"). */
			snprintf(err, errlen, _("%s needs an argument (%s)"),
			    st->shown, spec->arg);
			return -1;
		}
		st->value = argv[st->index++];
	}
	return spec->id;
}

/* Levenshtein distance, capped: names are short, the table is small. */
static size_t
distance(const char *a, const char *b)
{
	size_t row[64], la = strlen(a), lb = strlen(b), i, j;

	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best;

			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *
opt_closest(const struct opt_spec *specs, const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	for (; specs->name != NULL; specs++) {
		size_t d = distance(name, specs->name);

		if (d < best_d) {
			best_d = d;
			best = specs->name;
		}
	}
	/* Suggest only what is plausibly a typo: a third of the name. */
	if (best == NULL || best_d > strlen(name) / 3 + 1)
		return NULL;
	return best;
}

void
opt_print_help(const struct opt_spec *specs, int fd)
{
	/* Room for a translated help: a Chinese character takes three
	 * bytes. */
	char line[512];

	for (; specs->name != NULL; specs++) {
		char left[64];
		int n;

		if (specs->short_name != 0)
			snprintf(left, sizeof left, "-%c, --%s%s%s",
			    specs->short_name, specs->name,
			    specs->arg ? " " : "", specs->arg ? specs->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", specs->name,
			    specs->arg ? " " : "", specs->arg ? specs->arg : "");
		/* The tables mark their help with N_(): translated here,
		 * as it is written. */
		n = snprintf(line, sizeof line, "  %-30s %s\n", left,
		    translated(specs->help));
		if (n > 0)
			(void)io_write_all(fd, line, (size_t)n < sizeof line ?
			    (size_t)n : sizeof line - 1);
	}
}

int
opt_usage_error(const char *usage, const char *msg)
{
	diag_msg("%s", msg);
	(void)fputs(translated(usage), stderr);
	return 64;
}

void
opt_print_usage_help(const char *usage, const char *what,
    const struct opt_spec *specs, const char *manual)
{
	/* usage and what are the callers' texts, marked with N_(). */
	(void)printf("%s\n%s  %s\n", translated(usage), translated(what),
	    _("Options:"));
	/* The list is written to the descriptor: stdio's buffer first. */
	(void)fflush(stdout);
	opt_print_help(specs, STDOUT_FILENO);
	/* TRANSLATORS: %s is a manual page, "forkechod(8)". */
	(void)printf(_("\nSee %s.\n"), manual);
}

/*
 * Reads PORT, a number from 1 to 65535 or a TCP service name, into
 * ep->port as a number: the rest of a client, its messages included,
 * sees only numbers.
 */
static int
endpoint_port(struct opt_endpoint *ep, const char *text, char *err,
    size_t errlen)
{
	unsigned long n;
	struct servent *se;

	if (num_parse_ulong(text, 1, 65535, &n) == 0) {
		ep->port = text;
		return 0;
	}
	/* A word that starts with a digit was meant as a number. */
	if (text[0] != '\0' && (text[0] < '0' || text[0] > '9') &&
	    (se = getservbyname(text, "tcp")) != NULL) {
		snprintf(ep->port_buf, sizeof ep->port_buf, "%u",
		    (unsigned)ntohs((unsigned short)se->s_port));
		ep->port = ep->port_buf;
		return 0;
	}
	snprintf(err, errlen, _("port '%s' is neither a number from 1 to "
	    "65535 nor a TCP service in /etc/services"), text);
	return -1;
}

/* Copies len bytes of text, a part of the operand whole, as the host. */
static int
endpoint_host(struct opt_endpoint *ep, const char *text, size_t len,
    const char *whole, char *err, size_t errlen)
{
	if (len == 0) {
		snprintf(err, errlen, _("'%s': missing host"), whole);
		return -1;
	}
	if (len >= sizeof ep->host_buf) {
		snprintf(err, errlen, _("'%s': host too long"), whole);
		return -1;
	}
	memcpy(ep->host_buf, text, len);
	ep->host_buf[len] = '\0';
	ep->host = ep->host_buf;
	return 0;
}

/* Reads the first operand; *port_given says whether it named a port. */
static int
endpoint_first(struct opt_endpoint *ep, const char *text, int *port_given,
    char *err, size_t errlen)
{
	const char *colon;

	*port_given = 0;
	if (text[0] == '\0') {
		snprintf(err, errlen, "%s", _("missing host: the host operand "
		    "is empty"));
		return -1;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || (close[1] != ':' && close[1] != '\0')) {
			snprintf(err, errlen, _("'%s': expected [ADDR]:PORT"),
			    text);
			return -1;
		}
		if (endpoint_host(ep, text + 1, (size_t)(close - text - 1),
		    text, err, errlen) < 0)
			return -1;
		if (close[1] == '\0')
			return 0;
		*port_given = 1;
		return endpoint_port(ep, close + 2, err, errlen);
	}
	colon = strchr(text, ':');
	if (colon == NULL || strchr(colon + 1, ':') != NULL) {
		ep->host = text;
		return 0;
	}
	if (endpoint_host(ep, text, (size_t)(colon - text), text, err,
	    errlen) < 0)
		return -1;
	*port_given = 1;
	return endpoint_port(ep, colon + 1, err, errlen);
}

int
opt_host_port(struct opt_endpoint *ep, char *const operands[], int count,
    char *err, size_t errlen)
{
	int port_given = 0;

	ep->host = "127.0.0.1";
	ep->port = "7007";
	if (count > 2) {
		snprintf(err, errlen, _("too many operands: '%s'"),
		    operands[2]);
		return -1;
	}
	if (count >= 1 && endpoint_first(ep, operands[0], &port_given, err,
	    errlen) < 0)
		return -1;
	if (count == 2) {
		if (port_given) {
			snprintf(err, errlen, _("'%s' names a port already: "
			    "'%s' is one too many"), operands[0], operands[1]);
			return -1;
		}
		return endpoint_port(ep, operands[1], err, errlen);
	}
	return 0;
}
