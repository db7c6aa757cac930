/*
 * config: the config file, "key = value" lines whose keys are the long
 * option names.  It only reads and reports; main decides what to do.
 */
#ifndef FORKECHOD_CONFIG_H
#define FORKECHOD_CONFIG_H

#include <stddef.h>

#include "options.h"

/*
 * Reads path and applies each setting to cfg.  Returns 0, or -1 with
 * "PATH:LINE: reason" (or "open PATH: reason") in err.
 */
int config_load(struct server_config *cfg, const char *path, char *err,
    size_t errlen);

#endif
