#include "listeners.h"

#include <stdio.h>
#include <sys/socket.h>

#include "io.h"
#include "net.h"

int
listeners_open(struct listeners *ls, const struct server_config *cfg,
    char *err, size_t errlen)
{
	int i;

	ls->count = 0;
	for (i = 0; i < cfg->nlisten; i++) {
		struct addr bound;
		int fd = net_listen(&cfg->listen[i], cfg->backlog, err, errlen);

		if (fd < 0) {
			listeners_close(ls);
			return -1;
		}
		/* Port 0 was a request: the readiness line gives the port
		 * the kernel chose. */
		bound.len = sizeof bound.ss;
		if (getsockname(fd, (struct sockaddr *)&bound.ss,
		    &bound.len) < 0)
			bound = cfg->listen[i];
		addr_text((struct sockaddr *)&bound.ss, bound.len,
		    ls->where[i], sizeof ls->where[i]);
		ls->fd[i] = fd;
		ls->count++;
	}
	return 0;
}

int
listeners_announce(const struct listeners *ls)
{
	int i;

	for (i = 0; i < ls->count; i++)
		printf("listening on %s\n", ls->where[i]);
	return fflush(stdout);
}

void
listeners_close(struct listeners *ls)
{
	int i;

	for (i = 0; i < ls->count; i++)
		io_close_quiet(ls->fd[i]);
	ls->count = 0;
}
