#include "model_prefork.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "choreo.h"
#include "conn.h"
#include "counter.h"
#include "diag.h"
#include "fdpass.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "signals.h"
#include "trace.h"
#include "worker.h"

/* A worker that dies this soon after its start, and whose predecessor in
 * the slot did too, is replaced after a pause that doubles up to
 * RESPAWN_MAX: a worker that cannot start must not become a fork storm. */
#define QUICK_DEATH 1.0
#define RESPAWN_MIN 0.1
#define RESPAWN_MAX 5.0

/* After the drain, workers still busy get SIGKILL; then this long for
 * them to be reaped. */
#define KILL_GRACE 2.0

/* Copies of accepted sockets the parent may hold at once. */
#define HELD_MAX 256

/* After accept() fails for lack of a resource, the parent waits this
 * long before it accepts again. */
#define ACCEPT_PAUSE 0.5

/* How long the parent waits for a worker to acknowledge a pass when the
 * trace is on. */
#define ACK_WAIT_MS 2000

struct slot {
	pid_t pid;		/* 0: no worker now */
	unsigned long number;	/* 1..N, kept across replacements */
	int channel;		/* parent's end of the worker's socketpair */
	int busy;		/* serving conn (--accept-in parent) */
	int done_unread;	/* busy, and its DONE may wait unread */
	int retiring;		/* told to leave, or said LAST: gets no
				 * more connections */
	unsigned long conn;
	struct addr peer;	/* its client, for --per-source */
	double started;
	unsigned int quick_deaths;	/* in a row */
	double respawn_at;	/* 0: none due */
};

/* A connection the parent accepted that waits for an idle worker. */
struct waiting {
	struct conn c;
	struct trace_conn tc;
};

struct pool {
	const struct server_config *cfg;
	struct server_config *settings;	/* the same, for SIGHUP */
	const struct reload_cli *cli;
	struct listeners *ls;
	const sigset_t *wait_mask;
	double started;
	struct slot *slot;
	size_t nslots;
	struct counter *conn_ids;	/* workers accept */
	unsigned long next_conn;	/* the parent accepts */
	struct held_table held;		/* the parent's copies */
	struct waiting *queue;		/* FIFO, qlen from the front */
	size_t qlen, qcap;
	double resume_at;		/* accept again after a failure */
	double listener_close_at;	/* --parent-close-listener, or 0 */
	int listener_dead;	/* a worker found it shut down */
	int draining;
	double drain_deadline;
	int killed;		/* 0 or SIGKILL */
	int status;		/* the exit status */
};

static int
parent_accepts(const struct pool *p)
{
	return p->cfg->accept_in == ACCEPT_IN_PARENT;
}

/* 1 on the plain path: the trace is off, no choreography option is set
 * and no copy is held, so the parent closes its copy of each connection
 * right after the pass and nothing it measures or closes later waits on
 * a worker's word.  Only then does the parent pass a connection before
 * it accepts the next, and learn late that a worker is done; with the
 * trace on, every pass and its handshake keep the order and the timing
 * the trace and the lessons show. */
static int
quick_path(const struct pool *p)
{
	const struct choreo *ch = &p->cfg->choreo;

	return !trace_enabled() && ch->parent_close == PCLOSE_NOW &&
	    ch->parent_shutdown_how < 0 && ch->listener_close_secs < 0 &&
	    !choreo_child_acts(ch) && p->held.count == 0;
}

static size_t
live_workers(const struct pool *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0)
			n++;
	return n;
}

static void
signal_workers(const struct pool *p, int sig)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0)
			(void)kill(p->slot[i].pid, sig);
}

/* --- starting workers */

/* Runs in the new worker: it keeps only its own end of its channel and,
 * if workers accept, the listeners.  Everything else the parent holds
 * came along with fork() and would inflate reference counts and delay
 * FINs (docs/LINUX.md, P7). */
static _Noreturn void
become_worker(struct pool *p, struct slot *s, int channel)
{
	struct worker_setup ws;
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].channel >= 0)
			io_close_quiet(p->slot[i].channel);
	for (i = 0; i < p->qlen; i++)
		io_close_quiet(p->queue[i].c.fd);
	choreo_held_forget(&p->held);
	if (parent_accepts(p))
		listeners_close(p->ls);
	trace_set_role(TRACE_WORKER, s->number);

	memset(&ws, 0, sizeof ws);
	ws.cfg = p->cfg;
	ws.ls = parent_accepts(p) ? NULL : p->ls;
	ws.channel = channel;
	ws.number = s->number;
	ws.conn_ids = p->conn_ids;
	ws.wait_mask = p->wait_mask;
	ws.server_started = p->started;
	worker_run(&ws);
}

