/*
 * io: reads and writes that survive signals and short transfers.
 */
#ifndef FORKECHO_IO_H
#define FORKECHO_IO_H

#include <stddef.h>
#include <sys/types.h>

/* read(2), retried on EINTR. */
ssize_t io_read(int fd, void *buf, size_t len);

/* Writes all len bytes, retrying EINTR and short writes.  Returns 0, or -1
 * with errno from the failing write (EPIPE, ECONNRESET, EAGAIN on a
 * non-blocking descriptor, ...). */
int io_write_all(int fd, const void *buf, size_t len);

/* close(2) that keeps errno intact, for cleanup paths. */
void io_close_quiet(int fd);

#endif
