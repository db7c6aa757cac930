/*
 * peer: a tiny echo server that misbehaves on purpose, for the tests.
 *
 *	peer [-l ADDR:PORT] MODE
 *
 * Listens on 127.0.0.1 port 0 by default, prints "listening on ADDR PORT"
 * once it listens, and serves connections one at a time, in-process, until
 * it is killed.  MODE says how each connection is served:
 *
 *	echo	 echo every byte; close (FIN) at the client's EOF
 *	mismatch echo, but with the fifth byte changed (XOR 1)
 *	short	 echo all but the last byte; close (FIN) at EOF
 *	rst	 read once, then close with SO_LINGER {1,0} (RST)
 *	nofin	 echo, but keep the socket open after EOF: no FIN ever
 *	earlyfin echo the first read, shutdown(SHUT_WR) (FIN), then read
 *		 and discard until EOF
 *
 * How each connection ended goes to standard error, one line each
 * ("peer: connection 1: EOF", "peer: connection 2: read: Connection reset
 * by peer"), so that tests can check what the client did to it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "io.h"
#include "net.h"

/* The byte, counted from 0, that mismatch mode changes. */
#define MISMATCH_AT 4

enum mode { ECHO, MISMATCH, SHORT, RST, NOFIN, EARLYFIN };

static const char *const mode_names[] = {
	[ECHO] = "echo", [MISMATCH] = "mismatch", [SHORT] = "short",
	[RST] = "rst", [NOFIN] = "nofin", [EARLYFIN] = "earlyfin",
};

/*
 * Serves one connection on fd as mode says.  Returns 1 if fd must stay
 * open (nofin), else 0; fd is then still open and the caller closes it.
 * Reports how the connection ended.
 */
static int
serve(int fd, enum mode mode, unsigned long conn)
{
	static const struct linger abort_linger = { 1, 0 };
	char buf[64 * 1024];
	unsigned long long offset = 0;
	int have_held = 0, first = 1;
	char held = 0;
	ssize_t n;

	while ((n = io_read(fd, buf, sizeof buf)) > 0) {
		const char *out = buf;
		size_t len = (size_t)n;

		switch (mode) {
		case RST:
			if (setsockopt(fd, SOL_SOCKET, SO_LINGER,
			    &abort_linger, sizeof abort_linger) < 0) {
				diag_err(errno, "connection %lu: setsockopt "
				    "SO_LINGER", conn);
				return 0;
			}
			diag_msg("connection %lu: closing with RST", conn);
			return 0;
		case MISMATCH:
			if (offset <= MISMATCH_AT && MISMATCH_AT < offset + len)
				buf[MISMATCH_AT - offset] ^= 1;
			break;
		case SHORT:
			/* Hold each chunk's last byte back until more comes:
			 * the last byte of the stream is never sent. */
			if (have_held && io_write_all(fd, &held, 1) < 0)
				goto write_failed;
			held = buf[len - 1];
			have_held = 1;
			len--;
			break;
		case EARLYFIN:
			if (!first)
				len = 0;	/* discarded */
			break;
		case ECHO:
		case NOFIN:
			break;
		}
		offset += (unsigned long long)n;
		if (len > 0 && io_write_all(fd, out, len) < 0)
			goto write_failed;
		if (mode == EARLYFIN && first) {
			if (shutdown(fd, SHUT_WR) < 0)
				diag_err(errno, "connection %lu: shutdown",
				    conn);
			else
				diag_msg("connection %lu: sent FIN", conn);
		}
		first = 0;
	}
	if (n < 0) {
		diag_err(errno, "connection %lu: read", conn);
		return 0;
	}
	diag_msg("connection %lu: EOF after %llu bytes", conn, offset);
	if (mode == NOFIN) {
		diag_msg("connection %lu: kept open, no FIN", conn);
		return 1;
	}
	return 0;

write_failed:
	diag_err(errno, "connection %lu: write", conn);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *listen_text = "127.0.0.1:0";
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct sigaction sa;
	struct addr a;
	char err[256], where[ADDR_TEXT_MAX];
	unsigned long conn = 0;
	enum mode mode;
	size_t i;
	int lfd, c;

	diag_set_progname("peer");
	/* A client that went away is logged through write's EPIPE. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGPIPE, &sa, NULL);

	while ((c = getopt(argc, argv, "l:")) != -1) {
		if (c != 'l')
			goto usage;
		listen_text = optarg;
	}
	if (argc - optind != 1)
		goto usage;
	for (i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (strcmp(argv[optind], mode_names[i]) == 0)
			break;
	if (i == sizeof mode_names / sizeof mode_names[0])
		goto usage;
	mode = (enum mode)i;

	if (addr_parse_listen(listen_text, "0", &a, err, sizeof err) < 0 ||
	    (lfd = net_listen(&a, 16, err, sizeof err)) < 0) {
		diag_msg("%s", err);
		return 1;
	}
	/* One connection at a time: a blocking accept is all we need. */
	if (net_set_nonblock(lfd, 0) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) < 0) {
		diag_err(errno, "listen %s", listen_text);
		return 1;
	}
	addr_text((struct sockaddr *)&ss, len, where, sizeof where);
	printf("listening on %s\n", where);
	if (fflush(stdout) != 0)
		return 1;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				diag_err(errno, "accept");
			continue;
		}
		/* nofin leaks the descriptor on purpose: no FIN until the
		 * peer is killed. */
		if (!serve(fd, mode, ++conn))
			io_close_quiet(fd);
	}

usage:
	fprintf(stderr, "usage: peer [-l addr:port] "
	    "echo|mismatch|short|rst|nofin|earlyfin\n");
	return 64;
}
