/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * notified: a stand-in for systemd's notify socket, for the tests.
 *
 *   notified NAME PROG ARGS...
 *
 * Binds an AF_UNIX datagram socket at NAME (a path, or an abstract name
 * when it starts with '@'), sets NOTIFY_SOCKET=NAME, and execs PROG, so
 * that PROG's pid is the caller's.  A forked child keeps the socket and
 * writes each datagram it receives to standard error as one line,
 * "notified: STATE" (newlines inside shown as spaces); it leaves once
 * PROG has ended and nothing is left to read.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static void
die(const char *what, const char *name)
{
	fprintf(stderr, "notified: %s %s: %s\n", what, name, strerror(errno));
	exit(2);
}

/* The child's loop: each datagram as a line, until the parent (PROG) is
 * gone and the queue is empty.  A 100 ms receive timeout bounds how long
 * it outlives PROG. */
static void
relay(int fd, pid_t prog)
{
	struct timeval tick = { 0, 100000 };
	char buf[4096];
	ssize_t n, i;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
	for (;;) {
		n = recv(fd, buf, sizeof buf - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (getppid() != prog)
				_exit(0);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recv", "");
		for (i = 0; i < n; i++)
			if (buf[i] == '\n' || buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		fprintf(stderr, "notified: %s\n", buf);
		(void)fflush(stderr);
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un sun;
	size_t len;
	pid_t prog = getpid();
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: notified NAME PROG [ARGS...]\n");
		return 2;
	}
	len = strlen(argv[1]);
	if (len == 0 || len >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		die("name", argv[1]);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, argv[1], len);
	if (argv[1][0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket", argv[1]);
	if (bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		die("bind", argv[1]);
	switch (fork()) {
	case -1:
		die("fork", argv[1]);
		break;
	case 0:
		relay(fd, prog);
		break;
	default:
		break;
	}
	/* PROG gets no copy of the socket: systemd's stays with systemd. */
	(void)close(fd);
	if (setenv("NOTIFY_SOCKET", argv[1], 1) < 0)
		die("setenv", argv[1]);
	execvp(argv[2], argv + 2);
	die("exec", argv[2]);
	return 2;
}
