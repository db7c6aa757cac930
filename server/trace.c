/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "io.h"
#include "logfile.h"
#include "monotime.h"
#include "nls.h"
#include "shm.h"
#include "textrow.h"
#include "traceevent.h"
#include "traceview.h"

int trace_active;

static struct {
	int human;		/* lane view on stderr */
	int json_fd;		/* JSON Lines, or -1 */
	char json_path[4096];	/* as given, for a message */
	int lock_fd;		/* the shared lock file, or -1 */
	double t0;		/* monotime at trace_open */
	double wall0;		/* CLOCK_REALTIME then, seconds */
	int wall_said;		/* the listen event has carried wall0 */
	int one_table;		/* -m threads: the descriptors are shared */
	pid_t pid;
} tr = { 0, -1, "", -1, 0, 0, 0, 0, 0 };

/* Who writes: the process's role, and with -m threads each thread's own
 * (the main thread is the parent, a connection's thread a thread). */
static _Thread_local struct {
	enum trace_role role;
	unsigned long number;	/* child's or thread's connection, worker's
				 * number */
	long tid;		/* a thread's id; 0 for a process */
} me = { TRACE_PARENT, 0, 0 };

/* The table of known sockets below is one per process, and with -m
 * threads every thread reads and changes it. */
static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;

/* The per-connection lock's other half: a POSIX record lock does not
 * exclude threads of one process from each other (it is the process's),
 * so a mutex does.  One for every connection: an act is short. */
static pthread_mutex_t act_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The server's processes: the parent and every live child or worker.  No
 * other process can hold the server's sockets (they are never passed
 * outside), so counting the descriptors of these alone gives the same
 * refs as looking at every process on the machine (docs/LINUX.md, L15),
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

/*
 * What the trace knows of the connections this process holds: each
 * socket's identity, found at accept (or when a worker receives it) and
 * kept after every close, since a socket that has been reset or has
 * reached TIME_WAIT can no longer tell its own 4-tuple.  A forked child
 * inherits the parent's list as it was at the fork.
 */
struct known {
	unsigned long conn;
	struct sockinfo_id sock;
	int unsure;	/* passed and not acknowledged: a descriptor of it
			 * may be in flight, in no table, so /proc's count
			 * is too low; refs are then reported unknown */
};

static struct {
	struct known *at;
	size_t count, cap;
} known;

/* Between trace_fork_before (or trace_spawn_before, trace_pass_before)
 * and the event it prepares: one fork or pass at a time. */
static struct {
	int gate[2];		/* start gate, or -1 */
	int refs_before;	/* measured just before it */
} pending = { { -1, -1 }, -1 };


/* A system error's words for the trace's why, in English whatever the
 * user's language: the JSON is the same bytes in every locale, and the
 * views translate what they show (lib/nls.h).  strerror() would speak
 * the language of LC_MESSAGES. */
static const char *
english_strerror(int err)
{
	return nls_strerror_en(err);
}

/* CLOCK_REALTIME in seconds; 0 if it cannot be read (then no "wall"). */
static double
wall_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
trace_open(int human, const char *json_path, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	char buf[4096];

	tr.human = human;
	tr.t0 = monotime_now();
	/* The wall clock at t = 0, read next to it (a few microseconds
	 * apart): the one link from the trace's monotonic seconds to a
	 * packet capture's timestamps (forktrace --wire). */
	tr.wall0 = wall_now();
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
	/* Set once, here, and never cleared: a connection's steps pair up
	 * across processes (the start gate, a pass and its go-ahead), so a
	 * JSON trace that cannot be written any more stops writing, in
	 * emit, but every process keeps taking the same steps. */
	trace_active = tr.human || tr.json_fd >= 0;
	if (!trace_active)
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
		struct textrow r = { .len = 0 };

		traceview_head(&r);
		(void)io_write_all(STDERR_FILENO, r.buf, r.len);
	}
	return 0;
}

