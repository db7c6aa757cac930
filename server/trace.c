#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "textrow.h"
#include "io.h"
#include "logfile.h"
#include "monotime.h"
#include "shm.h"

/* Column widths of the lane view (display columns, not bytes). */
#define LANE_WIDTH 30
#define WIRE_WIDTH 7

static struct {
	int human;		/* lane view on stderr */
	int json_fd;		/* JSON Lines, or -1 */
	char json_path[4096];	/* as given, for a message */
	int lock_fd;		/* the shared lock file, or -1 */
	double t0;		/* monotime at trace_open */
	enum trace_role role;
	unsigned long number;	/* child's connection, worker's number */
	pid_t pid;
} tr = { 0, -1, "", -1, 0, TRACE_PARENT, 0, 0 };

/*
 * The server's processes: the parent and every live child or worker.  No
 * other process can hold the server's sockets (they are never passed
 * outside), so counting the descriptors of these alone gives the same
 * refs as looking at every process on the machine (TRUTH.md fact 15),
 * at a fraction of the cost: a few processes instead of all of them.
 * The parent reserves a slot before each fork and writes the pid after;
 * the new process writes its own pid at once too (the same value), and
 * clears it when it leaves; the parent clears it at the reap as well.
 * Should the table ever be full, every count from then on looks at every
 * process instead.
 */
#define PIDTAB_CAP 1024

struct pidtab {
	atomic_int json_failed;		/* a JSON write failed: stop */
	atomic_int overflow;		/* someone is not listed */
	atomic_int hw;			/* slots in use are below this */
	atomic_int pid[PIDTAB_CAP];	/* 0 free, -1 reserved, or a pid */
};

static struct pidtab *pt;
static int pending_slot = -1;	/* parent: reserved for the next fork */

static void fill_slot(pid_t pid);

/* One event, before it is written in either form. */
struct event {
	const char *name;
	unsigned long conn;	/* 0: none */
	int fd;			/* -1: none */
	int refs_before, refs;	/* -1: unknown */
	int measured;		/* refs, state, wire apply */
	enum sockinfo_state state;
	const char *wire;	/* "FIN", "RST", "none", or NULL: unknown */
	const char *how;	/* shutdown */
	int err;		/* error: errno */
	const char *call;	/* error: the failing call */
	int status;		/* reap, exit: wait status / exit code */
	int has_status;
	pid_t other;		/* fork: the child; spawn, pass: the worker */
	unsigned long worker;	/* spawn, pass, reap: the worker's number */
	const char *where;	/* listen: "ADDR PORT" */
	const char *reason;	/* words for the lane view */
};

int
trace_enabled(void)
{
	return tr.human || tr.json_fd >= 0;
}

int
trace_open(int human, const char *json_path, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	char buf[4096];

	tr.human = human;
	tr.t0 = monotime_now();
	tr.pid = getpid();
	if (json_path != NULL) {
		snprintf(tr.json_path, sizeof tr.json_path, "%s", json_path);
		if (strcmp(json_path, "-") == 0)
			tr.json_fd = STDOUT_FILENO;
		else {
			char why[1024];

			/* Opened as root, most often, under a name anyone
			 * may have prepared: see logfile_open for what is
			 * refused.  0600: every line names a client's
			 * address, and the one who started the server is
			 * the one who reads the trace. */
			tr.json_fd = logfile_open(json_path, 0600, why,
			    sizeof why);
			if (tr.json_fd < 0) {
				snprintf(err, errlen, "--trace-json %s", why);
				return -1;
			}
		}
	}
	if (!trace_enabled())
		return 0;

	/* The lock file needs no name once every process has it open. */
	if (tmpdir == NULL || *tmpdir == '\0' ||
	    strlen(tmpdir) + sizeof "/forkechod-lock-XXXXXX" > sizeof buf)
		tmpdir = "/tmp";
	snprintf(buf, sizeof buf, "%s/forkechod-lock-XXXXXX", tmpdir);
	tr.lock_fd = mkstemp(buf);
	if (tr.lock_fd < 0) {
		snprintf(err, errlen, "mkstemp %s: %s", buf, strerror(errno));
		return -1;
	}
	(void)unlink(buf);
	/* Without the table the counts are still right, only slower. */
	pt = shm_create(sizeof *pt, buf, sizeof buf);
	if (pt != NULL) {
		atomic_store(&pt->pid[0], (int)getpid());
		atomic_store(&pt->hw, 1);
	}
	if (tr.human) {
		static const char head[] =
		    "forkechod trace: one row per event; refs = descriptors "
		    "open on the socket, in all processes\n";
		char line[256];
		int n;

		(void)io_write_all(STDERR_FILENO, head, sizeof head - 1);
		n = snprintf(line, sizeof line, "%8s  %-*s %-*s %-*s %s\n",
		    "time", LANE_WIDTH, "parent", LANE_WIDTH, "child",
		    WIRE_WIDTH, "wire", "state, and why");
		/* "child" names the lane of a forked child and of a prefork
		 * worker (w1, w2, ...) alike. */
		if (n > 0)
			(void)io_write_all(STDERR_FILENO, line, (size_t)n);
	}
	return 0;
}

