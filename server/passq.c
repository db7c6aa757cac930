/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "passq.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fdpass.h"
#include "io.h"
#include "nls.h"
#include "shm.h"

/* An entry's owner: free, queued, or the number (1..N) of the worker
 * serving it. */
#define FREE 0UL
#define QUEUED ULONG_MAX
/* A worker's word while it takes a connection out of the socket and
 * marks it its own: never 1 + an entry. */
#define TAKING ULONG_MAX

/*
 * In memory the parent and every worker share.  passed only grows, and
 * before the connection is sent; taken only grows, after a worker has
 * received one: so taken <= passed, and passed - taken is at least what
 * the socket holds (a connection being received counts as queued until
 * its worker has marked it its own).
 */
struct shared {
	atomic_ulong passed;
	atomic_ulong taken;
	atomic_int parent_waits;	/* the parent sleeps on a full queue */
	/* entries words, each entry's owner (FREE, QUEUED or a worker's
	 * number), then one word per worker: 1 + the entry it serves,
	 * TAKING, or 0, so that the parent asks about a worker in one
	 * load. */
	atomic_ulong word[];
};

struct passq {
	struct shared *sh;
	size_t shsize;
	size_t entries;		/* cap + workers: a queued or served
				 * connection always has one */
	size_t cap, low;	/* wake the parent at low queued or fewer */
	int put, get;		/* the socket pair: parent sends, workers
				 * receive (the parent keeps get for the
				 * workers it forks later, and the drain) */
	int wake_r, wake_w;	/* the pipe that wakes the parent */
	struct addr *peer;	/* the parent's: each entry's client */
	size_t workers;
	int suspect;		/* the parent's: a worker died TAKING */
};

static atomic_ulong *
owner(const struct passq *q, size_t e)
{
	return &q->sh->word[e];
}

/* NULL for a number outside the pool. */
static atomic_ulong *
serves(const struct passq *q, unsigned long number)
{
	if (number == 0 || number > q->workers)
		return NULL;
	return &q->sh->word[q->entries + number - 1];
}

/* Close-on-exec, and never blocking: a worker must not wait on the
 * parent's pipe, and the parent reads it until it is empty. */
static int
nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

struct passq *
passq_create(size_t workers, size_t cap, char *err, size_t errlen)
{
	struct passq *q;
	int sv[2], wake[2];
	size_t i;

	q = calloc(1, sizeof *q);
	if (q == NULL) {
		snprintf(err, errlen, _("allocating the queue of %zu workers: "
		    "%s"), workers, strerror(errno));
		return NULL;
	}
	q->put = q->get = q->wake_r = q->wake_w = -1;
	q->cap = cap;
	q->low = cap / 2;
	q->entries = cap + workers;
	q->workers = workers;
	q->shsize = sizeof *q->sh +
	    (q->entries + workers) * sizeof q->sh->word[0];
	q->peer = calloc(q->entries, sizeof *q->peer);
	if (q->peer == NULL) {
		snprintf(err, errlen, _("allocating the queue of %zu workers: "
		    "%s"), workers, strerror(errno));
		goto fail;
	}
	q->sh = shm_create(q->shsize, err, errlen);
	if (q->sh == NULL)
		goto fail;
	/* In shared memory an atomic must not fall back to a lock that
	 * lives in one process's memory. */
	if (!atomic_is_lock_free(&q->sh->passed) ||
	    !atomic_is_lock_free(&q->sh->parent_waits)) {
		snprintf(err, errlen, "%s", _("the workers' queue: atomic "
		    "unsigned long is not lock-free here"));
		goto fail;
	}
	atomic_init(&q->sh->passed, 0);
	atomic_init(&q->sh->taken, 0);
	atomic_init(&q->sh->parent_waits, 0);
	for (i = 0; i < q->entries + workers; i++)
		atomic_init(&q->sh->word[i], 0);
	if (fdpass_pair(sv) < 0) {
		snprintf(err, errlen, _("socketpair for the workers' queue: "
		    "%s"), strerror(errno));
		goto fail;
	}
	q->put = sv[0];
	q->get = sv[1];
	/* The parent never waits for room in the socket: a connection that
	 * does not fit waits in its own queue (a pool of hundreds of
	 * workers can fill the socket's buffer). */
	if (nonblocking(q->put) < 0) {
		snprintf(err, errlen, _("fcntl on the workers' queue: %s"),
		    strerror(errno));
		goto fail;
	}
	if (pipe(wake) < 0) {
		snprintf(err, errlen, _("pipe for the workers' queue: %s"),
		    strerror(errno));
		goto fail;
	}
	q->wake_r = wake[0];
	q->wake_w = wake[1];
	if (nonblocking(q->wake_r) < 0 || nonblocking(q->wake_w) < 0) {
		snprintf(err, errlen, _("fcntl on the workers' queue's pipe: "
		    "%s"), strerror(errno));
		goto fail;
	}
	return q;
fail:
	passq_destroy(q);
	return NULL;
}

