/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "input.h"

#include <string.h>

#include "io.h"

void
input_init_messages(struct input *in, char *const *messages, size_t count)
{
	memset(in, 0, offsetof(struct input, stage));
	in->messages = messages;
	in->message_count = count;
	in->fd = -1;
}

void
input_init_fd(struct input *in, int fd, int by_line)
{
	memset(in, 0, offsetof(struct input, stage));
	in->fd = fd;
	in->by_line = by_line;
}

int
input_poll_fd(const struct input *in)
{
	if (in->messages != NULL || in->eof ||
	    in->stage_len == sizeof in->stage)
		return -1;
	return in->fd;
}

ssize_t
input_read(struct input *in)
{
	ssize_t n;

	n = io_read(in->fd, in->stage + in->stage_len,
	    sizeof in->stage - in->stage_len);
	if (n < 0)
		return -1;
	if (n == 0)
		in->eof = 1;
	in->stage_len += (size_t)n;
	return n;
}

/* The next piece of the current message, its newline included. */
static size_t
take_message(struct input *in, char *buf, size_t len, int *unit_end)
{
	const char *msg = in->messages[in->message_index];
	size_t total = strlen(msg) + 1, left, n;

	left = total - in->message_off;
	n = left < len ? left : len;
	if (n == 0)
		return 0;
	/* The newline is not in the string: it is the unit's last byte. */
	if (n == left) {
		memcpy(buf, msg + in->message_off, n - 1);
		buf[n - 1] = '\n';
		in->message_index++;
		in->message_off = 0;
		*unit_end = 1;
	} else {
		memcpy(buf, msg + in->message_off, n);
		in->message_off += n;
	}
	return n;
}

size_t
input_take(struct input *in, char *buf, size_t len, int *unit_end)
{
	size_t n;

	*unit_end = 0;
	if (in->messages != NULL) {
		if (in->message_index == in->message_count)
			return 0;
		return take_message(in, buf, len, unit_end);
	}
	n = in->stage_len;
	if (in->by_line) {
		const char *nl = memchr(in->stage, '\n', in->stage_len);

		if (nl != NULL) {
			n = (size_t)(nl - in->stage) + 1;
			*unit_end = 1;
		} else if (in->eof && in->stage_len > 0) {
			*unit_end = 1;	/* a last line without a newline */
		} else if (in->stage_len < sizeof in->stage) {
			return 0;	/* the line is not complete yet */
		}
		/* A line longer than the read-ahead goes out in pieces,
		 * the unit ending with its newline. */
	}
	if (n > len) {
		n = len;
		*unit_end = 0;
	}
	memcpy(buf, in->stage, n);
	memmove(in->stage, in->stage + n, in->stage_len - n);
	in->stage_len -= n;
	return n;
}

int
input_done(const struct input *in)
{
	if (in->messages != NULL)
		return in->message_index == in->message_count;
	return in->eof && in->stage_len == 0;
}