void
trace_set_role(enum trace_role role, unsigned long number)
{
	tr.role = role;
	tr.number = number;
	if (!trace_enabled())
		return;		/* not even getpid() on the untraced path */
	tr.pid = getpid();
	/* Listed before it does anything, so that its own counts see it. */
	fill_slot(tr.pid);
}

/* --- the server's processes */

/* Reserves a free slot for a process about to be forked. */
static void
reserve_slot(void)
{
	int i;

	pending_slot = -1;
	if (pt == NULL)
		return;
	for (i = 1; i < PIDTAB_CAP; i++) {
		int free_slot = 0;

		if (atomic_compare_exchange_strong(&pt->pid[i], &free_slot,
		    -1)) {
			if (i + 1 > atomic_load(&pt->hw))
				atomic_store(&pt->hw, i + 1);
			pending_slot = i;
			return;
		}
	}
	atomic_store(&pt->overflow, 1);
}

/* After fork, in the parent (pid of the new process) or in the new one
 * (its own): both write the same value, whichever runs first. */
static void
fill_slot(pid_t pid)
{
	if (pt != NULL && pending_slot >= 0)
		atomic_store(&pt->pid[pending_slot], (int)pid);
}

/* The fork failed: nobody will fill the reserved slot. */
static void
unreserve_slot(void)
{
	if (pt != NULL && pending_slot >= 0)
		atomic_store(&pt->pid[pending_slot], 0);
	pending_slot = -1;
}

/* pid has left: its slot is free again. */
static void
clear_slot_of(pid_t pid)
{
	int i, n, want;

	if (pt == NULL)
		return;
	n = atomic_load(&pt->hw);
	for (i = 1; i < n; i++) {
		want = (int)pid;
		if (atomic_compare_exchange_strong(&pt->pid[i], &want, 0))
			return;
	}
}

/* The number of descriptors on the socket, in the server's processes. */
static int
count_refs(const struct sockinfo_id *id)
{
	pid_t pids[PIDTAB_CAP];
	int i, n;

	if (pt == NULL || atomic_load(&pt->overflow))
		return sockinfo_refs(id);
	n = atomic_load(&pt->hw);
	for (i = 0; i < n; i++)
		pids[i] = atomic_load(&pt->pid[i]);
	return sockinfo_refs_in(id, pids, (size_t)n);
}

/* --- the per-connection lock */

static void
lock_op(const struct trace_conn *tc, short type)
{
	struct flock fl;

	if (tr.lock_fd < 0 || tc == NULL)
		return;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)tc->id;
	fl.l_len = 1;
	/* Record locks belong to a process, so parent and child exclude
	 * each other; they vanish when the holder exits. */
	while (fcntl(tr.lock_fd, F_SETLKW, &fl) < 0 && errno == EINTR)
		;
}

static void
trace_lock(const struct trace_conn *tc)
{
	lock_op(tc, F_WRLCK);
}

static void
trace_unlock(const struct trace_conn *tc)
{
	lock_op(tc, F_UNLCK);
}

/* --- writing */

static const char *
role_name(void)
{
	return tr.role == TRACE_PARENT ? "parent" :
	    tr.role == TRACE_CHILD ? "child" : "worker";
}