/* Forks the worker of slot s.  Returns 0, or -1 (logged; the slot is
 * scheduled to try again). */
static int
spawn(struct pool *p, struct slot *s)
{
	struct trace_conn ltc;
	int sv[2] = { -1, -1 };
	pid_t pid;

	s->respawn_at = 0;
	/* Every worker gets a channel, even where it accepts itself: end of
	 * file on it tells the worker that the parent has gone, so that no
	 * orphaned pool goes on serving after a kill -9 of the parent. */
	if (fdpass_pair(sv) < 0) {
		diag_err(errno, "socketpair for worker %lu", s->number);
		s->respawn_at = monotime_now() + RESPAWN_MAX;
		return -1;
	}
	if (!parent_accepts(p))
		trace_listener(&ltc, p->ls->fd[0]);
	trace_spawn_before(parent_accepts(p) ? NULL : &ltc);
	pid = fork();
	if (pid < 0) {
		diag_err(errno, "fork for worker %lu (trying again in %.0f s)",
		    s->number, RESPAWN_MAX);
		trace_spawn_failed();
		io_close_quiet(sv[0]);
		io_close_quiet(sv[1]);
		s->respawn_at = monotime_now() + RESPAWN_MAX;
		return -1;
	}
	if (pid == 0) {
		io_close_quiet(sv[0]);
		become_worker(p, s, sv[1]);
	}
	io_close_quiet(sv[1]);
	s->pid = pid;
	s->channel = sv[0];
	s->busy = 0;
	s->retiring = 0;
	s->conn = 0;
	s->started = monotime_now();
	trace_spawn(parent_accepts(p) ? NULL : &ltc, s->number, pid);
	return 0;
}

/* Why a slot is left empty, or NULL if it may be filled again. */
static const char *
no_replacement(const struct pool *p)
{
	if (p->draining)
		return "not replaced: the server stops";
	if (p->listener_dead)
		return "not replaced: the listening socket is shut down";
	if (!parent_accepts(p) && p->ls->count == 0)
		return "not replaced: the parent has closed its listening "
		    "socket";
	return NULL;
}

/* --- reaping */

static struct slot *
slot_of(struct pool *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid == pid)
			return &p->slot[i];
	return NULL;
}

/* The log line for a worker's end: always when it was not expected (a
 * crash, a kill), with -v when it was. */
static void
log_end(const struct pool *p, const struct slot *s, pid_t pid, int status,
    int expected, const char *next)
{
	char what[64];

	if (expected || p->cfg->verbosity < 0) {
		if (p->cfg->verbosity > 0)
			diag_msg("worker %lu (pid %ld) ended; %s", s->number,
			    (long)pid, next);
		return;
	}
	if (WIFSIGNALED(status))
		snprintf(what, sizeof what, "killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(what, sizeof what, "exited with status %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	diag_msg("worker %lu (pid %ld) %s; %s", s->number, (long)pid, what,
	    next);
}

/* The worker of s has ended with status: forget it, and fill the slot
 * again, at once or after a pause. */
static void
worker_ended(struct pool *p, struct slot *s, int status)
{
	pid_t pid = s->pid;
	double now = monotime_now(), delay;
	int failed = WIFSIGNALED(status) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) != 0);
	int expected = p->killed != 0 || (WIFEXITED(status) &&
	    (WEXITSTATUS(status) == 0 ||
	    WEXITSTATUS(status) == WORKER_EXIT_LISTENER));
	const char *refused;
	char next[96];

	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_LISTENER)
		p->listener_dead = 1;
	s->pid = 0;
	if (s->channel >= 0) {
		io_close_quiet(s->channel);
		s->channel = -1;
	}
	if (s->busy) {
		/* Its connection is over with it: a copy held until the
		 * worker was done goes now. */
		choreo_held_served(&p->cfg->choreo, &p->held, s->conn);
		s->busy = 0;
	}

	if (failed && now - s->started < QUICK_DEATH)
		s->quick_deaths++;
	else
		s->quick_deaths = 0;
	refused = no_replacement(p);
	if (refused != NULL)
		snprintf(next, sizeof next, "%s", refused);
	else if (s->quick_deaths <= 1) {
		/* The reap row first, then the replacement's spawn row. */
		trace_reap_worker(s->number, pid, status, "replacing it now");
		if (spawn(p, s) == 0)
			snprintf(next, sizeof next, "replaced by pid %ld",
			    (long)s->pid);
		else
			snprintf(next, sizeof next, "not replaced yet");
		log_end(p, s, pid, status, expected, next);
		return;
	} else {
		unsigned int k;

		/* 0.1 s after the second quick death, doubling after each
		 * further one. */
		delay = RESPAWN_MIN;
		for (k = 2; k < s->quick_deaths && delay < RESPAWN_MAX; k++)
			delay *= 2;
		if (delay > RESPAWN_MAX)
			delay = RESPAWN_MAX;
		s->respawn_at = now + delay;
		snprintf(next, sizeof next, "it died %.2f s after its start; "
		    "replacing it in %.1f s", now - s->started, delay);
	}
	trace_reap_worker(s->number, pid, status, next);
	log_end(p, s, pid, status, expected, next);
}

