/*
 * Unit tests for bench/metrics/csvrows.c: rows decided out of order come
 * out in probe order, extra rows after their probe's own, within a bounded
 * buffer; and through ub_csv, the file a run leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "lib/err.h"
#include "metrics/csvrows.h"
#include "metrics/output.h"

#define OUT_MAX (1u << 12)

/* What came out: seq and status of each row, in order. */
struct out {
	uint32_t seq[OUT_MAX];
	enum ub_status st[OUT_MAX];
	size_t n;
	uint64_t total;     /* rows seen, when more than OUT_MAX */
	int64_t last_own;   /* the last own row's seq, -1 none */
	int own_in_order;   /* every own row was last_own + 1 */
};

static void collect(void *ctx, const struct ub_csv_row *r)
{
	struct out *o = ctx;

	if (o->n < OUT_MAX) {
		o->seq[o->n] = r->seq;
		o->st[o->n] = r->status;
		o->n++;
	}
	o->total++;
	if (r->status == UB_ST_OK || r->status == UB_ST_LOST) {
		if ((int64_t)r->seq != o->last_own + 1)
			o->own_in_order = 0;
		o->last_own = r->seq;
	}
}

static struct out *out_new(void)
{
	struct out *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	o->last_own = -1;
	o->own_in_order = 1;
	return o;
}

static void put(struct ub_csvrows *q, uint32_t seq, enum ub_status st)
{
	struct ub_csv_row r = { .seq = seq, .tx_ns = (int64_t)seq * 1000, .status = st, .ttl = -1 };

	ub_csvrows_put(q, &r);
}

/* Every field of each row that came out, for rows held and handed on later. */
static struct ub_csv_row seen[8];
static size_t n_seen;

static void keep(void *ctx, const struct ub_csv_row *r)
{
	(void)ctx;
	if (n_seen < 8)
		seen[n_seen++] = *r;
}

static void same_row(const struct ub_csv_row *a, const struct ub_csv_row *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_true(a->tx_ns == b->tx_ns && a->rx_ns == b->rx_ns && a->rtt_ns == b->rtt_ns);
	assert_true(a->refl_rx_ns == b->refl_rx_ns && a->refl_tx_ns == b->refl_tx_ns);
	assert_int_equal(a->refl_seq, b->refl_seq);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->has_rx, b->has_rx);
	assert_int_equal(a->has_refl, b->has_refl);
	assert_int_equal(a->reordered, b->reordered);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->has_tcp, b->has_tcp);
	assert_true(a->tcp_retransmits == b->tcp_retransmits && a->tcp_rto_ns == b->tcp_rto_ns);
}

/* A row held for its place comes out with every field it went in with, UDP's and TCP's. */
static void test_held_rows_keep_every_field(void **state)
{
	struct ub_csv_row in[3] = {
		{ .seq = 1, .tx_ns = INT64_MAX, .has_rx = 1, .rx_ns = INT64_MIN, .rtt_ns = -7,
		  .status = UB_ST_OK, .reordered = 1, .has_refl = 1, .refl_seq = UINT32_MAX,
		  .refl_rx_ns = 1765012345678901234LL, .refl_tx_ns = 1765012345678999999LL,
		  .ttl = 255, .has_tcp = 1, .tcp_retransmits = UINT64_MAX, .tcp_rto_ns = 200000000 },
		{ .seq = 2, .tx_ns = 5, .status = UB_ST_OK, .ttl = 0, .has_rx = 1, .rx_ns = 9,
		  .rtt_ns = 4 },
		{ .seq = 0, .tx_ns = 0, .status = UB_ST_LOST, .ttl = -1 },
	};
	struct ub_csvrows *q = ub_csvrows_new(1u << 16, keep, NULL);
	struct ub_csv_row dup = in[0];
	size_t i;

	(void)state;
	n_seen = 0;
	/* far ahead of the first probe too, so the buffer grows while it holds them */
	ub_csvrows_put(q, &in[0]);
	ub_csvrows_put(q, &in[1]);
	dup.status = UB_ST_DUP;
	ub_csvrows_put(q, &dup);
	in[2].seq = 0;
	{
		struct ub_csv_row far = in[1];

		far.seq = 40000;
		ub_csvrows_put(q, &far);
	}
	assert_int_equal(n_seen, 0);
	ub_csvrows_put(q, &in[2]);
	assert_int_equal(n_seen, 4);
	same_row(&seen[0], &in[2]);
	same_row(&seen[1], &in[0]);
	same_row(&seen[2], &dup);
	same_row(&seen[3], &in[1]);
	ub_csvrows_drain(q);
	assert_int_equal(n_seen, 5);
	assert_int_equal(seen[4].seq, 40000);
	/* held again after the drain gave its memory back */
	for (i = 0; i < 2; i++) {
		struct ub_csv_row r = in[1];

		r.seq = 40002 + (uint32_t)i; /* 40001 never decided: both wait */
		ub_csvrows_put(q, &r);
	}
	assert_int_equal(n_seen, 5);
	ub_csvrows_drain(q);
	assert_int_equal(n_seen, 7);
	assert_int_equal(seen[5].seq, 40002);
	assert_int_equal(seen[6].seq, 40003);
	ub_csvrows_free(q);
}

