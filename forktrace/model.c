/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "model.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "json.h"
#include "nls.h"

static const char *const kind_names[] = {
	"listen", "spawn", "accept", "fork", "pass", "eof", "shutdown",
	"close", "error", "exit", "reap", "stop", "dup"
};

const char *
model_kind_name(enum model_kind kind)
{
	return kind_names[kind];
}

/* --- reading one line */

/* Where the line being read is, and where its error goes. */
struct ctx {
	const char *path;
	unsigned long line;
	char *err;
	size_t errlen;
};

static int bad(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "PATH:LINE: reason"; returns MODEL_EDATA for the caller to pass on. */
static int
bad(const struct ctx *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	/* The analyzer loses track of ap across va_start here too. */
	(void)vsnprintf(why, sizeof why, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%lu: %s", c->path, c->line, why);
	return MODEL_EDATA;
}

/* Field key of o, or NULL if absent (a JSON null is present). */
static const struct json_value *
field(const struct json_value *o, const char *key)
{
	return json_member(o, key);
}

/* A number: *out set, 0; absent and not required: 0, *out untouched. */
static int
get_number(const struct ctx *c, const struct json_value *o, const char *key,
    int required, double *out)
{
	const struct json_value *v = field(o, key);

	if (v == NULL)
		return required ? bad(c, _("missing field '%s'"), key) : 0;
	if (v->type != JSON_INTEGER && v->type != JSON_REAL)
		return bad(c, _("field '%s' is not a number"), key);
	*out = v->number;
	return 0;
}

/* A whole number from min to max; null allowed (and then *out = -1) if
 * nullable. */
static int
get_int(const struct ctx *c, const struct json_value *o, const char *key,
    int required, int nullable, long min, long max, long *out)
{
	const struct json_value *v = field(o, key);
	long long n;

	if (v == NULL)
		return required ? bad(c, _("missing field '%s'"), key) : 0;
	if (nullable && v->type == JSON_NULL) {
		*out = -1;
		return 0;
	}
	if (v->type != JSON_INTEGER)
		return bad(c, nullable ? _("field '%s' is not a whole number "
		    "or null") : _("field '%s' is not a whole number"), key);
	n = v->integer;
	if (n < min || n > max)
		return bad(c, _("field '%s' is %lld, not from %ld to %ld"),
		    key, (long long)n, min, max);
	*out = (long)n;
	return 0;
}

/* A string that fits buf, without control characters; null allowed (and
 * then buf = "") if nullable. */
static int
get_string(const struct ctx *c, const struct json_value *o, const char *key,
    int required, int nullable, char *buf, size_t len)
{
	const struct json_value *v = field(o, key);
	const char *s;
	size_t i, n;

	if (v == NULL)
		return required ? bad(c, _("missing field '%s'"), key) : 0;
	if (nullable && v->type == JSON_NULL) {
		buf[0] = '\0';
		return 0;
	}
	if (v->type != JSON_STRING)
		return bad(c, nullable ? _("field '%s' is not a string or "
		    "null") : _("field '%s' is not a string"), key);
	s = v->str;
	n = v->len;
	if (n >= len)
		return bad(c, _("field '%s' is too long (%zu bytes, at most "
		    "%zu)"), key, n, len - 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return bad(c, _("field '%s' has a control "
			    "character"), key);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* The string field key is one of the NULL-ended names: its index. */
static int
get_choice(const struct ctx *c, const struct json_value *o, const char *key,
    const char *const *names, size_t count, int *out)
{
	char buf[32];
	size_t i;
	int rc;

	buf[0] = '\0';
	if ((rc = get_string(c, o, key, 1, 0, buf, sizeof buf)) != 0)
		return rc;
	for (i = 0; i < count; i++)
		if (strcmp(buf, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	/* TRANSLATORS: the field's name, then its value. */
	return bad(c, strcmp(key, "event") == 0 ? _("field '%s' is '%s', "
	    "not a known event") : _("field '%s' is '%s', not a known value"),
	    key, buf);
}

/* A name made of capitals, digits and '_' ("CLOSE_WAIT", "EPIPE"). */
static int
check_token(const struct ctx *c, const char *key, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_'))
			return bad(c, _("field '%s' is '%s', not a name in "
			    "capitals"), key, s);
	return 0;
}

#define PID_MAX_JSON 0x7fffffffL
#define NUMBER_MAX 0x7fffffffL

/* Which events must carry which fields (beyond t, pid, role, event). */
static int
needs_conn(enum model_kind k)
{
	return k == EV_ACCEPT || k == EV_FORK || k == EV_PASS || k == EV_EOF ||
	    k == EV_DUP;
}

static int
needs_fd(enum model_kind k)
{
	return k == EV_LISTEN || k == EV_ACCEPT || k == EV_FORK ||
	    k == EV_PASS || k == EV_EOF || k == EV_SHUTDOWN || k == EV_CLOSE ||
	    k == EV_DUP;
}

static int
needs_measure(enum model_kind k)
{
	return k == EV_ACCEPT || k == EV_FORK || k == EV_PASS ||
	    k == EV_SHUTDOWN || k == EV_CLOSE || k == EV_DUP;
}

/* The fields every measured event has, all four or none. */
static int
read_measure(const struct ctx *c, const struct json_value *o,
    struct model_event *e)
{
	static const char *const wires[] = { "none", "FIN", "RST" };
	const struct json_value *w;
	long n;
	int rc, i;

	e->measured = field(o, "refs_before") != NULL ||
	    field(o, "refs") != NULL || field(o, "wire") != NULL ||
	    needs_measure(e->kind) || (e->kind == EV_EXIT &&
	    (e->role == ROLE_CHILD || e->role == ROLE_HELPER ||
	    e->role == ROLE_THREAD));
	if (!e->measured) {
		/* eof carries the state after it, unmeasured. */
		if ((rc = get_string(c, o, "state", 0, 1, e->state,
		    sizeof e->state)) != 0)
			return rc;
		return check_token(c, "state", e->state);
	}
	n = -1;
	if ((rc = get_int(c, o, "refs_before", 1, 1, 0, INT_MAX, &n)) != 0)
		return rc;
	e->refs_before = (int)n;
	n = -1;
	if ((rc = get_int(c, o, "refs", 1, 1, 0, INT_MAX, &n)) != 0)
		return rc;
	e->refs = (int)n;
	if ((rc = get_string(c, o, "state", 1, 1, e->state,
	    sizeof e->state)) != 0 ||
	    (rc = check_token(c, "state", e->state)) != 0)
		return rc;
	w = field(o, "wire");
	if (w == NULL)
		return bad(c, _("missing field '%s'"), "wire");
	if (w->type == JSON_NULL) {
		e->wire = WIRE_UNKNOWN;
		return 0;
	}
	i = 0;
	if ((rc = get_choice(c, o, "wire", wires, 3, &i)) != 0)
		return rc;
	e->wire = i == 0 ? WIRE_NONE : i == 1 ? WIRE_FIN : WIRE_RST;
	return 0;
}

/* The fields of one kind of event. */
static int
read_kind_fields(const struct ctx *c, const struct json_value *o,
    struct model_event *e)
{
	static const char *const hows[] = { "SHUT_RD", "SHUT_WR",
	    "SHUT_RDWR" };
	long n;
	int rc, i;

	if (e->kind == EV_SHUTDOWN) {
		i = 0;
		if ((rc = get_choice(c, o, "how", hows, 3, &i)) != 0)
			return rc;
		snprintf(e->how, sizeof e->how, "%s", hows[i]);
	}
	if (e->kind == EV_ERROR) {
		if ((rc = get_string(c, o, "call", 1, 0, e->call,
		    sizeof e->call)) != 0 ||
		    (rc = get_string(c, o, "errno", 1, 0, e->err,
		    sizeof e->err)) != 0 ||
		    (rc = check_token(c, "errno", e->err)) != 0)
			return rc;
	}
	if (e->kind == EV_LISTEN &&
	    (rc = get_string(c, o, "addr", 0, 0, e->addr,
	    sizeof e->addr)) != 0)
		return rc;
	/* wall and peer came later (for forktrace --wire): optional, so
	 * that older traces still read. */
	if (e->kind == EV_LISTEN) {
		if ((rc = get_number(c, o, "wall", 0, &e->wall)) != 0)
			return rc;
		if (field(o, "wall") != NULL && !(e->wall > 0 &&
		    e->wall < 1e11))
			return bad(c, _("field '%s' is %g, not seconds since "
			    "the epoch"), "wall", e->wall);
	}
	if (e->kind == EV_ACCEPT &&
	    (rc = get_string(c, o, "peer", 0, 0, e->peer,
	    sizeof e->peer)) != 0)
		return rc;
	/* The server's reason, as it wrote it; a trace from before the
	 * field has none, and none is made up for it. */
	if ((rc = get_string(c, o, "why", 0, 0, e->why, sizeof e->why)) != 0)
		return rc;
	if (e->kind == EV_EXIT || e->kind == EV_REAP) {
		n = 0;
		if ((rc = get_int(c, o, "status", 1, 0, INT_MIN, INT_MAX,
		    &n)) != 0)
			return rc;
		e->status = (int)n;
		e->has_status = 1;
	}
	/* "worker" on a parent's event names the worker it concerns; on a
	 * worker's own event it is the writer's number (read before). */
	if (e->role == ROLE_PARENT) {
		int need = e->kind == EV_SPAWN || e->kind == EV_PASS;

		n = 0;
		if ((rc = get_int(c, o, "worker", need, 0, 1, NUMBER_MAX,
		    &n)) != 0)
			return rc;
		e->worker = (unsigned long)n;
	}
	n = 0;
	if (e->kind == EV_FORK ||
	    (e->kind == EV_REAP && e->worker == 0)) {
		if ((rc = get_int(c, o, "child_pid", 1, 0, 1, PID_MAX_JSON,
		    &n)) != 0)
			return rc;
	} else if (e->kind == EV_SPAWN || e->kind == EV_PASS ||
	    e->kind == EV_REAP) {
		if ((rc = get_int(c, o, "worker_pid", 1, 0, 1, PID_MAX_JSON,
		    &n)) != 0)
			return rc;
	}
	e->other_pid = n;
	if (e->kind == EV_REAP && e->worker == 0 && e->conn == 0)
		return bad(c, _("a reap of a child needs field '%s'"),
		    "conn");
	return 0;
}

/* Fills e from the object o of line c->line. */
static int
read_event(const struct ctx *c, const struct json_value *o,
    struct model_event *e)
{
	static const char *const roles[] = { "parent", "child", "worker",
	    "helper", "thread" };
	double t = 0;
	long n;
	int rc, i;

	memset(e, 0, sizeof *e);
	e->line = c->line;
	e->fd = -1;
	e->refs_before = e->refs = -1;
	e->wire = WIRE_ABSENT;
	e->lane = e->other_lane = e->hold = MODEL_NONE;
	if ((rc = get_number(c, o, "t", 1, &t)) != 0)
		return rc;
	if (!(t >= 0 && t < 1e9))
		return bad(c, _("field '%s' is %g, not a time in seconds"),
		    "t", t);
	e->t = t;
	n = 0;
	if ((rc = get_int(c, o, "pid", 1, 0, 1, PID_MAX_JSON, &n)) != 0)
		return rc;
	e->pid = n;
	i = 0;
	if ((rc = get_choice(c, o, "role", roles, 5, &i)) != 0)
		return rc;
	e->role = (enum model_role)i;
	i = 0;
	if ((rc = get_choice(c, o, "event", kind_names,
	    sizeof kind_names / sizeof kind_names[0], &i)) != 0)
		return rc;
	e->kind = (enum model_kind)i;
	n = 0;
	if (e->role != ROLE_PARENT) {
		if ((rc = get_int(c, o, roles[e->role], 1, 0, 1, NUMBER_MAX,
		    &n)) != 0)
			return rc;
		e->number = (unsigned long)n;
	}
	n = 0;
	if ((rc = get_int(c, o, "conn", needs_conn(e->kind) ||
	    (e->kind == EV_EXIT && (e->role == ROLE_CHILD ||
	    e->role == ROLE_HELPER || e->role == ROLE_THREAD)), 0, 1,
	    NUMBER_MAX,
	    &n)) != 0)
		return rc;
	e->conn = (unsigned long)n;
	n = -1;
	if ((rc = get_int(c, o, "fd", needs_fd(e->kind), 0, 0, INT_MAX,
	    &n)) != 0)
		return rc;
	e->fd = (int)n;
	if ((rc = read_measure(c, o, e)) != 0)
		return rc;
	return read_kind_fields(c, o, e);
}

/* --- lanes and holds */

/* Grows *p (of *cap elements of size) to hold one more than n. */
static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap != 0 ? *cap * 2 : 16;
	if (ncap > (size_t)-1 / size / 2)
		return -1;
	np = realloc(*p, ncap * size);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* The lane of process pid in role and number, made at event at if new.
 * A pid may come back as another process (reused), hence the key of
 * three. */
static size_t
lane_of(struct model *m, long pid, enum model_role role,
    unsigned long number, size_t at)
{
	struct model_lane *l;
	size_t i;

	/* The parent first, then the newest: the processes a trace's next
	 * line most likely comes from. */
	if (m->nlane > 0 && m->lane[0].pid == pid && m->lane[0].role == role &&
	    m->lane[0].number == number)
		return 0;
	for (i = m->nlane; i-- > 1;)
		if (m->lane[i].pid == pid && m->lane[i].role == role &&
		    m->lane[i].number == number)
			return i;
	if (grow((void **)&m->lane, &m->lanecap, m->nlane, sizeof *m->lane) < 0)
		return MODEL_NONE;
	l = &m->lane[m->nlane];
	l->pid = pid;
	l->role = role;
	l->number = number;
	l->born = at;
	l->exited = l->reaped = l->stopped = MODEL_NONE;
	return m->nlane++;
}

static int
hold_open(struct model *m, size_t lane, unsigned long conn, size_t at)
{
	if (grow((void **)&m->hold, &m->holdcap, m->nhold, sizeof *m->hold) < 0)
		return -1;
	m->hold[m->nhold].lane = lane;
	m->hold[m->nhold].conn = conn;
	m->hold[m->nhold].from = at;
	m->hold[m->nhold].to = MODEL_NONE;
	m->nhold++;
	return 0;
}

/* Ends lane's open hold of conn (every one, if all). */
static void
hold_close(struct model *m, size_t lane, unsigned long conn, int all,
    size_t at)
{
	size_t i;

	for (i = m->nhold; i-- > 0;) {
		struct model_hold *h = &m->hold[i];

		if (h->lane == lane && h->to == MODEL_NONE &&
		    (all || h->conn == conn)) {
			h->to = at;
			if (!all)
				return;
		}
	}
}

/* The newest hold of lane's connection conn (not 0) that covers event
 * at, or MODEL_NONE.  Searched from the newest: the holds an event uses
 * are nearly always recent ones. */
static size_t
hold_of(const struct model *m, size_t lane, unsigned long conn, size_t at)
{
	size_t h;

	if (conn == 0)
		return MODEL_NONE;
	for (h = m->nhold; h-- > 0;) {
		const struct model_hold *hd = &m->hold[h];

		if (hd->lane == lane && hd->conn == conn)
			return hd->from <= at && (hd->to == MODEL_NONE ||
			    hd->to == at) ? h : MODEL_NONE;
	}
	return MODEL_NONE;
}

/* What the event does to the holds: 0, or -1 out of memory. */
static int
place_holds(struct model *m, struct model_event *e, size_t at)
{
	switch (e->kind) {
	case EV_LISTEN:
	case EV_ACCEPT:
		return hold_open(m, e->lane, e->conn, at);
	case EV_FORK:
	case EV_PASS:
		return hold_open(m, e->other_lane, e->conn, at);
	case EV_SPAWN:
		/* Measured: the worker got a copy of the listening socket. */
		return e->measured ? hold_open(m, e->other_lane, 0, at) : 0;
	case EV_DUP:
		/* A second descriptor in the same process: a second hold. */
		return hold_open(m, e->lane, e->conn, at);
	case EV_CLOSE:
		hold_close(m, e->lane, e->conn, 0, at);
		/* -m threads: the one descriptor, opened in the main thread's
		 * lane by the accept, is the one a thread closes. */
		if (e->role == ROLE_THREAD && e->conn != 0) {
			size_t main_lane = lane_of(m, e->pid, ROLE_PARENT, 0,
			    at);

			if (main_lane == MODEL_NONE)
				return -1;
			hold_close(m, main_lane, e->conn, 0, at);
		}
		return 0;
	case EV_EXIT:
		/* Leaving closes whatever the process still held. */
		hold_close(m, e->lane, 0, 1, at);
		if (m->lane[e->lane].exited == MODEL_NONE)
			m->lane[e->lane].exited = at;
		return 0;
	case EV_REAP:
		hold_close(m, e->other_lane, 0, 1, at);
		if (m->lane[e->other_lane].reaped == MODEL_NONE)
			m->lane[e->other_lane].reaped = at;
		return 0;
	case EV_STOP:
		if (m->lane[e->lane].stopped == MODEL_NONE)
			m->lane[e->lane].stopped = at;
		return 0;
	default:
		return 0;
	}
}

/* Files the event just read (the last one) under its lanes and holds. */
static int
place(struct model *m)
{
	size_t at = m->nev - 1;
	struct model_event *e = &m->ev[at];
	enum model_role orole;
	unsigned long onum;

	e->lane = lane_of(m, e->pid, e->role, e->number, at);
	if (e->lane == MODEL_NONE)
		return -1;
	if (e->other_pid != 0) {
		orole = e->kind == EV_FORK ||
		    (e->kind == EV_REAP && e->worker == 0) ?
		    ROLE_CHILD : ROLE_WORKER;
		/* A fork by a child or worker makes a helper (--helper),
		 * which it reaps itself. */
		if (orole == ROLE_CHILD && e->role != ROLE_PARENT)
			orole = ROLE_HELPER;
		onum = orole != ROLE_WORKER ? e->conn : e->worker;
		e->other_lane = lane_of(m, e->other_pid, orole, onum, at);
		if (e->other_lane == MODEL_NONE)
			return -1;
	}
	if (e->conn > m->nconn)
		m->nconn = e->conn;
	if (place_holds(m, e, at) < 0)
		return -1;
	e->hold = hold_of(m, e->lane, e->conn, at);
	return 0;
}

/* --- the file */

/* One line (without its newline) of c->line. */
static int
take_line(struct model *m, const struct ctx *c, const char *buf, size_t len)
{
	struct json_error jerr;
	struct json_doc doc;
	int rc;

	if (len == 0)
		return bad(c, "%s", _("an empty line, not a JSON object"));
	if (memchr(buf, '\0', len) != NULL)
		return bad(c, "%s", _("a NUL byte in the line, not JSON"));
	rc = json_parse(&doc, buf, len, &jerr);
	if (rc == JSON_EINVAL) {
		json_free(&doc);
		/* TRANSLATORS: the JSON parser's message, then where. */
		return bad(c, _("not JSON: %s (column %lu)"), jerr.text,
		    jerr.column);
	}
	if (rc == 0 && doc.value[0].type != JSON_OBJECT) {
		json_free(&doc);
		return bad(c, "%s", _("not a JSON object"));
	}
	if (rc != 0 ||
	    grow((void **)&m->ev, &m->evcap, m->nev, sizeof *m->ev) < 0) {
		json_free(&doc);
		snprintf(c->err, c->errlen, _("%s: out of memory"), c->path);
		return MODEL_ENOMEM;
	}
	rc = read_event(c, &doc.value[0], &m->ev[m->nev]);
	json_free(&doc);
	if (rc != 0)
		return rc;
	m->nev++;
	if (place(m) < 0) {
		snprintf(c->err, c->errlen, _("%s: out of memory"), c->path);
		return MODEL_ENOMEM;
	}
	return 0;
}

int
model_read(struct model *m, const char *path, char *err, size_t errlen)
{
	struct ctx c = { path, 0, err, errlen };
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int rc = 0;

	m->path = path;
	if (strcmp(path, "-") == 0) {
		fp = stdin;
		c.path = _("(standard input)");
	} else if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return MODEL_EOPEN;
	}
	while ((n = getline(&buf, &cap, fp)) > 0) {
		c.line++;
		if (buf[n - 1] != '\n') {
			/* The server ends every line it writes: this one was
			 * cut short (the server killed mid-write, or the file
			 * copied while it was written). */
			rc = bad(&c, "%s", _("truncated: the last line has "
			    "no newline"));
			break;
		}
		if ((rc = take_line(m, &c, buf, (size_t)n - 1)) != 0)
			break;
	}
	if (rc == 0 && ferror(fp)) {
		/* TRANSLATORS: the file, then the system's reason. */
		snprintf(err, errlen, _("%s: read: %s"), c.path,
		    strerror(errno));
		rc = MODEL_EREAD;
	}
	if (rc == 0 && m->nev == 0) {
		snprintf(err, errlen, _("%s: no events"), c.path);
		rc = MODEL_EDATA;
	}
	free(buf);
	if (fp != stdin)
		(void)fclose(fp);
	return rc;
}

void
model_free(struct model *m)
{
	free(m->ev);
	free(m->lane);
	free(m->hold);
	free(m->seg);
	memset(m, 0, sizeof *m);
}

void
model_lane_name(const struct model_lane *l, char *buf, size_t len)
{
	if (l->role == ROLE_PARENT)
		snprintf(buf, len, "parent");
	else
		snprintf(buf, len, "%s %lu", l->role == ROLE_CHILD ? "child" :
		    l->role == ROLE_HELPER ? "helper" :
		    l->role == ROLE_THREAD ? "thread" : "worker", l->number);
}

void
model_lane_label(const struct model_lane *l, char *buf, size_t len)
{
	if (l->role == ROLE_PARENT)
		snprintf(buf, len, "%s", _("parent"));
	else if (l->role == ROLE_CHILD)
		/* TRANSLATORS: a lane of the diagrams: a child, helper,
		 * thread or worker, and its number. */
		snprintf(buf, len, _("child %lu"), l->number);
	else if (l->role == ROLE_HELPER)
		snprintf(buf, len, _("helper %lu"), l->number);
	else if (l->role == ROLE_THREAD)
		snprintf(buf, len, _("thread %lu"), l->number);
	else
		snprintf(buf, len, _("worker %lu"), l->number);
}
