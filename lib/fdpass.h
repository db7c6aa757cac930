/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * fdpass: a descriptor handed from one process to another over a UNIX
 * socket (SCM_RIGHTS), with a small fixed-size message beside it.
 *
 * The receiver gets a new descriptor for the same open socket: one more
 * reference, exactly as fork() or dup() would give.  While the message is
 * in flight no process holds that reference, so /proc shows one holder
 * fewer than there are (docs/LINUX.md, L6 and L15): measure after the
 * receiver has answered.
 */
#ifndef FORKECHO_FDPASS_H
#define FORKECHO_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * A connected pair of SOCK_SEQPACKET UNIX sockets, close-on-exec: every
 * send arrives as one message, and a closed end reads as 0.  Returns 0,
 * or -1 with errno.
 */
int fdpass_pair(int sv[2]);

/*
 * Sends msg (len bytes) and, if fd >= 0, a reference to fd.  Never raises
 * SIGPIPE: a receiver that has gone is EPIPE.  Retries EINTR.  Returns 0,
 * or -1 with errno.
 */
int fdpass_send(int sock, const void *msg, size_t len, int fd);

/*
 * Receives one message into msg (at most len bytes) and the descriptor
 * that came with it into *fd (-1 if none), close-on-exec.  Retries
 * EINTR.  Returns the message's length, 0 if the other end has closed, or
 * -1 with errno (EMSGSIZE if the message or its descriptors were cut
 * short; a descriptor that did arrive is closed then).
 */
ssize_t fdpass_recv(int sock, void *msg, size_t len, int *fd);

/*
 * The same, but never waits: -1 with errno EAGAIN or EWOULDBLOCK if no
 * message is there yet.
 */
ssize_t fdpass_try_recv(int sock, void *msg, size_t len, int *fd);

#endif