static const char *
errno_name(int err)
{
	switch (err) {
	case EPIPE: return "EPIPE";
	case ECONNRESET: return "ECONNRESET";
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ENOTCONN: return "ENOTCONN";
	case EAGAIN: return "EAGAIN";
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	case ENOBUFS: return "ENOBUFS";
	case ENOMEM: return "ENOMEM";
	case ECONNABORTED: return "ECONNABORTED";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return "EOTHER";
	}
}


/* ,"key":"text" with text escaped as JSON wants: the reasons are the
 * server's own words, but a note may quote what it was given. */
static void
add_json_string(struct textrow *l, const char *key, const char *text)
{
	const char *p;

	textrow_add(l, ",\"%s\":\"", key);
	for (p = text; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"' || ch == '\\')
			textrow_add(l, "\\%c", ch);
		else if (ch < 0x20)
			textrow_add(l, "\\u%04x", ch);
		else
			textrow_add(l, "%c", ch);
	}
	textrow_add(l, "\"");
}

/*
 * Writes one JSON line.  A trace file that cannot take it (a full disk,
 * a closed pipe) ends the JSON trace, not the server: the failure is said
 * once for all the server's processes, and every process stops writing
 * JSON as it next tries; the connections, and the lane view, go on.
 * A line goes in whole or not at all: what a write that fell short left
 * of it is cut away, so that forktrace can read every line of the file.
 */
static void
json_write(const char *buf, size_t len)
{
	int err;

	/* One write() per line: lines from different processes never mix. */
	if ((pt == NULL || !atomic_load(&pt->json_failed)) &&
	    io_write_all(tr.json_fd, buf, len) == 0)
		return;
	err = errno;
	/* Every process whose write failed cuts, in turn: at most its own
	 * part line, or one that another left and has not cut yet. */
	(void)logfile_cut_partial(tr.json_fd);
	if (pt == NULL || !atomic_exchange(&pt->json_failed, 1))
		diag_msg("--trace-json %s: write: %s; the JSON trace stops "
		    "here, the server goes on", tr.json_path, strerror(err));
	if (tr.json_fd != STDOUT_FILENO)
		io_close_quiet(tr.json_fd);
	tr.json_fd = -1;
}

static void
write_json(const struct event *ev, double t)
{
	struct textrow l = { .len = 0 };

	textrow_add(&l, "{\"t\":%.6f,\"pid\":%ld,\"role\":\"%s\",\"event\":\"%s\"",
	    t, (long)tr.pid, role_name(), ev->name);
	if (ev->conn != 0)
		textrow_add(&l, ",\"conn\":%lu", ev->conn);
	if (tr.role != TRACE_PARENT)
		textrow_add(&l, ",\"%s\":%lu", tr.role == TRACE_CHILD ? "child" :
		    "worker", tr.number);
	if (ev->fd >= 0)
		textrow_add(&l, ",\"fd\":%d", ev->fd);
	if (ev->how != NULL)
		textrow_add(&l, ",\"how\":\"%s\"", ev->how);
	if (!ev->measured && sockinfo_state_name(ev->state) != NULL)
		textrow_add(&l, ",\"state\":\"%s\"", sockinfo_state_name(ev->state));
	if (ev->measured) {
		if (ev->refs_before >= 0)
			textrow_add(&l, ",\"refs_before\":%d", ev->refs_before);
		else
			textrow_add(&l, ",\"refs_before\":null");
		if (ev->refs >= 0)
			textrow_add(&l, ",\"refs\":%d", ev->refs);
		else
			textrow_add(&l, ",\"refs\":null");
		if (sockinfo_state_name(ev->state) != NULL)
			textrow_add(&l, ",\"state\":\"%s\"",
			    sockinfo_state_name(ev->state));
		else
			textrow_add(&l, ",\"state\":null");
		if (ev->wire != NULL)
			textrow_add(&l, ",\"wire\":\"%s\"", ev->wire);
		else
			textrow_add(&l, ",\"wire\":null");
	}
	if (ev->call != NULL)
		textrow_add(&l, ",\"call\":\"%s\",\"errno\":\"%s\"", ev->call,
		    errno_name(ev->err));
	if (ev->worker != 0)
		textrow_add(&l, ",\"worker\":%lu", ev->worker);
	if (ev->other > 0)
		textrow_add(&l, ",\"%s_pid\":%ld", ev->worker != 0 ? "worker" : "child",
		    (long)ev->other);
	if (ev->has_status)
		textrow_add(&l, ",\"status\":%d", ev->status);
	if (ev->where != NULL)
		textrow_add(&l, ",\"addr\":\"%s\"", ev->where);
	if (ev->reason != NULL)
		add_json_string(&l, "why", ev->reason);
	textrow_add(&l, "}\n");
	json_write(l.buf, l.len);
}