void
trace_set_role(enum trace_role role, unsigned long number)
{
	me.role = role;
	me.number = number;
	if (!trace_active)
		return;
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

/* --- the connections' sockets */

static struct known *
known_of(unsigned long conn)
{
	size_t i;

	for (i = known.count; i-- > 0;)
		if (known.at[i].conn == conn)
			return &known.at[i];
	return NULL;
}

/* Identifies the socket of conn on fd and remembers it.  Out of memory,
 * it is not remembered, and is identified again at each act instead. */
static void
remember(unsigned long conn, int fd)
{
	struct known *k;

	(void)pthread_mutex_lock(&known_lock);
	k = known_of(conn);

	if (k == NULL && known.count == known.cap) {
		size_t ncap = known.cap != 0 ? known.cap * 2 : 16;
		struct known *na = realloc(known.at, ncap * sizeof *na);

		if (na != NULL) {
			known.at = na;
			known.cap = ncap;
		}
	}
	if (k == NULL && known.count < known.cap)
		k = &known.at[known.count++];
	if (k != NULL) {
		k->conn = conn;
		k->unsure = 0;
		if (sockinfo_identify(fd, &k->sock) < 0)
			memset(&k->sock, 0, sizeof k->sock);
	}
	(void)pthread_mutex_unlock(&known_lock);
}

/* This process has let go of conn's socket for good. */
static void
forget(unsigned long conn)
{
	struct known *k;

	(void)pthread_mutex_lock(&known_lock);
	k = known_of(conn);
	if (k != NULL)
		*k = known.at[--known.count];
	(void)pthread_mutex_unlock(&known_lock);
}

/* The identity of conn's socket: remembered, or (a listening socket,
 * or one never remembered) found now through fd. */
static void
identity(unsigned long conn, int fd, struct sockinfo_id *sock, int *unsure)
{
	const struct known *k;
	int found = 0;

	*unsure = 0;
	(void)pthread_mutex_lock(&known_lock);
	k = conn != 0 ? known_of(conn) : NULL;
	if (k != NULL) {
		*sock = k->sock;
		*unsure = k->unsure;
		found = 1;
	}
	(void)pthread_mutex_unlock(&known_lock);
	if (!found && (fd < 0 || sockinfo_identify(fd, sock) < 0))
		memset(sock, 0, sizeof *sock);
}

/* --- the per-connection lock */

static void
lock_op(unsigned long conn, short type)
{
	struct flock fl;

	if (tr.lock_fd < 0)
		return;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)conn;
	fl.l_len = 1;
	/* Record locks belong to a process, so parent and child exclude
	 * each other; they vanish when the holder exits. */
	while (fcntl(tr.lock_fd, F_SETLKW, &fl) < 0 && errno == EINTR)
		;
}

static void
trace_lock(unsigned long conn)
{
	(void)pthread_mutex_lock(&act_lock);
	lock_op(conn, F_WRLCK);
}

static void
trace_unlock(unsigned long conn)
{
	lock_op(conn, F_UNLCK);
	(void)pthread_mutex_unlock(&act_lock);
}

/* --- writing */

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
		/* TRANSLATORS: the file, then the system's reason the
		 * write failed. */
		diag_msg(_("--trace-json %s: write: %s; the JSON trace stops "
		    "here, the server goes on"), tr.json_path, strerror(err));
	if (tr.json_fd != STDOUT_FILENO)
		io_close_quiet(tr.json_fd);
	tr.json_fd = -1;
}

/* Dates the event, signs it with this process, and writes it in every
 * form that is on. */
