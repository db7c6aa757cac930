/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "choreo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "echo.h"
#include "helper.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "nls.h"
#include "num.h"
#include "step.h"
#include "trace.h"

/* Longest time a timed action may be set for. */
#define SECS_LIMIT 86400.0

/* How long close-unread waits for data to arrive unread. */
#define UNREAD_WAIT_MS 500

/* After SHUT_RD, read() returns 0 at once and poll() says readable
 * forever (docs/LINUX.md, L9), so the child can only look again after a
 * pause to learn whether the peer sent more. */
#define SHUT_RD_RECHECK_MS 10

void
choreo_defaults(struct choreo *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->parent_close = PCLOSE_NOW;
	ch->parent_after_close = PAFTER_NONE;
	ch->parent_shutdown_how = -1;
	ch->child_shutdown_how = -1;
	ch->child_shutdown_when = CWHEN_NONE;
	ch->child_end = CEND_EOF;
	ch->child_close = CCLOSE_NORMAL;
	ch->child_epipe = CEPIPE_CLOSE;
	ch->listener_close_secs = -1;
	ch->listener_shutdown_how = -1;
	ch->helper_secs = -1;
	ch->helper_does = HELPER_HOLD;
	ch->child_dup_secs = -1;
}

/* --- settings */

static int
parse_how(const char *text, size_t len, int *how)
{
	if (len == 2 && strncmp(text, "rd", 2) == 0)
		*how = SHUT_RD;
	else if (len == 2 && strncmp(text, "wr", 2) == 0)
		*how = SHUT_WR;
	else if (len == 4 && strncmp(text, "rdwr", 4) == 0)
		*how = SHUT_RDWR;
	else
		return -1;
	return 0;
}

int
choreo_parse_parent_close(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "now") == 0)
		ch->parent_close = PCLOSE_NOW;
	else if (strcmp(value, "exit") == 0)
		ch->parent_close = PCLOSE_EXIT;
	else if (strcmp(value, "never") == 0)
		ch->parent_close = PCLOSE_NEVER;
	else if (num_parse_seconds(value, SECS_LIMIT,
	    &ch->parent_close_secs) == 0)
		ch->parent_close = PCLOSE_AFTER;
	else {
		snprintf(err, errlen, _("'%s' is not now, exit, never or a "
		    "number of seconds"), value);
		return -1;
	}
	return 0;
}

int
choreo_parse_parent_after_close(struct choreo *ch, const char *value,
    char *err, size_t errlen)
{
	if (strcmp(value, "none") == 0)
		ch->parent_after_close = PAFTER_NONE;
	else if (strcmp(value, "read") == 0)
		ch->parent_after_close = PAFTER_READ;
	else {
		snprintf(err, errlen, _("'%s' is not none or read"), value);
		return -1;
	}
	return 0;
}

/* "HOW@WHEN": HOW one of rd, wr, rdwr; WHEN seconds, or (if events) first
 * or eof. */
static int
parse_shutdown(const char *value, int events, int *how,
    enum child_when *when, double *secs, char *err, size_t errlen)
{
	const char *at = strchr(value, '@');

	if (at == NULL || parse_how(value, (size_t)(at - value), how) < 0) {
		/* TRANSLATORS: HOW, WHEN and SECS are the placeholders of
		 * the help; rd, wr and rdwr are typed as they are. */
		snprintf(err, errlen, _("'%s' is not HOW@%s (HOW: rd, wr or "
		    "rdwr)"), value, events ? "WHEN" : "SECS");
		return -1;
	}
	if (events && strcmp(at + 1, "first") == 0)
		*when = CWHEN_FIRST;
	else if (events && strcmp(at + 1, "eof") == 0)
		*when = CWHEN_EOF;
	else if (num_parse_seconds(at + 1, SECS_LIMIT, secs) == 0)
		*when = CWHEN_SECS;
	else {
		/* TRANSLATORS: first and eof are typed as they are. */
		snprintf(err, errlen, _("'%s': after @ comes %s"), value,
		    events ? _("a number of seconds, first or eof") :
		    _("a number of seconds"));
		return -1;
	}
	return 0;
}

