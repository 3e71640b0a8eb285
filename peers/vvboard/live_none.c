/*
 * The live page in the static board build: there is no libmicrohttpd for
 * arm64 here, so it cannot start (cmd_send refuses --live before this).
 */
#include "live/live.h"

#include <string.h>

void ub_live_config_init(struct ub_live_config *c)
{
	memset(c, 0, sizeof(*c));
}

struct ub_live *ub_live_start(const struct ub_live_config *c, struct ub_err *e)
{
	(void)c;
	ub_err_set(e, UB_E_INVAL, 0, "--live is not in this build (no libmicrohttpd)");
	return NULL;
}

const char *ub_live_address(const struct ub_live *lv)
{
	(void)lv;
	return "";
}

int ub_live_port(const struct ub_live *lv)
{
	(void)lv;
	return 0;
}

uint64_t ub_live_dropped(struct ub_live *lv)
{
	(void)lv;
	return 0;
}

void ub_live_tick(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final)
{
	(void)ctx, (void)now_ns, (void)b, (void)n, (void)final;
}

void ub_live_interval(void *ctx, unsigned board, const struct ub_interval *iv)
{
	(void)ctx, (void)board, (void)iv;
}

void ub_live_watch(struct ub_live *lv, struct ub_sender_watch *w)
{
	(void)lv, (void)w;
}

void ub_live_stop(struct ub_live *lv)
{
	(void)lv;
}
