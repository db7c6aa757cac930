#include "io.h"

#include <errno.h>
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