int
choreo_parse_parent_shutdown(struct choreo *ch, const char *value,
    char *err, size_t errlen)
{
	enum child_when when;

	return parse_shutdown(value, 0, &ch->parent_shutdown_how, &when,
	    &ch->parent_shutdown_secs, err, errlen);
}

int
choreo_parse_child_shutdown(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	return parse_shutdown(value, 1, &ch->child_shutdown_how,
	    &ch->child_shutdown_when, &ch->child_shutdown_secs, err, errlen);
}

int
choreo_parse_listener_close(struct choreo *ch, const char *value,
    char *err, size_t errlen)
{
	if (num_parse_seconds(value, SECS_LIMIT, &ch->listener_close_secs) < 0) {
		snprintf(err, errlen, _("'%s' is not a number of seconds "
		    "from 0 to %.0f"), value, SECS_LIMIT);
		return -1;
	}
	return 0;
}

int
choreo_parse_listener_shutdown(struct choreo *ch, const char *value,
    char *err, size_t errlen)
{
	enum child_when when;

	return parse_shutdown(value, 0, &ch->listener_shutdown_how, &when,
	    &ch->listener_shutdown_secs, err, errlen);
}

int
choreo_parse_child_end(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "eof") == 0)
		ch->child_end = CEND_EOF;
	else if (strcmp(value, "first") == 0)
		ch->child_end = CEND_FIRST;
	else {
		snprintf(err, errlen, _("'%s' is not eof or first"), value);
		return -1;
	}
	return 0;
}

int
choreo_parse_child_close(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "normal") == 0)
		ch->child_close = CCLOSE_NORMAL;
	else if (strcmp(value, "linger0") == 0)
		ch->child_close = CCLOSE_LINGER0;
	else if (strcmp(value, "unread") == 0)
		ch->child_close = CCLOSE_UNREAD;
	else if (strcmp(value, "shutdown") == 0)
		ch->child_close = CCLOSE_SHUTDOWN;
	else {
		snprintf(err, errlen, _("'%s' is not normal, linger0, unread "
		    "or shutdown"), value);
		return -1;
	}
	return 0;
}

int
choreo_parse_helper(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "none") == 0)
		ch->helper_secs = -1;
	else if (num_parse_seconds(value, SECS_LIMIT, &ch->helper_secs) < 0) {
		snprintf(err, errlen, _("'%s' is not none or a number of "
		    "seconds from 0 to %.0f"), value, SECS_LIMIT);
		return -1;
	}
	return 0;
}

int
choreo_parse_helper_does(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "hold") == 0)
		ch->helper_does = HELPER_HOLD;
	else if (strcmp(value, "close") == 0)
		ch->helper_does = HELPER_CLOSE;
	else if (strcmp(value, "shutdown") == 0)
		ch->helper_does = HELPER_SHUTDOWN;
	else if (strcmp(value, "exec") == 0)
		ch->helper_does = HELPER_EXEC;
	else {
		snprintf(err, errlen, _("'%s' is not hold, close, shutdown or "
		    "exec"), value);
		return -1;
	}
	return 0;
}

int
choreo_parse_cloexec(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "yes") == 0)
		ch->cloexec = 1;
	else if (strcmp(value, "no") == 0)
		ch->cloexec = 0;
	else {
		snprintf(err, errlen, _("'%s' is not yes or no"), value);
		return -1;
	}
	return 0;
}

int
choreo_parse_child_dup(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "none") == 0)
		ch->child_dup_secs = -1;
	else if (num_parse_seconds(value, SECS_LIMIT,
	    &ch->child_dup_secs) < 0) {
		snprintf(err, errlen, _("'%s' is not none or a number of "
		    "seconds from 0 to %.0f"), value, SECS_LIMIT);
		return -1;
	}
	return 0;
}