static void test_in_order_rows_go_out_at_once(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(16, collect, o);
	uint32_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		put(q, i, UB_ST_OK);
		assert_int_equal(o->n, i + 1);
		assert_int_equal(ub_csvrows_held(q), 0);
	}
	ub_csvrows_free(q);
	assert_true(o->own_in_order);
	free(o);
}

/* A probe lost at its timeout, after five later ones came back: its row comes first. */
static void test_lost_row_takes_its_place(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(16, collect, o);
	uint32_t i;

	(void)state;
	for (i = 1; i <= 5; i++)
		put(q, i, UB_ST_OK);
	assert_int_equal(o->n, 0);
	assert_int_equal(ub_csvrows_held(q), 5);
	put(q, 0, UB_ST_LOST);
	assert_int_equal(o->n, 6);
	assert_int_equal(ub_csvrows_held(q), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(o->seq[i], i);
	assert_int_equal(o->st[0], UB_ST_LOST);
	ub_csvrows_free(q);
	free(o);
}

/*
 * Extra rows: a copy of a held probe waits right behind its own row; a late
 * reply decided before its probe was written off waits for the lost row; a
 * copy of a probe already out goes out at once.
 */
static void test_extra_rows_follow_their_own(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(16, collect, o);
	static const uint32_t want_seq[] = { 0, 1, 1, 2, 2, 3, 3, 1 };
	static const enum ub_status want_st[] = {
		UB_ST_LOST, UB_ST_OK, UB_ST_DUP, UB_ST_LOST, UB_ST_LATE, UB_ST_OK, UB_ST_DUP, UB_ST_DUP,
	};
	size_t i;

	(void)state;
	put(q, 1, UB_ST_OK);
	put(q, 1, UB_ST_DUP);
	put(q, 2, UB_ST_LATE);   /* before its lost row */
	put(q, 3, UB_ST_DUP);    /* before its own row */
	put(q, 3, UB_ST_OK);
	put(q, 2, UB_ST_LOST);
	assert_int_equal(o->n, 0);
	put(q, 0, UB_ST_LOST);
	put(q, 1, UB_ST_DUP);    /* its probe's row is out */
	ub_csvrows_free(q);
	assert_int_equal(o->n, sizeof(want_seq) / sizeof(want_seq[0]));
	for (i = 0; i < o->n; i++) {
		assert_int_equal(o->seq[i], want_seq[i]);
		assert_int_equal(o->st[i], want_st[i]);
	}
	free(o);
}

/* An early stop: what is held goes out in order, a probe without a row skipped. */
static void test_drain_skips_gaps(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(16, collect, o);

	(void)state;
	put(q, 2, UB_ST_OK);
	put(q, 1, UB_ST_OK);
	put(q, 4, UB_ST_OK);
	ub_csvrows_drain(q);
	assert_int_equal(o->n, 3);
	assert_int_equal(o->seq[0], 1);
	assert_int_equal(o->seq[1], 2);
	assert_int_equal(o->seq[2], 4);
	assert_int_equal(ub_csvrows_held(q), 0);
	put(q, 5, UB_ST_OK);     /* after a drain the next probe goes on at once */
	assert_int_equal(o->n, 4);
	ub_csvrows_free(q);
	free(o);
}

/* The buffer grows from its first size up to the window, keeping what it holds. */
static void test_grows_up_to_window(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(1024, collect, o);
	uint32_t i;

	(void)state;
	for (i = 1; i < 1000; i++)
		put(q, i, i % 7 ? UB_ST_OK : UB_ST_LOST);
	assert_int_equal(ub_csvrows_held(q), 999);
	put(q, 0, UB_ST_LOST);
	assert_int_equal(o->n, 1000);
	for (i = 0; i < 1000; i++)
		assert_int_equal(o->seq[i], i);
	ub_csvrows_free(q);
	free(o);
}

/* A row further ahead than a window: what is held goes out, and order starts again there. */
static void test_beyond_window_starts_over(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(8, collect, o);
	uint32_t i;

	(void)state;
	for (i = 1; i < 8; i++)
		put(q, i, UB_ST_OK);
	assert_int_equal(o->n, 0);
	put(q, 8, UB_ST_OK);
	assert_int_equal(o->n, 8);
	assert_int_equal(o->seq[7], 8);
	assert_int_equal(ub_csvrows_held(q), 0);
	ub_csvrows_free(q);
	free(o);
}

/* A flood of copies of held probes: past the store, copies go out at once, none is lost. */
static void test_extra_store_is_bounded(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(64, collect, o);
	uint32_t i;

	(void)state;
	put(q, 1, UB_ST_OK);
	for (i = 0; i < 1000; i++)
		put(q, 1, UB_ST_DUP);
	assert_true(ub_csvrows_held(q) <= 1 + 64);
	assert_int_equal(ub_csvrows_out_of_place(q), 1000 - 64);
	put(q, 0, UB_ST_LOST);
	ub_csvrows_free(q);
	assert_int_equal(o->total, 1002);
	free(o);
}

/*
 * A long run as a sender makes it: every 50th probe lost and written off 40
 * probes later, every 97th copied. The buffer never holds more than the
 * probes in flight, and the order holds over millions of rows.
 */
static void test_long_run_stays_bounded(void **state)
{
	struct out *o = out_new();
	struct ub_csvrows *q = ub_csvrows_new(128, collect, o);
	const uint32_t n = 3000000, delay = 40;
	uint64_t max_held = 0;
	uint32_t i;

	(void)state;
	for (i = 0; i < n + delay; i++) {
		if (i < n && i % 50 != 0)
			put(q, i, UB_ST_OK);
		if (i < n && i % 97 == 0 && i % 50 != 0)
			put(q, i, UB_ST_DUP);
		if (i >= delay && (i - delay) % 50 == 0)
			put(q, i - delay, UB_ST_LOST);
		if (ub_csvrows_held(q) > max_held)
			max_held = ub_csvrows_held(q);
	}
	ub_csvrows_free(q);
	assert_true(o->own_in_order);
	assert_int_equal(o->last_own, n - 1);
	assert_true(max_held <= delay + 2);
	free(o);
}

/* Through ub_csv: rows handed over out of order, the file in order once closed. */
static void test_csv_file_in_probe_order(void **state)
{
	char path[] = "/tmp/ub-csvrows-XXXXXX", buf[512];
	struct ub_csv_row r = { .ttl = -1 };
	struct ub_err e;
	struct ub_csv *c;
	FILE *f;
	size_t len;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	c = ub_csv_open(path, 0, &e);
	assert_non_null(c);
	assert_int_equal(ub_csv_order(c, 64, &e), 0);
	r.seq = 1;
	r.tx_ns = 10;
	r.has_rx = 1;
	r.rx_ns = 30;
	r.rtt_ns = 20;
	r.status = UB_ST_OK;
	ub_csv_row(c, &r);
	r.seq = 2;
	r.tx_ns = 20;
	ub_csv_row(c, &r);
	memset(&r, 0, sizeof(r));
	r.ttl = -1;
	r.status = UB_ST_LOST;
	ub_csv_row(c, &r);        /* probe 0, lost */
	r.seq = 3;
	r.tx_ns = 30;
	ub_csv_row(c, &r);
	r.seq = 5;                /* held when the run stops: probe 4 never decided */
	r.tx_ns = 50;
	ub_csv_row(c, &r);
	assert_int_equal(ub_csv_close(c, &e), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	fclose(f);
	unlink(path);
	assert_string_equal(buf,
			    "seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n"
			    "0,0,,,lost,0,,,,\n"
			    "1,10,30,20,ok,0,,,,\n"
			    "2,20,30,20,ok,0,,,,\n"
			    "3,30,,,lost,0,,,,\n"
			    "5,50,,,lost,0,,,,\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_rows_keep_every_field),
		cmocka_unit_test(test_in_order_rows_go_out_at_once),
		cmocka_unit_test(test_lost_row_takes_its_place),
		cmocka_unit_test(test_extra_rows_follow_their_own),
		cmocka_unit_test(test_drain_skips_gaps),
		cmocka_unit_test(test_grows_up_to_window),
		cmocka_unit_test(test_beyond_window_starts_over),
		cmocka_unit_test(test_extra_store_is_bounded),
		cmocka_unit_test(test_long_run_stays_bounded),
		cmocka_unit_test(test_csv_file_in_probe_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
