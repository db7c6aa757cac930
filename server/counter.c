#include "counter.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct counter {
	atomic_ulong next;
};

struct counter *
counter_create(char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	struct counter *c;
	void *p;
	int fd;

	/* MAP_ANONYMOUS is not POSIX 2008; an unlinked file is. */
	if (tmpdir == NULL || *tmpdir == '\0' ||
	    strlen(tmpdir) + sizeof "/forkechod-count-XXXXXX" > sizeof path)
		tmpdir = "/tmp";
	snprintf(path, sizeof path, "%s/forkechod-count-XXXXXX", tmpdir);
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, errlen, "mkstemp %s: %s", path, strerror(errno));
		return NULL;
	}
	(void)unlink(path);
	if (ftruncate(fd, (off_t)sizeof *c) < 0) {
		snprintf(err, errlen, "ftruncate %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		return NULL;
	}
	p = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	(void)close(fd);	/* the mapping keeps the file */
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mmap %s: %s", path, strerror(errno));
		return NULL;
	}
	c = p;
	/* In shared memory an atomic must not fall back to a lock that
	 * lives in one process's memory. */
	if (!atomic_is_lock_free(&c->next)) {
		snprintf(err, errlen, "counter: atomic unsigned long is not "
		    "lock-free here");
		(void)munmap(p, sizeof *c);
		return NULL;
	}
	atomic_init(&c->next, 1);
	return c;
}

unsigned long
counter_next(struct counter *c)
{
	return atomic_fetch_add(&c->next, 1);
}

void
counter_destroy(struct counter *c)
{
	if (c != NULL)
		(void)munmap(c, sizeof *c);
}
