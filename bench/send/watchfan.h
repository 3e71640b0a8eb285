/*
 * udpbench: several watchers of one run (the live page and the metrics at
 * once). The sender calls one struct ub_sender_watch; a fan hands each call
 * on to every watcher added, in the order they were added.
 */
#ifndef UB_WATCHFAN_H
#define UB_WATCHFAN_H

#include "send/sender.h"

#define UB_WATCHFAN_MAX 4

struct ub_watchfan {
	struct ub_sender_watch w;       /* what the sender is given */
	struct ub_sender_watch to[UB_WATCHFAN_MAX];
	unsigned n;
};

/* Sets f empty. */
void ub_watchfan_init(struct ub_watchfan *f);

/* Adds a watcher (copied); returns 0, or UB_E_RANGE when f is full. */
int ub_watchfan_add(struct ub_watchfan *f, const struct ub_sender_watch *w);

/* The watch to give the sender: NULL with no watcher, the one itself with one, else the fan. */
const struct ub_sender_watch *ub_watchfan_watch(const struct ub_watchfan *f);

#endif
