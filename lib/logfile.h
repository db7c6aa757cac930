/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * logfile: a file that a daemon, often root, appends to by name, such as
 * a trace: opened so that nobody else's file is harmed through it, and
 * kept in whole lines when the disk fills.
 */
#ifndef FORKECHO_LOGFILE_H
#define FORKECHO_LOGFILE_H

#include <sys/types.h>

/*
 * Opens path for appending (O_APPEND, close-on-exec), empty, creating it
 * with mode (less the umask).  Refused, so that a name planted by someone
 * else cannot turn the write against another file or hang the start:
 * a symbolic link in the last component (never followed); anything but a
 * regular file (a FIFO, a device, a socket, a directory), seen before it
 * is opened and checked again on the descriptor; an existing file that
 * the effective user does not own, or that has other hard links (it is
 * not truncated).  The descriptor reads too, for logfile_cut_partial().
 * Returns it, or -1 with "PATH: reason" in err.
 */
int logfile_open(const char *path, mode_t mode, char *err, size_t errlen);

/*
 * After a write to fd failed or fell short (a full disk, RLIMIT_FSIZE),
 * cuts the file back to the end of its last whole line, so that readers
 * never meet a half-written one.  Safe with several processes appending
 * to the same file: a record lock on it makes their cuts take turns, and
 * a cut never goes past the end that the file has at that moment.  Does
 * nothing to what is not a regular file.  Returns 0 if the file ends in
 * a whole line now (or is not a regular file), -1 with errno if it could
 * not be made to (EBADF: fd cannot read, as a shell's "> file" opens it).
 */
int logfile_cut_partial(int fd);

#endif