int
choreo_parse_child_epipe(struct choreo *ch, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "close") == 0)
		ch->child_epipe = CEPIPE_CLOSE;
	else if (strcmp(value, "read-on") == 0)
		ch->child_epipe = CEPIPE_READ_ON;
	else {
		snprintf(err, errlen, _("'%s' is not close or read-on"), value);
		return -1;
	}
	return 0;
}

int
choreo_check(const struct choreo *ch, char *err, size_t errlen)
{
	if (ch->parent_shutdown_how >= 0 && ch->parent_close == PCLOSE_AFTER &&
	    ch->parent_close_secs < ch->parent_shutdown_secs) {
		snprintf(err, errlen, _("--parent-close %g and "
		    "--parent-shutdown @%g: the parent cannot shut down a copy "
		    "it has closed"), ch->parent_close_secs,
		    ch->parent_shutdown_secs);
		return -1;
	}
	if (ch->parent_after_close == PAFTER_READ &&
	    ch->parent_close != PCLOSE_NOW) {
		snprintf(err, errlen, "%s", _("--parent-after-close read needs "
		    "--parent-close now: the parent reads the copy it has "
		    "just closed"));
		return -1;
	}
	if (ch->parent_shutdown_how >= 0 && ch->parent_after_close ==
	    PAFTER_READ) {
		snprintf(err, errlen, "%s", _("--parent-after-close read and "
		    "--parent-shutdown: the parent keeps its copy for the "
		    "shutdown, so it has none to read closed"));
		return -1;
	}
	if (ch->helper_does != HELPER_HOLD && ch->helper_secs < 0) {
		snprintf(err, errlen, "%s", _("--helper-does needs --helper "
		    "SECS: there is no helper to do it"));
		return -1;
	}
	if (ch->child_shutdown_when == CWHEN_EOF && ch->child_end == CEND_FIRST) {
		snprintf(err, errlen, "%s", _("--child-shutdown @eof and "
		    "--child-end first: the child stops before it reads EOF"));
		return -1;
	}
	return 0;
}

int
choreo_child_acts(const struct choreo *ch)
{
	return ch->child_shutdown_how >= 0 || ch->child_end != CEND_EOF ||
	    ch->child_close != CCLOSE_NORMAL ||
	    ch->child_epipe != CEPIPE_CLOSE || ch->helper_secs >= 0 ||
	    ch->cloexec || ch->child_dup_secs >= 0;
}

/* --- the acts */

const struct choreo_guard *choreo_guard;

/* The guard's enter, for a connection's socket: 0 go on, -1 the
 * descriptor was closed already (by another thread), said in the trace. */
static int
guard_enter(unsigned long conn, int fd, const char *call)
{
	if (choreo_guard == NULL || conn == 0)
		return 0;
	if (choreo_guard->enter(choreo_guard->ctx, conn, fd) == 0)
		return 0;
	if (trace_active)
		trace_error(conn, fd, call, EBADF, "another thread has closed "
		    "this descriptor already: its number names nothing now, "
		    "or another file (not touched)");
	choreo_guard->leave(choreo_guard->ctx, conn, fd, 0);
	errno = EBADF;
	return -1;
}

static void
guard_leave(unsigned long conn, int fd, int closed)
{
	int err = errno;

	if (choreo_guard != NULL && conn != 0)
		choreo_guard->leave(choreo_guard->ctx, conn, fd, closed);
	errno = err;
}

int
choreo_close(unsigned long conn, int fd, const char *note)
{
	struct trace_act act;
	int rc;

	/* The step first: the trace's refs are measured after it, so its
	 * row shows what this act changed, not what others did meanwhile. */
	step_before(conn, fd, "close", note);
	if (guard_enter(conn, fd, "close") < 0)
		return -1;
	if (trace_active)
		trace_act_begin(&act, conn, fd);
	rc = close(fd);
	if (trace_active)
		trace_act_closed(&act, rc, note);
	/* Linux frees the number even when close() fails, EBADF aside. */
	guard_leave(conn, fd, rc == 0 || errno != EBADF);
	return rc;
}

