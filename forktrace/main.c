/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * forktrace: draws a forkechod --trace-json file as a sequence diagram
 * (SVG), one lane per process and the client beside the wire, or prints
 * it as the server's terminal lane view (--text), or exports it for other
 * viewers: Perfetto's Trace Event Format (--perfetto), a Mermaid
 * sequenceDiagram (--mermaid).  See forktrace(1).
 *
 * main reads as a script: options, the checks that span several of them,
 * the trace (read and checked whole before anything is written, so that
 * bad input never leaves half a picture), then one renderer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "nls.h"
#include "num.h"
#include "opt.h"

#include "model.h"
#include "render.h"
#include "wire.h"

/* Exit statuses (sysexits.h values). */
#define EXIT_DATAERR 65
#define EXIT_NOINPUT 66
#define EXIT_OSERR 71
#define EXIT_CANTCREAT 73
#define EXIT_IOERR 74

#define DEFAULT_SCALE 300.0	/* pixels per second */
#define DEFAULT_GAP 0.25	/* seconds */
#define SCALE_MAX 100000UL
#define GAP_MAX 86400.0

enum {
	OPT_GAP = 1,
	OPT_HELP,
	OPT_MERMAID,
	OPT_OUTPUT,
	OPT_PERFETTO,
	OPT_SCALE,
	OPT_TEXT,
	OPT_TITLE,
	OPT_VERSION,
	OPT_WIRE
};

/* The help, marked with N_(): lib/opt.c translates it as it prints it. */
static const struct opt_spec options[] = {
	{ "gap", 'g', "SECS", OPT_GAP,
	    /* TRANSLATORS: forktrace's option help: the words in capitals
	     * (SECS, FILE, PX) are the arguments' names in the list, kept
	     * as they are. */
	    N_("cut quiet stretches longer than SECS (default 0.25)") },
	{ "help", 'h', NULL, OPT_HELP, N_("print this help and exit") },
	{ "mermaid", 0, NULL, OPT_MERMAID,
	    N_("write a Mermaid sequenceDiagram instead of SVG") },
	{ "output", 'o', "FILE", OPT_OUTPUT,
	    N_("write to FILE instead of standard output") },
	{ "perfetto", 0, NULL, OPT_PERFETTO,
	    N_("write Trace Event Format JSON (Perfetto, chrome://tracing)") },
	{ "scale", 's', "PX", OPT_SCALE,
	    N_("PX pixels of extra space per second between rows (default "
	    "300)") },
	{ "text", 0, NULL, OPT_TEXT,
	    N_("print the terminal lane view instead of SVG") },
	{ "title", 't', "TEXT", OPT_TITLE,
	    N_("the diagram's title (a lesson's name, say)") },
	{ "version", 'V', NULL, OPT_VERSION,
	    N_("print the version and exit") },
	{ "wire", 0, "FILE", OPT_WIRE,
	    N_("draw the TCP segments of FILE, a tcpdump -w capture") },
	{ NULL, 0, NULL, 0, NULL }
};

/* Translated where it is printed (lib/opt.c).
 * TRANSLATORS: keep the synopsis after "usage:" as it is: it is
 * forktrace(1)'s, options and all. */
static const char *const usage_text = N_("usage: forktrace [-hV] "
    "[--mermaid | --perfetto | --text] [-g secs] [-o file] [-s px] "
    "[-t title] [--wire file] file\n");

static int
usage_error(const char *msg)
{
	return opt_usage_error(usage_text, msg);
}

