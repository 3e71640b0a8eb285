/*
 * udpbench: the sender's --load options (latency under load, send/load.h),
 * taken apart from cmd_send.c's own: the direction, the phases and the
 * connections each way, and how they fit the run's length.
 */
#ifndef UB_LOADOPT_H
#define UB_LOADOPT_H

#include "lib/err.h"
#include "send/sender.h"

/* getopt values of the --load options (apart from every other command's). */
enum {
	UB_OPT_LOAD = 400,
	UB_OPT_LOAD_IDLE,
	UB_OPT_LOAD_TIME,
	UB_OPT_LOAD_STREAMS,
};

/* The long options' table entries, for a command's struct option table. */
#define UB_LOADOPT_OPTIONS                                                   \
	{ "load", required_argument, NULL, UB_OPT_LOAD },                        \
	{ "load-idle", required_argument, NULL, UB_OPT_LOAD_IDLE },              \
	{ "load-time", required_argument, NULL, UB_OPT_LOAD_TIME },              \
	{ "load-streams", required_argument, NULL, UB_OPT_LOAD_STREAMS }

/* What the command line said beyond the config itself. */
struct ub_loadopt {
	int have_time;  /* --load-time given */
	int have_other; /* --load-idle or --load-streams given */
};

/* Takes one --load option into c; returns 0, 1 when opt is none of them, or UB_E_INVAL. */
int ub_loadopt_take(struct ub_load_config *c, struct ub_loadopt *o, int opt, const char *arg,
		    struct ub_err *e);

/*
 * Fits the phases to the run: one peer, no --count; a --duration holds both
 * idle phases and at least 1 s of load, else the run lasts idle + load +
 * idle. Returns 0 or UB_E_INVAL with e naming the option.
 */
int ub_loadopt_check(struct ub_sender_config *c, const struct ub_loadopt *o, struct ub_err *e);

#endif
