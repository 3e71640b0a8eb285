#include "send/txkeys.h"

#include <stdlib.h>

#include "lib/err.h"

int ub_txkeys_init(struct ub_txkeys *k, uint32_t cap)
{
	k->q = calloc(cap ? cap : 1, sizeof(*k->q));
	k->cap = cap ? cap : 1;
	k->head = k->n = 0;
	return k->q ? 0 : UB_E_NOMEM;
}

void ub_txkeys_free(struct ub_txkeys *k)
{
	free(k->q);
	k->q = NULL;
	k->cap = k->n = 0;
}

void ub_txkeys_add(struct ub_txkeys *k, uint64_t end, uint64_t probe)
{
	if (!k->q || end == 0)
		return;
	if (k->n == k->cap) {
		k->head = (k->head + 1) % k->cap;
		k->n--;
	}
	k->q[(k->head + k->n) % k->cap] = (struct ub_txkey){ .end = end, .probe = probe };
	k->n++;
}

int ub_txkeys_match(struct ub_txkeys *k, uint32_t key, uint64_t *probe)
{
	while (k->n) {
		const struct ub_txkey *w = &k->q[k->head];
		/* Keys wrap at 2^32: compare as a signed distance, as TCP compares sequence numbers. */
		int32_t d = (int32_t)(key - (uint32_t)(w->end - 1));

		if (d < 0)
			return 0;
		k->head = (k->head + 1) % k->cap;
		k->n--;
		if (d == 0) {
			*probe = w->probe;
			return 1;
		}
	}
	return 0;
}