static void
write_human(const struct event *ev, double t)
{
	struct textrow l = { .len = 0 };
	size_t lane_start;
	const char *state = sockinfo_state_name(ev->state);

	textrow_add(&l, "%8.3f  ", t);
	if (tr.role == TRACE_CHILD) {
		textrow_add(&l, "%*s ", LANE_WIDTH, "");
		lane_start = l.len;
		textrow_add(&l, "[%lu] ", tr.number);
	} else if (tr.role == TRACE_WORKER) {
		textrow_add(&l, "%*s ", LANE_WIDTH, "");
		lane_start = l.len;
		textrow_add(&l, "w%lu ", tr.number);
		if (ev->conn != 0)
			textrow_add(&l, "#%lu ", ev->conn);
	} else {
		lane_start = l.len;
		if (ev->conn != 0)
			textrow_add(&l, "#%lu ", ev->conn);
	}
	textrow_add(&l, "%s", ev->name);
	if (ev->how != NULL)
		textrow_add(&l, " %s", strncmp(ev->how, "SHUT_", 5) == 0 ?
		    ev->how + 5 : ev->how);	/* "SHUT_RD" -> "RD" */
	if (ev->fd >= 0)
		textrow_add(&l, " fd %d", ev->fd);
	if (ev->measured) {
		if (ev->refs_before >= 0 && ev->refs >= 0)
			textrow_add(&l, " refs %d\xe2\x86\x92%d", ev->refs_before,
			    ev->refs);
		else
			textrow_add(&l, " refs ?");
	}
	if (ev->call != NULL)
		textrow_add(&l, " %s %s", ev->call, errno_name(ev->err));
	if (ev->where != NULL)
		textrow_add(&l, " %s", ev->where);
	textrow_pad(&l, lane_start, tr.role != TRACE_PARENT ? LANE_WIDTH :
	    2 * LANE_WIDTH + 1);
	lane_start = l.len;
	if (ev->measured)
		textrow_add(&l, "%s", ev->wire == NULL ? "?" :
		    strcmp(ev->wire, "none") == 0 ? "-" : ev->wire);
	textrow_pad(&l, lane_start, WIRE_WIDTH - 1);
	if (state != NULL)
		textrow_add(&l, "%s", state);
	if (ev->reason != NULL)
		textrow_add(&l, "%s%s", state != NULL ? "; " : "", ev->reason);
	while (l.len > 0 && l.buf[l.len - 1] == ' ')
		l.len--;
	textrow_add(&l, "\n");
	(void)io_write_all(STDERR_FILENO, l.buf, l.len);
}

static void
emit(const struct event *ev)
{
	double t = monotime_now() - tr.t0;

	if (tr.json_fd >= 0)
		write_json(ev, t);
	if (tr.human)
		write_human(ev, t);
}

static void
event_init(struct event *ev, const char *name, const struct trace_conn *tc)
{
	memset(ev, 0, sizeof *ev);
	ev->name = name;
	ev->conn = tc != NULL ? tc->id : 0;
	ev->fd = tc != NULL ? tc->fd : -1;
	ev->refs_before = ev->refs = -1;
	ev->state = SOCKINFO_UNKNOWN;
}

/* --- measuring */

struct snapshot {
	int refs;
	enum sockinfo_state state;
	int unread;
	int linger_abort;
};

static void
measure(const struct trace_conn *tc, int fd, struct snapshot *s)
{
	s->refs = tc->sock.inode != 0 ? count_refs(&tc->sock) : -1;
	s->state = sockinfo_state(fd, &tc->sock);
	s->unread = fd >= 0 ? sockinfo_unread(fd) : -1;
	s->linger_abort = fd >= 0 ? sockinfo_linger_abort(fd) : -1;
}

