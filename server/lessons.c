/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "lessons.h"

#include <string.h>

#include "nls.h"

/* Every lesson turns the lane-view trace on; options given after
 * --lesson override its settings. */

static const char *const proper_close[] = { "trace=yes",
    "parent-close=now", NULL };
static const char *const close_flushes[] = { "trace=yes",
    "parent-close=now", NULL };
static const char *const parent_forgets_close[] = { "trace=yes",
    "parent-close=never", NULL };
static const char *const child_shutdown_wr[] = { "trace=yes",
    "parent-close=exit", "child-shutdown=wr@eof", NULL };
static const char *const half_close[] = { "trace=yes",
    "child-shutdown=wr@first", "child-epipe=read-on", NULL };
static const char *const closed_fd_read[] = { "trace=yes",
    "parent-close=now", "parent-after-close=read", NULL };
static const char *const parent_shutdown[] = { "trace=yes",
    "parent-shutdown=rdwr@1", NULL };
static const char *const shut_rd[] = { "trace=yes",
    "child-shutdown=rd@first", NULL };
static const char *const close_unread[] = { "trace=yes",
    "child-end=first", "child-close=unread", NULL };
static const char *const linger_abort[] = { "trace=yes",
    "child-end=first", "child-close=linger0", NULL };
static const char *const prefork_listener[] = { "trace=yes",
    "model=prefork", "workers=3", "accept-in=workers",
    "parent-close-listener=1", "worker-shutdown-listener=rd@3", NULL };
static const char *const fd_passing[] = { "trace=yes", "model=prefork",
    "accept-in=parent", "parent-close=1", NULL };
static const char *const helper_holds[] = { "trace=yes",
    "helper=3", NULL };
static const char *const helper_shutdown_first[] = { "trace=yes",
    "helper=3", "child-close=shutdown", NULL };
static const char *const cloexec_no_help[] = { "trace=yes",
    "helper=3", "cloexec=yes", NULL };
static const char *const exec_holds[] = { "trace=yes",
    "helper=3", "helper-does=exec", NULL };
static const char *const child_shutdown_kills_parent[] = { "trace=yes",
    "helper=3", "helper-does=shutdown", NULL };
static const char *const dup_counts[] = { "trace=yes",
    "child-dup=2", NULL };
static const char *const close_does_not_wake[] = { "trace=yes",
    "model=threads", "parent-close=1", NULL };
static const char *const shutdown_wakes[] = { "trace=yes",
    "model=threads", "parent-shutdown=rdwr@1", NULL };
static const char *const zombies[] = { "trace=yes",
    "classic-bug=zombies", NULL };
static const char *const lost_sigchld[] = { "trace=yes",
    "classic-bug=lost-sigchld", NULL };
static const char *const eintr_accept[] = { "trace=yes",
    "classic-bug=eintr-accept", NULL };

/* The summaries and texts are English, marked with N_(): translated
 * where they are written (--lessons, the banner). */
/* TRANSLATORS: a lesson's summary is one line of --lessons; its text is
 * the banner printed at the start, lines of at most about 70 columns (a
 * Chinese character takes two).  Commands after "Try:", option names,
 * lesson names, calls and TCP names are typed or printed as they are. */
