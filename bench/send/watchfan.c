#include "send/watchfan.h"

#include <string.h>

static void fan_tick(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final)
{
	const struct ub_watchfan *f = ctx;
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (f->to[i].tick)
			f->to[i].tick(f->to[i].ctx, now_ns, b, n, final);
}

static void fan_interval(void *ctx, unsigned board, const struct ub_interval *iv)
{
	const struct ub_watchfan *f = ctx;
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (f->to[i].interval)
			f->to[i].interval(f->to[i].ctx, board, iv);
}

void ub_watchfan_init(struct ub_watchfan *f)
{
	memset(f, 0, sizeof(*f));
	f->w.ctx = f;
	f->w.tick = fan_tick;
	f->w.interval = fan_interval;
}

int ub_watchfan_add(struct ub_watchfan *f, const struct ub_sender_watch *w)
{
	if (f->n == UB_WATCHFAN_MAX)
		return UB_E_RANGE;
	f->to[f->n++] = *w;
	return 0;
}

const struct ub_sender_watch *ub_watchfan_watch(const struct ub_watchfan *f)
{
	if (!f->n)
		return NULL;
	return f->n == 1 ? &f->to[0] : &f->w;
}
