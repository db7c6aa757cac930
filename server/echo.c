#include "echo.h"

#include <errno.h>
#include <poll.h>
#include <sys/types.h>

#include "io.h"
#include "monotime.h"

/* Large enough for a full loopback socket buffer per read, small enough
 * to stay in a forked child's few fresh pages. */
#define ECHO_BUF 65536

/* Waits until fd is readable or the deadline passes.  Returns 1 if
 * readable, 0 at the deadline, -1 on error. */
static int
wait_readable(int fd, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		double left = deadline - monotime_now();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

int
echo_run(int fd, const struct echo_hooks *hooks, struct echo_stats *st)
{
	char buf[ECHO_BUF];
	ssize_t n;

	st->bytes = 0;
	st->failed_call = NULL;
	st->err = 0;
	for (;;) {
		if (hooks != NULL && hooks->deadline != NULL) {
			double at = hooks->deadline(hooks->ctx);
			int rc = at > 0 ? wait_readable(fd, at) : 1;

			if (rc < 0) {
				st->failed_call = "poll";
				break;
			}
			if (rc == 0) {
				if (hooks->on_deadline(hooks->ctx) == ECHO_STOP)
					return 0;
				continue;
			}
		}
		n = io_read(fd, buf, sizeof buf);
		if (n == 0) {
			if (hooks == NULL || hooks->on_zero_read == NULL ||
			    hooks->on_zero_read(hooks->ctx) == ECHO_STOP)
				return 0;
			continue;
		}
		if (n < 0) {
			st->failed_call = "read";
			break;
		}
		if (io_write_all(fd, buf, (size_t)n) < 0) {
			st->failed_call = "write";
			break;
		}
		st->bytes += (unsigned long long)n;
		if (hooks != NULL && hooks->after_echo != NULL &&
		    hooks->after_echo(hooks->ctx, st->bytes) == ECHO_STOP)
			return 0;
	}
	st->err = errno;
	return -1;
}