void
passq_destroy(struct passq *q)
{
	if (q == NULL)
		return;
	if (q->put >= 0)
		io_close_quiet(q->put);
	if (q->get >= 0)
		io_close_quiet(q->get);
	if (q->wake_r >= 0)
		io_close_quiet(q->wake_r);
	if (q->wake_w >= 0)
		io_close_quiet(q->wake_w);
	if (q->sh != NULL)
		shm_destroy(q->sh, q->shsize);
	free(q->peer);
	free(q);
}

/* --- the parent */

size_t
passq_waiting(const struct passq *q)
{
	return atomic_load(&q->sh->passed) - atomic_load(&q->sh->taken);
}

int
passq_put(struct passq *q, const struct conn *c)
{
	struct passq_item it;
	size_t e;

	/* With at most cap queued and one served by each worker, a free
	 * entry is there whenever the queue has room. */
	for (e = 0; e < q->entries; e++)
		if (atomic_load(owner(q, e)) == FREE)
			break;
	if (e == q->entries) {
		errno = ENOBUFS;
		return -1;
	}
	memset(&it, 0, sizeof it);
	it.conn = c->id;
	it.accepted = c->accepted;
	it.peer = c->peer;
	it.entry = e;
	q->peer[e] = c->peer;
	atomic_store(owner(q, e), QUEUED);
	/* Counted before it is sent: a worker that takes it at once must
	 * not see more taken than passed. */
	atomic_fetch_add(&q->sh->passed, 1);
	if (fdpass_send(q->put, &it, sizeof it, c->fd) < 0) {
		int saved = errno;

		atomic_fetch_sub(&q->sh->passed, 1);
		atomic_store(owner(q, e), FREE);
		errno = saved;
		return -1;
	}
	return 0;
}

int
passq_arm(struct passq *q, size_t limit)
{
	/* Said first, looked at second; a worker takes first and looks
	 * second: of the two, at least one sees the other's step, so a
	 * parent that goes to sleep is always woken. */
	atomic_store(&q->sh->parent_waits, 1);
	if (passq_waiting(q) < limit) {
		atomic_store(&q->sh->parent_waits, 0);
		return 0;
	}
	return 1;
}

int
passq_wake_fd(const struct passq *q)
{
	return q->wake_r;
}

void
passq_woken(struct passq *q)
{
	char buf[64];

	while (read(q->wake_r, buf, sizeof buf) > 0)
		;
}

unsigned long
passq_from_host(const struct passq *q, const struct addr *peer)
{
	unsigned long n = 0;
	size_t e;

	for (e = 0; e < q->entries; e++)
		if (atomic_load(owner(q, e)) != FREE &&
		    addr_same_host(&q->peer[e], peer))
			n++;
	return n;
}

int
passq_serving(const struct passq *q, unsigned long number)
{
	const atomic_ulong *w = serves(q, number);

	return w != NULL && atomic_load(w) != 0;
}

void
passq_worker_gone(struct passq *q, unsigned long number)
{
	atomic_ulong *w = serves(q, number);
	unsigned long e, mine = number;

	/* Only the worker itself frees its entry; it has gone, and the
	 * kernel closed its copy of the connection with it.  The entry is
	 * freed only if the worker still owns it. */
	if (w == NULL || (e = atomic_exchange(w, 0)) == 0)
		return;
	if (e == TAKING) {
		/* Killed while taking: a connection may have left the
		 * socket without being counted as taken, a place in the
		 * queue lost for good.  passq_recount() finds out. */
		q->suspect = 1;
		return;
	}
	if (e <= q->entries)
		(void)atomic_compare_exchange_strong(owner(q, e - 1), &mine,
		    FREE);
}