void
choreo_parent_let_go(const struct choreo *ch, unsigned long conn, int fd)
{
	char byte;

	(void)choreo_close(conn, fd, "the parent closes its copy at once");
	if (ch->parent_after_close != PAFTER_READ)
		return;
	/* Nothing opens a descriptor between the close and this read, so
	 * the number is still free and the read must fail with EBADF: a
	 * descriptor names an entry in this process's table, and that entry
	 * is gone, whoever else holds the socket (docs/LINUX.md, L1). */
	if (read(fd, &byte, 1) < 0 && trace_active)
		trace_error(conn, fd, "read", errno, "the parent's descriptor "
		    "is closed: its number names nothing now; the child's "
		    "copy, an entry in its own table, reads on");
}

int
choreo_shutdown(unsigned long conn, int fd, int how, const char *note)
{
	struct trace_act act;
	int rc;

	if (step_active()) {
		char act_name[32];

		snprintf(act_name, sizeof act_name, "shutdown(%s)",
		    how == SHUT_RD ? "SHUT_RD" : how == SHUT_WR ? "SHUT_WR" :
		    "SHUT_RDWR");
		step_before(conn, fd, act_name, note);
	}
	if (guard_enter(conn, fd, "shutdown") < 0)
		return -1;
	if (trace_active)
		trace_act_begin(&act, conn, fd);
	rc = shutdown(fd, how);
	if (trace_active)
		trace_act_shut(&act, how, rc, note);
	guard_leave(conn, fd, 0);
	return rc;
}

/* --- the parent's side */

/*
 * The held copies' deadlines are kept on the choreography's clock:
 * monotime less the time this process has waited at steps (--step).  A
 * timed act therefore keeps its distance from the acts before it when a
 * step holds one of them up; without --step the two clocks are one.
 */
static double
clock_of(double now)
{
	return now - step_waited();
}

int
choreo_held_init(struct held_table *ht, size_t cap)
{
	ht->count = 0;
	ht->cap = cap;
	ht->slot = calloc(cap, sizeof *ht->slot);
	return ht->slot == NULL ? -1 : 0;
}

void
choreo_held_free(struct held_table *ht)
{
	free(ht->slot);
	ht->slot = NULL;
	ht->count = ht->cap = 0;
}

static void
held_drop(struct held_table *ht, size_t i, const char *note)
{
	(void)choreo_close(ht->slot[i].conn, ht->slot[i].fd, note);
	ht->slot[i] = ht->slot[--ht->count];
}

int
choreo_parent_keeps(const struct choreo *ch, struct held_table *ht,
    unsigned long conn, int fd, pid_t child, double accepted)
{
	struct held_copy *h;

	/* The correct server: the child holds the only copy, so its close
	 * is the last one and sends the FIN. */
	if (ch->parent_close == PCLOSE_NOW && ch->parent_shutdown_how < 0)
		return 0;
	if (ht->count == ht->cap) {
		size_t i, oldest = 0;

		/* Removal reorders the table; the oldest has the lowest
		 * connection number. */
		for (i = 1; i < ht->count; i++)
			if (ht->slot[i].conn < ht->slot[oldest].conn)
				oldest = i;
		diag_msg(_("holding %zu copies already: letting go of the one "
		    "of connection %lu"), ht->cap, ht->slot[oldest].conn);
		held_drop(ht, oldest, "too many copies held");
	}
	h = &ht->slot[ht->count++];
	memset(h, 0, sizeof *h);
	h->fd = fd;
	h->conn = conn;
	h->child = child;
	if (ch->parent_shutdown_how >= 0)
		h->shutdown_at = clock_of(accepted) + ch->parent_shutdown_secs;
	if (ch->parent_close == PCLOSE_AFTER)
		h->close_at = clock_of(accepted) + ch->parent_close_secs;
	return 1;
}

