/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * step: --step, a pause before each act on a shared socket.
 *
 * Before a close or shutdown the choreography makes, the process that
 * makes it says on standard error what it is about to do and waits: for
 * Enter on its terminal (the parent only, and only in the foreground),
 * or for SIGUSR1.  SIGUSR2, which the parent sends its children and
 * workers when the server stops, and the server's own stop end the
 * stepping in the process that gets them: every act from then on is made
 * at once.  Each process also counts the time it has waited, so that the
 * choreography's timers can leave it out (the choreography's clock stops
 * while its process waits at a step).
 */
#ifndef FORKECHOD_STEP_H
#define FORKECHOD_STEP_H

#include <signal.h>
#include <stddef.h>

/* Releases the step a process waits at. */
#define STEP_SIGNAL_GO SIGUSR1
/* Ends the stepping in the process that receives it. */
#define STEP_SIGNAL_END SIGUSR2

/*
 * Turns step mode on, in the parent, after signals_install().  wait_mask
 * is the mask the parent (and prefork workers) wait with in pselect();
 * prefork says whether the other processes are workers or children, for
 * the prompts.  Installs the handlers of SIGUSR1 and SIGUSR2 and blocks
 * both outside the waits.  Returns 0, or -1 with a message in err.
 */
int step_install(const sigset_t *wait_mask, int prefork, char *err,
    size_t errlen);

/* 1 if step mode was turned on (in any process, even where it has
 * ended since). */
int step_enabled(void);

/* 1 if the acts of this process still wait (step mode is on and has not
 * ended in it). */
int step_active(void);

/*
 * Says that this process is about to make act ("close",
 * "shutdown(SHUT_WR)") on descriptor fd of connection conn (0: a
 * listening socket), note saying why, and waits until the step is
 * released, or the stepping ends.  Does nothing when step_active() is 0.
 */
void step_before(unsigned long conn, int fd, const char *act,
    const char *note);

/* Seconds this process has waited at steps so far: the choreography's
 * clock is monotime_now() less this. */
double step_waited(void);

#endif