static void
emit(struct traceevent *ev)
{
	struct textrow r = { .len = 0 };

	ev->t = monotime_now() - tr.t0;
	ev->pid = (long)tr.pid;
	ev->role = me.role == TRACE_PARENT ? TRACEEVENT_PARENT :
	    me.role == TRACE_CHILD ? TRACEEVENT_CHILD :
	    me.role == TRACE_HELPER ? TRACEEVENT_HELPER :
	    me.role == TRACE_THREAD ? TRACEEVENT_THREAD : TRACEEVENT_WORKER;
	ev->number = me.role != TRACE_PARENT ? me.number : 0;
	ev->tid = me.tid;
	if (tr.json_fd >= 0) {
		/* One write() per line: lines from different processes never
		 * mix. */
		traceevent_json(ev, &r);
		json_write(r.buf, r.len);
	}
	if (tr.human) {
		r.len = 0;
		traceview_row(ev, &r);
		(void)io_write_all(STDERR_FILENO, r.buf, r.len);
	}
}

/* An event of connection conn (0: none) on fd (-1: none). */
static void
event_init(struct traceevent *ev, const char *name, unsigned long conn,
    int fd)
{
	traceevent_init(ev, name);
	ev->conn = conn;
	ev->fd = fd;
}

/* The measured fields, state given. */
static void
set_measured(struct traceevent *ev, int refs_before, int refs,
    enum sockinfo_state state, const char *wire)
{
	ev->measured = 1;
	ev->refs_before = refs_before;
	ev->refs = refs;
	ev->state = sockinfo_state_name(state);
	ev->wire = wire;
}

/* --- measuring */

static void
measure(const struct sockinfo_id *sock, int fd, struct trace_snapshot *s)
{
	s->refs = sock->inode != 0 ? count_refs(sock) : -1;
	s->state = sockinfo_state(fd, sock);
	s->unread = fd >= 0 ? sockinfo_unread(fd) : -1;
	s->unsent = fd >= 0 ? sockinfo_unsent(fd) : -1;
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
 * after it (docs/LINUX.md, L1, L2, L4, L5). */
static void
explain_close(struct traceevent *ev, const struct trace_snapshot *b,
    const struct trace_snapshot *a, char *why, size_t whylen)
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
	} else if (fin_not_sent(a->state) && a->state == b->state) {
		/* No descriptor is left, yet the kernel still has the
		 * connection open: a call blocked in another thread holds the
		 * open file (close(2), "Multithreaded processes and
		 * close()"), and the socket's end waits for it to return. */
		ev->wire = "none";
		snprintf(why, whylen, "no descriptor left, but nothing sent: "
		    "a call blocked on it in another thread still holds the "
		    "socket");
	} else if (b->linger_abort == 1 && fin_not_sent(b->state)) {
		ev->wire = "RST";
		snprintf(why, whylen, "last reference, SO_LINGER {1,0}: RST");
	} else if (b->unread > 0) {
		/* The cause, as the kernel counted it (FIONREAD) just before
		 * the close: RFC 2525's data lost unread. */
		ev->wire = "RST";
		snprintf(why, whylen, "last reference, %d unread byte%s in "
		    "the receive queue: RST", b->unread,
		    b->unread == 1 ? "" : "s");
	} else if (fin_not_sent(b->state) && b->unsent > 0) {
		/* close() returns at once; what the child wrote and the
		 * client has not acknowledged yet still goes out, before the
		 * FIN (docs/LINUX.md, L2). */
		ev->wire = "FIN";
		snprintf(why, whylen, "last reference: the %d byte%s still "
		    "queued go out, then FIN", b->unsent,
		    b->unsent == 1 ? "" : "s");
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
explain_shutdown(struct traceevent *ev, int how, const struct trace_snapshot *b,
    const struct trace_snapshot *a, char *why, size_t whylen)
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
		/* The count is the lesson where others hold the socket; a
		 * lone holder's shutdown is a plain FIN, with nothing to
		 * ignore (and refs unknown says nothing of others). */
		if (b->refs > 1)
			snprintf(why, whylen, "shutdown ignores the other %d "
			    "holder%s: FIN", b->refs - 1,
			    b->refs == 2 ? "" : "s");
		else if (b->refs == 1)
			snprintf(why, whylen, "the only holder: FIN");
		else
			snprintf(why, whylen, "shutdown: FIN");
	} else {
		ev->wire = "none";
		snprintf(why, whylen, "the FIN had gone already");
	}
}

