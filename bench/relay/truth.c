#include "relay/truth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/outfile.h"
#include "stamp/proto.h"

#define TRUTH_SEQ_WINDOW 65536 /* duplicates are recognised this far back */

/*
 * RFC 4737 §4.1 on one flow's output in one direction: NextExp is one past
 * the largest sequence number sent so far; a number below it is reordered,
 * unless it was already sent (a duplicate, removed first). A bit per number
 * in the window [NextExp - W, NextExp) remembers what was sent.
 */
struct ub_truth_order {
	uint64_t *bits;
	int64_t next; /* NextExp, unwrapped (RFC 1982 serial arithmetic) */
	int started;
};

struct event {
	int64_t t_ns;
	int64_t delay_ns;
	uint32_t flow;
	uint32_t seq;
	uint8_t dir, action, has_seq;
};

struct ub_truth {
	struct ub_truth_config cfg;
	struct ub_truth_dir_counters dir[2]; /* [UB_DIR_UP], [UB_DIR_DOWN] */
	struct event *events;
	size_t nevents, cap_events;
	int truncated;
};

void ub_truth_config_init(struct ub_truth_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_events = UB_TRUTH_EVENTS_MAX;
}

struct ub_truth *ub_truth_new(const struct ub_truth_config *c, struct ub_err *e)
{
	struct ub_truth *t = calloc(1, sizeof(*t));

	if (!t) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	t->cfg = *c;
	if (t->cfg.max_events > UB_TRUTH_EVENTS_MAX)
		t->cfg.max_events = UB_TRUTH_EVENTS_MAX;
	return t;
}

void ub_truth_free(struct ub_truth *t)
{
	if (!t)
		return;
	free(t->events);
	free(t);
}

/* ---- reordering count ------------------------------------------------- */

struct ub_truth_order *ub_truth_order_new(void)
{
	return calloc(1, sizeof(struct ub_truth_order));
}

void ub_truth_order_free(struct ub_truth_order *o)
{
	if (!o)
		return;
	free(o->bits);
	free(o);
}

/* Returns 1 when s is reordered, 0 when in order, -1 for a duplicate (ignored). */
static int order_add(struct ub_truth_order *t, uint32_t s)
{
	const uint64_t mask = TRUTH_SEQ_WINDOW - 1;
	uint32_t u;
	int64_t d, v, x;

	if (!t->bits) {
		t->bits = calloc(TRUTH_SEQ_WINDOW / 64, sizeof(uint64_t));
		if (!t->bits)
			return 0;
	}
	if (!t->started) {
		t->started = 1;
		t->next = s;
	}
	u = s - (uint32_t)t->next;
	d = u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000LL;
	v = t->next + d;
	if (d >= 0) {
		/* In order: NextExp moves to s + 1; numbers skipped were never sent. */
		if (v - t->next + 1 >= TRUTH_SEQ_WINDOW)
			memset(t->bits, 0, TRUTH_SEQ_WINDOW / 8);
		else
			for (x = t->next; x <= v; x++)
				t->bits[((uint64_t)x & mask) / 64] &= ~(1ULL << ((uint64_t)x & 63));
		t->bits[((uint64_t)v & mask) / 64] |= 1ULL << ((uint64_t)v & 63);
		t->next = v + 1;
		return 0;
	}
	if (t->next - v > TRUTH_SEQ_WINDOW)
		return 1; /* beyond the window: reordered, not provably a duplicate */
	if (t->bits[((uint64_t)v & mask) / 64] & (1ULL << ((uint64_t)v & 63)))
		return -1;
	t->bits[((uint64_t)v & mask) / 64] |= 1ULL << ((uint64_t)v & 63);
	return 1;
}

/* ---- counting and events ---------------------------------------------- */

void ub_truth_in(struct ub_truth *t, enum ub_dir dir)
{
	t->dir[dir].in++;
}

void ub_truth_delayed(struct ub_truth *t, enum ub_dir dir)
{
	t->dir[dir].delayed++;
}

void ub_truth_send_error(struct ub_truth *t, enum ub_dir dir)
{
	t->dir[dir].send_errors++;
}

void ub_truth_sent(struct ub_truth *t, struct ub_truth_order *o, enum ub_dir dir,
		   const uint8_t *buf, size_t len)
{
	struct ub_truth_dir_counters *dc = &t->dir[dir];
	uint32_t seq;

	dc->out++;
	if (ub_proto_number(buf, len, &seq) == 0 && order_add(o, seq) == 1)
		dc->reordered++;
}

