#include "echo.h"

#include <errno.h>
#include <sys/types.h>

#include "io.h"

/* Large enough for a full loopback socket buffer per read, small enough
 * to stay in a forked child's few fresh pages. */
#define ECHO_BUF 65536

int
echo_run(int fd, struct echo_stats *st)
{
	char buf[ECHO_BUF];
	ssize_t n;

	st->bytes = 0;
	st->failed_call = NULL;
	st->err = 0;
	for (;;) {
		n = io_read(fd, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			st->failed_call = "read";
			break;
		}
		if (io_write_all(fd, buf, (size_t)n) < 0) {
			st->failed_call = "write";
			break;
		}
		st->bytes += (unsigned long long)n;
	}
	st->err = errno;
	return -1;
}