/* --- events */

/* The port fd is bound to, or -1: for the listen event's own field, so
 * that a script reading the JSON on standard output (where no readiness
 * line goes) need not take "ADDR PORT" apart. */
static int
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

void
trace_listen(int fd, const char *where)
{
	struct traceevent ev;

	if (!trace_active)
		return;
	event_init(&ev, "listen", 0, fd);
	ev.addr = where;
	ev.port = bound_port(fd);
	/* Once: t = 0 is the same instant for every listener. */
	if (!tr.wall_said)
		ev.wall = tr.wall0;
	tr.wall_said = 1;
	emit(&ev);
}

void
trace_accept(unsigned long conn, int fd)
{
	struct sockinfo_id sock;
	struct trace_snapshot s;
	struct traceevent ev;
	char peer[INET6_ADDRSTRLEN + 16];
	int unsure;

	remember(conn, fd);
	identity(conn, fd, &sock, &unsure);
	measure(&sock, fd, &s);
	event_init(&ev, "accept", conn, fd);
	/* The client's address and port: what names this connection in a
	 * packet capture. */
	if (sock.have_tuple) {
		addr_text((const struct sockaddr *)&sock.peer,
		    sizeof sock.peer, peer, sizeof peer);
		ev.peer = peer;
	}
	/* Before accept() no descriptor referred to the socket. */
	set_measured(&ev, s.refs >= 0 ? 0 : -1, s.refs, s.state, "none");
	ev.why = "the handshake was done by the kernel";
	emit(&ev);
}

void
trace_adopt(unsigned long conn, int fd)
{
	remember(conn, fd);
}

void
trace_fork_before(unsigned long conn)
{
	struct sockinfo_id sock;
	int unsure;

	reserve_slot();
	identity(conn, -1, &sock, &unsure);
	pending.refs_before = count_refs(&sock);
	/* The gate: the child reads it until the parent closes it. */
	if (pipe(pending.gate) < 0)
		pending.gate[0] = pending.gate[1] = -1;
}

void
trace_fork_parent(unsigned long conn, int fd, pid_t child)
{
	struct sockinfo_id sock;
	struct traceevent ev;
	char why[128];
	int unsure;

	if (pending.gate[0] >= 0) {
		io_close_quiet(pending.gate[0]);
		pending.gate[0] = -1;
	}
	fill_slot(child);
	pending_slot = -1;
	identity(conn, fd, &sock, &unsure);
	event_init(&ev, "fork", conn, fd);
	set_measured(&ev, pending.refs_before, count_refs(&sock),
	    sockinfo_state(fd, &sock), "none");
	ev.other_pid = (long)child;
	if (me.role == TRACE_PARENT)
		snprintf(why, sizeof why, "child %lu (pid %ld) has a copy",
		    conn, (long)child);
	else
		/* fork() copies the whole descriptor table: the helper has a
		 * copy of every socket this process holds, asked or not. */
		snprintf(why, sizeof why, "the helper (pid %ld) has a copy, "
		    "as of every descriptor", (long)child);
	ev.why = why;
	emit(&ev);
}

void
trace_gate_open(void)
{
	if (pending.gate[1] >= 0) {
		io_close_quiet(pending.gate[1]);
		pending.gate[1] = -1;
	}
}

void
trace_fork_child(void)
{
	char c;

	trace_gate_open();	/* the parent's end, not this child's */
	if (pending.gate[0] < 0)
		return;
	/* EOF once the parent has closed its end, whatever it wrote. */
	while (io_read(pending.gate[0], &c, 1) > 0)
		;
	io_close_quiet(pending.gate[0]);
	pending.gate[0] = -1;
}

