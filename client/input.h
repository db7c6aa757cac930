/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * input: where the bytes the client sends come from.
 *
 * Either the -m messages (each followed by a newline) or a descriptor,
 * standard input.  The bytes are handed out in units, so that the session
 * can pause between them (--interval): a unit is one message, or, when
 * reading a descriptor line by line, one line.  Nothing here touches the
 * connection.
 */
#ifndef FORKECHO_CLIENT_INPUT_H
#define FORKECHO_CLIENT_INPUT_H

#include <stddef.h>
#include <sys/types.h>

/* Bytes read ahead from the descriptor; also the longest unit a line can
 * be before it is handed out in pieces. */
#define INPUT_STAGE_SIZE (64 * 1024)

struct input {
	/* The messages, or NULL when reading fd. */
	char *const *messages;
	size_t message_count;
	size_t message_index;
	size_t message_off;	/* bytes of the current message taken */

	int fd;
	int by_line;		/* units are lines (else chunks as read) */
	int eof;		/* fd reported end of file */
	size_t stage_len;
	/* Last, so that the init functions clear everything before it. */
	char stage[INPUT_STAGE_SIZE];
};

/* Sends each of the count messages followed by a newline. */
void input_init_messages(struct input *in, char *const *messages,
    size_t count);

/* Sends what fd gives, read ahead up to INPUT_STAGE_SIZE bytes; by_line
 * makes every line one unit. */
void input_init_fd(struct input *in, int fd, int by_line);

/* The descriptor to poll for reading, or -1 when nothing needs reading
 * now (messages, end of file, or the read-ahead is full). */
int input_poll_fd(const struct input *in);

/* Reads once from the descriptor into the read-ahead.  Returns the number
 * of bytes read (0 at end of file), or -1 with errno. */
ssize_t input_read(struct input *in);

/*
 * Copies into buf at most len bytes of what is available now, never
 * crossing the end of a unit; *unit_end is set to 1 when the bytes copied
 * finish a unit.  Returns the number of bytes copied, 0 when nothing is
 * available yet.
 */
size_t input_take(struct input *in, char *buf, size_t len, int *unit_end);

/* 1 once every byte has been taken and no more will come. */
int input_done(const struct input *in);

#endif
