/*
 * echo: the RFC 862 connection handler.  It knows nothing of processes:
 * the same loop serves a forked child or a prefork worker.
 */
#ifndef FORKECHOD_ECHO_H
#define FORKECHOD_ECHO_H

struct echo_stats {
	unsigned long long bytes;	/* echoed back */
	const char *failed_call;	/* "read" or "write", after an error */
	int err;			/* its errno */
};

/* Writes back every byte read from fd, in order, until the peer's EOF.
 * Returns 0 at EOF, or -1 with failed_call and err set. */
int echo_run(int fd, struct echo_stats *st);

#endif
