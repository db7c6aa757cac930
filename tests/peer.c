/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * peer: a tiny echo server that misbehaves on purpose, for the tests.
 *
 *	peer [-a] [-e E] [-k K] [-l ADDR:PORT] [-t SECS] MODE
 *
 * Listens on 127.0.0.1 port 0 by default, prints "listening on ADDR PORT"
 * once it listens, and serves connections one at a time, in-process, until
 * it is killed.  MODE says how each connection is served:
 *
 *	echo	 echo every byte; close (FIN) at the client's EOF
 *	mismatch echo, but with the fifth byte changed (XOR 1)
 *	drop	 echo, but leave the fifth byte out
 *	dup	 echo, but send the fifth byte twice
 *	short	 echo all but the last byte; close (FIN) at EOF
 *	rst	 read once, then close with SO_LINGER {1,0} (RST)
 *	nofin	 echo, but keep the socket open after EOF: no FIN ever
 *	earlyfin echo the first read, shutdown(SHUT_WR) (FIN), then read
 *		 and discard until EOF
 *	earlyfin-noread
 *		 echo the first read, shutdown(SHUT_WR) (FIN), then never
 *		 read again and keep the socket open: a half-closed server
 *		 that stops reading
 *	noread	 accept, never read, keep the socket open
 *	discard	 read and throw away until EOF, never echo, keep the socket
 *		 open: no FIN ever
 *	hold	 read to EOF before echoing anything, then echo it all and
 *		 close (FIN)
 *	echorst	 echo the first read, then close with SO_LINGER {1,0} (RST)
 *	mismatch-nofin, mismatch-rst
 *		 nofin and echorst with mismatch's changed byte
 *	flood	 echo the first read, then send without end and never read
 *		 again: a server that floods its client
 *	drip	 echo the first read, then send one byte every -t seconds
 *		 without end, never reading again
 *	banner	 send a line nobody asked for ("unasked\n") before reading
 *		 anything, then echo; close (FIN) at EOF
 *	trickle	 echo every byte, but one byte every -t seconds: slow, and
 *		 correct; close (FIN) at EOF
 *
 * -k K makes the modes that change a byte (mismatch, drop, dup and the
 * mismatch- ones) change the K-th byte, counted from 1, instead of the
 * fifth; -e E makes them change it only on every E-th connection (the
 * E-th, the 2E-th, ...), and echo the others intact.  -a logs each
 * connection's source address ("peer: connection 1: from 127.0.0.1
 * 40000").  -t SECS is the pause of drip and trickle (default 0.5).
 *
 * How each connection ended goes to standard error, one line each
 * ("peer: connection 1: EOF after 6 bytes", "peer: connection 2: read:
 * Connection reset by peer"), so that tests can check what the client did
 * to it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "io.h"
#include "net.h"
#include "num.h"

enum behaviour { ECHO, SHORT, RST, NOFIN, EARLYFIN, EARLYFIN_NOREAD, NOREAD,
	DISCARD, HOLD, ECHORST, FLOOD, DRIP, BANNER, TRICKLE };

/* What happens to the changed byte (-k) of a connection. */
enum change { KEEP, FLIP, DROP, DUP };

static const struct mode {
	const char *name;
	enum behaviour how;
	enum change change;
} modes[] = {
	{ "echo", ECHO, KEEP },
	{ "mismatch", ECHO, FLIP },
	{ "drop", ECHO, DROP },
	{ "dup", ECHO, DUP },
	{ "short", SHORT, KEEP },
	{ "rst", RST, KEEP },
	{ "nofin", NOFIN, KEEP },
	{ "earlyfin", EARLYFIN, KEEP },
	{ "earlyfin-noread", EARLYFIN_NOREAD, KEEP },
	{ "noread", NOREAD, KEEP },
	{ "discard", DISCARD, KEEP },
	{ "hold", HOLD, KEEP },
	{ "echorst", ECHORST, KEEP },
	{ "mismatch-nofin", NOFIN, FLIP },
	{ "mismatch-rst", ECHORST, FLIP },
	{ "flood", FLOOD, KEEP },
	{ "drip", DRIP, KEEP },
	{ "banner", BANNER, KEEP },
	{ "trickle", TRICKLE, KEEP },
};

/* The line that banner sends first. */
#define BANNER_TEXT "unasked\n"


/* The byte that the changing modes change, counted from 0 (-k), and on
 * which connections (-e). */
static unsigned long long change_at = 4;
static unsigned long change_every = 1;

/* The pause of drip and trickle between two bytes (-t). */
static double pause_secs = 0.5;

static void
pause_once(void)
{
	struct timespec ts;

	ts.tv_sec = (time_t)pause_secs;
	ts.tv_nsec = (long)((pause_secs - (double)ts.tv_sec) * 1e9);
	/* A signal cutting the pause short only makes one byte early. */
	(void)nanosleep(&ts, NULL);
}

/*
 * flood and drip: sends bytes the client never sent, without end, until a
 * write fails (the client closed or reset).  Returns -1 with errno then.
 */
static int
send_forever(int fd, int drip)
{
	static char junk[64 * 1024];

	memset(junk, 'x', sizeof junk);
	for (;;) {
		if (io_write_all(fd, junk, drip ? 1 : sizeof junk) < 0)
			return -1;
		if (drip)
			pause_once();
	}
}

/* trickle: writes buf one byte at a time, pausing before each. */
static int
write_slowly(int fd, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		pause_once();
		if (io_write_all(fd, buf + i, 1) < 0)
			return -1;
	}
	return 0;
}

