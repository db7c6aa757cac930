/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * ref-epoll: a one-process echo server on epoll, as a yardstick for make
 * bench (docs/PERFORMANCE.md): what one process serving every connection
 * does on these CPUs, with no fork at all.  Level-triggered; each
 * connection has one buffer: while what was read is not all written back,
 * the connection waits to write, not to read, so a client that does not
 * read cannot make the server hold more than a buffer for it.  Not
 * installed, not part of the product.
 *
 *	ref-epoll	listens on 127.0.0.1 port 0 and prints
 *			"listening on 127.0.0.1 PORT", as forkechod does
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ref.h"

#define BUF_SIZE 16384
#define EVENTS 256

struct conn {
	int fd;
	size_t off, len;	/* buf[off, len) waits to be written */
	char buf[BUF_SIZE];
};

static int ep;

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		ref_die("fcntl O_NONBLOCK");
}

static void
drop(struct conn *c)
{
	(void)close(c->fd);	/* also takes it out of the epoll set */
	free(c);
}

/* Waits for events on c: to read while its buffer is empty, else to
 * write. */
static int
want(struct conn *c, int op)
{
	struct epoll_event ev;

	ev.events = c->len > c->off ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = c;
	return epoll_ctl(ep, op, c->fd, &ev);
}

static void
accept_all(int lfd)
{
	struct conn *c;
	int fd;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		c = malloc(sizeof *c);
		if (c == NULL) {
			(void)close(fd);
			continue;
		}
		c->fd = fd;
		c->off = c->len = 0;
		set_nonblock(fd);
		if (want(c, EPOLL_CTL_ADD) < 0)
			drop(c);
	}
}

/* One turn for c: read if its buffer is empty, then write what is in
 * it.  Returns -1 when the connection is over. */
static int
serve(struct conn *c)
{
	ssize_t n;
	int was_writing = c->len > c->off;

	if (!was_writing) {
		n = read(c->fd, c->buf, sizeof c->buf);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->off = 0;
		c->len = (size_t)n;
	}
	while (c->off < c->len) {
		n = write(c->fd, c->buf + c->off, c->len - c->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			break;
		}
		c->off += (size_t)n;
	}
	if (c->off == c->len)
		c->off = c->len = 0;
	/* The interest changes only when the buffer empties or fills. */
	if (was_writing != (c->len > c->off) && want(c, EPOLL_CTL_MOD) < 0)
		return -1;
	return 0;
}

int
main(void)
{
	struct epoll_event ev, events[EVENTS];
	int lfd, n, i;

	lfd = ref_listen();
	set_nonblock(lfd);
	ep = epoll_create1(0);
	if (ep < 0)
		ref_die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;	/* NULL: the listener */
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		ref_die("epoll_ctl ADD listener");
	for (;;) {
		n = epoll_wait(ep, events, EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ref_die("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (events[i].data.ptr == NULL)
				accept_all(lfd);
			else if (serve(events[i].data.ptr) < 0)
				drop(events[i].data.ptr);
		}
	}
}
