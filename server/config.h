/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * config: the config file, "key = value" lines whose keys are the long
 * option names.  It only reads and reports; main decides what to do.
 */
#ifndef FORKECHOD_CONFIG_H
#define FORKECHOD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "options.h"

/*
 * Reads path and applies each setting to cfg.  Returns 0, or -1 with
 * "PATH:LINE: reason" (or "open PATH: reason") in err.
 */
int config_load(struct server_config *cfg, const char *path, char *err,
    size_t errlen);

/* The same from an open stream; name stands for the file in messages. */
int config_read(struct server_config *cfg, FILE *fp, const char *name,
    char *err, size_t errlen);

/* What config_assemble found wrong. */
enum config_fault { CONFIG_OK = 0, CONFIG_BAD_FILE = -1, CONFIG_BAD_USE = -2 };

/*
 * The settings to run with: defaults, then the file (if file is not NULL),
 * then the command line on top, completed and checked.  Used at start
 * and on SIGHUP.  Returns CONFIG_OK, CONFIG_BAD_FILE (a bad line: status
 * 78) or CONFIG_BAD_USE (a bad option or combination: status 64), with
 * the message in err.
 */
enum config_fault config_assemble(struct server_config *cfg, const char *file,
    int argc, char *const argv[], char *err, size_t errlen);

#endif
