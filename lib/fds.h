/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * fds: descriptor hygiene at start-up.
 */
#ifndef FORKECHO_FDS_H
#define FORKECHO_FDS_H

/*
 * Closes every open descriptor from lowfd up: what a daemon does first, so
 * that descriptors its starter left open (a shell's redirections, a
 * supervisor's pipes) reach none of its children.  close_range(2) where
 * the kernel has it; otherwise each descriptor listed in /dev/fd, or, with
 * no /dev/fd, every number below the descriptor limit.  Cannot fail: a
 * descriptor that will not close is one that was not open.
 */
void fds_closefrom(int lowfd);

#endif
