/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * diag: diagnostics on standard error, prefixed with the program's name.
 *
 * Every line is formatted first and written with a single write(2), so that
 * lines from a parent and its children never interleave mid-line.  These
 * functions only report; deciding to exit is the caller's business.
 */
#ifndef FORKECHO_DIAG_H
#define FORKECHO_DIAG_H

#include <stdarg.h>
#include <stdatomic.h>

/* The name printed before every message ("forkechod"). */
void diag_set_progname(const char *name);
const char *diag_progname(void);

/* From now on every line also goes to syslog(3) (facility daemon,
 * errors at LOG_ERR, the rest at LOG_NOTICE), without the "PROG: "
 * prefix, which syslog gives as its ident with the pid. */
void diag_use_syslog(void);

/* "PROG: message\n". */
void diag_msg(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* "PROG: message: strerror(err)\n". */
void diag_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void diag_vmsg(int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * A limit on the lines of one kind: at most burst lines in a window of
 * interval seconds, which the first line opens; the lines over it are
 * counted, and their number is reported once the window is over, by
 * whoever comes first: the next line's writer (diag_limit_take) or a
 * process that looks from time to time (diag_limit_due).  The whole
 * state is one atomic word, changed by compare-and-swap, so the struct
 * may sit in memory shared across fork() and bind every process that
 * inherits it, without a lock; each dropped line is reported exactly
 * once.  At most 16777215 dropped lines are counted in one window.
 */
struct diag_limit {
	atomic_ullong state;	/* window start, lines written, dropped */
	double base;		/* monotime at diag_limit_init */
	unsigned long window;	/* interval, in tenths of a second */
	unsigned int burst;
};

/* Sets l up, before any fork.  interval from 0.1 s to a year, burst
 * from 1 to 255.  Returns 0, or -1 with errno EINVAL for a bound out of
 * range or ENOTSUP where the atomic word needs a lock (which could not
 * be shared between processes). */
int diag_limit_init(struct diag_limit *l, double interval, unsigned int burst,
    double now);

/*
 * A line of l's kind is to be written at now (monotime_now()).  Returns 1
 * to write it, 0 to drop it (it is counted).  If the window before is over
 * with lines dropped, *missed receives their number (else 0) and *span
 * the seconds from its start to now: the caller reports them first.
 */
int diag_limit_take(struct diag_limit *l, double now, unsigned long *missed,
    double *span);

/*
 * If l's window is over, closes it and returns the number of lines it
 * dropped (0 if none), with *span as above.  *next receives the end of a
 * window still open, or 0 if none is.  When it returns more than 0, the
 * caller writes its count and then calls diag_limit_reopen with the same
 * now: until then a new window, opened at now, takes no line (each is
 * counted in it), so that no line of another process can come out before
 * the count of the window before it.
 */
unsigned long diag_limit_due(struct diag_limit *l, double now, double *span,
    double *next);
void diag_limit_reopen(struct diag_limit *l, double now);

/* The same, over or not: for the last look, when the program ends. */
unsigned long diag_limit_end(struct diag_limit *l, double now, double *span);

#endif