void
trace_fork_failed(unsigned long conn)
{
	/* No child: nobody waits at the gate or takes the slot. */
	trace_gate_open();
	if (pending.gate[0] >= 0) {
		io_close_quiet(pending.gate[0]);
		pending.gate[0] = -1;
	}
	unreserve_slot();
	forget(conn);
}

void
trace_act_begin(struct trace_act *a, unsigned long conn, int fd)
{
	int err = errno;

	a->conn = conn;
	a->fd = fd;
	identity(conn, fd, &a->sock, &a->unsure);
	trace_lock(conn);
	measure(&a->sock, fd, &a->before);
	errno = err;
}

/* The end of a measured act: the reason in words (the caller's note,
 * then what the measurement says), the event, the lock let go. */
static void
finish_act(const struct trace_act *a, struct traceevent *ev,
    const char *note, const char *why)
{
	char full[320];

	if (note != NULL)
		snprintf(full, sizeof full, "%s; %s", note, why);
	else
		snprintf(full, sizeof full, "%s", why);
	ev->why = full;
	emit(ev);
	trace_unlock(a->conn);
}

void
trace_act_closed(struct trace_act *a, int rc, const char *note)
{
	struct trace_snapshot b = a->before, after;
	struct traceevent ev;
	char why[160];
	int err = errno;

	(void)rc;
	measure(&a->sock, -1, &after);
	if (a->unsure)
		b.refs = after.refs = -1;	/* explain_close: unknown */
	event_init(&ev, "close", a->conn, a->fd);
	set_measured(&ev, b.refs, after.refs, after.state, NULL);
	explain_close(&ev, &b, &after, why, sizeof why);
	finish_act(a, &ev, note, why);
	/* A child (or its helper) keeps what it knows for its exit event;
	 * the parent and a worker are done with this connection.  With one
	 * table for all threads, the connection's thread may act on after
	 * the acceptor's close: trace_join forgets it. */
	if (me.role != TRACE_CHILD && me.role != TRACE_HELPER &&
	    !tr.one_table && a->conn != 0)
		forget(a->conn);
	errno = err;
}

void
trace_act_dupped(struct trace_act *a, int newfd, const char *note)
{
	struct trace_snapshot after;
	struct traceevent ev;
	char why[160];
	int err = errno;

	measure(&a->sock, a->fd, &after);
	if (a->unsure)
		a->before.refs = after.refs = -1;
	event_init(&ev, "dup", a->conn, newfd);
	set_measured(&ev, a->before.refs, after.refs, after.state, "none");
	if (newfd < 0)
		snprintf(why, sizeof why, "dup of fd %d failed: %s", a->fd,
		    english_strerror(err));
	else
		/* The same open file, one more descriptor on it: a second
		 * reference, as fork() makes one (docs/LINUX.md, L1). */
		snprintf(why, sizeof why, "fd %d is a second descriptor of "
		    "fd %d's socket: one more reference, nothing sent", newfd,
		    a->fd);
	finish_act(a, &ev, note, why);
	errno = err;
}

void
trace_act_shut(struct trace_act *a, int how, int rc, const char *note)
{
	static const char *const names[] = { "SHUT_RD", "SHUT_WR",
	    "SHUT_RDWR" };
	struct trace_snapshot b = a->before, after;
	struct traceevent ev;
	char why[160];
	int err = errno;

	measure(&a->sock, a->fd, &after);
	if (a->unsure)
		b.refs = after.refs = -1;
	event_init(&ev, "shutdown", a->conn, a->fd);
	ev.how = how >= 0 && how <= 2 ? names[how] : "?";
	set_measured(&ev, b.refs, after.refs, after.state, NULL);
	if (rc < 0) {
		ev.wire = "none";
		snprintf(why, sizeof why, "failed: %s",
		    english_strerror(err));
	} else
		explain_shutdown(&ev, how, &b, &after, why, sizeof why);
	finish_act(a, &ev, note, why);
	errno = err;
}

