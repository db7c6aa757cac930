/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * activate: a stand-in for systemd's socket activation, for the tests.
 *
 *   activate [-n N] [-p wrong|unset] [-x] PROG ARGS...
 *
 * Opens N (default 1) listening sockets on 127.0.0.1, port 0, as
 * descriptors 3, 4, ..., says "activate: passing 127.0.0.1 PORT" for
 * each on standard error, sets LISTEN_FDS=N and LISTEN_PID to its own
 * pid (which exec keeps), and execs PROG.  -p wrong sets LISTEN_PID to
 * another pid; -x passes a connected (not listening) socket as fd 3.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "activate: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int
listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof *sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof *sin) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) < 0)
		die("socket/bind/listen");
	return fd;
}

int
main(int argc, char *argv[])
{
	const char *pid_mode = "self";
	int n = 1, not_listening = 0, opt, i;
	char buf[32];

	while ((opt = getopt(argc, argv, "+n:p:x")) != -1) {
		switch (opt) {
		case 'n': {
			char *end;

			n = (int)strtol(optarg, &end, 10);
			if (*end != '\0')
				n = 0;	/* refused below */
			break;
		}
		case 'p':
			pid_mode = optarg;
			break;
		case 'x':
			not_listening = 1;
			break;
		default:
			return 64;
		}
	}
	if (optind >= argc || n < 1 || n > 8) {
		fprintf(stderr, "usage: activate [-n N] [-p wrong|unset] [-x] "
		    "PROG ARGS...\n");
		return 64;
	}
	for (i = 0; i < n; i++) {
		struct sockaddr_in sin;
		int fd = listener(&sin);

		if (not_listening && i == 0) {
			int c = socket(AF_INET, SOCK_STREAM, 0);

			if (c < 0 || connect(c, (struct sockaddr *)&sin,
			    sizeof sin) < 0)
				die("connect");
			fd = c;	/* the listener stays open, unused */
		}
		if (fd != 3 + i) {
			if (dup2(fd, 3 + i) < 0)
				die("dup2");
			(void)close(fd);
		}
		fprintf(stderr, "activate: passing 127.0.0.1 %u\n",
		    (unsigned)ntohs(sin.sin_port));
	}
	snprintf(buf, sizeof buf, "%d", n);
	if (setenv("LISTEN_FDS", buf, 1) < 0)
		die("setenv");
	if (strcmp(pid_mode, "unset") != 0) {
		snprintf(buf, sizeof buf, "%ld", strcmp(pid_mode, "wrong") == 0 ?
		    (long)getpid() + 1 : (long)getpid());
		if (setenv("LISTEN_PID", buf, 1) < 0)
			die("setenv");
	}
	execvp(argv[optind], argv + optind);
	die(argv[optind]);
	return 2;
}
