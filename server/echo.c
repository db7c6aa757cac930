/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "echo.h"

#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "io.h"
#include "monotime.h"
#include "net.h"

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

/* What the listening sockets carry (echo_listener_timeouts), or 0. */
static _Atomic double listener_idle;

void
echo_listener_timeouts(double idle)
{
	atomic_store(&listener_idle, idle > 0 ? idle : 0);
}

/* Makes a blocking read() or write() on fd give up with EAGAIN after
 * secs without progress. */
static int
set_timeouts(int fd, double secs)
{
	if (secs == atomic_load_explicit(&listener_idle, memory_order_relaxed))
		return 0;	/* inherited from the listener */
	return net_set_timeouts(fd, secs);
}

static int
timed_out(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK;
}

int
echo_run(int fd, double idle, const struct echo_hooks *hooks,
    struct echo_stats *st)
{
	char buf[ECHO_BUF];
	double zeros_since = 0;	/* first of a run of 0-byte reads, or 0 */
	int echoing = 1;	/* 0 once a hook chose to read on unechoed */
	ssize_t n;

	st->bytes = st->bytes_in = 0;
	st->idle = 0;
	st->failed_call = NULL;
	st->err = 0;
	if (idle > 0 && set_timeouts(fd, idle) < 0) {
		st->failed_call = "setsockopt SO_RCVTIMEO";
		st->err = errno;
		return -1;
	}
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
			/* After SHUT_RD read() returns 0 at once for ever
			 * (docs/LINUX.md, L9) and never times out: silence is
			 * a run of zeros as long as the idle time. */
			if (idle > 0) {
				double now = monotime_now();

				if (zeros_since == 0)
					zeros_since = now;
				else if (now - zeros_since >= idle) {
					st->idle = 1;
					return 0;
				}
			}
			continue;
		}
		zeros_since = 0;
		if (n > 0)
			st->bytes_in += (unsigned long long)n;
		if (n < 0) {
			if (idle > 0 && timed_out(errno)) {
				st->idle = 1;
				return 0;
			}
			st->failed_call = "read";
			break;
		}
		if (!echoing)
			continue;
		if (io_write_all(fd, buf, (size_t)n) < 0) {
			if (idle > 0 && timed_out(errno)) {
				st->idle = 1;
				return 0;
			}
			if (hooks != NULL && hooks->on_write_error != NULL &&
			    hooks->on_write_error(hooks->ctx, errno) ==
			    ECHO_GO_ON) {
				echoing = 0;
				continue;
			}
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