void
trace_eof(unsigned long conn, int fd, const char *note)
{
	struct sockinfo_id sock;
	struct traceevent ev;
	int unsure;

	/* Under the lock: a shutdown() in another process that woke this
	 * read is written first. */
	trace_lock(conn);
	identity(conn, fd, &sock, &unsure);
	event_init(&ev, "eof", conn, fd);
	/* With one table for all threads the number may have been closed,
	 * or handed to another connection, since the read began: the
	 * socket is looked up by its 4-tuple, not through fd. */
	ev.state = sockinfo_state_name(sockinfo_state(tr.one_table &&
	    sock.have_tuple ? -1 : fd, &sock));
	ev.why = note;
	emit(&ev);
	trace_unlock(conn);
}

void
trace_error(unsigned long conn, int fd, const char *call, int err,
    const char *note)
{
	struct traceevent ev;

	/* Under the lock: the failure may be the doing of a call another
	 * process is still measuring (a shutdown of a shared listener). */
	trace_lock(conn);
	event_init(&ev, "error", conn, fd);
	ev.call = call;
	ev.err = traceevent_errno_name(err);
	ev.why = note != NULL ? note : english_strerror(err);
	emit(&ev);
	trace_unlock(conn);
}

void
trace_exit(unsigned long conn, int status)
{
	struct sockinfo_id sock;
	struct traceevent ev;
	char why[128];
	int refs, unsure;

	trace_lock(conn);
	identity(conn, -1, &sock, &unsure);
	refs = count_refs(&sock);
	event_init(&ev, "exit", conn, -1);
	/* The child gave up its copy before; leaving changes nothing. */
	set_measured(&ev, refs, refs, sockinfo_state(-1, &sock), "none");
	ev.status = status;
	ev.has_status = 1;
	if (me.role == TRACE_THREAD)
		snprintf(why, sizeof why, "the thread ends, status %d; the "
		    "process and its descriptor table go on", status);
	else
		snprintf(why, sizeof why, "exit status %d", status);
	ev.why = why;
	emit(&ev);
	trace_unlock(conn);
	/* A thread is not a process of the table; its process goes on. */
	if (me.role != TRACE_THREAD)
		clear_slot_of(getpid());
}

void
trace_one_table(void)
{
	tr.one_table = 1;
}

void
trace_thread_start(unsigned long conn)
{
	me.role = TRACE_THREAD;
	me.number = conn;
	me.tid = sockinfo_tid();
}

void
trace_join(unsigned long conn, int status)
{
	(void)status;
	forget(conn);
}

/* "reap": the parent collected a child (who "child", number its
 * connection) or a worker (who "worker"); next, if not NULL, says what
 * follows. */
static void
emit_reap(const char *who, unsigned long number, pid_t pid, int status,
    const char *next)
{
	struct traceevent ev;
	char what[64], why[192];

	if (!trace_active)
		return;
	clear_slot_of(pid);
	event_init(&ev, "reap", 0, -1);
	if (strcmp(who, "worker") == 0)
		ev.worker = number;
	else
		ev.conn = number;
	ev.other_pid = (long)pid;
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
	ev.why = why;
	emit(&ev);
}

void
trace_reap(unsigned long conn, pid_t pid, int status)
{
	emit_reap("child", conn, pid, status, NULL);
}

