/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * ref-fork: the textbook fork-per-connection echo server, as a yardstick
 * for make bench (docs/PERFORMANCE.md).  Accept, fork, echo until EOF,
 * exit; the parent closes its copy at once and reaps in a SIGCHLD
 * handler.  No limits, no timeouts, no logging: what forkechod's fork
 * model costs beyond this is the price of its features.  Not installed,
 * not part of the product.
 *
 *	ref-fork	listens on 127.0.0.1 port 0 and prints
 *			"listening on 127.0.0.1 PORT", as forkechod does
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ref.h"

static void
on_sigchld(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void
echo(int fd)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (ref_write_all(fd, buf, (size_t)n) < 0)
			return;
}

int
main(void)
{
	struct sigaction sa;
	int lfd, fd;
	pid_t pid;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		ref_die("sigaction SIGCHLD");
	lfd = ref_listen();
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				perror("ref-fork: accept");
			continue;
		}
		pid = fork();
		if (pid == 0) {
			(void)close(lfd);
			echo(fd);
			_exit(0);
		}
		if (pid < 0)
			perror("ref-fork: fork");
		(void)close(fd);
	}
}