double
choreo_held_next(const struct held_table *ht)
{
	double next = 0;
	size_t i;

	for (i = 0; i < ht->count; i++) {
		const struct held_copy *h = &ht->slot[i];

		if (h->shutdown_at > 0 && (next == 0 || h->shutdown_at < next))
			next = h->shutdown_at;
		if (h->close_at > 0 && (next == 0 || h->close_at < next))
			next = h->close_at;
	}
	/* Back on monotime, for the supervisor's wait. */
	return next == 0 ? 0 : next + step_waited();
}

/* After its timed shutdown, is the copy to be closed at once? */
static int
close_after_shutdown(const struct choreo *ch, const struct held_copy *h)
{
	return ch->parent_close == PCLOSE_NOW ||
	    (ch->parent_close == PCLOSE_EXIT && h->child_gone);
}

void
choreo_held_run(const struct choreo *ch, struct held_table *ht, double now)
{
	size_t i = 0;
	double clock;

	while (i < ht->count) {
		struct held_copy *h = &ht->slot[i];

		/* Read again at each copy once a step has waited: the wait
		 * has moved monotime on, not the choreography's clock. */
		clock = clock_of(step_waited() > 0 ? monotime_now() : now);
		if (h->shutdown_at > 0 && clock >= h->shutdown_at) {
			h->shutdown_at = 0;
			if (choreo_shutdown(h->conn, h->fd,
			    ch->parent_shutdown_how,
			    "the parent's timed shutdown") < 0)
				diag_err(errno, _("connection %lu: shutdown"),
				    h->conn);
			if (close_after_shutdown(ch, h)) {
				held_drop(ht, i, "the parent closes its copy "
				    "after its shutdown");
				continue;
			}
		}
		if (h->close_at > 0 && clock >= h->close_at &&
		    h->shutdown_at == 0) {
			held_drop(ht, i, "the parent's timed close");
			continue;
		}
		i++;
	}
}

void
choreo_held_reaped(const struct choreo *ch, struct held_table *ht,
    pid_t child)
{
	size_t i;

	for (i = 0; i < ht->count; i++) {
		struct held_copy *h = &ht->slot[i];

		if (h->child != child)
			continue;
		h->child_gone = 1;
		if (ch->parent_close == PCLOSE_EXIT && h->shutdown_at == 0)
			held_drop(ht, i, "the parent closes its copy when it "
			    "reaps the child");
		return;
	}
}

void
choreo_held_served(const struct choreo *ch, struct held_table *ht,
    unsigned long conn)
{
	size_t i;

	for (i = 0; i < ht->count; i++) {
		struct held_copy *h = &ht->slot[i];

		if (h->conn != conn)
			continue;
		h->child_gone = 1;
		if (ch->parent_close == PCLOSE_EXIT && h->shutdown_at == 0)
			held_drop(ht, i, "the parent closes its copy when the "
			    "worker is done with it");
		return;
	}
}

void
choreo_held_forget(struct held_table *ht)
{
	size_t i;

	for (i = 0; i < ht->count; i++)
		io_close_quiet(ht->slot[i].fd);
	ht->count = 0;
}

void
choreo_held_release(struct held_table *ht)
{
	while (ht->count > 0)
		held_drop(ht, ht->count - 1, "the server stops");
}

/* --- the child's side */

struct child_side {
	const struct choreo *ch;
	unsigned long conn;
	int fd;
	double started;		/* on the choreography's clock */
	int first_done;
	int shut_done;
	int shut_rd;		/* SHUT_RD was or may be done on the socket */
	int zero_told;		/* the first 0 after SHUT_RD was traced */
	int reading_on;		/* the echo failed with EPIPE: read on */
	pid_t helper;		/* --helper: its pid, or 0 */
	const struct echo_stats *st;	/* the loop's counts */
	char note[128];		/* the eof's why, when it has numbers */
};

static void
child_shutdown(struct child_side *cs, const char *note)
{
	cs->shut_done = 1;
	if (cs->ch->child_shutdown_how != SHUT_WR)
		cs->shut_rd = 1;
	if (choreo_shutdown(cs->conn, cs->fd, cs->ch->child_shutdown_how,
	    note) < 0)
		diag_err(errno, _("connection %lu: shutdown"), cs->conn);
}

