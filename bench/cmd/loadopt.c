#include "cmd/loadopt.h"

#include <string.h>

#include "cmd/opt.h"
#include "lib/clock.h"

#define MIN_LOADED_NS UB_NS_PER_S

int ub_loadopt_take(struct ub_load_config *c, struct ub_loadopt *o, int opt, const char *arg,
		    struct ub_err *e)
{
	switch (opt) {
	case UB_OPT_LOAD:
		if (strcmp(arg, "up") == 0)
			c->dir = UB_LOADSUM_UP;
		else if (strcmp(arg, "down") == 0)
			c->dir = UB_LOADSUM_DOWN;
		else if (strcmp(arg, "both") == 0)
			c->dir = UB_LOADSUM_BOTH;
		else
			return ub_err_set(e, UB_E_INVAL, 0, "--load '%s': up, down or both", arg);
		return 0;
	case UB_OPT_LOAD_IDLE:
		o->have_other = 1;
		/* the connections wait through it: under the reflector's idle timeout (60 s) */
		return ub_opt_duration("--load-idle", arg, 0, 30 * UB_NS_PER_S, &c->idle_ns, e);
	case UB_OPT_LOAD_TIME:
		o->have_time = 1;
		return ub_opt_duration("--load-time", arg, MIN_LOADED_NS, 3600 * UB_NS_PER_S,
				       &c->loaded_ns, e);
	case UB_OPT_LOAD_STREAMS:
		o->have_other = 1;
		return ub_opt_unsigned("--load-streams", arg, 1, UB_LOAD_STREAMS_MAX, &c->streams, e);
	}
	return 1;
}

int ub_loadopt_check(struct ub_sender_config *c, const struct ub_loadopt *o, struct ub_err *e)
{
	struct ub_load_config *l = &c->load;

	if (!l->dir) {
		if (o->have_time || o->have_other)
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--load-idle, --load-time and --load-streams need --load");
		return 0;
	}
	if (c->n_peers != 1)
		return ub_err_set(e, UB_E_INVAL, 0, "--load: loads the link to one peer; give one --peer");
	if (c->count)
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--load: the phases are times; give --duration (or --load-time), not --count");
	if (c->duration_ns && o->have_time)
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--load-time: the run lasts idle + load + idle; leave out --duration");
	if (c->duration_ns) {
		l->loaded_ns = c->duration_ns - 2 * l->idle_ns;
		if (l->loaded_ns < MIN_LOADED_NS)
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--duration: holds two idle phases (--load-idle) and at "
					  "least 1s of load");
		return 0;
	}
	c->duration_ns = 2 * l->idle_ns + l->loaded_ns;
	return 0;
}
