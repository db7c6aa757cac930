/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * traceevent_probe: writes one trace event as forkechod's --trace-json
 * would, with standard input (up to 64 KiB, any bytes but NUL) as its
 * "why", for tests/traceevent.bats: however long the why, the line must
 * stay one whole JSON object with its newline.
 */
#include <stdio.h>
#include <unistd.h>

#include "traceevent.h"

int
main(void)
{
	static char why[65536];
	struct traceevent ev;
	struct textrow r = { .len = 0 };
	size_t n = fread(why, 1, sizeof why - 1, stdin);

	why[n] = '\0';
	traceevent_init(&ev, "close");
	ev.pid = (long)getpid();
	ev.conn = 1;
	ev.fd = 4;
	ev.measured = 1;
	ev.refs_before = 2;
	ev.refs = 1;
	ev.state = "ESTABLISHED";
	ev.wire = "none";
	ev.addr = "127.0.0.1 7007";
	ev.why = why;
	traceevent_json(&ev, &r);
	return fwrite(r.buf, 1, r.len, stdout) == r.len ? 0 : 1;
}
