/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/* syscall() is not POSIX; glibc declares it only with _DEFAULT_SOURCE.
 * The glibc wrapper close_range() would need _GNU_SOURCE and glibc 2.34;
 * the system call itself needs neither. */
#define _DEFAULT_SOURCE 1

#include "fds.h"
#include "num.h"

#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

/* The last resort's bound, for a descriptor limit of "unlimited". */
#define FDS_SCAN_MAX 65536

/* Closes the descriptors /dev/fd lists (on Linux, a link to /proc/self/fd),
 * except the one that reads it.  Returns -1 if there is no such directory. */
static int
closefrom_listed(int lowfd)
{
	struct dirent *de;
	DIR *dir = opendir("/dev/fd");
	int own;

	if (dir == NULL)
		return -1;
	own = dirfd(dir);
	/* Closing while reading is safe here: the directory is read by
	 * descriptor number, and a closed number is simply not listed. */
	while ((de = readdir(dir)) != NULL) {
		unsigned long fd;

		/* Not a number ("." and ".."), below lowfd, or our own. */
		if (num_parse_ulong(de->d_name, (unsigned long)lowfd, INT_MAX,
		    &fd) != 0 || fd == (unsigned long)own)
			continue;
		(void)close((int)fd);
	}
	(void)closedir(dir);
	return 0;
}

void
fds_closefrom(int lowfd)
{
	long max, fd;

#if defined(__linux__) && defined(SYS_close_range)
	/* One call for the whole range, however high the limit.  It fails
	 * with ENOSYS before Linux 5.9 (or under a seccomp filter that does
	 * not know it): then the slower ways below. */
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0U) == 0)
		return;
#endif
	if (closefrom_listed(lowfd) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > FDS_SCAN_MAX)
		max = FDS_SCAN_MAX;
	for (fd = lowfd; fd < max; fd++)
		(void)close((int)fd);
}
