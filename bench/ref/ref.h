/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * ref: what the bench's two reference servers share: a listening socket
 * on 127.0.0.1 port 0 with the readiness line, and a loop that writes a
 * whole buffer.  Deliberately apart from lib/: the references must stay
 * what a textbook would write.
 */
#ifndef FORKECHO_BENCH_REF_H
#define FORKECHO_BENCH_REF_H

#include <stddef.h>

/* Prints "ref: CALL: error" and exits 1. */
_Noreturn void ref_die(const char *call);

/* A socket listening on 127.0.0.1 port 0 (backlog SOMAXCONN), after
 * "listening on 127.0.0.1 PORT" on standard output; exits on failure. */
int ref_listen(void);

/* Writes all len bytes of buf to a blocking fd; 0, or -1 with errno. */
int ref_write_all(int fd, const char *buf, size_t len);

#endif
