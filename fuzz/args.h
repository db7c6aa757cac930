/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * args: an argument vector from fuzzer input, for the targets that fuzz
 * a command line.  Each line is one argument after argv[0], so that seeds
 * can be ordinary text files: a final newline ends the last line rather
 * than adding an empty argument.
 */
#ifndef FORKECHO_FUZZ_ARGS_H
#define FORKECHO_FUZZ_ARGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fills argv with progname and at most max arguments read from the len
 * bytes at data, and a NULL after them (argv has room for max + 2).  Each
 * argument has an allocation of its own, so that AddressSanitizer sees a
 * read past the end of one instead of into the next.  Returns argc.
 */
int fuzz_args_split(const uint8_t *data, size_t len, char *progname,
    char *argv[], int max);

/* Frees what fuzz_args_split() allocated. */
void fuzz_args_free(int argc, char *argv[]);

#endif