/* Closes fd with RST: SO_LINGER {1,0}, then close(). */
static void
close_rst(int fd, unsigned long conn)
{
	if (net_set_linger_abort(fd) < 0)
		diag_err(errno, "connection %lu: setsockopt SO_LINGER", conn);
	else
		diag_msg("connection %lu: closing with RST", conn);
	io_close_quiet(fd);
}

/* hold: keeps n more bytes of buf in *held, growing it.  Returns 0, or -1
 * with errno. */
static int
keep(char **held, size_t *held_len, const char *buf, size_t n)
{
	char *grown = realloc(*held, *held_len + n);

	if (grown == NULL)
		return -1;
	memcpy(grown + *held_len, buf, n);
	*held = grown;
	*held_len += n;
	return 0;
}

/*
 * Serves one connection on fd as mode says, and closes fd, except in the
 * modes that keep it open on purpose (no FIN until the peer is killed).
 * Reports how the connection ended.
 */
static void
serve(int fd, const struct mode *mode, unsigned long conn)
{
	/* One byte more than is read, for dup's extra byte. */
	char buf[64 * 1024 + 1];
	enum change change = conn % change_every == 0 ? mode->change : KEEP;
	unsigned long long offset = 0;
	int have_held = 0, first = 1;
	char held = 0, *hold_buf = NULL;
	size_t hold_len = 0;
	ssize_t n;

	if (mode->how == NOREAD) {
		diag_msg("connection %lu: kept open, never read", conn);
		return;
	}
	if (mode->how == BANNER) {
		if (io_write_all(fd, BANNER_TEXT, strlen(BANNER_TEXT)) < 0)
			goto write_failed;
		diag_msg("connection %lu: sent %zu unasked bytes", conn,
		    strlen(BANNER_TEXT));
	}
	while ((n = io_read(fd, buf, sizeof buf - 1)) > 0) {
		const char *out = buf;
		size_t len = (size_t)n;

		if (change != KEEP && offset <= change_at &&
		    change_at < offset + len) {
			size_t at = (size_t)(change_at - offset);

			if (change == FLIP) {
				buf[at] ^= 1;
			} else if (change == DROP) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			} else {
				memmove(buf + at + 1, buf + at, len - at);
				len++;
			}
		}
		offset += (unsigned long long)n;
		switch (mode->how) {
		case RST:
			close_rst(fd, conn);
			return;
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
		case DISCARD:
			len = 0;
			break;
		case HOLD:
			if (keep(&hold_buf, &hold_len, buf, len) < 0) {
				diag_err(errno, "connection %lu: realloc",
				    conn);
				goto done;
			}
			len = 0;
			break;
		case TRICKLE:
			if (write_slowly(fd, out, len) < 0)
				goto write_failed;
			len = 0;
			break;
		case EARLYFIN_NOREAD:
		case ECHO:
		case NOFIN:
		case ECHORST:
		case NOREAD:
		case FLOOD:
		case DRIP:
		case BANNER:
			break;
		}
		if (len > 0 && io_write_all(fd, out, len) < 0)
			goto write_failed;
		if (mode->how == FLOOD || mode->how == DRIP) {
			diag_msg("connection %lu: echoed %zu bytes, now sending "
			    "without end", conn, len);
			(void)send_forever(fd, mode->how == DRIP);
			goto write_failed;
		}
		if (mode->how == ECHORST) {
			close_rst(fd, conn);
			return;
		}
		if ((mode->how == EARLYFIN || mode->how == EARLYFIN_NOREAD) &&
		    first) {
			if (shutdown(fd, SHUT_WR) < 0)
				diag_err(errno, "connection %lu: shutdown",
				    conn);
			else
				diag_msg("connection %lu: sent FIN", conn);
		}
		if (mode->how == EARLYFIN_NOREAD) {
			diag_msg("connection %lu: kept open, never read "
			    "again", conn);
			free(hold_buf);
			return;
		}
		first = 0;
	}
	if (n < 0) {
		diag_err(errno, "connection %lu: read", conn);
		goto done;
	}
	diag_msg("connection %lu: EOF after %llu bytes", conn, offset);
	if (mode->how == NOFIN || mode->how == DISCARD) {
		diag_msg("connection %lu: kept open, no FIN", conn);
		free(hold_buf);
		return;
	}
	if (hold_len > 0 && io_write_all(fd, hold_buf, hold_len) < 0)
		goto write_failed;
	goto done;

