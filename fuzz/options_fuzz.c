/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for forkechod's command line, alone and on top of a
 * config file, the way main() takes it: a first pass over the command
 * line, then config_assemble() (defaults, the file, the command line
 * again, then the checks), as at start and on SIGHUP.
 *
 * An input is "ARGS" or "ARGS\0FILE".  Each line of ARGS is one
 * argument after argv[0], at most MAX_ARGS of them (see args.h).  FILE,
 * if present, is the config file; a NUL separates it because a config
 * file may not hold one anyway.  The file the command line names with -c
 * is never opened: the fuzzer must not read whatever path it makes up (a
 * FIFO would hang it).
 *
 * Besides crashes, leaks and hangs, a refusal without a message fails,
 * and so does a configuration accepted with no address to listen on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "check.h"
#include "config.h"
#include "options.h"

#define MAX_ARGS 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The config file of the current input: a temporary file, unlinked as
 * soon as it is made so that nothing is left behind even if the fuzzer
 * dies, and reached by config_load() through /proc. */
static int file_fd = -1;
static char file_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char name[] = "/tmp/forkecho-options-fuzz.XXXXXX";

	(void)argc;
	(void)argv;
	file_fd = mkstemp(name);
	if (file_fd < 0)
		fuzz_fail("mkstemp %s: %s", name, strerror(errno));
	(void)unlink(name);
	snprintf(file_path, sizeof file_path, "/proc/self/fd/%d", file_fd);
	return 0;
}

/* Replaces the config file's contents with the len bytes at text. */
static void
write_file(const uint8_t *text, size_t len)
{
	if (ftruncate(file_fd, 0) < 0 ||
	    pwrite(file_fd, text, len, 0) != (ssize_t)len)
		fuzz_fail("writing %s: %s", file_path, strerror(errno));
}

/* Runs main()'s two passes over argv, with the config file at file (or
 * none if NULL). */
static void
parse_as_main(int argc, char *argv[], const char *file)
{
	struct server_config cfg;
	enum config_fault fault;
	char err[512] = "";
	int next;

	options_defaults(&cfg);
	next = options_parse_cli(&cfg, argc, argv, err, sizeof err);
	if (next < 0) {
		fuzz_expect_message("options_parse_cli", err);
		return;
	}
	/* main() stops here: an operand is a usage error, and -h, -V and
	 * --lessons are answered without a config file. */
	if (next < argc || cfg.want_help || cfg.want_version ||
	    cfg.want_lessons)
		return;
	fault = config_assemble(&cfg, file, argc, argv, err, sizeof err);
	if (fault != CONFIG_OK) {
		fuzz_expect_message("config_assemble", err);
		return;
	}
	if (cfg.nlisten < 1 || cfg.nlisten > OPTIONS_MAX_LISTEN)
		fuzz_fail("accepted with %d listen addresses", cfg.nlisten);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char progname[] = "forkechod";
	char *argv[MAX_ARGS + 2];
	const uint8_t *nul = memchr(data, '\0', size);
	size_t args_len = nul != NULL ? (size_t)(nul - data) : size;
	int argc = fuzz_args_split(data, args_len, progname, argv, MAX_ARGS);

	if (nul != NULL)
		write_file(nul + 1, size - args_len - 1);
	parse_as_main(argc, argv, nul != NULL ? file_path : NULL);
	fuzz_args_free(argc, argv);
	return 0;
}
