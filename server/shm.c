/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "shm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *
shm_create(size_t size, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	void *p;
	int fd;

	/* MAP_ANONYMOUS is not POSIX 2008; an unlinked file is.  ftruncate
	 * fills it with zeros. */
	if (tmpdir == NULL || *tmpdir == '\0' ||
	    strlen(tmpdir) + sizeof "/forkechod-shm-XXXXXX" > sizeof path)
		tmpdir = "/tmp";
	snprintf(path, sizeof path, "%s/forkechod-shm-XXXXXX", tmpdir);
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, errlen, "mkstemp %s: %s", path, strerror(errno));
		return NULL;
	}
	(void)unlink(path);
	if (ftruncate(fd, (off_t)size) < 0) {
		snprintf(err, errlen, "ftruncate %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	(void)close(fd);	/* the mapping keeps the file */
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mmap %s: %s", path, strerror(errno));
		return NULL;
	}
	return p;
}

void
shm_destroy(void *p, size_t size)
{
	if (p != NULL)
		(void)munmap(p, size);
}
