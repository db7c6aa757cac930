/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "args.h"

#include <stdlib.h>
#include <string.h>

int
fuzz_args_split(const uint8_t *data, size_t len, char *progname,
    char *argv[], int max)
{
	size_t pos = 0;
	int argc = 1;

	argv[0] = progname;
	while (pos < len && argc <= max) {
		const uint8_t *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (data + pos)) :
		    len - pos;

		argv[argc] = malloc(n + 1);
		if (argv[argc] == NULL)
			break;
		memcpy(argv[argc], data + pos, n);
		argv[argc][n] = '\0';
		argc++;
		pos += n + 1;
	}
	argv[argc] = NULL;
	return argc;
}

void
fuzz_args_free(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++)
		free(argv[i]);
}
