/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "counter.h"

#include <stdatomic.h>
#include <stdio.h>

#include "nls.h"
#include "shm.h"

struct counter {
	atomic_ulong next;
};

struct counter *
counter_create(char *err, size_t errlen)
{
	struct counter *c = shm_create(sizeof *c, err, errlen);

	if (c == NULL)
		return NULL;
	/* In shared memory an atomic must not fall back to a lock that
	 * lives in one process's memory. */
	if (!atomic_is_lock_free(&c->next)) {
		snprintf(err, errlen, "%s", _("counter: atomic unsigned long "
		    "is not lock-free here"));
		shm_destroy(c, sizeof *c);
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
	shm_destroy(c, sizeof *c);
}
