/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * sockinfo: what the kernel knows about a TCP socket that several
 * processes may share: how many descriptors refer to it, its TCP state,
 * and what a close would send.
 *
 * No system call returns a socket's reference count.  On Linux it is the
 * number of descriptors, across every process, whose /proc/PID/fd link
 * reads "socket:[INODE]"; the state comes from TCP_INFO while a descriptor
 * exists and from sock_diag by the 4-tuple after the last close (a
 * TIME_WAIT entry is a separate kernel object that only the 4-tuple
 * finds).  Elsewhere sockinfo_refs, sockinfo_state and sockinfo_unread
 * answer "unknown"; the rest uses only POSIX and works everywhere.  This
 * is the only file whose job needs Linux (fds.c merely takes Linux's
 * close_range as a shortcut, with a POSIX way beside it).
 */
#ifndef FORKECHO_SOCKINFO_H
#define FORKECHO_SOCKINFO_H

#include <sys/socket.h>
#include <sys/types.h>

/* TCP states, numbered as Linux numbers them (include/net/tcp_states.h). */
enum sockinfo_state {
	SOCKINFO_UNKNOWN = -1,
	SOCKINFO_ESTABLISHED = 1,
	SOCKINFO_SYN_SENT,
	SOCKINFO_SYN_RECV,
	SOCKINFO_FIN_WAIT1,
	SOCKINFO_FIN_WAIT2,
	SOCKINFO_TIME_WAIT,
	SOCKINFO_CLOSE,		/* named "CLOSED" in traces: gone, or reset */
	SOCKINFO_CLOSE_WAIT,
	SOCKINFO_LAST_ACK,
	SOCKINFO_LISTEN,
	SOCKINFO_CLOSING
};

/* What identifies a socket after its descriptors are gone. */
struct sockinfo_id {
	unsigned long inode;		/* 0 if unknown */
	struct sockaddr_storage local;	/* 4-tuple, for sock_diag */
	struct sockaddr_storage peer;
	int have_tuple;
};

/* Fills id from a descriptor (fstat for the inode, getsockname and
 * getpeername for the tuple; a listening socket has no peer).  Returns 0,
 * or -1 with errno. */
int sockinfo_identify(int fd, struct sockinfo_id *id);

/* The number of descriptors in all processes that refer to the socket,
 * or -1 if it cannot be known.  Processes whose /proc/PID/fd cannot be
 * read are skipped.  A socket held only by an SCM_RIGHTS message in
 * flight counts 0. */
int sockinfo_refs(const struct sockinfo_id *id);

/* The same count over the processes pids alone (entries <= 0 skipped):
 * for a caller that knows every process that can hold the socket, which
 * is far cheaper than looking at every process.  -1 if it cannot be
 * known. */
int sockinfo_refs_in(const struct sockinfo_id *id, const pid_t *pids,
    size_t npids);

/* The TCP state: through fd with TCP_INFO if fd >= 0, else (or when
 * TCP_INFO reads CLOSE) by the 4-tuple with sock_diag.  A socket found
 * nowhere is SOCKINFO_CLOSE.  SOCKINFO_UNKNOWN where it cannot be known.
 * id may be NULL (no tuple lookup).  If TCP_INFO fails on fd (not a TCP
 * socket), the answer is SOCKINFO_UNKNOWN, without a tuple lookup. */
enum sockinfo_state sockinfo_state(int fd, const struct sockinfo_id *id);

/* Bytes received and not yet read (FIONREAD), or -1 if unknown. */
int sockinfo_unread(int fd);

/* Bytes written and not yet acknowledged by the peer (SIOCOUTQ): still
 * queued in the kernel, sent or not.  -1 if unknown. */
int sockinfo_unsent(int fd);

/* 1 if SO_LINGER is set {on, 0 seconds} (close sends RST), 0 if not,
 * -1 if unknown. */
int sockinfo_linger_abort(int fd);

/* 1 if process pid sleeps in accept() now, 0 if it does not, -1 if that
 * cannot be known (no permission, or not Linux).  Reads the system call
 * a sleeping process is blocked in from /proc/PID/syscall, or where that
 * needs ptrace rights the caller lacks, the kernel function it waits in
 * from /proc/PID/wchan. */
int sockinfo_in_accept(pid_t pid);

/* After a process changes its credentials (setuid), Linux makes it
 * non-dumpable: its /proc/PID/fd is then root's, and a process of the new
 * user cannot count its descriptors.  This makes it dumpable again, as
 * any process started by that user is.  Returns 0, or -1 with errno
 * (ENOSYS where there is no such thing). */
int sockinfo_keep_visible(void);

/* "ESTABLISHED", "FIN_WAIT1", ..., "CLOSED"; NULL for SOCKINFO_UNKNOWN. */
const char *sockinfo_state_name(enum sockinfo_state st);

/* The calling thread's id as the kernel numbers it (the TID of
 * /proc/PID/task/TID, the PID for a process's first thread), or 0 where
 * it cannot be known. */
long sockinfo_tid(void);

#endif
