/*
 * Fuzz target: the link emulator's impairment model (bench/impair.c) with
 * a configuration and traffic from the input. The input is text lines
 * "name value" (or "name = value", as in a scenario's [link] section) up
 * to the first NUL octet; after it, binary traffic: per packet two octets
 * of gap in microseconds and two of size. Without a NUL the traffic is a
 * fixed 10 ms probe train.
 *
 * What is checked: each decision is consistent (a dropped packet has no
 * copies, emit = now + queue + delay, delays never negative), under the
 * fifo delay model no packet leaves before the one let through before it, an
 * impairment that is off never acts (an inactive configuration passes
 * every packet untouched), and two models with the same seed
 * decide the same (a relay run repeats exactly).
 */
#include <string.h>

#include "fuzz.h"
#include "relay/impair.h"

#define LINES_MAX 32
#define PACKETS_MAX 256

static void configure(char *text, struct ub_impair_config *up, struct ub_impair_config *down)
{
	char *line, *save = NULL, *name, *value;
	size_t k;
	int lines = 0;

	for (line = strtok_r(text, "\n", &save); line && lines < LINES_MAX;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		name = line + strspn(line, " \t");
		k = strcspn(name, " \t=");
		value = name + k;
		value += strspn(value, " \t=");
		if (name[k])
			name[k] = '\0';
		ub_impair_set(up, down, name, value, NULL);
	}
}

static void check_decision(const struct ub_impair_config *c, int64_t now,
			   const struct ub_impair_decision *d)
{
	FUZZ_CHECK(d->emit_ns >= now);
	/* A configuration that changes nothing lets every packet straight through. */
	if (!ub_impair_config_active(c))
		FUZZ_CHECK(d->drop == UB_IMPAIR_PASS && d->copies == 1 && !d->hold &&
			   d->queue_ns == 0 && d->delay_ns == 0);
	if (d->drop != UB_IMPAIR_PASS) {
		FUZZ_CHECK(d->drop == UB_IMPAIR_LOSS || d->drop == UB_IMPAIR_BURST ||
			   d->drop == UB_IMPAIR_QUEUE);
		FUZZ_CHECK(d->copies == 0 && d->hold == 0 && d->emit_ns == now);
		FUZZ_CHECK(d->drop != UB_IMPAIR_LOSS || c->loss > 0);
		FUZZ_CHECK(d->drop != UB_IMPAIR_BURST || c->ge);
		FUZZ_CHECK(d->drop != UB_IMPAIR_QUEUE || c->rate_bps);
		return;
	}
	FUZZ_CHECK(d->copies == 1 || (d->copies == 2 && c->duplicate > 0));
	FUZZ_CHECK(d->hold == 0 || (d->hold == 1 && c->reorder > 0));
	FUZZ_CHECK(d->queue_ns >= 0 && (c->rate_bps || d->queue_ns == 0));
	FUZZ_CHECK(d->delay_ns >= 0 && d->delay_ns <= 2 * UB_IMPAIR_DELAY_MAX);
	FUZZ_CHECK(c->jitter_ns || d->delay_ns == c->delay_ns);
	FUZZ_CHECK(d->emit_ns == now + d->queue_ns + d->delay_ns);
}

static int decision_equal(const struct ub_impair_decision *a, const struct ub_impair_decision *b)
{
	return a->drop == b->drop && a->copies == b->copies && a->queue_ns == b->queue_ns &&
	       a->delay_ns == b->delay_ns && a->emit_ns == b->emit_ns && a->hold == b->hold;
}

static void run(const struct ub_impair_config *c, enum ub_dir dir, uint64_t seed,
		const uint8_t *traffic, size_t n)
{
	struct ub_impair *m = NULL, *twin = NULL;
	struct ub_impair_decision d, d2;
	int64_t now = 1000000000, last_emit = INT64_MIN;
	size_t i, packets, size;
	unsigned gap_us;

	m = ub_impair_new(c, seed, 7, dir);
	twin = ub_impair_new(c, seed, 7, dir);
	if (!m || !twin)
		goto out;
	packets = traffic ? n / 4 : 64;
	if (packets > PACKETS_MAX)
		packets = PACKETS_MAX;
	for (i = 0; i < packets; i++) {
		if (traffic) {
			gap_us = (unsigned)(traffic[4 * i] << 8 | traffic[4 * i + 1]);
			size = (size_t)(traffic[4 * i + 2] << 8 | traffic[4 * i + 3]) % 1501;
		} else {
			gap_us = 10000;
			size = 72;
		}
		now += (int64_t)gap_us * 1000;
		FUZZ_CHECK(ub_impair_decide(m, now, size, &d) == 0);
		FUZZ_CHECK(ub_impair_decide(twin, now, size, &d2) == 0);
		FUZZ_CHECK(decision_equal(&d, &d2));
		check_decision(c, now, &d);
		if (d.drop == UB_IMPAIR_PASS) {
			FUZZ_CHECK(c->delay_model != UB_DELAY_FIFO || d.emit_ns >= last_emit);
			last_emit = d.emit_ns;
		}
	}
out:
	ub_impair_free(m);
	ub_impair_free(twin);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_impair_config up, down;
	const uint8_t *nul, *traffic = NULL;
	size_t text_len, traffic_len = 0;
	uint64_t seed = 1;
	char *text;

	nul = memchr(d, '\0', n);
	text_len = nul ? (size_t)(nul - d) : n;
	if (nul) {
		traffic = nul + 1;
		traffic_len = n - text_len - 1;
	}
	text = malloc(text_len + 1);
	if (!text)
		return 0;
	memcpy(text, d, text_len);
	text[text_len] = '\0';
	ub_impair_config_init(&up);
	ub_impair_config_init(&down);
	configure(text, &up, &down);
	if (traffic_len >= 8) {
		memcpy(&seed, traffic, sizeof(seed));
		traffic += 8;
		traffic_len -= 8;
	}
	run(&up, UB_DIR_UP, seed, traffic, traffic_len);
	run(&down, UB_DIR_DOWN, seed, traffic, traffic_len);
	free(text);
	return 0;
}