static void event_add(struct ub_truth *t, uint32_t flow, enum ub_dir dir, enum ub_truth_action a,
		      const uint8_t *buf, size_t len, int64_t delay_ns, int64_t t_ns)
{
	struct event *ev;

	if (t->nevents >= t->cfg.max_events) {
		t->truncated = 1;
		return;
	}
	if (t->nevents == t->cap_events) {
		size_t cap = t->cap_events ? 2 * t->cap_events : 1024;
		struct event *n;

		if (cap > t->cfg.max_events)
			cap = t->cfg.max_events;
		n = realloc(t->events, cap * sizeof(*n));
		if (!n) {
			t->truncated = 1;
			return;
		}
		t->events = n;
		t->cap_events = cap;
	}
	ev = &t->events[t->nevents++];
	ev->t_ns = t_ns;
	ev->delay_ns = delay_ns;
	ev->flow = flow;
	ev->dir = (uint8_t)dir;
	ev->action = (uint8_t)a;
	ev->seq = 0;
	ev->has_seq = ub_proto_number(buf, len, &ev->seq) == 0;
}

void ub_truth_record(struct ub_truth *t, uint32_t flow, enum ub_dir dir, enum ub_truth_action a,
		     const uint8_t *buf, size_t len, int64_t delay_ns, int64_t t_ns)
{
	struct ub_truth_dir_counters *dc = &t->dir[dir];

	switch (a) {
	case UB_TRUTH_QUEUE_DROP:
		dc->queue_dropped++;
		/* fall through */
	case UB_TRUTH_LOSS:
	case UB_TRUTH_BURST:
	case UB_TRUTH_OVERFLOW:
		dc->dropped++;
		break;
	case UB_TRUTH_DUP:
		dc->duplicated++;
		break;
	case UB_TRUTH_HOLD:
		dc->held++;
		break;
	case UB_TRUTH_DELAY:
		break;
	}
	event_add(t, flow, dir, a, buf, len, delay_ns, t_ns);
}

void ub_truth_counters(const struct ub_truth *t, enum ub_dir dir,
		       struct ub_truth_dir_counters *out)
{
	*out = t->dir[dir];
}

size_t ub_truth_events(const struct ub_truth *t, int *truncated)
{
	if (truncated)
		*truncated = t->truncated;
	return t->nevents;
}

/* ---- the JSON ------------------------------------------------------------ */

static json_t *impair_json(const struct ub_impair_config *c)
{
	json_t *burst = json_null();

	if (c->ge)
		burst = json_pack("{s:f,s:f,s:f,s:f}", "p", c->ge_p, "r", c->ge_r, "1-h", c->ge_1h,
				  "1-k", c->ge_1k);
	return json_pack("{s:f,s:o,s:I,s:I,s:s,s:s,s:f,s:f,s:I,s:i}", "loss", c->loss, "loss_burst",
			 burst, "delay_ns", (json_int_t)c->delay_ns, "jitter_ns",
			 (json_int_t)c->jitter_ns, "jitter_dist",
			 ub_impair_jitter_name(c->jitter_dist), "delay_model",
			 ub_impair_delay_model_name(c->delay_model), "reorder", c->reorder,
			 "duplicate", c->duplicate, "rate_bps", (json_int_t)c->rate_bps, "queue",
			 (int)c->queue);
}

static json_t *dir_json(const struct ub_truth *t, const struct ub_truth_header *h, int d)
{
	const struct ub_truth_dir_counters *c = &t->dir[d];

	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "in", (json_int_t)c->in,
			 "out", (json_int_t)c->out, "dropped", (json_int_t)c->dropped, "duplicated",
			 (json_int_t)c->duplicated, "reordered", (json_int_t)c->reordered, "delayed",
			 (json_int_t)c->delayed, "queue_dropped", (json_int_t)c->queue_dropped,
			 "held", (json_int_t)c->held, "send_errors", (json_int_t)c->send_errors,
			 "pending", (json_int_t)h->pending[d]);
}

static const char *action_name(enum ub_truth_action a)
{
	switch (a) {
	case UB_TRUTH_LOSS:
	case UB_TRUTH_BURST:
	case UB_TRUTH_OVERFLOW:
		return "drop";
	case UB_TRUTH_QUEUE_DROP:
		return "queue_drop";
	case UB_TRUTH_DUP:
		return "dup";
	case UB_TRUTH_HOLD:
		return "hold";
	case UB_TRUTH_DELAY:
		return "delay";
	}
	return "?";
}

