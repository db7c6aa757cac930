/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "ref.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void
ref_die(const char *call)
{
	fprintf(stderr, "ref: %s: %s\n", call, strerror(errno));
	exit(1);
}

int
ref_listen(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd, on = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		ref_die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		ref_die("setsockopt SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		ref_die("bind 127.0.0.1 0");
	if (listen(fd, SOMAXCONN) < 0)
		ref_die("listen");
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		ref_die("getsockname");
	printf("listening on 127.0.0.1 %u\n", (unsigned)ntohs(sin.sin_port));
	if (fflush(stdout) != 0)
		ref_die("write standard output");
	return fd;
}

int
ref_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