static int
fin_not_sent(enum sockinfo_state st)
{
	return st == SOCKINFO_ESTABLISHED || st == SOCKINFO_CLOSE_WAIT ||
	    st == SOCKINFO_SYN_RECV;
}

static int
fin_sent(enum sockinfo_state st)
{
	return st == SOCKINFO_FIN_WAIT1 || st == SOCKINFO_FIN_WAIT2 ||
	    st == SOCKINFO_LAST_ACK || st == SOCKINFO_CLOSING ||
	    st == SOCKINFO_TIME_WAIT || st == SOCKINFO_CLOSE;
}

/* What a close put on the wire, from what the kernel reported before and
 * after it (TRUTH.md facts 1, 2, 4, 5). */
static void
explain_close(struct event *ev, const struct snapshot *b,
    const struct snapshot *a, char *why, size_t whylen)
{
	if (a->refs < 0 || b->state == SOCKINFO_UNKNOWN) {
		ev->wire = NULL;
		snprintf(why, whylen, "cannot be measured here");
	} else if (b->state == SOCKINFO_LISTEN) {
		ev->wire = "none";
		if (a->refs > 0)
			snprintf(why, whylen, "nothing changes for the %d "
			    "other holder%s: they still accept", a->refs,
			    a->refs == 1 ? "" : "s");
		else
			snprintf(why, whylen, "last reference: the listening "
			    "socket is gone, new connections are refused");
	} else if (a->refs > 0) {
		ev->wire = "none";
		snprintf(why, whylen, "nothing sent: %d other holder%s",
		    a->refs, a->refs == 1 ? "" : "s");
	} else if (b->linger_abort == 1 && fin_not_sent(b->state)) {
		ev->wire = "RST";
		snprintf(why, whylen, "last reference, SO_LINGER {1,0}: RST");
	} else if (b->unread > 0) {
		ev->wire = "RST";
		snprintf(why, whylen, "last reference with %d unread byte%s: "
		    "RST", b->unread, b->unread == 1 ? "" : "s");
	} else if (fin_not_sent(b->state)) {
		ev->wire = "FIN";
		snprintf(why, whylen, "last reference: FIN");
	} else {
		ev->wire = "none";
		snprintf(why, whylen, "last reference; the FIN had gone "
		    "already");
	}
}

static void
explain_shutdown(struct event *ev, int how, const struct snapshot *b,
    const struct snapshot *a, char *why, size_t whylen)
{
	if (b->state == SOCKINFO_LISTEN && how == SHUT_WR) {
		ev->wire = "none";
		snprintf(why, whylen, "SHUT_WR on a listening socket changes "
		    "nothing: it still accepts");
	} else if (b->state == SOCKINFO_LISTEN) {
		ev->wire = "none";
		snprintf(why, whylen, "a listening socket: accept() now fails "
		    "with EINVAL for all %d holder%s, new connections are "
		    "refused", b->refs, b->refs == 1 ? "" : "s");
	} else if (how == SHUT_RD) {
		ev->wire = "none";
		snprintf(why, whylen, "SHUT_RD sends nothing");
	} else if (b->state == SOCKINFO_UNKNOWN) {
		ev->wire = NULL;
		snprintf(why, whylen, "cannot be measured here");
	} else if (fin_not_sent(b->state) && fin_sent(a->state)) {
		ev->wire = "FIN";
		snprintf(why, whylen, "shutdown ignores the other %d "
		    "holder%s: FIN", b->refs > 0 ? b->refs - 1 : 0,
		    b->refs == 2 ? "" : "s");
	} else {
		ev->wire = "none";
		snprintf(why, whylen, "the FIN had gone already");
	}
}

/* --- events */

void
trace_listen(int fd, const char *where)
{
	struct event ev;

	if (!trace_enabled())
		return;
	event_init(&ev, "listen", NULL);
	ev.fd = fd;
	ev.where = where;
	emit(&ev);
}