int
main(int argc, char *argv[])
{
	struct opt_state st = { 1, NULL, NULL, { 0 }, 0 };
	struct svg_options so = { NULL, DEFAULT_SCALE, DEFAULT_GAP };
	struct model m;
	const char *output = NULL, *input, *wire = NULL;
	/* Copies: st.shown is overwritten by the next option. */
	char shown_scale[16] = "", shown_gap[16] = "";
	char err[512];
	unsigned long px;
	const char *format = NULL, *name;	/* the format option */
	enum { OUT_SVG, OUT_TEXT, OUT_PERFETTO, OUT_MERMAID } as = OUT_SVG;
	int id, rc;
	FILE *out;

	diag_set_progname("forktrace");
	nls_init();
	while ((id = opt_next(&st, argc, argv, options, err, sizeof err)) != 0) {
		switch (id) {
		case -1:
			return usage_error(err);
		case OPT_GAP:
			if (num_parse_seconds(st.value, GAP_MAX, &so.max_gap) < 0) {
				/* TRANSLATORS: the option as written, then
				 * its value. */
				snprintf(err, sizeof err, _("%s: '%s' is not a "
				    "number of seconds from 0 to %.0f"),
				    st.shown, st.value, GAP_MAX);
				return usage_error(err);
			}
			snprintf(shown_gap, sizeof shown_gap, "%s", st.shown);
			break;
		case OPT_HELP:
			opt_print_usage_help(usage_text, N_("Draws a "
			    "forkechod --trace-json file as a sequence "
			    "diagram (SVG)."), options, "forktrace(1)");
			return 0;
		case OPT_MERMAID:
		case OPT_PERFETTO:
		case OPT_TEXT:
			/* One output format; the same one twice is no
			 * conflict. */
			name = id == OPT_TEXT ? "--text" : id == OPT_MERMAID ?
			    "--mermaid" : "--perfetto";
			if (format != NULL && strcmp(format, name) != 0) {
				/* TRANSLATORS: two options, "--text and
				 * --mermaid". */
				snprintf(err, sizeof err, _("%s and %s: one "
				    "output format at a time"), format, name);
				return usage_error(err);
			}
			format = name;
			as = id == OPT_TEXT ? OUT_TEXT : id == OPT_MERMAID ?
			    OUT_MERMAID : OUT_PERFETTO;
			break;
		case OPT_OUTPUT:
			output = st.value;
			break;
		case OPT_SCALE:
			if (num_parse_ulong(st.value, 0, SCALE_MAX, &px) < 0) {
				snprintf(err, sizeof err, _("%s: '%s' is not a "
				    "whole number from 0 to %lu"), st.shown,
				    st.value, SCALE_MAX);
				return usage_error(err);
			}
			so.px_per_second = (double)px;
			snprintf(shown_scale, sizeof shown_scale, "%s",
			    st.shown);
			break;
		case OPT_TITLE:
			so.title = st.value;
			break;
		case OPT_VERSION:
			printf("forktrace %s\n", FORKECHO_VERSION);
			return 0;
		case OPT_WIRE:
			wire = st.value;
			break;
		default:
			return usage_error(_("unhandled option"));
		}
	}
	if (st.index >= argc)
		return usage_error(_("no trace file given (- for standard "
		    "input)"));
	if (st.index + 1 < argc) {
		snprintf(err, sizeof err, _("unexpected argument '%s'"),
		    argv[st.index + 1]);
		return usage_error(err);
	}
	if (as != OUT_SVG && (shown_scale[0] != '\0' ||
	    shown_gap[0] != '\0')) {
		/* TRANSLATORS: an option as written ("-s 100"), then an
		 * output format's option ("--text"). */
		snprintf(err, sizeof err, _("%s shapes the SVG; %s has no "
		    "use for it"), shown_scale[0] != '\0' ? shown_scale :
		    shown_gap, format);
		return usage_error(err);
	}
	/* The segments are drawn on the SVG alone: the other formats would
	 * silently drop them. */
	if (as != OUT_SVG && wire != NULL) {
		/* TRANSLATORS: an output format's option ("--text"). */
		snprintf(err, sizeof err, _("--wire draws on the SVG; %s has "
		    "no use for it"), format);
		return usage_error(err);
	}
	input = argv[st.index];

	/* The whole trace and capture, checked, before the output is
	 * touched. */
	memset(&m, 0, sizeof m);
	rc = model_read(&m, input, err, sizeof err);
	if (rc == 0 && wire != NULL)
		rc = wire_read(&m, wire, err, sizeof err);
	if (rc != 0) {
		diag_msg("%s", err);
		model_free(&m);
		return rc == MODEL_EOPEN ? EXIT_NOINPUT : rc == MODEL_EDATA ?
		    EXIT_DATAERR : rc == MODEL_ENOMEM ? EXIT_OSERR :
		    EXIT_IOERR;
	}

	out = stdout;
	if (output != NULL && strcmp(output, "-") != 0 &&
	    (out = fopen(output, "w")) == NULL) {
		diag_err(errno, "%s", output);
		model_free(&m);
		return EXIT_CANTCREAT;
	}
	switch (as) {
	case OUT_TEXT:
		rc = text_render(&m, so.title, out);
		break;
	case OUT_PERFETTO:
		rc = perfetto_render(&m, so.title, out);
		break;
	case OUT_MERMAID:
		rc = mermaid_render(&m, so.title, out);
		break;
	default:
		rc = svg_render(&m, &so, out);
		break;
	}
	/* fclose (or fflush) is where a full disk shows. */
	if ((out == stdout ? fflush(out) : fclose(out)) != 0 || rc != 0) {
		/* TRANSLATORS: a file's name, or "standard output". */
		diag_err(errno, _("writing %s"), output != NULL ? output :
		    _("standard output"));
		model_free(&m);
		return EXIT_IOERR;
	}
	model_free(&m);
	return 0;
}