int
passq_recount(struct passq *q)
{
	unsigned long o;
	size_t e, n;
	int inq;

	if (!q->suspect)
		return 0;
	/* Only the parent sends, and it is here: a socket found empty
	 * stays empty.  Then a worker not TAKING has either finished its
	 * take (its entry marked, counted as taken) or will find nothing;
	 * this order (the socket first, the workers second) leaves no
	 * take unseen. */
	if (ioctl(q->get, FIONREAD, &inq) < 0 || inq > 0)
		return 1;
	for (n = 1; n <= q->workers; n++)
		if (atomic_load(serves(q, n)) == TAKING)
			return 1;
	/* Whatever is still queued, or owned by a worker that does not
	 * serve it, went with the worker that died taking it. */
	for (e = 0; e < q->entries; e++) {
		o = atomic_load(owner(q, e));
		if (o == QUEUED || (o != FREE && (o > q->workers ||
		    atomic_load(serves(q, o)) != e + 1)))
			atomic_store(owner(q, e), FREE);
	}
	atomic_store(&q->sh->taken, atomic_load(&q->sh->passed));
	q->suspect = 0;
	return 0;
}

void
passq_drop(struct passq *q)
{
	struct passq_item it;
	ssize_t n;
	int fd;

	while ((n = fdpass_try_recv(q->get, &it, sizeof it, &fd)) > 0) {
		if (fd >= 0)
			io_close_quiet(fd);
		if ((size_t)n == sizeof it && it.entry < q->entries)
			atomic_store(owner(q, it.entry), FREE);
		atomic_fetch_add(&q->sh->taken, 1);
	}
}

/* --- a worker */

void
passq_in_worker(struct passq *q)
{
	io_close_quiet(q->put);
	io_close_quiet(q->wake_r);
	q->put = q->wake_r = -1;
}

int
passq_fd(const struct passq *q)
{
	return q->get;
}

int
passq_take(struct passq *q, unsigned long number, struct passq_item *it,
    int *fd)
{
	unsigned long taken;
	ssize_t n;
	int whole;

	memset(it, 0, sizeof *it);
	if (serves(q, number) == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* From before the receive until the take is counted: killed in
	 * between, the worker leaves this mark for passq_worker_gone. */
	atomic_store(serves(q, number), TAKING);
	n = fdpass_try_recv(q->get, it, sizeof *it, fd);
	/* EMSGSIZE: the message was taken, but its descriptor could not
	 * be (a worker at its RLIMIT_NOFILE): the connection is lost, its
	 * place in the queue must not be. */
	if (n == 0 || (n < 0 && errno != EMSGSIZE)) {
		int saved = errno;

		atomic_store(serves(q, number), 0);
		errno = saved;
		return n == 0 ? 0 : -1;
	}
	whole = n == (ssize_t)sizeof *it && *fd >= 0 &&
	    it->entry < q->entries;
	/* Queued to served in one store: for --per-source the entry is
	 * never free between the two.  The worker's word last, once the
	 * take is counted: see passq_worker_gone and passq_recount. */
	if (whole)
		atomic_store(owner(q, it->entry), number);
	else if (it->entry < q->entries)
		atomic_store(owner(q, it->entry), FREE);
	taken = atomic_fetch_add(&q->sh->taken, 1) + 1;
	atomic_store(serves(q, number), whole ? it->entry + 1 : 0);
	if (atomic_load(&q->sh->parent_waits) &&
	    atomic_load(&q->sh->passed) - taken <= q->low &&
	    atomic_exchange(&q->sh->parent_waits, 0)) {
		/* A full pipe (EAGAIN) has woken the parent already. */
		ssize_t rc = write(q->wake_w, "", 1);

		(void)rc;
	}
	if (whole)
		return 1;
	if (*fd >= 0)
		io_close_quiet(*fd);
	*fd = -1;
	errno = n < 0 ? EMSGSIZE : EBADMSG;
	return -1;
}

void
passq_done(struct passq *q, unsigned long number,
    const struct passq_item *it)
{
	/* The entry first, then the worker's word: a worker that dies
	 * between the two leaves a word naming an entry it no longer owns,
	 * which passq_worker_gone's compare-and-swap then leaves alone,
	 * whoever holds it now. */
	atomic_store(owner(q, it->entry), FREE);
	atomic_store(serves(q, number), 0);
}