void
trace_accept(struct trace_conn *tc, unsigned long id, int fd)
{
	struct snapshot s;
	struct event ev;
	char why[128];

	tc->id = id;
	tc->fd = fd;
	tc->gate[0] = tc->gate[1] = -1;
	tc->unsure = 0;
	if (!trace_enabled()) {
		tc->sock.inode = 0;
		return;
	}
	if (sockinfo_identify(fd, &tc->sock) < 0)
		memset(&tc->sock, 0, sizeof tc->sock);
	measure(tc, fd, &s);
	event_init(&ev, "accept", tc);
	ev.measured = 1;
	/* Before accept() no descriptor referred to the socket. */
	ev.refs_before = s.refs >= 0 ? 0 : -1;
	ev.refs = s.refs;
	ev.state = s.state;
	ev.wire = "none";
	snprintf(why, sizeof why, "the handshake was done by the kernel");
	ev.reason = why;
	emit(&ev);
}

void
trace_fork_before(struct trace_conn *tc)
{
	if (!trace_enabled())
		return;
	reserve_slot();
	tc->refs_at_fork = count_refs(&tc->sock);
	/* The gate: the child reads it until the parent closes it. */
	if (pipe(tc->gate) < 0)
		tc->gate[0] = tc->gate[1] = -1;
}

void
trace_fork_parent(struct trace_conn *tc, pid_t child)
{
	struct event ev;
	char why[128];

	if (!trace_enabled())
		return;
	if (tc->gate[0] >= 0) {
		io_close_quiet(tc->gate[0]);
		tc->gate[0] = -1;
	}
	fill_slot(child);
	pending_slot = -1;
	event_init(&ev, "fork", tc);
	ev.measured = 1;
	ev.refs_before = tc->refs_at_fork;
	ev.refs = count_refs(&tc->sock);
	ev.state = sockinfo_state(tc->fd, &tc->sock);
	ev.wire = "none";
	ev.other = child;
	snprintf(why, sizeof why, "child %lu (pid %ld) has a copy", tc->id,
	    (long)child);
	ev.reason = why;
	emit(&ev);
}

void
trace_fork_child(struct trace_conn *tc)
{
	if (tc->gate[1] >= 0) {
		io_close_quiet(tc->gate[1]);
		tc->gate[1] = -1;
	}
}

void
trace_fork_failed(struct trace_conn *tc)
{
	trace_gate_open(tc);
	trace_fork_child(tc);	/* no child: drop the gate's ends */
	unreserve_slot();
}

void
trace_gate_open(struct trace_conn *tc)
{
	if (tc->gate[1] >= 0) {
		io_close_quiet(tc->gate[1]);
		tc->gate[1] = -1;
	}
}

void
trace_gate_wait(struct trace_conn *tc)
{
	char c;

	if (tc->gate[0] < 0)
		return;
	/* EOF once the parent has closed its end, whatever it wrote. */
	while (io_read(tc->gate[0], &c, 1) > 0)
		;
	io_close_quiet(tc->gate[0]);
	tc->gate[0] = -1;
}

/* The end of a measured call: the reason in words (the caller's note,
 * then what the measurement says), the event, the lock let go, and the
 * call's result with its errno. */
static int
finish_act(const struct trace_conn *tc, struct event *ev, const char *note,
    const char *why, int rc, int err)
{
	char full[320];

	if (note != NULL)
		snprintf(full, sizeof full, "%s; %s", note, why);
	else
		snprintf(full, sizeof full, "%s", why);
	ev->reason = full;
	emit(ev);
	ev->reason = NULL;	/* full ends here; ev is the caller's */
	trace_unlock(tc);
	errno = err;
	return rc;
}

int
trace_close(struct trace_conn *tc, const char *note)
{
	struct snapshot b, a;
	struct event ev;
	char why[160];
	int rc, err;

	if (!trace_enabled())
		return close(tc->fd);
	trace_lock(tc);
	measure(tc, tc->fd, &b);
	rc = close(tc->fd);
	err = errno;
	measure(tc, -1, &a);
	if (tc->unsure)
		b.refs = a.refs = -1;	/* explain_close: cannot be known */
	event_init(&ev, "close", tc);
	ev.measured = 1;
	ev.refs_before = b.refs;
	ev.refs = a.refs;
	ev.state = a.state;
	explain_close(&ev, &b, &a, why, sizeof why);
	return finish_act(tc, &ev, note, why, rc, err);
}