static void
reap(struct pool *p)
{
	pid_t pid;
	int status;

	/* SIGCHLDs merge: one signal may stand for many exits. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct slot *s = slot_of(p, pid);

		if (s != NULL)
			worker_ended(p, s, status);
	}
}

/* --- the parent accepts and passes */

/* A worker wrote: DONE makes it idle again, LAST idle but about to
 * leave, so that nothing more is passed to it; end of file means it has
 * gone (its SIGCHLD does the rest).  With nowait, a worker that has not
 * written yet is left as it is. */
static void
read_channel(struct pool *p, struct slot *s, int nowait)
{
	struct worker_msg m;
	ssize_t n;
	int fd;

	memset(&m, 0, sizeof m);
	n = nowait ? fdpass_try_recv(s->channel, &m, sizeof m, &fd) :
	    fdpass_recv(s->channel, &m, sizeof m, &fd);
	if (fd >= 0)
		io_close_quiet(fd);
	if (n < 0 && nowait && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		io_close_quiet(s->channel);
		s->channel = -1;
		return;
	}
	if ((m.type == WMSG_DONE || m.type == WMSG_LAST) && s->busy &&
	    m.conn == s->conn) {
		s->busy = 0;
		if (m.type == WMSG_LAST)
			s->retiring = 1;
		choreo_held_served(&p->cfg->choreo, &p->held, m.conn);
	}
}

/* On the quick path the parent does not wait on busy workers' channels
 * while nothing is queued (see the main loop), so that a worker's DONE
 * does not wake it for nothing.  Those messages are read here, without
 * waiting, when the parent needs to know who is idle. */
static int
still_busy(struct pool *p, struct slot *s)
{
	if (s->busy && s->done_unread && s->channel >= 0) {
		s->done_unread = 0;
		read_channel(p, s, 1);
	}
	return s->busy;
}

/* The idle worker with the lowest number: while the load is light the
 * same few workers serve, and stay warm in the caches. */
static struct slot *
idle_worker(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0 && !still_busy(p, &p->slot[i]) &&
		    p->slot[i].channel >= 0 && !p->slot[i].retiring)
			return &p->slot[i];
	return NULL;
}

/* With the trace on, the pass is measured once the worker says it holds
 * the descriptor of connection conn.  An acknowledgement that comes too
 * late for an earlier pass is skipped.  Returns 0, or -1 if no word came
 * in time. */
static int
await_ack(const struct slot *s, unsigned long conn)
{
	struct pollfd pfd = { s->channel, POLLIN, 0 };
	double until = monotime_now() + ACK_WAIT_MS / 1000.0;
	struct worker_msg m;
	int fd, rc;

	for (;;) {
		double left = until - monotime_now();

		if (left <= 0)
			return -1;
		rc = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		memset(&m, 0, sizeof m);
		if (fdpass_recv(s->channel, &m, sizeof m, &fd) <= 0)
			return -1;
		if (fd >= 0)
			io_close_quiet(fd);
		if (m.type == WMSG_ACK && m.conn == conn)
			return 0;
	}
}

/* Hands the connection w to the worker of s.  Returns 0, or -1 if the
 * worker could not take it (it has gone; SIGCHLD will tell). */