write_failed:
	diag_err(errno, "connection %lu: write", conn);
done:
	free(hold_buf);
	io_close_quiet(fd);
}

int
main(int argc, char *argv[])
{
	const char *listen_text = "127.0.0.1:0";
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct addr a;
	char err[256], where[ADDR_TEXT_MAX];
	unsigned long conn = 0, k;
	const struct mode *mode = NULL;
	size_t i;
	int lfd, c, log_source = 0;

	diag_set_progname("peer");
	/* A client that went away is logged through write's EPIPE. */
	if (io_ignore_sigpipe() < 0) {
		diag_err(errno, "sigaction SIGPIPE");
		return 1;
	}

	while ((c = getopt(argc, argv, "ae:k:l:t:")) != -1) {
		switch (c) {
		case 'a':
			log_source = 1;
			break;
		case 'e':
			if (num_parse_ulong(optarg, 1, ULONG_MAX,
			    &change_every) < 0)
				goto usage;
			break;
		case 'k':
			if (num_parse_ulong(optarg, 1, ULONG_MAX, &k) < 0)
				goto usage;
			change_at = k - 1;
			break;
		case 'l':
			listen_text = optarg;
			break;
		case 't':
			if (num_parse_seconds(optarg, 60, &pause_secs) < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(argv[optind], modes[i].name) == 0)
			mode = &modes[i];
	if (mode == NULL)
		goto usage;

	if (addr_parse_listen(listen_text, "0", &a, err, sizeof err) < 0 ||
	    (lfd = net_listen(&a, 16, 0, err, sizeof err)) < 0) {
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
		struct sockaddr_storage from;
		socklen_t from_len = sizeof from;
		int fd = accept(lfd, (struct sockaddr *)&from, &from_len);

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				diag_err(errno, "accept");
			continue;
		}
		conn++;
		if (log_source) {
			addr_text((struct sockaddr *)&from, from_len, where,
			    sizeof where);
			diag_msg("connection %lu: from %s", conn, where);
		}
		serve(fd, mode, conn);
	}

usage:
	fprintf(stderr, "usage: peer [-a] [-e every] [-k byte] "
	    "[-l addr:port] [-t secs] mode\nmodes:");
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
		fprintf(stderr, " %s", modes[i].name);
	fputc('\n', stderr);
	return 64;
}