int
trace_shutdown(struct trace_conn *tc, int how, const char *note)
{
	static const char *const names[] = { "SHUT_RD", "SHUT_WR",
	    "SHUT_RDWR" };
	struct snapshot b, a;
	struct event ev;
	char why[160];
	int rc, err;

	if (!trace_enabled())
		return shutdown(tc->fd, how);
	trace_lock(tc);
	measure(tc, tc->fd, &b);
	rc = shutdown(tc->fd, how);
	err = errno;
	measure(tc, tc->fd, &a);
	if (tc->unsure)
		b.refs = a.refs = -1;
	event_init(&ev, "shutdown", tc);
	ev.how = how >= 0 && how <= 2 ? names[how] : "?";
	ev.measured = 1;
	ev.refs_before = b.refs;
	ev.refs = a.refs;
	ev.state = a.state;
	if (rc < 0) {
		ev.wire = "none";
		snprintf(why, sizeof why, "failed: %s", strerror(err));
	} else
		explain_shutdown(&ev, how, &b, &a, why, sizeof why);
	return finish_act(tc, &ev, note, why, rc, err);
}

void
trace_eof(struct trace_conn *tc, const char *note)
{
	struct event ev;

	if (!trace_enabled())
		return;
	/* Under the lock: a shutdown() in another process that woke this
	 * read is written first. */
	trace_lock(tc);
	event_init(&ev, "eof", tc);
	ev.state = sockinfo_state(tc->fd, &tc->sock);
	ev.reason = note;
	emit(&ev);
	trace_unlock(tc);
}

void
trace_error(struct trace_conn *tc, const char *call, int err)
{
	struct event ev;

	if (!trace_enabled())
		return;
	/* Under the lock: the failure may be the doing of a call another
	 * process is still measuring (a shutdown of a shared listener). */
	trace_lock(tc);
	event_init(&ev, "error", tc);
	ev.call = call;
	ev.err = err;
	ev.reason = strerror(err);
	emit(&ev);
	trace_unlock(tc);
}

void
trace_exit(struct trace_conn *tc, int status)
{
	struct event ev;
	char why[64];
	int refs;

	if (!trace_enabled())
		return;
	trace_lock(tc);
	refs = count_refs(&tc->sock);
	event_init(&ev, "exit", tc);
	ev.fd = -1;
	ev.measured = 1;
	/* The child gave up its copy before; leaving changes nothing. */
	ev.refs_before = ev.refs = refs;
	ev.state = sockinfo_state(-1, &tc->sock);
	ev.wire = "none";
	ev.status = status;
	ev.has_status = 1;
	snprintf(why, sizeof why, "exit status %d", status);
	ev.reason = why;
	emit(&ev);
	trace_unlock(tc);
	clear_slot_of(getpid());
}

void
trace_hold_until_parent_accepts(void)
{
	double until;
	pid_t parent;

	if (!trace_enabled())
		return;
	parent = getppid();
	until = monotime_now() + 1.0;
	/* A bounded poll: nothing else can tell a process that another one
	 * has gone to sleep in a system call. */
	while (sockinfo_in_accept(parent) == 0 && monotime_now() < until)
		(void)poll(NULL, 0, 1);
}

/* "reap": the parent collected a child (who "child", number its
 * connection) or a worker (who "worker"); next, if not NULL, says what
 * follows. */
