#include "send/loadrun.h"

#include <string.h>

#include "lib/units.h"

int ub_loadrun_begin(struct ub_loadrun *lr, const struct ub_load_config *c, struct ub_session *sess,
		     FILE *log, enum ub_lang lang, struct ub_err *e)
{
	char a[32], b[32], why_zh[UB_ERR_MSG_MAX] = "";
	int zh = lang == UB_LANG_ZH;
	struct ub_err le;

	memset(lr, 0, sizeof(*lr));
	if (!c->dir)
		return 0;
	lr->sum = ub_loadsum_new();
	if (!lr->sum)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	ub_session_set_loadsum(sess, lr->sum);
	ub_err_clear(&le);
	lr->load = ub_load_new(c, ub_session_addr(sess), &le, why_zh, sizeof(why_zh));
	if (!lr->load) {
		if (le.code == UB_E_NOMEM)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		lr->refused = 1;
		ub_load_not_run(c, le.msg, why_zh, &lr->run);
		if (log)
			fprintf(log, UB_TR(zh, "udpbench: load: %s; measuring without load\n",
					   "udpbench: 负载：%s；本次不加负载，照常测量\n"),
				zh && why_zh[0] ? why_zh : le.msg);
		return 0;
	}
	if (log && ub_load_granted_ns(lr->load) < c->loaded_ns)
		fprintf(log, UB_TR(zh, "udpbench: load: the reflector allows %s of load a connection: "
				       "the loaded phase (%s) ends then\n",
				   "udpbench: 负载：" UB_ZH_REFLECTOR "每条连接只允许 %s 的负载，"
				   "负载阶段（%s）到时就结束\n"),
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
