/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "children.h"

#include <signal.h>
#include <stdlib.h>

int
children_init(struct children *cs, size_t cap)
{
	cs->slot = calloc(cap, sizeof *cs->slot);
	cs->count = 0;
	cs->cap = cap;
	return cs->slot == NULL ? -1 : 0;
}

int
children_grow(struct children *cs, size_t cap)
{
	struct child *more;

	if (cap <= cs->cap)
		return 0;
	more = realloc(cs->slot, cap * sizeof *cs->slot);
	if (more == NULL)
		return -1;
	cs->slot = more;
	cs->cap = cap;
	return 0;
}

void
children_free(struct children *cs)
{
	free(cs->slot);
	cs->slot = NULL;
	cs->count = cs->cap = 0;
}

void
children_add(struct children *cs, pid_t pid, unsigned long conn,
    double started, const struct addr *peer)
{
	struct child *c = &cs->slot[cs->count++];

	c->pid = pid;
	c->conn = conn;
	c->started = started;
	c->peer = *peer;
}

size_t
children_from(const struct children *cs, const struct addr *peer)
{
	size_t i, n = 0;

	for (i = 0; i < cs->count; i++)
		if (addr_same_host(&cs->slot[i].peer, peer))
			n++;
	return n;
}

int
children_remove(struct children *cs, pid_t pid, struct child *out)
{
	size_t i;

	for (i = 0; i < cs->count; i++) {
		if (cs->slot[i].pid != pid)
			continue;
		*out = cs->slot[i];
		/* Unordered table: the last entry fills the hole. */
		cs->slot[i] = cs->slot[--cs->count];
		return 1;
	}
	return 0;
}

void
children_signal(const struct children *cs, int sig)
{
	size_t i;

	for (i = 0; i < cs->count; i++)
		(void)kill(cs->slot[i].pid, sig);
}
