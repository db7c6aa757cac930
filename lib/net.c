/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "io.h"

int
net_set_nonblock(int fd, int on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags);
}

int
net_set_linger_abort(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

int
net_bind(const struct addr *a, char *err, size_t errlen)
{
	char where[ADDR_TEXT_MAX];
	const char *call;
	int fd, one = 1, saved;

	addr_text((const struct sockaddr *)&a->ss, a->len, where, sizeof where);
	fd = socket(a->ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "socket %s: %s", where, strerror(saved));
		errno = saved;
		return -1;
	}
	call = "setsockopt SO_REUSEADDR";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		goto fail;
	call = "setsockopt IPV6_V6ONLY";
	if (a->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		goto fail;
	call = "bind";
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	snprintf(err, errlen, "%s %s: %s", call, where, strerror(saved));
	io_close_quiet(fd);
	errno = saved;
	return -1;
}

int
net_listen(const struct addr *a, int backlog, double timeouts, char *err,
    size_t errlen)
{
	char where[ADDR_TEXT_MAX];
	const char *call;
	int fd = net_bind(a, err, errlen), saved;

	if (fd < 0)
		return -1;
	/* Before listen(): the kernel makes each connection's socket as a
	 * copy of this one when the handshake completes, before accept(),
	 * so a connection queued before the options were set would lack
	 * them. */
	call = "setsockopt SO_RCVTIMEO";
	if (timeouts > 0 && net_set_timeouts(fd, timeouts) < 0)
		goto fail;
	call = "listen";
	if (listen(fd, backlog) < 0)
		goto fail;
	/* Non-blocking, so that a connection that went away between poll
	 * and accept (ECONNABORTED) or was taken by another process leaves
	 * the accept loop instead of blocking it. */
	call = "fcntl O_NONBLOCK";
	if (net_set_nonblock(fd, 1) < 0)
		goto fail;
	call = "fcntl FD_CLOEXEC";
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	addr_text((const struct sockaddr *)&a->ss, a->len, where, sizeof where);
	snprintf(err, errlen, "%s %s: %s", call, where, strerror(saved));
	io_close_quiet(fd);
	return -1;
}

int
net_set_timeouts(int fd, double secs)
{
	struct timeval tv = { 0, 0 };

	if (secs > 0) {
		tv.tv_sec = (time_t)secs;
		tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
		if (tv.tv_sec == 0 && tv.tv_usec == 0)
			tv.tv_usec = 1;	/* zero would mean "no timeout" */
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
		return -1;
	return 0;
}

/* Connects fd to ai, waiting at most timeout seconds (0: forever). */
static int
connect_within(int fd, const struct addrinfo *ai, double timeout)
{
	struct pollfd pfd;
	int soerr, rc;
	socklen_t len = sizeof soerr;

	if (timeout <= 0) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return 0;
		/* An interrupted connect goes on in the background; wait
		 * for it as for a non-blocking one. */
		if (errno != EINTR)
			return -1;
	} else {
		if (net_set_nonblock(fd, 1) < 0)
			return -1;
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc == 0)
			return net_set_nonblock(fd, 0);
		if (errno != EINPROGRESS && errno != EINTR)
			return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		rc = poll(&pfd, 1, timeout > 0 ? (int)(timeout * 1000) : -1);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return net_set_nonblock(fd, 0);
}

int
net_connect(const char *host, const char *port, int family, double timeout,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc, saved = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s %s: %s", host, port,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if (connect_within(fd, ai, timeout) == 0)
			break;
		saved = errno;
		io_close_quiet(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "connect %s %s: %s", host, port,
		    strerror(saved));
	return fd;
}

enum net_accept_miss
net_accept_miss(int err)
{
	switch (err) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return NET_ACCEPT_NONE;
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
		return NET_ACCEPT_GONE;
	case EINVAL:
		return NET_ACCEPT_SHUT;
	default:
		return NET_ACCEPT_SCARCE;
	}
}

int
net_half_close(int fd)
{
	if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN)
		return -1;
	return 0;
}
