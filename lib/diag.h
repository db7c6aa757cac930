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

#endif
