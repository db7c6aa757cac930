/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "outcome.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "traceevent.h"

/* The bytes sent that have not come back, where that counts as a wrong
 * echo: after a FIN the server has said it is done.  A reset or the
 * client's own close cuts the echo short by design, an early FIN is
 * reported as such, and the session ends with no FIN only once everything
 * came back (else it is no progress).  With --keep-sending the FIN before
 * the input ended was asked for: the server stopped echoing on purpose,
 * and what came back is judged as a beginning of what was sent. */
static int
is_short(const struct session_result *res)
{
	if (res->differs || res->received >= res->sent || res->fin_early)
		return 0;
	return res->end == SESSION_FIN;
}

int
outcome_status(const struct session_result *res)
{
	switch (res->end) {
	case SESSION_ERROR:
		return OUTCOME_LOCAL;
	case SESSION_RST:
		return OUTCOME_RESET;
	case SESSION_NO_FIN:
	case SESSION_NO_PROGRESS:
		return OUTCOME_NO_FIN;
	case SESSION_EARLY_FIN:
		/* Not all input was echoed. */
	case SESSION_STOPPED:
		/* The client stopped reading, so whether a FIN or an RST
		 * would have come is not known; what is known is that bytes
		 * came back that were never sent. */
		return OUTCOME_DIFFERS;
	case SESSION_FIN:
	case SESSION_CLIENT_CLOSED:
		break;
	}
	return res->differs || is_short(res) ? OUTCOME_DIFFERS : OUTCOME_OK;
}

void
outcome_line(const struct session_result *res, enum session_close mode,
    const char *wait, char *buf, size_t len)
{
	int n = 0;

	n = snprintf(buf, len, "sent %" PRIu64 " bytes, received %" PRIu64
	    " bytes, ", res->sent, res->received);
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	switch (res->end) {
	case SESSION_FIN:
		if (res->fin_early)
			n = snprintf(buf, len, "server sent FIN after %.3f s "
			    "before the input ended", res->fin_elapsed);
		else
			n = snprintf(buf, len, "server sent FIN after %.3f s",
			    res->elapsed);
		break;
	case SESSION_EARLY_FIN:
		n = snprintf(buf, len, "server sent FIN after %.3f s "
		    "before the input ended", res->elapsed);
		break;
	case SESSION_RST:
		n = snprintf(buf, len, "connection reset by server (RST) "
		    "after %.3f s", res->elapsed);
		break;
	case SESSION_NO_FIN:
		n = snprintf(buf, len, "no FIN from server within %s s: "
		    "another process may still hold its socket", wait);
		break;
	case SESSION_NO_PROGRESS:
		n = snprintf(buf, len, "no progress from server within %s s: "
		    "it is not reading or not echoing", wait);
		break;
	case SESSION_STOPPED:
		n = snprintf(buf, len, "client stopped reading after %.3f s",
		    res->elapsed);
		break;
	case SESSION_CLIENT_CLOSED:
		n = snprintf(buf, len, "client closed (%s) after %.3f s "
		    "without waiting for the echo",
		    mode == SESSION_CLOSE_LINGER0 ? "linger0" : "close",
		    res->elapsed);
		break;
	case SESSION_ERROR:
		break;	/* not called for it: see outcome.h */
	}
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	if (res->differs) {
		n = snprintf(buf, len, "; echo differs from what was sent "
		    "at byte %" PRIu64, res->differs_at);
		if (n < 0 || (size_t)n >= len)
			return;
		buf += n;
		len -= (size_t)n;
	}
	if (res->unexpected > 0)
		n = snprintf(buf, len, "; %" PRIu64 " unexpected bytes came "
		    "back, not written", res->unexpected);
	else if (is_short(res))
		n = snprintf(buf, len, "; only %" PRIu64 " of %" PRIu64
		    " bytes came back", res->received, res->sent);
	else
		n = 0;
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	if (res->fin_early)
		(void)snprintf(buf, len, "; %" PRIu64 " bytes sent after the "
		    "FIN", res->after_fin);
}

/* The errno's name where the trace knows it ("EPIPE"), else its text. */
static const char *
err_name(int err)
{
	const char *name = traceevent_errno_name(err);

	return strcmp(name, "EOTHER") == 0 ? strerror(err) : name;
}

void
outcome_event_line(const struct session_event *ev, char *buf, size_t len)
{
	switch (ev->kind) {
	case SESSION_EV_FIN:
		(void)snprintf(buf, len, "server sent FIN after %.3f s before "
		    "the input ended; sending on", ev->elapsed);
		break;
	case SESSION_EV_WRITE:
		if (ev->err == 0)
			(void)snprintf(buf, len, "write of %zu bytes after FIN: "
			    "accepted", ev->bytes);
		else
			(void)snprintf(buf, len, "write of %zu bytes%s: failed "
			    "with %s", ev->bytes, ev->after_fin ?
			    " after FIN" : "", err_name(ev->err));
		break;
	case SESSION_EV_RESET:
		(void)snprintf(buf, len, "RST from server after %.3f s: %s %s",
		    ev->elapsed, ev->by_read ? "read failed with" :
		    "socket error", err_name(ev->err));
		break;
	}
}
