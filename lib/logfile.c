/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "nls.h"

/* How far back each read looks for the last newline. */
#define LOGFILE_CHUNK 4096

/* What a file that is not a regular one is, for a message (only called
 * to write one: translated here). */
static const char *
kind_of(mode_t mode)
{
	if (S_ISLNK(mode))
		return _("a symbolic link, not followed");
	if (S_ISFIFO(mode))
		return _("a FIFO, not a regular file");
	if (S_ISCHR(mode))
		return _("a character device, not a regular file");
	if (S_ISBLK(mode))
		return _("a block device, not a regular file");
	if (S_ISDIR(mode))
		return _("a directory, not a regular file");
	if (S_ISSOCK(mode))
		return _("a socket, not a regular file");
	return _("not a regular file");
}

int
logfile_open(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct stat st;
	int fd, flags, saved;

	/* Refused by name first, without opening: opening a device can act
	 * by itself (a tape rewinds), and a FIFO would wait for a reader. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, kind_of(st.st_mode));
		errno = EINVAL;
		return -1;
	}
	/* The name may have changed since: O_NOFOLLOW refuses a link put
	 * there meanwhile, O_NONBLOCK keeps a FIFO from hanging the open,
	 * O_NOCTTY a terminal from becoming ours, and the descriptor is
	 * checked below.  No O_TRUNC: a file is emptied only once it has
	 * passed.  O_APPEND: each write() lands whole at the end, never
	 * over another process's. */
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, mode);
	if (fd < 0) {
		saved = errno;
		if (saved == ELOOP && lstat(path, &st) == 0 &&
		    S_ISLNK(st.st_mode))
			snprintf(err, errlen, "%s: %s", path,
			    kind_of(st.st_mode));
		else
			snprintf(err, errlen, "%s: %s", path,
			    strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(saved));
		goto fail;
	}
	saved = EINVAL;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, kind_of(st.st_mode));
		goto fail;
	}
	/* Someone else's file, or one with another name elsewhere (a hard
	 * link made to a file root must not empty), stays as it is. */
	if (st.st_uid != geteuid()) {
		/* TRANSLATORS: the file, its owner's uid, then the uid of
		 * the process that would write it. */
		snprintf(err, errlen, _("%s: owned by uid %ld, not by uid %ld "
		    "that writes it: not emptied"), path, (long)st.st_uid,
		    (long)geteuid());
		goto fail;
	}
	if (st.st_nlink != 1) {
		snprintf(err, errlen, _("%s: %ld hard links, not 1: not "
		    "emptied"), path, (long)st.st_nlink);
		goto fail;
	}
	if (st.st_size > 0 && ftruncate(fd, 0) < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: ftruncate: %s", path,
		    strerror(saved));
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: fcntl: %s", path, strerror(saved));
		goto fail;
	}
	return fd;
fail:
	io_close_quiet(fd);
	errno = saved;
	return -1;
}

/* F_SETLKW or F_UNLCK on the whole file, retried on EINTR. */
static int
lock_whole(int fd, short type)
{
	struct flock fl;
	int rc;

	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;		/* to the end, however far */
	do
		rc = fcntl(fd, F_SETLKW, &fl);
	while (rc < 0 && errno == EINTR);
	return rc;
}

/* Where the last whole line of a size-byte file ends (0: none). */
static off_t
last_line_end(int fd, off_t size)
{
	char buf[LOGFILE_CHUNK];
	off_t pos = size;

	while (pos > 0) {
		size_t want = pos > LOGFILE_CHUNK ? LOGFILE_CHUNK :
		    (size_t)pos;
		ssize_t n, i;

		do
			n = pread(fd, buf, want, pos - (off_t)want);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -1;
		if ((size_t)n != want) {
			errno = EIO;	/* shorter than fstat said */
			return -1;
		}
		for (i = n - 1; i >= 0; i--)
			if (buf[i] == '\n')
				return pos - (off_t)want + i + 1;
		pos -= (off_t)want;
	}
	return 0;
}

int
logfile_cut_partial(int fd)
{
	struct stat st;
	off_t end;
	int rc = -1, saved;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return 0;
	/* Other processes may be cutting too.  Under the lock nobody else
	 * shrinks the file, and appends only make it longer, so the end
	 * found below is never past the file's end: ftruncate() cannot
	 * grow the file with zeros. */
	if (lock_whole(fd, F_WRLCK) < 0)
		return -1;
	if (fstat(fd, &st) == 0) {
		end = last_line_end(fd, st.st_size);
		if (end >= 0)
			rc = end == st.st_size ? 0 : ftruncate(fd, end);
	}
	saved = errno;
	(void)lock_whole(fd, F_UNLCK);
	errno = saved;
	return rc;
}
