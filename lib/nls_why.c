/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * The keys nls_why() looks up: every "why" the server's trace writes,
 * with each number as %s (lib/nls.h).  They are here for xgettext,
 * which puts them in po/forkecho.pot; nothing reads the table at run
 * time.  tests/i18n.bats checks that every why of every lesson's trace
 * has a translation, so a new why without its key here fails there.
 *
 * A why is often two or three of these joined by "; ": the note that
 * says why a call was made (server/choreo.c's choreo_close() and
 * choreo_shutdown() callers), then what the measurement says
 * (server/trace.c, explain_close() and explain_shutdown()); a reap,
 * then what follows it.  nls_why() looks up the parts, so each is a key
 * of its own here; a key that holds "; " itself is one message.
 *
 * Not here: a why with the C library's words in it ("failed: %s",
 * "dup of fd %d failed: %s", an error event's strerror() text): those
 * words are no key of ours.  The views show an error event's strerror()
 * text in the C library's translation (traceview_why(), lib/traceview.h).
 */
#include "nls.h"

/* The reasons, by where the server writes them. */
const char *const nls_why_keys[] = {
	/* server/trace.c: what a close did (explain_close).
	 * TRANSLATORS: the trace's reasons, from here on.  Each %s is a
	 * number, and the numbers are put back in the order they come in
	 * the English text.  "holder"/"holders", "byte"/"bytes" are
	 * separate messages, one for 1 and one for more.  Many are joined
	 * by "; " in a trace: a note on why a call was made, then what it
	 * did. */
	N_("cannot be measured here"),
	N_("nothing changes for the %s other holder: they still accept"),
	N_("nothing changes for the %s other holders: they still accept"),
	N_("last reference: the listening socket is gone, new connections "
	    "are refused"),
	N_("nothing sent: %s other holder"),
	N_("nothing sent: %s other holders"),
	N_("no descriptor left, but nothing sent: a call blocked on it in "
	    "another thread still holds the socket"),
	N_("last reference, SO_LINGER {%s,%s}: RST"),
	N_("last reference, %s unread byte in the receive queue: RST"),
	N_("last reference, %s unread bytes in the receive queue: RST"),
	N_("last reference: the %s byte still queued go out, then FIN"),
	N_("last reference: the %s bytes still queued go out, then FIN"),
	N_("last reference: FIN"),
	N_("last reference; the FIN had gone already"),

	/* server/trace.c: what a shutdown did (explain_shutdown) */
	N_("SHUT_WR on a listening socket changes nothing: it still accepts"),
	N_("a listening socket: accept() now fails with EINVAL for all %s "
	    "holder, new connections are refused"),
	N_("a listening socket: accept() now fails with EINVAL for all %s "
	    "holders, new connections are refused"),
	N_("SHUT_RD sends nothing"),
	N_("shutdown ignores the other %s holder: FIN"),
	N_("shutdown ignores the other %s holders: FIN"),
	N_("the only holder: FIN"),
	N_("shutdown: FIN"),
	N_("the FIN had gone already"),

	/* server/trace.c: the other events */
	N_("the handshake was done by the kernel"),
	N_("child %s (pid %s) has a copy"),
	N_("the helper (pid %s) has a copy, as of every descriptor"),
	N_("fd %s is a second descriptor of fd %s's socket: one more "
	    "reference, nothing sent"),
	N_("the thread ends, status %s; the process and its descriptor "
	    "table go on"),
	N_("exit status %s"),
	N_("child %s (pid %s) exited %s"),
	N_("child %s (pid %s) killed by signal %s"),
	N_("child %s (pid %s) ended"),
	N_("worker %s (pid %s) exited %s"),
	N_("worker %s (pid %s) killed by signal %s"),
	N_("worker %s (pid %s) ended"),
	N_("the helper (pid %s) exited %s; its copies went with it"),
	N_("the helper (pid %s) was killed by signal %s; its copies went "
	    "with it"),
	N_("worker %s (pid %s) has a copy of the listening socket"),
	N_("worker %s (pid %s) waits for sockets from the parent"),
	N_("SCM_RIGHTS to worker %s (pid %s): one more holder, nothing sent"),
	N_("SCM_RIGHTS to worker %s (pid %s), which has not said it holds "
	    "it: refs unknown, a descriptor in flight is in no table"),

	/* server/choreo.c: the notes on the calls and the reads */
	N_("another thread has closed this descriptor already: its number "
	    "names nothing now, or another file (not touched)"),
	N_("the parent closes its copy at once"),
	N_("the parent's descriptor is closed: its number names nothing "
	    "now; the child's copy, an entry in its own table, reads on"),
	N_("too many copies held"),
	N_("the parent's timed shutdown"),
	N_("the parent closes its copy after its shutdown"),
	N_("the parent's timed close"),
	N_("the parent closes its copy when it reaps the child"),
	N_("the parent closes its copy when the worker is done with it"),
	N_("the server stops"),
	N_("the child's timed shutdown"),
	N_("after the first read and echo"),
	N_("read returned %s after SHUT_RD, but the client has not sent its "
	    "FIN: not its EOF, reading on"),
	N_("the client's FIN has arrived: its EOF"),
	N_("read returned %s; %s bytes were read that could not be echoed"),
	N_("read returned %s"),
	N_("at EOF"),
	N_("the write side is shut down; the other direction still works: "
	    "reading on to EOF, echoing nothing"),
	N_("the child dup()s its copy"),
	/* --step's note for the dup (server/step.c shows it) */
	N_("a second descriptor"),
	N_("SO_LINGER {%s,%s} set"),
	N_("the child closes with data unread"),
	N_("shutdown before close: the FIN must not wait for other holders"),
	N_("after its shutdown"),
	N_("the client was silent too long"),
	N_("done with the connection"),
	N_("the duplicate, closed later"),

	/* server/helper.c */
	N_("the helper closes what it inherited and does not need, first "
	    "thing"),
	N_("the helper's cleanup shuts down a connection it inherited but "
	    "does not own"),
	N_("the helper's cleanup closes it too"),
	N_("the helper's work is done: its copy goes as it exits"),

	/* server/model_threads.c */
	N_("the drain is over: shutdown wakes the thread"),

	/* server/model_prefork.c: a worker's reap, what follows; the
	 * parent's own acts; its stop */
	N_("replacing it now"),
	N_("not replaced: the server stops"),
	N_("not replaced: the listening socket is shut down"),
	N_("not replaced: the parent has closed its listening socket"),
	N_("it died %s s after its start; replacing it in %s s"),
	N_("the parent closes its copy of the listening socket"),
	N_("no worker can accept"),

	/* server/worker.c: why a worker leaves; its own act */
	N_("told to stop (SIGTERM)"),
	N_("told to make way for a new worker (SIGHUP)"),
	N_("served %s connections (--max-requests-per-worker)"),
	N_("the listening socket is shut down: nothing left to accept (held "
	    "it %s s)"),
	N_("the listening socket is shut down: nothing left to accept"),
	N_("the parent has gone"),
	N_("cannot read from the parent"),
	N_("worker %s shuts down its copy of the listening socket"),

	/* server/supervise.c: why the server stopped */
	N_("SIGTERM or SIGINT"),
	N_("pselect failed"),
	NULL
};
