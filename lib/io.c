/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

ssize_t
io_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

int
io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
io_close_quiet(int fd)
{
	int saved = errno;

	/* After close() fails with EINTR on Linux the descriptor is already
	 * gone; retrying could close a descriptor another thread opened. */
	(void)close(fd);
	errno = saved;
}

int
io_ignore_signal(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

int
io_ignore_sigpipe(void)
{
	return io_ignore_signal(SIGPIPE);
}

int
io_reserve_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open() takes the lowest free number: this one. */
		got = open("/dev/null", O_RDWR);
		if (got < 0)
			return -1;
		if (got != fd) {
			io_close_quiet(got);
			errno = EBADF;
			return -1;
		}
	}
	return 0;
}