static int
pass(struct pool *p, struct slot *s, struct waiting *w)
{
	struct worker_msg m;
	int acked;

	memset(&m, 0, sizeof m);
	m.type = WMSG_PASS;
	m.conn = w->c.id;
	m.accepted = w->c.accepted;
	m.peer = w->c.peer;
	trace_pass_before(&w->tc);
	if (fdpass_send(s->channel, &m, sizeof m, w->c.fd) < 0) {
		diag_err(errno, "sendmsg to worker %lu (pid %ld)", s->number,
		    (long)s->pid);
		io_close_quiet(s->channel);
		s->channel = -1;
		return -1;
	}
	s->busy = 1;
	s->done_unread = 0;
	s->conn = w->c.id;
	s->peer = w->c.peer;
	acked = !trace_enabled() || await_ack(s, w->c.id) == 0;
	if (!acked)
		diag_msg("worker %lu (pid %ld) did not acknowledge connection "
		    "%lu; its references are not traced", s->number,
		    (long)s->pid, w->c.id);
	trace_pass(&w->tc, s->number, s->pid, acked);
	/* By default the parent closes its copy now, so the worker's close
	 * is the last and sends the FIN; the choreography may keep it. */
	choreo_parent_after_fork(&p->cfg->choreo, &p->held, &w->tc, s->pid,
	    w->c.accepted);
	if (trace_enabled()) {
		memset(&m, 0, sizeof m);
		m.type = WMSG_GO;
		m.conn = w->c.id;
		(void)fdpass_send(s->channel, &m, sizeof m, -1);
	}
	return 0;
}

/* Passes waiting connections, oldest first, while workers are idle. */
static void
dispatch(struct pool *p)
{
	struct slot *s;

	while (p->qlen > 0 && (s = idle_worker(p)) != NULL) {
		if (pass(p, s, &p->queue[0]) < 0)
			continue;	/* the same connection, another worker */
		p->qlen--;
		memmove(&p->queue[0], &p->queue[1],
		    p->qlen * sizeof p->queue[0]);
	}
}

/* Connections from peer's host being served or waiting. */
static unsigned long
served_from(struct pool *p, const struct addr *peer)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0 && still_busy(p, &p->slot[i]) &&
		    addr_same_host(&p->slot[i].peer, peer))
			n++;
	for (i = 0; i < p->qlen; i++)
		if (addr_same_host(&p->queue[i].c.peer, peer))
			n++;
	return n;
}


/* Accepts from listener i while the queue has room.  The queue holds at
 * most one connection per worker; past it, clients wait in the listen
 * backlog, where the kernel keeps them. */
static void
accept_into_queue(struct pool *p, int i)
{
	while (p->qlen < p->qcap) {
		struct waiting *w = &p->queue[p->qlen];

		w->c.peer.len = sizeof w->c.peer.ss;
		w->c.fd = accept(p->ls->fd[i],
		    (struct sockaddr *)&w->c.peer.ss, &w->c.peer.len);
		if (w->c.fd < 0) {
			enum net_accept_miss miss = net_accept_miss(errno);

			if (miss == NET_ACCEPT_NONE)
				return;
			if (miss == NET_ACCEPT_GONE)
				continue;
			p->resume_at = monotime_now() + ACCEPT_PAUSE;
			diag_err(errno, "accept %s (accepting again in %.1f s)",
			    p->ls->where[i], ACCEPT_PAUSE);
			return;
		}
		if (p->cfg->per_source > 0 &&
		    served_from(p, &w->c.peer) >= p->cfg->per_source) {
			conn_refuse_source(&w->c, p->cfg->per_source,
			    p->cfg->verbosity);
			continue;
		}
		w->c.id = p->next_conn++;
		w->c.accepted = monotime_now();
		trace_accept(&w->tc, w->c.id, w->c.fd);
		p->qlen++;
		if (quick_path(p)) {
			/* Passed before the next accept(), which is most
			 * often the one that finds nothing: the worker starts
			 * on this client while the parent looks for more. */
			dispatch(p);
		}
	}
}

/* --- the listening socket's own choreography */

static void
close_listeners(struct pool *p)
{
	struct trace_conn ltc;
	int i;

	p->listener_close_at = 0;
	for (i = 0; i < p->ls->count; i++) {
		trace_listener(&ltc, p->ls->fd[i]);
		(void)trace_close(&ltc, "the parent closes its copy of the "
		    "listening socket");
	}
	p->ls->count = 0;
}

/* --- stopping */