static double
hook_deadline(void *ctx)
{
	const struct child_side *cs = ctx;

	if (cs->ch->child_shutdown_when != CWHEN_SECS || cs->shut_done)
		return 0;
	/* started is on the choreography's clock (clock_of), the loop's
	 * deadline on monotime. */
	return cs->started + cs->ch->child_shutdown_secs + step_waited();
}

static enum echo_next
hook_on_deadline(void *ctx)
{
	child_shutdown(ctx, "the child's timed shutdown");
	return ECHO_GO_ON;
}

static enum echo_next
hook_after_echo(void *ctx, unsigned long long total)
{
	struct child_side *cs = ctx;

	(void)total;
	if (cs->first_done)
		return ECHO_GO_ON;
	cs->first_done = 1;
	if (cs->ch->helper_secs >= 0) {
		pid_t pid = helper_start(cs->ch, cs->conn, cs->fd);

		cs->helper = pid > 0 ? pid : 0;
	}
	if (cs->ch->child_shutdown_when == CWHEN_FIRST)
		child_shutdown(cs, "after the first read and echo");
	return cs->ch->child_end == CEND_FIRST ? ECHO_STOP : ECHO_GO_ON;
}

/* States in which the peer's FIN has not arrived. */
static int
peer_fin_pending(enum sockinfo_state st)
{
	return st == SOCKINFO_ESTABLISHED || st == SOCKINFO_FIN_WAIT1 ||
	    st == SOCKINFO_FIN_WAIT2;
}

static enum echo_next
hook_on_zero_read(void *ctx)
{
	struct child_side *cs = ctx;
	enum sockinfo_state st;

	if (cs->shut_rd) {
		/* After SHUT_RD, by this child or the parent, a 0 is not the
		 * peer's EOF; the TCP state tells: CLOSE_WAIT means its FIN
		 * has come. */
		st = sockinfo_state(cs->fd, NULL);
		if (peer_fin_pending(st)) {
			if (!cs->zero_told && trace_active)
				trace_eof(cs->conn, cs->fd, "read returned 0 "
				    "after SHUT_RD, but the client has not "
				    "sent its FIN: not its EOF, reading on");
			cs->zero_told = 1;
			(void)poll(NULL, 0, SHUT_RD_RECHECK_MS);
			return ECHO_GO_ON;
		}
		if (trace_active)
			trace_eof(cs->conn, cs->fd, "the client's FIN has "
			    "arrived: its EOF");
	} else if (trace_active && cs->reading_on) {
		snprintf(cs->note, sizeof cs->note, "read returned 0; %llu "
		    "bytes were read that could not be echoed",
		    cs->st->bytes_in - cs->st->bytes);
		trace_eof(cs->conn, cs->fd, cs->note);
	} else if (trace_active)
		trace_eof(cs->conn, cs->fd, "read returned 0");
	if (cs->ch->child_shutdown_when == CWHEN_EOF && !cs->shut_done)
		child_shutdown(cs, "at EOF");
	return ECHO_STOP;
}

/* --child-epipe read-on: a write side shut down (by this child's
 * SHUT_WR, or another holder's) makes the echo fail with EPIPE
 * (docs/LINUX.md, L8), yet the other direction still works: the child
 * says so once and reads on to the client's EOF, as a half-closed server
 * does. */
static enum echo_next
hook_on_write_error(void *ctx, int err)
{
	struct child_side *cs = ctx;

	if (err != EPIPE || cs->ch->child_epipe != CEPIPE_READ_ON)
		return ECHO_STOP;
	cs->reading_on = 1;
	if (trace_active)
		trace_error(cs->conn, cs->fd, "write", err, "the write side is "
		    "shut down; the other direction still works: reading on "
		    "to EOF, echoing nothing");
	return ECHO_GO_ON;
}

