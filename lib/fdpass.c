/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io.h"

int
fdpass_pair(int sv[2])
{
	int i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return -1;
	/* Not SOCK_CLOEXEC: POSIX has no such flag for socketpair(). */
	for (i = 0; i < 2; i++)
		if (fcntl(sv[i], F_SETFD, FD_CLOEXEC) < 0) {
			int err = errno;

			(void)close(sv[0]);
			(void)close(sv[1]);
			errno = err;
			return -1;
		}
	return 0;
}

/* A received descriptor does not keep the sender's close-on-exec flag.
 * Where recvmsg() can set it as the descriptor arrives (Linux, the BSDs,
 * POSIX.1-2024), that saves an fcntl() per descriptor and leaves no
 * moment without it; elsewhere fcntl() does it after. */
#ifdef MSG_CMSG_CLOEXEC
#define RECV_FLAGS MSG_CMSG_CLOEXEC
#else
#define RECV_FLAGS 0
#endif

/* Room for one descriptor, aligned as cmsghdr wants. */
union fd_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int))];
};

int
fdpass_send(int sock, const void *msg, size_t len, int fd)
{
	union fd_cmsg cm;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;

	memset(&mh, 0, sizeof mh);
	iov.iov_base = (void *)(size_t)msg;	/* sendmsg does not write */
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof cm.buf;
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		/* A SEQPACKET message goes whole or not at all. */
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static ssize_t
recv_one(int sock, void *msg, size_t len, int *fd, int flags)
{
	union fd_cmsg cm;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	memset(&mh, 0, sizeof mh);
	iov.iov_base = msg;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof cm.buf;
	do
		n = recvmsg(sock, &mh, RECV_FLAGS | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
	if (*fd >= 0 && !RECV_FLAGS && fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0) {
		io_close_quiet(*fd);
		*fd = -1;
		return -1;
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		if (*fd >= 0)
			io_close_quiet(*fd);
		*fd = -1;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

ssize_t
fdpass_recv(int sock, void *msg, size_t len, int *fd)
{
	return recv_one(sock, msg, len, fd, 0);
}

ssize_t
fdpass_try_recv(int sock, void *msg, size_t len, int *fd)
{
#ifdef MSG_DONTWAIT
	return recv_one(sock, msg, len, fd, MSG_DONTWAIT);
#else
	struct pollfd pfd = { sock, POLLIN, 0 };
	int rc;

	while ((rc = poll(&pfd, 1, 0)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*fd = -1;
		errno = EAGAIN;
		return -1;
	}
	return recv_one(sock, msg, len, fd, 0);
#endif
}
