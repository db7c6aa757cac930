/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "diag.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *progname = "forkecho";
static int use_syslog;

void
diag_use_syslog(void)
{
	/* LOG_NDELAY: connect now, while the process may still open files;
	 * children inherit the connection. */
	openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

void
diag_set_progname(const char *name)
{
	progname = name;
}

const char *
diag_progname(void)
{
	return progname;
}

void
diag_vmsg(int err, const char *fmt, va_list ap)
{
	char line[1024];
	int saved = errno;
	int n, m, start;

	n = snprintf(line, sizeof line, "%s: ", progname);
	start = n;
	/* The analyzer loses track of ap across the callers' va_start. */
	m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	if (m > 0)
		n += m;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	if (err != 0) {
		m = snprintf(line + n, sizeof line - (size_t)n, ": %s",
		    strerror(err));
		if (m > 0)
			n += m;
		if (n > (int)sizeof line - 2)
			n = (int)sizeof line - 2;
	}
	if (use_syslog) {
		line[n] = '\0';
		syslog(err != 0 ? LOG_ERR : LOG_NOTICE, "%s", line + start);
	}
	line[n++] = '\n';
	/* One write per line: atomic on a pipe or terminal up to PIPE_BUF. */
	while (write(STDERR_FILENO, line, (size_t)n) < 0 && errno == EINTR)
		;
	errno = saved;
}

void
diag_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(0, fmt, ap);
	va_end(ap);
}

void
diag_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(err, fmt, ap);
	va_end(ap);
}

/*
 * The limit's word: the window's start in tenths of a second from base,
 * plus one (0: no window), in the high 32 bits, the lines written in it
 * in the next 8, the lines dropped in the low 24.  Tenths run for 13
 * years before the start overflows.
 */
#define LIMIT_LINES_SHIFT 24
#define LIMIT_DROPPED_MAX 0xffffffULL
#define LIMIT_START(w) ((unsigned long)((w) >> 32))
#define LIMIT_LINES(w) ((unsigned int)(((w) >> LIMIT_LINES_SHIFT) & 0xff))
#define LIMIT_DROPPED(w) ((unsigned long)((w) & LIMIT_DROPPED_MAX))
#define LIMIT_WORD(start, lines, dropped) \
	(((unsigned long long)(start) << 32) | \
	((unsigned long long)(lines) << LIMIT_LINES_SHIFT) | \
	(unsigned long long)(dropped))

int
diag_limit_init(struct diag_limit *l, double interval, unsigned int burst,
    double now)
{
	if (!(interval >= 0.1 && interval <= 366.0 * 86400) || burst < 1 ||
	    burst > 255) {
		errno = EINVAL;
		return -1;
	}
	atomic_init(&l->state, 0);
	/* A lock would live in one process's memory, not in the shared
	 * word: the other processes would not see it. */
	if (!atomic_is_lock_free(&l->state)) {
		errno = ENOTSUP;
		return -1;
	}
	l->base = now;
	l->window = (unsigned long)(interval * 10 + 0.5);
	l->burst = burst;
	return 0;
}

/* now in tenths of a second from base, plus one: never 0. */
static unsigned long
limit_ticks(const struct diag_limit *l, double now)
{
	double t = (now - l->base) * 10;

	if (t < 0)
		t = 0;
	if (t >= (double)UINT_MAX - 1)
		t = (double)UINT_MAX - 1;
	return (unsigned long)t + 1;
}

int
diag_limit_take(struct diag_limit *l, double now, unsigned long *missed,
    double *span)
{
	unsigned long long old, next;
	unsigned long start, t = limit_ticks(l, now);
	int pass;

	old = atomic_load(&l->state);
	do {
		start = LIMIT_START(old);
		*missed = 0;
		*span = 0;
		pass = 1;
		/* Another process may have read the clock after this one and
		 * opened a window "later" than now: now is in it. */
		if (start == 0 || (t > start && t - start >= l->window)) {
			/* A new window, opened by this line; what the old
			 * one dropped is this caller's to report. */
			if (start != 0) {
				*missed = LIMIT_DROPPED(old);
				*span = (double)(t - start) / 10;
			}
			next = LIMIT_WORD(t, 1, 0);
		} else if (LIMIT_LINES(old) < l->burst) {
			next = old + (1ULL << LIMIT_LINES_SHIFT);
		} else {
			pass = 0;
			next = LIMIT_DROPPED(old) < LIMIT_DROPPED_MAX ? old + 1 :
			    old;
		}
	} while (!atomic_compare_exchange_weak(&l->state, &old, next));
	return pass;
}

/* diag_limit_due, and with force the window is closed even if not over.
 * Without force, a window that dropped lines is not closed to nothing but
 * to a new one opened now and already full, so that a line that comes
 * while the caller writes its count is counted, not written before it
 * (diag_limit_reopen lets lines through again). */
static unsigned long
limit_close(struct diag_limit *l, double now, int force, double *span,
    double *next)
{
	unsigned long long old, to;
	unsigned long start, t = limit_ticks(l, now);

	*span = 0;
	*next = 0;
	old = atomic_load(&l->state);
	do {
		start = LIMIT_START(old);
		if (start == 0)
			return 0;
		if (!force && (t <= start || t - start < l->window)) {
			*next = l->base + (double)(start - 1 + l->window) / 10;
			return 0;
		}
		to = !force && LIMIT_DROPPED(old) > 0 ?
		    LIMIT_WORD(t, l->burst, 0) : 0;
		/* Closed here, unless a line's writer or another looker
		 * closes it first (then the loop sees their word). */
	} while (!atomic_compare_exchange_weak(&l->state, &old, to));
	*span = t > start ? (double)(t - start) / 10 : 0;
	return LIMIT_DROPPED(old);
}

unsigned long
diag_limit_due(struct diag_limit *l, double now, double *span, double *next)
{
	return limit_close(l, now, 0, span, next);
}

void
diag_limit_reopen(struct diag_limit *l, double now)
{
	unsigned long long old, next;
	unsigned long t = limit_ticks(l, now);

	old = atomic_load(&l->state);
	do {
		/* Only the window diag_limit_due held: another may have
		 * replaced it since (it was over), and is left alone. */
		if (LIMIT_START(old) != t || LIMIT_LINES(old) != l->burst)
			return;
		next = LIMIT_WORD(t, 0, LIMIT_DROPPED(old));
	} while (!atomic_compare_exchange_weak(&l->state, &old, next));
}

unsigned long
diag_limit_end(struct diag_limit *l, double now, double *span)
{
	double next;

	return limit_close(l, now, 1, span, &next);
}