/* --child-dup: a second descriptor of the same socket in this process,
 * as code that hands a copy to a logger or to fdopen() makes one. */
static int
child_dup(unsigned long conn, int fd)
{
	struct trace_act act;
	int nfd;

	step_before(conn, fd, "dup", "a second descriptor");
	if (trace_active)
		trace_act_begin(&act, conn, fd);
	nfd = dup(fd);
	if (nfd < 0)
		diag_err(errno, _("connection %lu: dup of fd %d"), conn, fd);
	if (trace_active)
		trace_act_dupped(&act, nfd, "the child dup()s its copy");
	return nfd;
}

/* Gives up the child's copy as --child-close says. */
static int
child_close(const struct choreo *ch, unsigned long conn, int fd,
    int idle_end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	switch (ch->child_close) {
	case CCLOSE_LINGER0:
		if (net_set_linger_abort(fd) < 0)
			diag_err(errno, _("connection %lu: setsockopt "
			    "SO_LINGER"), conn);
		return choreo_close(conn, fd, "SO_LINGER {1,0} set");
	case CCLOSE_UNREAD:
		/* Give the client's next bytes time to arrive, and leave
		 * them unread. */
		while (poll(&pfd, 1, UNREAD_WAIT_MS) < 0 && errno == EINTR)
			;
		return choreo_close(conn, fd, "the child closes with data "
		    "unread");
	case CCLOSE_SHUTDOWN:
		/* Redis's fix while a forked child is alive: shutdown() acts
		 * on the socket, whoever else holds it, so the FIN does not
		 * wait for the helper's copy (docs/LINUX.md, L7). */
		if (choreo_shutdown(conn, fd, SHUT_RDWR, "shutdown before "
		    "close: the FIN must not wait for other holders") < 0)
			diag_err(errno, _("connection %lu: shutdown"), conn);
		return choreo_close(conn, fd, "after its shutdown");
	case CCLOSE_NORMAL:
		break;
	}
	return choreo_close(conn, fd, idle_end ? "the client was silent too "
	    "long" : "done with the connection");
}

int
choreo_child_serve(const struct choreo *ch, unsigned long conn, int fd,
    double idle, struct echo_stats *st)
{
	struct child_side cs = { .ch = ch, .conn = conn, .fd = fd, .st = st };
	struct echo_hooks hooks = { .deadline = hook_deadline,
	    .on_deadline = hook_on_deadline, .after_echo = hook_after_echo,
	    .on_zero_read = hook_on_zero_read,
	    .on_write_error = hook_on_write_error, .ctx = &cs };
	int rc, plain, dupfd = -1;

	/* The parent's SHUT_RD makes this child's read() return 0 too
	 * (docs/LINUX.md, L9); its SHUT_RDWR is a real end, since the child
	 * can no longer write the echo. */
	cs.shut_rd = ch->parent_shutdown_how == SHUT_RD;
	/* With nothing to do between steps, the loop runs without hooks:
	 * read() and write() and nothing else, not even a look at the
	 * clock (the first in a child costs a page fault). */
	plain = !trace_active && !choreo_child_acts(ch);
	if (!plain)
		cs.started = clock_of(monotime_now());
	if (ch->cloexec && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		diag_err(errno, _("connection %lu: fcntl FD_CLOEXEC"), conn);
	if (ch->child_dup_secs >= 0)
		dupfd = child_dup(conn, fd);
	rc = echo_run(fd, idle, plain ? NULL : &hooks, st);
	if (rc < 0 && trace_active)
		trace_error(conn, fd, st->failed_call, st->err, NULL);
	if (child_close(ch, conn, fd, st->idle) < 0 && rc == 0) {
		st->failed_call = "close";
		st->err = errno;
		rc = -1;
	}
	if (dupfd >= 0) {
		monotime_sleep(ch->child_dup_secs);
		(void)choreo_close(conn, dupfd, "the duplicate, closed later");
	}
	if (cs.helper > 0)
		helper_wait(conn, cs.helper);
	return rc;
}
