/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
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

/* Ignores SIGPIPE, so that writing to a peer or pipe that has gone fails
 * with EPIPE, which can be reported, instead of killing the process
 * without a word (MSG_NOSIGNAL covers sockets, not standard output).
 * Returns 0, or -1 with errno. */
int io_ignore_sigpipe(void);

/* Sets sig's action to SIG_IGN.  Returns 0, or -1 with errno. */
int io_ignore_signal(int sig);

/* Opens /dev/null on any of descriptors 0, 1 and 2 that is closed, so
 * that the next socket() cannot become "standard output".  Returns 0, or
 * -1 with errno. */
int io_reserve_std_fds(void);

/* close(2) that keeps errno intact, for cleanup paths. */
void io_close_quiet(int fd);

#endif
