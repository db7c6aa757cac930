/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * shm: memory that a process and the processes it forks later share, for
 * the few numbers they keep together (the connection counter, the trace's
 * table of the server's processes).
 */
#ifndef FORKECHOD_SHM_H
#define FORKECHOD_SHM_H

#include <stddef.h>

/* Maps size bytes, zeroed, shared across fork().  Returns the mapping, or
 * NULL with the failing call in err. */
void *shm_create(size_t size, char *err, size_t errlen);

void shm_destroy(void *p, size_t size);

#endif
