/*
 * The OpenMetrics endpoint in the Windows build: there is no libmicrohttpd
 * for it, so --metrics is refused when it would start.
 */
#include "live/metrics.h"

#include <string.h>

void ub_metrics_config_init(struct ub_metrics_config *c)
{
	memset(c, 0, sizeof(*c));
}

/* Returns NULL with e saying the endpoint is not in this build. */
static struct ub_metrics *refuse(struct ub_err *e)
{
	ub_err_set(e, UB_E_INVAL, 0, "--metrics is not in this build (no libmicrohttpd)");
	return NULL;
}

struct ub_metrics *ub_metrics_start_sender(const struct ub_metrics_config *c, struct ub_err *e)
{
	(void)c;
	return refuse(e);
}

struct ub_metrics *ub_metrics_start_reflector(const struct ub_metrics_config *c, struct ub_err *e)
{
	(void)c;
	return refuse(e);
}

const char *ub_metrics_address(const struct ub_metrics *m)
{
	(void)m;
	return "";
}

int ub_metrics_port(const struct ub_metrics *m)
{
	(void)m;
	return 0;
}

uint64_t ub_metrics_scrapes(struct ub_metrics *m)
{
	(void)m;
	return 0;
}

void ub_metrics_watch(struct ub_metrics *m, struct ub_sender_watch *w)
{
	(void)m, (void)w;
}

void ub_metrics_tick(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final)
{
	(void)ctx, (void)now_ns, (void)b, (void)n, (void)final;
}

void ub_metrics_reflector(void *ctx, const struct ub_reflector *r)
{
	(void)ctx, (void)r;
}

void ub_metrics_final(struct ub_metrics *m)
{
	(void)m;
}

void ub_metrics_stop(struct ub_metrics *m, volatile sig_atomic_t *stop)
{
	(void)m, (void)stop;
}
