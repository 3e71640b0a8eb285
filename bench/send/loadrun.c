#include "send/loadrun.h"

#include <string.h>

#include "lib/units.h"

int ub_loadrun_begin(struct ub_loadrun *lr, const struct ub_load_config *c, struct ub_session *sess,
		     FILE *log, struct ub_err *e)
{
	struct ub_err le;
	char a[32], b[32];

	memset(lr, 0, sizeof(*lr));
	if (!c->dir)
		return 0;
	lr->sum = ub_loadsum_new();
	if (!lr->sum)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	ub_session_set_loadsum(sess, lr->sum);
	ub_err_clear(&le);
	lr->load = ub_load_new(c, ub_session_addr(sess), &le);
	if (!lr->load) {
		if (le.code == UB_E_NOMEM)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		lr->refused = 1;
		ub_load_not_run(c, le.msg, &lr->run);
		if (log)
			fprintf(log, "udpbench: load: %s; measuring without load\n", le.msg);
		return 0;
	}
	if (log && ub_load_granted_ns(lr->load) < c->loaded_ns)
		fprintf(log, "udpbench: load: the reflector allows %s of load a connection: the "
			     "loaded phase (%s) ends then\n",
			ub_units_fmt_ns(ub_load_granted_ns(lr->load), a, sizeof(a)),
			ub_units_fmt_ns(c->loaded_ns, b, sizeof(b)));
	return 0;
}

int ub_loadrun_start(struct ub_loadrun *lr, int64_t start_mono, struct ub_err *e)
{
	return lr->load ? ub_load_start(lr->load, start_mono, e) : 0;
}

void ub_loadrun_stop(struct ub_loadrun *lr, const struct ub_load_config *c)
{
	(void)c;
	if (lr->load)
		ub_load_stop(lr->load, &lr->run);
}

const struct ub_load_summary *ub_loadrun_summary(struct ub_loadrun *lr)
{
	if (!lr->sum || ub_loadsum_finish(lr->sum, &lr->run, &lr->out) < 0)
		return NULL;
	return &lr->out;
}

void ub_loadrun_free(struct ub_loadrun *lr)
{
	ub_load_free(lr->load);
	ub_loadsum_free(lr->sum);
	memset(lr, 0, sizeof(*lr));
}