static void
emit_reap(const char *who, unsigned long number, pid_t pid, int status,
    const char *next)
{
	struct event ev;
	char what[64], why[192];

	if (!trace_enabled())
		return;
	clear_slot_of(pid);
	event_init(&ev, "reap", NULL);
	if (strcmp(who, "worker") == 0)
		ev.worker = number;
	else
		ev.conn = number;
	ev.other = pid;
	ev.status = status;
	ev.has_status = 1;
	if (WIFEXITED(status))
		snprintf(what, sizeof what, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(what, sizeof what, "killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(what, sizeof what, "ended");
	snprintf(why, sizeof why, "%s %lu (pid %ld) %s%s%s", who, number,
	    (long)pid, what, next != NULL ? "; " : "", next != NULL ? next : "");
	ev.reason = why;
	emit(&ev);
}

void
trace_reap(unsigned long conn, pid_t pid, int status)
{
	emit_reap("child", conn, pid, status, NULL);
}

/* --- prefork */

void
trace_listener(struct trace_conn *tc, int fd)
{
	trace_adopt(tc, 0, fd);
}

void
trace_spawn_before(struct trace_conn *ltc)
{
	if (!trace_enabled())
		return;
	reserve_slot();
	if (ltc != NULL)
		ltc->refs_at_fork = count_refs(&ltc->sock);
}

void
trace_spawn_failed(void)
{
	unreserve_slot();
}

void
trace_spawn(struct trace_conn *ltc, unsigned long worker, pid_t pid)
{
	struct event ev;
	char why[128];

	if (!trace_enabled())
		return;
	fill_slot(pid);
	pending_slot = -1;
	event_init(&ev, "spawn", ltc);
	ev.worker = worker;
	ev.other = pid;
	if (ltc != NULL) {
		ev.measured = 1;
		ev.refs_before = ltc->refs_at_fork;
		ev.refs = count_refs(&ltc->sock);
		ev.state = sockinfo_state(ltc->fd, &ltc->sock);
		ev.wire = "none";
		snprintf(why, sizeof why, "worker %lu (pid %ld) has a copy of "
		    "the listening socket", worker, (long)pid);
	} else
		snprintf(why, sizeof why, "worker %lu (pid %ld) waits for "
		    "sockets from the parent", worker, (long)pid);
	ev.reason = why;
	emit(&ev);
}

void
trace_adopt(struct trace_conn *tc, unsigned long id, int fd)
{
	tc->id = id;
	tc->fd = fd;
	tc->gate[0] = tc->gate[1] = -1;
	tc->refs_at_fork = -1;
	tc->unsure = 0;
	if (!trace_enabled() || sockinfo_identify(fd, &tc->sock) < 0)
		memset(&tc->sock, 0, sizeof tc->sock);
}

void
trace_pass_before(struct trace_conn *tc)
{
	if (!trace_enabled())
		return;
	/* No lock: the worker does nothing with the socket until the
	 * parent lets it go (the pass's own start gate). */
	tc->refs_at_fork = count_refs(&tc->sock);
}

void
trace_pass(struct trace_conn *tc, unsigned long worker, pid_t pid,
    int acked)
{
	struct event ev;
	char why[192];

	if (!trace_enabled())
		return;
	event_init(&ev, "pass", tc);
	ev.worker = worker;
	ev.other = pid;
	ev.measured = 1;
	ev.refs_before = tc->refs_at_fork;
	ev.refs = count_refs(&tc->sock);
	ev.state = sockinfo_state(tc->fd, &tc->sock);
	ev.wire = "none";
	snprintf(why, sizeof why, "SCM_RIGHTS to worker %lu (pid %ld): one "
	    "more holder, nothing sent", worker, (long)pid);
	if (!acked) {
		/* TRUTH.md fact 15: the descriptor may still be in flight,
		 * where no /proc table shows it. */
		tc->unsure = 1;
		ev.refs = -1;
		snprintf(why, sizeof why, "SCM_RIGHTS to worker %lu (pid %ld), "
		    "which has not said it holds it: refs unknown, a "
		    "descriptor in flight is in no table", worker, (long)pid);
	}
	ev.reason = why;
	emit(&ev);
}

void
trace_worker_exit(int status, const char *why)
{
	struct event ev;

	if (!trace_enabled())
		return;
	event_init(&ev, "exit", NULL);
	ev.status = status;
	ev.has_status = 1;
	ev.reason = why;
	emit(&ev);
	clear_slot_of(getpid());
}

void
trace_reap_worker(unsigned long worker, pid_t pid, int status,
    const char *next)
{
	emit_reap("worker", worker, pid, status, next);
}

void
trace_stop(const char *why)
{
	struct event ev;

	if (!trace_enabled())
		return;
	event_init(&ev, "stop", NULL);
	ev.reason = why;
	emit(&ev);
}