static json_t *event_json(const struct event *ev)
{
	json_t *o = json_pack("{s:I,s:s,s:o,s:s}", "flow", (json_int_t)ev->flow, "dir",
			      ub_impair_dir_name((enum ub_dir)ev->dir), "seq",
			      ev->has_seq ? json_integer(ev->seq) : json_null(), "action",
			      action_name((enum ub_truth_action)ev->action));

	if (!o)
		return NULL;
	if (ev->action == UB_TRUTH_LOSS || ev->action == UB_TRUTH_BURST ||
	    ev->action == UB_TRUTH_OVERFLOW)
		json_object_set_new(o, "reason",
				    json_string(ev->action == UB_TRUTH_LOSS    ? "loss" :
						ev->action == UB_TRUTH_BURST ? "burst" :
									       "overflow"));
	json_object_set_new(o, "delay_ns", json_integer(ev->delay_ns));
	json_object_set_new(o, "t_ns", json_integer(ev->t_ns));
	return o;
}

static json_t *header_json(const struct ub_truth *t, const struct ub_truth_header *h)
{
	char ls[UB_ADDRSTR_MAX], ts[UB_ADDRSTR_MAX];

	return json_pack("{s:{s:s,s:i},s:I,s:s,s:s,s:I,s:{s:o,s:o},s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}",
			 "udpbench", "version", UB_VERSION, "format", 1, "seed",
			 (json_int_t)h->seed, "listen",
			 h->listen ? ub_net_addr_str(h->listen, ls, sizeof(ls)) : h->listen_name ? h->listen_name : "",
			 "target",
			 h->target ? ub_net_addr_str(h->target, ts, sizeof(ts)) : h->target_name ? h->target_name : "",
			 "elapsed_ns",
			 (json_int_t)h->elapsed_ns, "config", "up", impair_json(h->up), "down",
			 impair_json(h->down), "up", dir_json(t, h, UB_DIR_UP), "down",
			 dir_json(t, h, UB_DIR_DOWN), "flows", (json_int_t)h->flows, "max_flows",
			 (json_int_t)h->max_flows, "flows_refused", (json_int_t)h->flows_refused,
			 "flows_evicted", (json_int_t)h->flows_evicted, "unrouted",
			 (json_int_t)h->unrouted, "icmp_errors", (json_int_t)h->icmp_errors,
			 "events_total", (json_int_t)t->nevents, "events_truncated", t->truncated);
}

/* Writes the header object without its closing brace, then the events one per line. */
static int write_truth_file(const struct ub_truth *t, const struct ub_truth_header *h, FILE *f)
{
	json_t *hdr = header_json(t, h), *ev;
	char *s = NULL;
	size_t n, i;
	int rc = -1;

	if (!hdr)
		return -1;
	s = json_dumps(hdr, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	if (!s)
		goto out;
	/* Drop the closing brace and the blank before it; the events come last. */
	n = strlen(s);
	while (n > 0 && s[n - 1] != '}')
		n--;
	if (n > 0)
		n--;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n == 0)
		goto out;
	if (fwrite(s, 1, n, f) != n || fputs(",\n  \"events\": [", f) < 0)
		goto out;
	for (i = 0; i < t->nevents; i++) {
		ev = event_json(&t->events[i]);
		if (!ev)
			goto out;
		if (fputs(i ? ",\n    " : "\n    ", f) < 0 ||
		    json_dumpf(ev, f, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0) {
			json_decref(ev);
			goto out;
		}
		json_decref(ev);
	}
	if (fputs(t->nevents ? "\n  ]\n}\n" : "]\n}\n", f) < 0)
		goto out;
	rc = 0;
out:
	free(s);
	json_decref(hdr);
	return rc;
}

int ub_truth_write(const struct ub_truth *t, const struct ub_truth_header *h, const char *path,
		   struct ub_err *e)
{
	struct ub_outfile of;
	int rc;

	if (!path)
		return ub_err_set(e, UB_E_INVAL, 0, "no path for the truth log");
	rc = ub_outfile_open(&of, path, e);
	if (rc < 0)
		return rc;
	errno = 0;
	if (write_truth_file(t, h, of.f) < 0) {
		rc = ub_err_set(e, UB_E_IO, errno ? errno : EIO, "writing %s", path);
		ub_outfile_abort(&of);
		return rc;
	}
	return ub_outfile_commit(&of, e);
}

void ub_truth_print_counters(const struct ub_truth *t, FILE *f)
{
	const struct ub_truth_dir_counters *c;
	int d;

	for (d = 0; d < 2; d++) {
		c = &t->dir[d];
		fprintf(f,
			"udpbench relay %s: in %llu, out %llu, dropped %llu (queue %llu), "
			"duplicated %llu, reordered %llu, delayed %llu\n",
			ub_impair_dir_name((enum ub_dir)d), (unsigned long long)c->in,
			(unsigned long long)c->out, (unsigned long long)c->dropped,
			(unsigned long long)c->queue_dropped, (unsigned long long)c->duplicated,
			(unsigned long long)c->reordered, (unsigned long long)c->delayed);
	}
}