static void
start_drain(struct pool *p)
{
	size_t i;

	p->draining = 1;
	p->drain_deadline = monotime_now() + p->cfg->drain_timeout;
	/* Idle workers leave at once; busy ones after their connection.
	 * The signal goes first, so that a worker woken by the shutdown
	 * below finds it pending and leaves without a word. */
	signal_workers(p, SIGTERM);
	/* New clients are refused from here on.  Where workers accept, the
	 * parent's close would not do it (they hold copies): shutdown()
	 * acts on the socket for every holder (docs/LINUX.md, L11). */
	if (!parent_accepts(p))
		for (i = 0; i < (size_t)p->ls->count; i++)
			(void)shutdown(p->ls->fd[i], SHUT_RD);
	listeners_close(p->ls);
	for (i = 0; i < p->qlen; i++)
		io_close_quiet(p->queue[i].c.fd);
	p->qlen = 0;
	choreo_held_release(&p->held);
	if (p->cfg->verbosity >= 0 && live_workers(p) > 0) {
		diag_msg("stopping: waiting up to %.1f s for %zu worker%s",
		    p->cfg->drain_timeout, live_workers(p),
		    live_workers(p) == 1 ? "" : "s");
	}
}

/* The drain is over (or a second SIGTERM came): SIGKILL, then a last
 * wait for the reaps. */
static void
kill_workers(struct pool *p, double now)
{
	if (p->cfg->verbosity >= 0 && live_workers(p) > 0)
		diag_msg("stopping: ending %zu worker%s with SIGKILL",
		    live_workers(p), live_workers(p) == 1 ? "" : "s");
	signal_workers(p, SIGKILL);
	p->killed = SIGKILL;
	p->drain_deadline = now + KILL_GRACE;
}

/* The earliest deadline, or 0 for none. */
static double
next_wakeup(const struct pool *p)
{
	double at = choreo_held_next(&p->held);
	size_t i;

#define EARLIER(t) do { if ((t) > 0 && (at == 0 || (t) < at)) at = (t); } \
	while (0)
	if (p->draining)
		EARLIER(p->drain_deadline);
	EARLIER(p->resume_at);
	EARLIER(p->listener_close_at);
	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid == 0)
			EARLIER(p->slot[i].respawn_at);
#undef EARLIER
	return at;
}

static void
add_fd(fd_set *set, int fd, int *maxfd)
{
	FD_SET(fd, set);
	if (fd > *maxfd)
		*maxfd = fd;
}

/* Fills slots whose pause is over. */
static void
respawn_due(struct pool *p, double now)
{
	size_t i;

	for (i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slot[i];

		if (s->pid == 0 && s->respawn_at > 0 && now >= s->respawn_at) {
			if (no_replacement(p) != NULL)
				s->respawn_at = 0;
			else
				(void)spawn(p, s);
		}
	}
}

/* 1 while some slot has a worker or will have one. */
static int
pool_alive(const struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].pid > 0 || p->slot[i].respawn_at > 0)
			return 1;
	return 0;
}

static int
setup(struct pool *p, const struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, double started)
{
	char err[256];
	size_t i;

	memset(p, 0, sizeof *p);
	p->cfg = cfg;
	p->ls = ls;
	p->wait_mask = wait_mask;
	p->started = started;
	p->next_conn = 1;
	p->nslots = cfg->workers;
	p->qcap = cfg->workers;
	p->slot = calloc(p->nslots, sizeof *p->slot);
	p->queue = calloc(p->qcap, sizeof *p->queue);
	if (p->slot == NULL || p->queue == NULL ||
	    choreo_held_init(&p->held, HELD_MAX) < 0) {
		diag_err(errno, "allocating a pool of %lu workers",
		    cfg->workers);
		return -1;
	}
	if (!parent_accepts(p)) {
		p->conn_ids = counter_create(err, sizeof err);
		if (p->conn_ids == NULL) {
			diag_msg("%s", err);
			return -1;
		}
	}
	if (cfg->choreo.listener_close_secs >= 0)
		p->listener_close_at = started + cfg->choreo.listener_close_secs;
	for (i = 0; i < p->nslots; i++) {
		p->slot[i].number = i + 1;
		p->slot[i].channel = -1;
	}
	return 0;
}

static void
teardown(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].channel >= 0)
			io_close_quiet(p->slot[i].channel);
	for (i = 0; i < p->qlen; i++)
		io_close_quiet(p->queue[i].c.fd);
	choreo_held_release(&p->held);
	choreo_held_free(&p->held);
	counter_destroy(p->conn_ids);
	free(p->queue);
	free(p->slot);
}

/* SIGHUP: the settings again from the file, then every worker replaced
 * as it finishes, so that new connections get them. */
