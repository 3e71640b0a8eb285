/*
 * udpbench: the load's place in a sender run (send --load, send/load.h):
 * asked for before the first probe, started with slot 0, stopped after the
 * last probe, and put beside the probes' fates into summary.load. When the
 * peer cannot carry load, one line says why at once and the probes run
 * without it; the result keeps why.
 */
#ifndef UB_LOADRUN_H
#define UB_LOADRUN_H

#include <stdio.h>

#include "lib/err.h"
#include "metrics/loadsum.h"
#include "metrics/words.h"
#include "send/load.h"
#include "send/session.h"

struct ub_loadrun {
	struct ub_load *load;       /* NULL: no load runs */
	struct ub_loadsum *sum;     /* the probes' fates; NULL without --load */
	struct ub_load_run run;
	struct ub_load_summary out;
	int refused;                /* asked for, and the peer could not carry it */
};

/*
 * Without c->dir, nothing. Else asks sess's peer for the load; a refusal is
 * said in one line on log and leaves lr->refused set. Returns 0, or
 * UB_E_NOMEM with e filled.
 */
int ub_loadrun_begin(struct ub_loadrun *lr, const struct ub_load_config *c, struct ub_session *sess,
		     FILE *log, enum ub_lang lang, struct ub_err *e);

/* Starts the phases with slot 0 at start_mono; 0 or a negative code with e filled. */
int ub_loadrun_start(struct ub_loadrun *lr, int64_t start_mono, struct ub_err *e);

/* Ends the load (the probes are done). */
void ub_loadrun_stop(struct ub_loadrun *lr, const struct ub_load_config *c);

/* summary.load once the probes are all decided; NULL without --load. Owned by lr. */
const struct ub_load_summary *ub_loadrun_summary(struct ub_loadrun *lr);

void ub_loadrun_free(struct ub_loadrun *lr);

#endif
