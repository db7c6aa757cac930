/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * outcome: the client's last line and its exit status, both derived from
 * how the session ended, so that the two can never disagree.
 */
#ifndef FORKECHO_CLIENT_OUTCOME_H
#define FORKECHO_CLIENT_OUTCOME_H

#include <stddef.h>

#include "session.h"

/* Exit statuses (forkecho(1), EXIT STATUS). */
#define OUTCOME_OK 0		/* FIN, and every byte came back intact */
#define OUTCOME_DIFFERS 1	/* what came back differs from what was sent,
				 * or the client stopped reading a server
				 * that sent what it was never sent */
#define OUTCOME_LOCAL 2		/* a local failure: input, output, socket */
#define OUTCOME_RESET 3		/* the server reset the connection */
#define OUTCOME_NO_FIN 4	/* no FIN, or no progress, within the wait */
#define OUTCOME_CONNECT 5	/* cannot connect */
#define OUTCOME_USAGE 64	/* EX_USAGE */

/* The exit status for res: where several hold, the first of reset, no
 * FIN, differs; but a client that stopped reading after unexpected bytes
 * cannot know whether a FIN would have come, and says the echo differs.
 * With --keep-sending, a FIN before the input ended is no fault. */
int outcome_status(const struct session_result *res);

/*
 * The last line, without the program's name and newline: "sent N bytes,
 * received M bytes, " then how it ended, then where the echo first
 * differs, if it does, and how many unexpected bytes came back (those
 * not written to the output), if any.  wait is the --wait text as the
 * user wrote it (for "within W s").  Not for SESSION_ERROR, which main
 * reports by the call that failed.
 */
void outcome_line(const struct session_result *res, enum session_close mode,
    const char *wait, char *buf, size_t len);

/*
 * The line for one --keep-sending event, without the program's name and
 * newline: "server sent FIN after X s before the input ended; sending
 * on", "write of N bytes after FIN: accepted", "write of N bytes[ after
 * FIN]: failed with EPIPE", "RST from server after X s: socket error
 * EPIPE" or "...: read failed with ECONNRESET" (forkecho(1),
 * DIAGNOSTICS).
 */
void outcome_event_line(const struct session_event *ev, char *buf,
    size_t len);

#endif