static void
reload(struct pool *p)
{
	char err[640];
	size_t i;
	int rc;

	rc = reload_settings(p->settings, p->ls, p->cli, err, sizeof err);
	if (rc < 0)
		diag_msg("SIGHUP: %s; keeping the old settings", err);
	else if (rc > 0 && p->cfg->verbosity >= 0)
		diag_msg("SIGHUP: settings re-read from %s",
		    p->cfg->config_file);
	if (p->cfg->verbosity >= 0)
		diag_msg("SIGHUP: replacing %zu worker%s as they finish",
		    live_workers(p), live_workers(p) == 1 ? "" : "s");
	/* A worker told to leave leaves at its next wait, with whatever
	 * was passed to it meanwhile: new connections wait in the queue
	 * for the replacements instead. */
	for (i = 0; i < p->nslots; i++)
		p->slot[i].retiring = 1;
	signal_workers(p, SIGHUP);
}

int
model_prefork_run(struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, double started, const struct reload_cli *cli)
{
	struct pool p;
	size_t i;

	if (setup(&p, cfg, ls, wait_mask, started) < 0) {
		teardown(&p);
		return 1;
	}
	p.settings = cfg;
	p.cli = cli;
	for (i = 0; i < p.nslots; i++)
		(void)spawn(&p, &p.slot[i]);

	for (;;) {
		struct timespec ts, *tsp;
		fd_set ready;
		double now, wake;
		int maxfd = -1, rc, lazy;

		if (signals_child) {
			signals_child = 0;
			reap(&p);
		}
		if (signals_stop >= 2 && p.killed != SIGKILL) {
			/* A second SIGTERM: the user wants out now. */
			if (!p.draining)
				start_drain(&p);
			kill_workers(&p, monotime_now());
		}
		if (signals_stop && !p.draining)
			start_drain(&p);
		if (signals_reload) {
			signals_reload = 0;
			if (!p.draining)
				reload(&p);
		}
		now = monotime_now();
		if (p.draining) {
			if (live_workers(&p) == 0)
				break;
			if (now >= p.drain_deadline) {
				if (p.killed == SIGKILL)
					break;
				kill_workers(&p, now);
			}
		} else if (!pool_alive(&p)) {
			diag_msg("no worker can accept any more: %s; stopping",
			    p.listener_dead ? "the listening socket is shut "
			    "down" : "the parent has closed its listening "
			    "socket");
			p.status = 1;
			break;
		}
		if (p.listener_close_at > 0 && now >= p.listener_close_at &&
		    !p.draining)
			close_listeners(&p);
		if (p.resume_at > 0 && now >= p.resume_at)
			p.resume_at = 0;
		if (!p.draining)
			respawn_due(&p, now);
		choreo_held_run(&cfg->choreo, &p.held, now);
		if (parent_accepts(&p))
			dispatch(&p);

		FD_ZERO(&ready);
		if (parent_accepts(&p) && !p.draining && p.resume_at == 0 &&
		    p.qlen < p.qcap)
			for (i = 0; i < (size_t)ls->count; i++)
				add_fd(&ready, ls->fd[i], &maxfd);
		/* A busy worker's DONE matters at once only when a
		 * connection waits for a worker, or when the trace or the
		 * choreography acts on it; otherwise it is read when the
		 * next connection comes (still_busy). */
		lazy = quick_path(&p) && p.qlen == 0;
		for (i = 0; i < p.nslots; i++) {
			struct slot *s = &p.slot[i];

			s->done_unread = lazy && s->busy;
			if (s->channel >= 0 && !s->done_unread)
				add_fd(&ready, s->channel, &maxfd);
		}
		wake = next_wakeup(&p);
		tsp = monotime_until(wake, &ts);
		/* The only place the signals are let in. */
		rc = pselect(maxfd + 1, &ready, NULL, NULL, tsp, wait_mask);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			diag_err(errno, "pselect");
			p.status = 1;
			break;
		}
		if (rc == 0)
			continue;
		for (i = 0; i < p.nslots; i++)
			if (p.slot[i].channel >= 0 &&
			    FD_ISSET(p.slot[i].channel, &ready))
				read_channel(&p, &p.slot[i], 0);
		for (i = 0; i < (size_t)ls->count && parent_accepts(&p); i++)
			if (FD_ISSET(ls->fd[i], &ready))
				accept_into_queue(&p, (int)i);
	}
	if (live_workers(&p) > 0) {
		/* Leaving with workers alive (a failure, or SIGKILL not yet
		 * reaped): they must not outlive the server. */
		signal_workers(&p, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
	trace_stop(p.status == 0 ? "SIGTERM or SIGINT" :
	    "no worker can accept");
	teardown(&p);
	return p.status;
}
