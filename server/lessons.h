/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * lessons: named presets of the close choreography, each with a text
 * that says what to try, what you will see and why.  A lesson is data:
 * "key=value" settings applied like a config file's lines, never a code
 * path of its own.
 */
#ifndef FORKECHOD_LESSONS_H
#define FORKECHOD_LESSONS_H

struct lesson {
	const char *name;
	/* summary and text are English, marked with N_(): _() where
	 * they are written. */
	const char *summary;		/* one line, for --lessons */
	const char *const *preset;	/* "key=value" ..., NULL */
	const char *text;		/* printed at start */
};

/* The lessons, ending with a NULL name. */
extern const struct lesson lessons_table[];

const struct lesson *lessons_find(const char *name);

#endif