const struct lesson lessons_table[] = {
	{ "proper-close",
	  N_("parent closes at once, child closes at EOF: echo, then FIN"),
	  proper_close,
	  N_(
	  "The correct forking server.  Right after fork() the parent closes\n"
	  "its copy of the accepted socket (refs 2->1: nothing is sent, the\n"
	  "child still holds it).  The child echoes until the client's EOF\n"
	  "and closes the last copy (refs 1->0): that close sends the FIN.\n"
	  "Try: forkecho -m hello   (ends with \"server sent FIN\")\n") },
	{ "close-flushes",
	  N_("child closes with its echo still queued: close() returns at "
	  "once, every byte still arrives, then FIN"),
	  close_flushes,
	  N_(
	  "The correct server, with a client that sends much and reads\n"
	  "late.  A write returns once the kernel has queued the data, not\n"
	  "once the client has it.  At the client's EOF the child closes the\n"
	  "last reference (refs 1->0) while much of its echo is still queued:\n"
	  "the close row counts those bytes.  close() does not wait for them:\n"
	  "the kernel sends them as the client reads, and the FIN after them.\n"
	  "Nothing is lost.\n"
	  "Try: head -c 1000000 /dev/zero | forkecho --read-delay 1 | wc -c\n"
	  "     (1000000, and \"server sent FIN\" once the client reads)\n") },
	{ "parent-forgets-close",
	  N_("parent never closes: echo, then no FIN until the parent lets go"),
	  parent_forgets_close,
	  N_(
	  "The classic bug: the parent keeps its copy of every accepted\n"
	  "socket.  The child echoes, closes and exits, but its close only\n"
	  "drops a reference (refs 2->1) and sends nothing: the client waits\n"
	  "for a FIN that comes only when the parent lets go (here: when the\n"
	  "server stops).  Even an exited child changes nothing.\n"
	  "Try: forkecho -w 3 -m hello   (exit 4: no FIN within 3 s)\n") },
	{ "closed-fd-read",
	  N_("parent reads the copy it has just closed: EBADF, while the "
	  "child reads on"),
	  closed_fd_read,
	  N_(
	  "Right after fork() the parent closes its copy, then calls read()\n"
	  "on that descriptor once.  It fails with EBADF: a descriptor is an\n"
	  "entry in one process's table, and the parent's entry is gone.\n"
	  "The socket is not: the child's copy, an entry in its own table,\n"
	  "reads and echoes as usual, and its close at EOF sends the FIN.\n"
	  "Try: forkecho -m hello   (echoed, then \"server sent FIN\")\n") },
	{ "child-shutdown-wr",
	  N_("child calls shutdown(SHUT_WR) at EOF: FIN at once, despite the "
	  "parent's copy"),
	  child_shutdown_wr,
	  N_(
	  "The parent keeps its copy until it reaps the child.  At EOF the\n"
	  "child calls shutdown(SHUT_WR): shutdown() acts on the socket, not\n"
	  "on a descriptor, so the FIN goes out at once although the parent\n"
	  "still holds a copy (refs stay 2).  close() could not do that.\n"
	  "Try: forkecho -m hello   (FIN within milliseconds)\n") },
	{ "half-close",
	  N_("child calls shutdown(SHUT_WR) after the first echo and reads on: "
	  "FIN mid-conversation"),
	  half_close,
	  N_(
	  "After its first read and echo the child calls shutdown(SHUT_WR):\n"
	  "its FIN goes out at once, in the middle of the conversation.  It\n"
	  "has closed one direction only.  The client may go on sending, and\n"
	  "the child goes on reading: its echo write fails with EPIPE (a shut\n"
	  "write side cannot be written), so it counts what it reads until\n"
	  "the client's own FIN, and closes without an RST.\n"
	  "Try: forkecho --keep-sending -i 0.3 -m one -m two -m three\n"
	  "     (one echoed, FIN, then two and three accepted: exit 0)\n") },
	{ "parent-shutdown",
	  N_("parent calls shutdown(SHUT_RDWR) 1 s after accept: FIN "
	  "mid-conversation"),
	  parent_shutdown,
	  N_(
	  "The parent keeps its copy and, 1 s after the accept, calls\n"
	  "shutdown(SHUT_RDWR) on it while the child is blocked in read().\n"
	  "The FIN goes out for every holder, and the child's read returns 0\n"
	  "at that instant, as if the client had ended.\n"
	  "Try: forkecho -i 0.4 -m one -m two -m three -m four\n"
	  "     (FIN after about 1 s, before the input ended)\n") },
	{ "shut-rd",
	  N_("child calls shutdown(SHUT_RD) after the first echo: on Linux "
	  "nothing is lost"),
	  shut_rd,
	  N_(
	  "After its first read and echo the child calls shutdown(SHUT_RD).\n"
	  "Textbooks (BSD) say later data is discarded.  Linux sends nothing\n"
	  "and discards nothing: read() returns 0 at once, yet what the\n"
	  "client sends afterwards is still queued, read and echoed.  So the\n"
	  "child cannot take a 0 for EOF: it checks the TCP state and stops\n"
	  "at CLOSE_WAIT, when the client's FIN has really come.\n"
	  "Try: forkecho -i 0.3 -m one -m two -m three   (all three come back)\n") },
	{ "close-unread",
	  N_("child closes with client data unread: RST"),
	  close_unread,
	  N_(
	  "The child echoes the first chunk, then waits up to half a second\n"
	  "for more to arrive, leaves it unread and closes.  Closing the last\n"
	  "reference with unread data sends RST, not FIN (RFC 2525).\n"
	  "Try: forkecho -i 0.2 -m one -m two   (exit 3: connection reset)\n") },
	{ "linger-abort",
	  N_("child sets SO_LINGER {1,0} and closes: RST"),
	  linger_abort,
	  N_(
	  "The child echoes the first chunk, sets SO_LINGER {on, 0 s} and\n"
	  "closes: an abortive close, RST instead of FIN.  The client still\n"
	  "reads the echo it had received, then gets ECONNRESET.\n"
	  "Try: forkecho -i 0.2 -m one -m two   (exit 3: connection reset)\n") },
	{ "prefork-listener",
	  N_("prefork: closing one copy of the listener changes nothing; "
	  "SHUT_RD stops every accept()"),
	  prefork_listener,
	  N_(
	  "Three workers accept on one listening socket: with the parent's\n"
	  "copy, 4 references.  1 s after the start the parent closes its\n"
	  "copy (refs 4->3): nothing changes, the workers go on accepting.\n"
	  "2 s later worker 1 calls shutdown(SHUT_RD) on its copy.  That\n"
	  "acts on the socket, so every worker's accept() fails with EINVAL\n"
	  "at once and new connections are refused, although the workers\n"
	  "still hold the socket: they keep it 2 s more, then leave.  No\n"
	  "worker can be replaced (the parent has no copy left), and the\n"
	  "server stops, 5 s after its start.\n"
	  "Try: forkecho -m hello   (before 3 s: echoed; from 3 s to 5 s:\n"
	  "     refused, while the workers hold the socket)\n") },
	{ "fd-passing",
	  N_("the parent passes each socket to a worker, keeps its copy 1 s: "
	  "FIN only then"),
	  fd_passing,
	  N_(
	  "The parent accepts and hands the socket to an idle worker over a\n"
	  "UNIX socket with SCM_RIGHTS: the worker gets a descriptor for the\n"
	  "same socket, and refs go 1->2, as after fork().  The parent keeps\n"
	  "its copy for 1 s after the accept.  The worker echoes to EOF and\n"
	  "closes: refs 2->1, nothing sent.  The FIN goes out when the\n"
	  "parent closes, 1 s after the accept.\n"
	  "Try: forkecho -m hello   (\"server sent FIN after 1.0 s\")\n") },
	{ "helper-holds",
	  N_("a helper forked for other work holds the connection: the FIN "
	  "waits 3 s for it"),
	  helper_holds,
	  N_(
	  "A bug from real servers (Redis's BGSAVE child: redis/redis#2841,\n"
	  "#10077).  After its first echo the child forks a helper for other\n"
	  "work, which lives 3 s.  fork() copies every descriptor, so the\n"
	  "helper holds the connection too (refs 1->2) without ever using it.\n"
	  "At EOF the child closes (refs 2->1): nothing is sent.  The FIN goes\n"
	  "out when the helper exits, 3 s later.  ss -tanp names the helper as\n"
	  "the holder.  The fix is the next lesson.\n"
	  "Try: forkecho -w 1 -m hello   (exit 4: no FIN within 1 s)\n") },
	{ "helper-shutdown-first",
	  N_("the fix: with a helper alive, shutdown() before close(): FIN at "
	  "once"),
	  helper_shutdown_first,
	  N_(
	  "The fix Redis adopted (redis/redis#11376): while a forked child\n"
	  "may hold a copy, call shutdown(SHUT_RDWR) before close().\n"
	  "shutdown() acts on the socket, not on this process's descriptor,\n"
	  "so the FIN goes out at once although the helper still holds a copy\n"
	  "(refs stay 2); the close then drops this process's reference.\n"
	  "Try: forkecho -w 1 -m hello   (FIN within milliseconds)\n") },
	{ "cloexec-no-help",
	  N_("the socket is close-on-exec, the helper never execs: it still "
	  "holds the connection"),
	  cloexec_no_help,
	  N_(
	  "A bug from real servers (apache/guacamole-server PR 698: one\n"
	  "socket held by 40 of 40 processes).  The child marks its copy\n"
	  "close-on-exec (FD_CLOEXEC, as accept4(SOCK_CLOEXEC) would), then\n"
	  "forks the helper.  The flag acts at execve() only, and this helper\n"
	  "never execs: it holds the socket as in helper-holds, and the FIN\n"
	  "waits 3 s.  The fix for a helper that does not exec: it closes\n"
	  "what it inherited and does not need, first thing.\n"
	  "Try: forkecho -w 1 -m hello   (exit 4)\n"
	  "     with --helper-does close: FIN at once\n") },
	{ "exec-holds",
	  N_("the helper execs a program: without close-on-exec the program "
	  "holds the connection"),
	  exec_holds,
	  N_(
	  "The converse, as with a CGI program or a subprocess: the helper\n"
	  "execs sleep 3.  A descriptor without close-on-exec survives\n"
	  "execve(), so sleep, which knows nothing of sockets, holds the\n"
	  "connection (ss -tanp says \"sleep\"), and the FIN waits until it\n"
	  "exits.  The fix: the socket close-on-exec from the start\n"
	  "(accept4 with SOCK_CLOEXEC; here --cloexec yes): the exec closes\n"
	  "the helper's copy, and the child's close sends the FIN.\n"
	  "Try: forkecho -w 1 -m hello   (exit 4)\n"
	  "     with --cloexec yes: FIN at once\n") },
	{ "child-shutdown-kills-parent",
	  N_("a helper shuts down a connection it inherited: it ends for its "
	  "owner too"),
	  child_shutdown_kills_parent,
	  N_(
	  "A bug from real code (redis/redis-py#863; lxc/lxc PR 2619).  The\n"
	  "helper's cleanup \"disconnects\" what it inherited with\n"
	  "shutdown(SHUT_RDWR), then close().  shutdown() acts on the socket,\n"
	  "so the FIN goes out for every holder: the connection ends for the\n"
	  "child that owns it, in the middle of its conversation, and the\n"
	  "child's read returns 0.  A process that does not own a connection\n"
	  "should only close() its copy (redis-py now calls shutdown only in\n"
	  "the process that made the connection).\n"
	  "Try: forkecho -i 0.4 -m one -m two -m three\n"
	  "     (one echoed, then FIN before the input ended: exit 1)\n") },
	{ "dup-counts",
	  N_("dup() makes a second reference in one process: closing one sends "
	  "nothing"),
	  dup_counts,
	  N_(
	  "The child dup()s its copy at once (refs 1->2), as code that hands\n"
	  "a descriptor to a logger or to fdopen() does.  A reference is a\n"
	  "descriptor, whichever process holds it: at EOF the child closes\n"
	  "the original (refs 2->1) and nothing is sent; the FIN goes out\n"
	  "when it closes the duplicate, 2 s later.\n"
	  "Try: forkecho -m hello   (\"server sent FIN after 2.0 s\")\n") },
	{ "close-does-not-wake",
	  N_("threads: the acceptor closes the one descriptor 1 s after "
	  "accept: nothing sent, the blocked read goes on"),
	  close_does_not_wake,
	  N_(
	  "One process, a thread per connection: the threads share one\n"
	  "descriptor table, so the connection has one descriptor (refs 1),\n"
	  "not a copy per process.  1 s after the accept the accepting\n"
	  "thread closes it, while the connection's thread is blocked in\n"
	  "read() on it.  On Linux that close does not wake the read: the\n"
	  "blocked call holds the open file, refs drop 1->0 yet nothing is\n"
	  "sent.  The read returns what the client sends next; the echo's\n"
	  "write then finds the number closed (EBADF), and the socket ends\n"
	  "when the read lets go of it.  The number was free all along: a\n"
	  "new connection could have been given it (the classic race).\n"
	  "Try: forkecho -i 2 -m one -m two   (one echoed; two is not; FIN\n"
	  "     after 2 s, when the read returns, not at 1 s)\n") },
	{ "shutdown-wakes",
	  N_("threads: the acceptor calls shutdown(SHUT_RDWR) 1 s after "
	  "accept: FIN, and the blocked read returns 0 at once"),
	  shutdown_wakes,
	  N_(
	  "One process, a thread per connection, one descriptor each.  1 s\n"
	  "after the accept the accepting thread calls shutdown(SHUT_RDWR)\n"
	  "on it, while the connection's thread is blocked in read().\n"
	  "shutdown() acts on the socket: the FIN goes out at once, and the\n"
	  "blocked read returns 0, so the thread closes (refs 1->0, nothing\n"
	  "more to send) and ends.  This is how a threaded server wakes a\n"
	  "thread it wants to stop; close() would not (close-does-not-wake).\n"
	  "Try: forkecho -i 2 -m one -m two   (one echoed, FIN after 1 s)\n") },
	{ "zombies",
	  N_("the parent never reaps its children: they stay <defunct>"),
	  zombies,
	  N_(
	  "THIS SERVER RUNS A CLASSIC BUG ON PURPOSE: the textbook loop with\n"
	  "no SIGCHLD handler and no wait().  Every child that ends stays a\n"
	  "zombie, <defunct> in ps, until the server stops.  Echo still works.\n"
	  "Try: forkecho -m a; forkecho -m b; ps --ppid <server pid>\n") },
	{ "lost-sigchld",
	  N_("the SIGCHLD handler calls wait() once: some children stay "
	  "<defunct>"),
	  lost_sigchld,
	  N_(
	  "THIS SERVER RUNS A CLASSIC BUG ON PURPOSE: its SIGCHLD handler\n"
	  "calls wait() once.  Signals do not queue: when several children\n"
	  "end while one SIGCHLD is pending, one handler call reaps one child\n"
	  "(the one reap row of the trace) and the rest stay <defunct>.\n"
	  "Try: kill -STOP the server, end five clients, kill -CONT it.\n") },
	{ "eintr-accept",
	  N_("SIGCHLD without SA_RESTART, accept() not retried: the server "
	  "dies"),
	  eintr_accept,
	  N_(
	  "THIS SERVER RUNS A CLASSIC BUG ON PURPOSE: its SIGCHLD handler is\n"
	  "installed without SA_RESTART and accept() is not retried.  When\n"
	  "the first child ends, the signal interrupts accept(), which fails\n"
	  "with EINTR, and the server exits: \"accept: Interrupted system\n"
	  "call\".  The bug bites only if the child ends while the parent\n"
	  "sleeps in accept(); with the trace on (as in every lesson) the\n"
	  "child waits until it does, so the race always goes this way.\n"
	  "Try: forkecho -m hello   (then the server is gone)\n") },
	{ NULL, NULL, NULL, NULL }
};

const struct lesson *
lessons_find(const char *name)
{
	const struct lesson *l;

	for (l = lessons_table; l->name != NULL; l++)
		if (strcmp(l->name, name) == 0)
			return l;
	return NULL;
}