void
trace_reap_helper(unsigned long conn, pid_t pid, int status)
{
	struct sockinfo_id sock;
	struct traceevent ev;
	char why[160];
	int refs, unsure;

	clear_slot_of(pid);
	trace_lock(conn);
	identity(conn, -1, &sock, &unsure);
	refs = count_refs(&sock);
	event_init(&ev, "reap", conn, -1);
	/* What the helper held went when it ended, before this wait: the
	 * count is the one after it, the state says whether that sent the
	 * FIN (a helper that exec'd a program writes no event of its
	 * own). */
	set_measured(&ev, unsure ? -1 : refs, unsure ? -1 : refs,
	    sockinfo_state(-1, &sock), NULL);
	ev.other_pid = (long)pid;
	ev.status = status;
	ev.has_status = 1;
	if (WIFEXITED(status))
		snprintf(why, sizeof why, "the helper (pid %ld) exited %d; "
		    "its copies went with it", (long)pid, WEXITSTATUS(status));
	else
		snprintf(why, sizeof why, "the helper (pid %ld) was killed by "
		    "signal %d; its copies went with it", (long)pid,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ev.why = why;
	emit(&ev);
	trace_unlock(conn);
}

/* --- prefork */

void
trace_spawn_before(int lfd)
{
	struct sockinfo_id sock;
	int unsure;

	if (!trace_active)
		return;
	reserve_slot();
	if (lfd >= 0) {
		identity(0, lfd, &sock, &unsure);
		pending.refs_before = count_refs(&sock);
	}
}

void
trace_spawn_failed(void)
{
	unreserve_slot();
}

void
trace_spawn(int lfd, unsigned long worker, pid_t pid)
{
	struct sockinfo_id sock;
	struct traceevent ev;
	char why[128];
	int unsure;

	if (!trace_active)
		return;
	fill_slot(pid);
	pending_slot = -1;
	event_init(&ev, "spawn", 0, lfd);
	ev.worker = worker;
	ev.other_pid = (long)pid;
	if (lfd >= 0) {
		identity(0, lfd, &sock, &unsure);
		set_measured(&ev, pending.refs_before, count_refs(&sock),
		    sockinfo_state(lfd, &sock), "none");
		snprintf(why, sizeof why, "worker %lu (pid %ld) has a copy of "
		    "the listening socket", worker, (long)pid);
	} else
		snprintf(why, sizeof why, "worker %lu (pid %ld) waits for "
		    "sockets from the parent", worker, (long)pid);
	ev.why = why;
	emit(&ev);
}

void
trace_pass_before(unsigned long conn)
{
	struct sockinfo_id sock;
	int unsure;

	/* No lock: the worker does nothing with the socket until the
	 * parent lets it go (the pass's own start gate). */
	identity(conn, -1, &sock, &unsure);
	pending.refs_before = count_refs(&sock);
}

void
trace_pass(unsigned long conn, int fd, unsigned long worker, pid_t pid,
    int acked)
{
	struct sockinfo_id sock;
	struct traceevent ev;
	struct known *k;
	char why[192];
	int unsure;

	identity(conn, fd, &sock, &unsure);
	event_init(&ev, "pass", conn, fd);
	ev.worker = worker;
	ev.other_pid = (long)pid;
	set_measured(&ev, pending.refs_before, count_refs(&sock),
	    sockinfo_state(fd, &sock), "none");
	snprintf(why, sizeof why, "SCM_RIGHTS to worker %lu (pid %ld): one "
	    "more holder, nothing sent", worker, (long)pid);
	if (!acked) {
		/* docs/LINUX.md, L15: the descriptor may still be in flight,
		 * where no /proc table shows it. */
		if ((k = known_of(conn)) != NULL)
			k->unsure = 1;
		ev.refs = -1;
		snprintf(why, sizeof why, "SCM_RIGHTS to worker %lu (pid %ld), "
		    "which has not said it holds it: refs unknown, a "
		    "descriptor in flight is in no table", worker, (long)pid);
	}
	ev.why = why;
	emit(&ev);
}

void
trace_worker_exit(int status, const char *why)
{
	struct traceevent ev;

	if (!trace_active)
		return;
	event_init(&ev, "exit", 0, -1);
	ev.status = status;
	ev.has_status = 1;
	ev.why = why;
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
	struct traceevent ev;

	if (!trace_active)
		return;
	event_init(&ev, "stop", 0, -1);
	ev.why = why;
	emit(&ev);
}
