#include "send/epochs.h"

#include <stdlib.h>
#include <string.h>

/*
 * Whether timestamp a (NTP or PTP, raw 64 bits) is later than b. Both keep
 * whole seconds in the high 32 bits; the comparison is modulo 2^32 seconds
 * (136 years), so an NTP era rollover does not read as going back.
 */
static int ts_after(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) > 0;
}

/* Restart k (before epoch k + 1) as rc keeps it: the last slot takes the newest when more came. */
static struct ub_restart *restart_of(const struct ub_epochs *es, unsigned k,
				     struct ub_run_counters *rc)
{
	if (k < UB_RESTARTS_MAX - 1)
		return &rc->restarts[k];
	return k == es->n - 2 ? &rc->restarts[UB_RESTARTS_MAX - 1] : NULL;
}

/* The outage around restart k: after epoch k's last answer, before epoch k + 1's first. */
static void outage(const struct ub_epochs *es, unsigned k, struct ub_run_counters *rc)
{
	struct ub_restart *rs = restart_of(es, k, rc);

	if (!rs)
		return;
	rs->from_probe = es->e[k].seq_hi + 1;
	rs->to_probe = es->e[k + 1].seq_lo > 0 ? es->e[k + 1].seq_lo - 1 : 0;
}

uint32_t ub_epochs_counter(struct ub_epochs *es, uint32_t sender_seq, uint32_t refl, uint64_t t2,
			   struct ub_run_counters *rc)
{
	struct ub_epoch *ep;
	int64_t off = (int64_t)sender_seq - (int64_t)refl;
	unsigned i, best = 0;

	if (es->n == 0) {
		memset(&es->e[0], 0, sizeof(es->e[0]));
		es->e[0].offset = es->e[0].off_hi = off;
		es->e[0].max = refl;
		es->e[0].max_t2 = t2;
		es->e[0].seq_lo = es->e[0].seq_hi = sender_seq;
		es->n = 1;
		return refl;
	}
	for (i = 1; i < es->n; i++)
		if (llabs(off - es->e[i].offset) <= llabs(off - es->e[best].offset))
			best = i;
	ep = &es->e[es->n - 1];
	if (best == es->n - 1 && refl < ep->max && t2 && ep->max_t2 &&
	    ts_after(t2, ep->max_t2) && off > ep->off_hi && es->n < UB_EPOCHS_MAX) {
		struct ub_epoch *nx = &es->e[es->n++];

		memset(nx, 0, sizeof(*nx));
		nx->offset = nx->off_hi = off;
		nx->base = ep->base + ep->max + 1;
		nx->max = refl;
		nx->max_t2 = t2;
		nx->seq_lo = nx->seq_hi = sender_seq;
		if (rc->n_restarts < UB_RESTARTS_MAX)
			rc->n_restarts++;
		rc->refl_restarts++;
		outage(es, es->n - 2, rc);
		return (uint32_t)(nx->base + refl);
	}
	ep = &es->e[best];
	if (refl > ep->max || (refl == ep->max && !ep->max_t2)) {
		ep->max = refl;
		ep->max_t2 = t2;
	}
	if (off > ep->off_hi)
		ep->off_hi = off;
	if (sender_seq < ep->seq_lo || sender_seq > ep->seq_hi) {
		ep->seq_lo = sender_seq < ep->seq_lo ? sender_seq : ep->seq_lo;
		ep->seq_hi = sender_seq > ep->seq_hi ? sender_seq : ep->seq_hi;
		/* a late reply moves the outages on either side of its epoch */
		if (best > 0)
			outage(es, best - 1, rc);
		if (best + 1 < es->n)
			outage(es, best, rc);
	}
	return (uint32_t)(ep->base + refl);
}
