/*
 * Unit tests for reports/ (report.h): the data each chart is drawn from,
 * checked against small results whose every figure is known — lost marks
 * against the lost count, up/down rows against the reflector's counter, box
 * statistics against the summary, the CDF complete and monotone, and the
 * UDP/TCP panel's retransmission marks where the counter rises. gnuplot is
 * not run here (render = 0, or "true" in its place); tests/integration/
 * test_report.py draws.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"
#include "reports/report.h"

#include "../fuzz/gpsafe.h"
#include "files.h"

#define ROWS_MAX 256
#define COLS_MAX 12

/*
 * A UDP result against a stateful reflector, 20 probes 10 ms apart. The
 * reflector numbered what reached it: 5 and 6 never did (lost up); 11 and
 * 18 reached it but their replies were lost (down); 15's reply came after
 * Tmax (late, so lost, and down). 9 arrived after 10 (reordered), 3 came
 * twice. RTTs of the 15 replies in ms, sorted: 10 11 12 13 14 15 16 17 18
 * 19 20 22 25 30 40, so by nearest rank p5 10, q1 13, median 17, q3 22,
 * p95 40, p99 40.
 */
static const char udp_json[] =
	"{\"udpbench\":{\"version\":\"0.1.0\",\"format\":1},"
	"\"params\":{\"peer\":\"10.0.0.7\",\"peer_addr\":\"10.0.0.7:10000\",\"port\":10000,"
	"\"mode\":\"stamp\",\"proto\":\"udp\",\"count\":20,\"interval_ns\":10000000,\"size\":44,"
	"\"timeout_ns\":1000000000,\"start_time\":\"2026-01-05T08:00:00Z\",\"clock\":\"monotonic\","
	"\"label\":\"Classroom \\\"A\\\"\"},"
	"\"summary\":{\"sent\":20,\"received\":15,\"lost\":5,\"loss_pct\":25.0,\"lost_up\":2,"
	"\"lost_down\":3,\"late\":1,\"duplicates\":1,\"reordered\":1,\"reorder_pct\":6.67,"
	"\"loss_bursts\":{\"count\":4,\"mean_len\":1.25,\"max_len\":2},"
	"\"rtt_ns\":{\"n\":15,\"min\":10000000,\"mean\":18800000,\"median\":17000000,"
	"\"p90\":30000000,\"p95\":40000000,\"p99\":40000000,\"p999\":40000000,"
	"\"max\":40000000,\"stddev\":7500000},\"jitter_ns\":2000000,"
	"\"tcp_retransmits\":null,\"tcp_rto_ns\":null}}\n";

static const char udp_csv[] =
	"seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n"
	"0,0,10000000,10000000,ok,0,0,1,2,64\n"
	"1,10000000,22000000,12000000,ok,0,1,1,2,64\n"
	"2,20000000,31000000,11000000,ok,0,2,1,2,64\n"
	"3,30000000,43000000,13000000,ok,0,3,1,2,64\n"
	"3,30000000,44000000,14000000,dup,0,3,1,2,64\n"
	"4,40000000,55000000,15000000,ok,0,4,1,2,64\n"
	"7,70000000,84000000,14000000,ok,0,5,1,2,64\n"
	"8,80000000,96000000,16000000,ok,0,6,1,2,64\n"
	"10,100000000,117000000,17000000,ok,0,8,1,2,64\n"
	"9,90000000,120000000,30000000,ok,1,7,1,2,64\n"
	"12,120000000,138000000,18000000,ok,0,10,1,2,64\n"
	"13,130000000,149000000,19000000,ok,0,11,1,2,64\n"
	"14,140000000,160000000,20000000,ok,0,12,1,2,64\n"
	"16,160000000,182000000,22000000,ok,0,14,1,2,64\n"
	"17,170000000,195000000,25000000,ok,0,15,1,2,64\n"
	"19,190000000,230000000,40000000,ok,0,17,1,2,64\n"
	"5,50000000,,,lost,0,,,,\n"
	"6,60000000,,,lost,0,,,,\n"
	"11,110000000,,,lost,0,,,,\n"
	"15,150000000,,,lost,0,,,,\n"
	"18,180000000,,,lost,0,,,,\n"
	"15,150000000,1650000000,1500000000,late,0,13,1,2,64\n";

/*
 * A TCP result of 12 messages on the same plan. The retransmission counter
 * from TCP_INFO rises at message 3 (+1), 7 (+2) and 10 (+1): three marks.
 */
static const char tcp_json[] =
	"{\"udpbench\":{\"version\":\"0.1.0\",\"format\":1},"
	"\"params\":{\"peer\":\"10.0.0.7\",\"port\":10000,\"mode\":\"stamp\",\"proto\":\"tcp\","
	"\"count\":12,\"interval_ns\":10000000,\"size\":44,\"timeout_ns\":1000000000,"
	"\"label\":\"Classroom \\\"A\\\"\"},"
	"\"summary\":{\"sent\":12,\"received\":12,\"lost\":0,\"loss_pct\":0.0,\"lost_up\":null,"
	"\"lost_down\":null,\"late\":0,\"duplicates\":0,\"reordered\":0,"
	"\"rtt_ns\":{\"n\":12,\"min\":10000000,\"mean\":0,\"median\":12000000,\"p90\":210000000,"
	"\"p95\":230000000,\"p99\":230000000,\"p999\":230000000,\"max\":230000000,\"stddev\":0},"
	"\"tcp_retransmits\":4,\"tcp_rto_ns\":204000000}}\n";

static const char tcp_csv[] =
	"seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl,"
	"tcp_retransmits,tcp_rto_ns\n"
	"0,0,10000000,10000000,ok,0,,,,,0,204000000\n"
	"1,10000000,21000000,11000000,ok,0,,,,,0,204000000\n"
	"2,20000000,32000000,12000000,ok,0,,,,,0,204000000\n"
	"3,30000000,240000000,210000000,ok,0,,,,,1,204000000\n"
	"4,40000000,240000000,200000000,ok,0,,,,,1,204000000\n"
	"5,50000000,62000000,12000000,ok,0,,,,,1,204000000\n"
	"6,60000000,72000000,12000000,ok,0,,,,,1,204000000\n"
	"7,70000000,300000000,230000000,ok,0,,,,,3,408000000\n"
	"8,80000000,300000000,220000000,ok,0,,,,,3,408000000\n"
	"9,90000000,102000000,12000000,ok,0,,,,,3,204000000\n"
	"10,100000000,120000000,20000000,ok,0,,,,,4,204000000\n"
	"11,110000000,122000000,12000000,ok,0,,,,,4,204000000\n";

/* An echo peer: no reflector counter, so lost probes are not split. */
static const char echo_json[] =
	"{\"udpbench\":{\"version\":\"0.1.0\",\"format\":1},"
	"\"params\":{\"peer\":\"192.168.4.1\",\"mode\":\"echo\",\"proto\":\"udp\",\"count\":6,"
	"\"interval_ns\":10000000,\"timeout_ns\":1000000000,\"label\":\"\"},"
	"\"summary\":{\"sent\":6,\"received\":4,\"lost\":2,\"loss_pct\":33.3333,\"lost_up\":null,"
	"\"lost_down\":null,\"late\":0,\"duplicates\":0,\"reordered\":0,"
	"\"rtt_ns\":{\"n\":4,\"min\":5000000,\"median\":6000000,\"p95\":8000000,\"p99\":8000000,"
	"\"max\":8000000}}}\n";

static const char echo_csv[] =
	"seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n"
	"0,0,5000000,5000000,ok,0,,,,\n"
	"1,10000000,16000000,6000000,ok,0,,,,\n"
	"4,40000000,47000000,7000000,ok,0,,,,\n"
	"5,50000000,58000000,8000000,ok,0,,,,\n"
	"2,20000000,,,lost,0,,,,\n"
	"3,30000000,,,lost,0,,,,\n";

/* Two boards in one result; the sender wrote one CSV each. */
static const char peers_json[] =
	"{\"udpbench\":{\"version\":\"0.1.0\",\"format\":1},\"peers\":["
	"{\"params\":{\"peer\":\"10.0.0.7:10000\",\"mode\":\"echo\",\"proto\":\"udp\",\"label\":\"\"},"
	"\"summary\":{\"sent\":2,\"received\":2,\"lost\":0,\"loss_pct\":0,\"lost_up\":null,\"lost_down\":null,"
	"\"rtt_ns\":{\"n\":2,\"median\":1000000,\"p95\":2000000,\"p99\":2000000}}},"
	"{\"params\":{\"peer\":\"10.0.0.8:10000\",\"mode\":\"echo\",\"proto\":\"udp\",\"label\":\"\"},"
	"\"summary\":{\"sent\":2,\"received\":1,\"lost\":1,\"loss_pct\":50,\"lost_up\":null,\"lost_down\":null,"
	"\"rtt_ns\":{\"n\":1,\"median\":3000000,\"p95\":3000000,\"p99\":3000000}}}]}\n";

static const char peer7_csv[] =
	"seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n"
	"0,0,1000000,1000000,ok,0,,,,\n"
	"1,10000000,12000000,2000000,ok,0,,,,\n";

static const char peer8_csv[] =
	"seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n"
	"0,0,3000000,3000000,ok,0,,,,\n"
	"1,10000000,,,lost,0,,,,\n";

struct fx {
	char dir[64];       /* the fixtures */
	char out[128];      /* this test's report folder */
	char work[160];     /* out/gnuplot */
	char udp[128], tcp[128], echo_[128], peers[128];
	struct ub_report_config c;
	struct ub_err e;
	int n;
};

/* A data file read back: rows of numbers, comment lines skipped, blank lines counted. */
struct table {
	double v[ROWS_MAX][COLS_MAX];
	int cols[ROWS_MAX];
	int n, blanks;
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

struct line {
	long seq;
	int extra;          /* late or dup: after the probe's own row */
	const char *text;
	size_t len;
};

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->extra != y->extra)
		return x->extra - y->extra;
	return x->text < y->text ? -1 : x->text > y->text;
}

/*
 * Writes csv's rows as the sender writes them now: in probe order, extra
 * rows after their probe's own (the arrival order is left in rx_ns).
 */
static void write_probe_order(const char *dir, const char *name, const char *csv)
{
	struct line l[64];
	const char *p = strchr(csv, '\n') + 1, *end;
	char text[4096];
	size_t n = 0, at, i;

	at = (size_t)(p - csv);
	memcpy(text, csv, at);
	for (; *p; p = end + 1, n++) {
		end = strchr(p, '\n');
		assert_true(n < 64 && end);
		l[n].seq = strtol(p, NULL, 10);
		l[n].extra = (strstr(p, ",late,") && strstr(p, ",late,") < end) ||
			     (strstr(p, ",dup,") && strstr(p, ",dup,") < end);
		l[n].text = p;
		l[n].len = (size_t)(end - p) + 1;
	}
	qsort(l, n, sizeof(l[0]), cmp_line);
	for (i = 0; i < n; i++) {
		assert_true(at + l[i].len < sizeof(text));
		memcpy(text + at, l[i].text, l[i].len);
		at += l[i].len;
	}
	text[at] = '\0';
	write_file(dir, name, text);
}

static int group_setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	snprintf(x->dir, sizeof(x->dir), "/tmp/ub-report-XXXXXX");
	if (!mkdtemp(x->dir))
		return -1;
	write_file(x->dir, "udp.json", udp_json);
	write_file(x->dir, "udp.csv", udp_csv);
	write_file(x->dir, "seqorder.json", udp_json);
	write_probe_order(x->dir, "seqorder.csv", udp_csv);
	write_file(x->dir, "tcp.json", tcp_json);
	write_file(x->dir, "tcp.csv", tcp_csv);
	write_file(x->dir, "echo.json", echo_json);
	write_file(x->dir, "echo.csv", echo_csv);
	write_file(x->dir, "class.json", peers_json);
	write_file(x->dir, "class-10.0.0.7_10000.csv", peer7_csv);
	write_file(x->dir, "class-10.0.0.8_10000.csv", peer8_csv);
	write_file(x->dir, "broken.json", "{\"udpbench\": ");
	write_file(x->dir, "other.json", "{\"hello\": 1}\n");
	snprintf(x->udp, sizeof(x->udp), "%s/udp.json", x->dir);
	snprintf(x->tcp, sizeof(x->tcp), "%s/tcp.json", x->dir);
	snprintf(x->echo_, sizeof(x->echo_), "%s/echo.json", x->dir);
	snprintf(x->peers, sizeof(x->peers), "%s/class.json", x->dir);
	*state = x;
	return 0;
}

static int group_teardown(void **state)
{
	struct fx *x = *state;

	files_rm_tree(x->dir);
	free(x);
	return 0;
}

/* A fresh report folder and a config that writes data without drawing. */
static int setup(void **state)
{
	struct fx *x = *state;
	const char *t = getenv("UDPBENCH_REPORTS");

	snprintf(x->out, sizeof(x->out), "%s/out%d", x->dir, x->n++);
	snprintf(x->work, sizeof(x->work), "%s/gnuplot", x->out);
	ub_report_config_init(&x->c);
	x->c.out_dir = x->out;
	x->c.render = 0;
	x->c.templates = t && *t ? t : "reports";
	ub_err_clear(&x->e);
	return 0;
}

static int run(struct fx *x, const char *a, const char *b)
{
	const char *in[2] = { a, b };

	return ub_report_run(&x->c, in, b ? 2 : 1, &x->e);
}

static void load_table(const struct fx *x, const char *name, struct table *t)
{
	char path[256], line[512], *p, *end;
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/%s", x->work, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("no data file %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (line[0] == '\n') {
			t->blanks++;
			continue;
		}
		assert_true(t->n < ROWS_MAX);
		for (p = line; t->cols[t->n] < COLS_MAX; p = end) {
			double v = strtod(p, &end);

			if (end == p)
				break;
			t->v[t->n][t->cols[t->n]++] = v;
		}
		t->n++;
	}
	fclose(f);
}

static int has_seq(const struct table *t, int col, double seq)
{
	for (int i = 0; i < t->n; i++)
		if (t->v[i][col] == seq)
			return 1;
	return 0;
}

/* Chart 1: one mark per lost probe, late ones apart; the line breaks at each loss. */
static void test_rtt_marks_match_lost(void **state)
{
	struct fx *x = *state;
	struct table rtt, lost, late;

	assert_int_equal(run(x, x->udp, NULL), 0);
	load_table(x, "udp-rtt.dat", &rtt);
	load_table(x, "udp-lost.dat", &lost);
	load_table(x, "udp-late.dat", &late);
	assert_int_equal(rtt.n, 15);                  /* received */
	assert_int_equal(lost.n + late.n, 5);          /* summary lost */
	assert_int_equal(late.n, 1);                   /* summary late */
	assert_true(has_seq(&lost, 2, 5) && has_seq(&lost, 2, 6) && has_seq(&lost, 2, 11) &&
		    has_seq(&lost, 2, 18));
	assert_true(has_seq(&late, 2, 15));
	assert_int_equal(rtt.blanks, 4);               /* gaps at 5-6, 11, 15, 18 */
	/* a lost probe sits where it was sent, between its neighbours' RTTs */
	for (int i = 0; i < lost.n; i++)
		if (lost.v[i][2] == 11) {
			assert_float_equal(lost.v[i][0], 0.110, 1e-9);
			assert_float_equal(lost.v[i][1], 17.5, 1e-6); /* 17 ms at 10, 18 at 12 */
		}
}

/* Chart 3: every probe once; the up and down rows hold the summary's split. */
static void test_raster_rows_match_split(void **state)
{
	struct fx *x = *state;
	struct table ok, up, down, late, lost;
	char path[256], *set;

	assert_int_equal(run(x, x->udp, NULL), 0);
	load_table(x, "udp-loss-ok.dat", &ok);
	load_table(x, "udp-loss-up.dat", &up);
	load_table(x, "udp-loss-down.dat", &down);
	load_table(x, "udp-loss-late.dat", &late);
	load_table(x, "udp-loss-lost.dat", &lost);
	assert_int_equal(ok.n, 15);
	assert_int_equal(up.n, 2);                    /* lost_up */
	assert_int_equal(down.n + late.n, 3);         /* lost_down counts the late reply */
	assert_int_equal(lost.n, 0);
	assert_int_equal(ok.n + up.n + down.n + late.n, 20);
	assert_true(has_seq(&up, 0, 5) && has_seq(&up, 0, 6));
	assert_true(has_seq(&down, 0, 11) && has_seq(&down, 0, 18) && has_seq(&late, 0, 15));
	for (int i = 0; i < up.n; i++)
		assert_float_equal(up.v[i][1], 2, 0);  /* the "lost there" row */
	snprintf(path, sizeof(path), "%s/loss-udp.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "split = 1\n"));
	free(set);
}

/* Chart 3 without a reflector counter: one row of lost probes. */
static void test_raster_without_split(void **state)
{
	struct fx *x = *state;
	struct table lost, up, down;
	char path[256], *set;

	assert_int_equal(run(x, x->echo_, NULL), 0);
	load_table(x, "echo-loss-lost.dat", &lost);
	load_table(x, "echo-loss-up.dat", &up);
	load_table(x, "echo-loss-down.dat", &down);
	assert_int_equal(lost.n, 2);
	assert_int_equal(up.n + down.n, 0);
	snprintf(path, sizeof(path), "%s/loss-echo.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "split = 0\n"));
	/* no label: the peer names the result */
	assert_non_null(strstr(set, "192.168.4.1"));
	free(set);
}

/* Chart 5: the box is the summary's median, p95 and p99, with quartiles by the same rank rule. */
static void test_box_matches_summary(void **state)
{
	struct fx *x = *state;
	struct table box;
	char path[256], *dat;

	assert_int_equal(run(x, x->udp, x->tcp), 0);
	load_table(x, "compare.dat", &box);
	assert_int_equal(box.n, 2);
	/* box p5 q1 median q3 p95 p99 loss_pct colour */
	assert_float_equal(box.v[0][1], 10, 1e-9);
	assert_float_equal(box.v[0][2], 13, 1e-9);
	assert_float_equal(box.v[0][3], 17, 1e-9);   /* summary median 17000000 ns */
	assert_float_equal(box.v[0][4], 22, 1e-9);
	assert_float_equal(box.v[0][5], 40, 1e-9);   /* summary p95 */
	assert_float_equal(box.v[0][6], 40, 1e-9);   /* summary p99 */
	assert_float_equal(box.v[0][7], 25.0, 1e-9); /* loss_pct, annotated */
	/* TCP: 10 11 12 12 12 12 12 20 200 210 220 230 */
	assert_float_equal(box.v[1][3], 12, 1e-9);   /* summary median 12000000 */
	assert_float_equal(box.v[1][5], 230, 1e-9);  /* summary p95 */
	assert_float_equal(box.v[1][6], 230, 1e-9);  /* summary p99 */
	snprintf(path, sizeof(path), "%s/compare.dat", x->work);
	dat = slurp(path);
	assert_non_null(dat);
	/* labels are unique and quoted safely; the notes say lost and resent */
	assert_non_null(strstr(dat, "\"Classroom \\042A\\042 (UDP)\" \"lost 25.0%\""));
	assert_non_null(strstr(dat, "\"Classroom \\042A\\042 (TCP)\" \"lost 0.0%, 4 resent\""));
	free(dat);
}

/* Chart 2: every reply in the CDF, in order, ending at 100 %; the histogram adds up. */
static void test_cdf_complete_and_monotone(void **state)
{
	static const double sorted[15] = { 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 25, 30, 40 };
	struct fx *x = *state;
	struct table cdf, hist;
	double sum = 0;

	assert_int_equal(run(x, x->udp, x->tcp), 0);
	load_table(x, "udp-cdf.dat", &cdf);
	assert_int_equal(cdf.n, 15);
	for (int i = 0; i < cdf.n; i++) {
		assert_float_equal(cdf.v[i][0], sorted[i], 1e-9);
		assert_float_equal(cdf.v[i][1], 100.0 * (i + 1) / 15, 1e-4);
		if (i > 0) {
			assert_true(cdf.v[i][0] >= cdf.v[i - 1][0]);
			assert_true(cdf.v[i][1] > cdf.v[i - 1][1]);
		}
	}
	load_table(x, "tcp-cdf.dat", &cdf);
	assert_int_equal(cdf.n, 12);
	assert_float_equal(cdf.v[11][1], 100.0, 1e-9);
	load_table(x, "udp-hist.dat", &hist);
	for (int i = 0; i < hist.n; i++) {
		assert_true(hist.v[i][2] < hist.v[i][3]);   /* bin from < to */
		if (i > 0)
			assert_float_equal(hist.v[i][2], hist.v[i - 1][3], 1e-6);
		sum += hist.v[i][1];
	}
	assert_float_equal(sum, 100.0, 1e-3);
}

/* Chart 4: arrival order against number; the reordered reply and how late it was. */
static void test_reorder_data(void **state)
{
	struct fx *x = *state;
	struct table order, re;

	assert_int_equal(run(x, x->udp, NULL), 0);
	load_table(x, "udp-order.dat", &order);
	load_table(x, "udp-reordered.dat", &re);
	assert_int_equal(order.n, 15);
	assert_int_equal(re.n, 1);                    /* summary reordered */
	assert_float_equal(re.v[0][0], 8, 0);         /* the 9th reply ... */
	assert_float_equal(re.v[0][1], 9, 0);         /* ... was probe 9 ... */
	assert_float_equal(re.v[0][2], 1, 0);         /* ... one place late (RFC 4737 extent) */
}

/* Chart 4 from rows in probe order: the replies taken by rx_ns, as they arrived. */
static void test_reorder_data_probe_order(void **state)
{
	struct fx *x = *state;
	struct table order, re;
	char path[256];

	snprintf(path, sizeof(path), "%s/seqorder.json", x->dir);
	assert_int_equal(run(x, path, NULL), 0);
	load_table(x, "seqorder-order.dat", &order);
	load_table(x, "seqorder-reordered.dat", &re);
	assert_int_equal(order.n, 15);
	assert_float_equal(order.v[7][1], 10, 0);     /* the 8th reply was probe 10 ... */
	assert_int_equal(re.n, 1);
	assert_float_equal(re.v[0][0], 8, 0);         /* ... and the 9th probe 9 ... */
	assert_float_equal(re.v[0][1], 9, 0);
	assert_float_equal(re.v[0][2], 1, 0);         /* ... one place late */
}

/* Chart 6: a mark on each TCP message where the retransmission counter rose. */
static void test_udp_tcp_retransmission_marks(void **state)
{
	struct fx *x = *state;
	struct table retx, tcp;
	char path[256], *set;

	assert_int_equal(run(x, x->udp, x->tcp), 0);
	load_table(x, "tcp-retx.dat", &retx);
	load_table(x, "tcp-rtt.dat", &tcp);
	assert_int_equal(tcp.n, 12);
	assert_int_equal(tcp.blanks, 0);              /* TCP lost nothing: no gaps */
	assert_int_equal(retx.n, 3);
	/* time_s rtt_ms seq retransmits_so_far new */
	assert_float_equal(retx.v[0][2], 3, 0);
	assert_float_equal(retx.v[0][4], 1, 0);
	assert_float_equal(retx.v[1][2], 7, 0);
	assert_float_equal(retx.v[1][4], 2, 0);
	assert_float_equal(retx.v[1][1], 230, 1e-9);  /* on the spike */
	assert_float_equal(retx.v[2][2], 10, 0);
	assert_float_equal(retx.v[2][3], 4, 0);
	snprintf(path, sizeof(path), "%s/udp-vs-tcp.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "f_udp = 'udp-rtt.dat'\n"));
	assert_non_null(strstr(set, "f_tcp_retx = 'tcp-retx.dat'\n"));
	assert_non_null(strstr(set, "n_udp_lost = 4\n"));
	assert_non_null(strstr(set, "n_tcp_retx = 3\n"));
	assert_non_null(strstr(set, "t_caption = 'UDP is an ordinary letter"));
	free(set);
}

/* Chart 6 only for a UDP and a TCP result; Chinese captions with --lang zh. */
static void test_udp_tcp_only_with_both(void **state)
{
	struct fx *x = *state;
	char path[256], *set;

	assert_int_equal(run(x, x->udp, NULL), 0);
	snprintf(path, sizeof(path), "%s/udp-vs-tcp.set.gp", x->work);
	assert_int_equal(access(path, F_OK), -1);
	setup(state);
	x->c.lang = UB_LANG_ZH;
	assert_int_equal(run(x, x->tcp, x->udp), 0);
	snprintf(path, sizeof(path), "%s/udp-vs-tcp.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "UDP 像平信：丢了就丢了；TCP 像挂号信：不丢，但要等。"));
	assert_non_null(strstr(set, "t_y = '往返时延（毫秒）'"));
	free(set);
}

/* Strings reach gnuplot escaped, whatever the label holds. */
static void test_settings_escape_labels(void **state)
{
	struct fx *x = *state;
	char path[256], *set;

	assert_int_equal(run(x, x->udp, NULL), 0);
	snprintf(path, sizeof(path), "%s/rtt-udp.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "t_title = 'Classroom \"A\" (UDP)'.\"\\n\".'Round-trip"));
	assert_non_null(strstr(set, "n_lost = 4\nn_late = 1\n"));
	assert_non_null(strstr(set, "out = '../rtt-udp.png'\n"));
	free(set);
	setup(state);
	x->c.format = UB_REPORT_SVG;
	assert_int_equal(run(x, x->udp, NULL), 0);
	snprintf(path, sizeof(path), "%s/rtt-udp.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "term_type = 'svg'\n"));
	assert_non_null(strstr(set, "out = '../rtt-udp.svg'\n"));
	free(set);
}

/*
 * index.html shows every chart drawn and each result's table; summary.md,
 * charts.sh and charts.cmd list them. ("true" stands in for gnuplot: it
 * draws nothing, and the pages show what it was asked to draw.)
 */
static void test_html_and_markdown(void **state)
{
	static const char *const charts[] = { "udp-vs-tcp", "compare", "cdf", "rtt-udp",
					      "loss-udp", "reorder-udp", "rtt-tcp" };
	struct fx *x = *state;
	char path[256], want[128], *html, *md, *sh, *cmd;

	x->c.render = 1;
	x->c.gnuplot = "true";
	assert_int_equal(run(x, x->udp, x->tcp), 0);
	snprintf(path, sizeof(path), "%s/charts.cmd", x->work);
	cmd = slurp(path);
	assert_non_null(cmd);
	snprintf(path, sizeof(path), "%s/index.html", x->out);
	html = slurp(path);
	snprintf(path, sizeof(path), "%s/summary.md", x->out);
	md = slurp(path);
	snprintf(path, sizeof(path), "%s/charts.sh", x->work);
	sh = slurp(path);
	assert_non_null(html);
	assert_non_null(md);
	assert_non_null(sh);
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		snprintf(want, sizeof(want), "<img src=\"%s.png\"", charts[i]);
		assert_non_null(strstr(html, want));
		snprintf(want, sizeof(want), "(%s.png)", charts[i]);
		assert_non_null(strstr(md, want));
		snprintf(want, sizeof(want), "gnuplot '%s.set.gp' ", charts[i]);
		assert_non_null(strstr(sh, want));
		snprintf(want, sizeof(want), "gnuplot \"%s.set.gp\" ", charts[i]);
		assert_non_null(strstr(cmd, want));
	}
	assert_null(strstr(sh, "loss-tcp"));          /* TCP loses nothing to draw */
	assert_non_null(strstr(html, "<th>Classroom &quot;A&quot; (UDP)</th>"));
	assert_non_null(strstr(html, "<td>5 (25.00%)</td>"));
	assert_non_null(strstr(html, "<td>2 / 3</td>"));
	assert_non_null(strstr(html, "<td>4 (RTO up to 204 ms)</td>"));
	assert_non_null(strstr(md, "| lost (loss rate) | 5 (25.00%) | 0 (0.00%) |"));
	free(html);
	free(md);
	free(sh);
	free(cmd);

	/* not drawn (--no-charts): the same tables, no image and no link, and a line that says so */
	setup(state);
	assert_int_equal(run(x, x->udp, x->tcp), 0);
	snprintf(path, sizeof(path), "%s/index.html", x->out);
	html = slurp(path);
	snprintf(path, sizeof(path), "%s/summary.md", x->out);
	md = slurp(path);
	assert_non_null(html);
	assert_non_null(md);
	assert_null(strstr(html, "<img"));
	assert_null(strstr(md, ".png)"));
	assert_non_null(strstr(html, "The charts were not drawn"));
	assert_non_null(strstr(md, "The charts were not drawn"));
	assert_non_null(strstr(html, "<td>5 (25.00%)</td>"));
	free(html);
	free(md);
}

/* A result of several peers: one result each, with the sender's per-peer CSV names. */
static void test_several_peers(void **state)
{
	struct fx *x = *state;
	struct table box, lost;

	assert_int_equal(run(x, x->peers, NULL), 0);
	load_table(x, "compare.dat", &box);
	assert_int_equal(box.n, 2);
	assert_float_equal(box.v[0][3], 1, 1e-9);
	assert_float_equal(box.v[1][3], 3, 1e-9);
	load_table(x, "class-10.0.0.8_10000-lost.dat", &lost);
	assert_int_equal(lost.n, 1);
}

/* Inputs that cannot be used say so in one line naming the file. */
static void test_bad_inputs(void **state)
{
	struct fx *x = *state;
	char path[256];

	snprintf(path, sizeof(path), "%s/missing.json", x->dir);
	assert_int_equal(run(x, path, NULL), UB_E_IO);
	assert_non_null(strstr(x->e.msg, "missing.json"));
	assert_null(strchr(x->e.msg, '\n'));
	snprintf(path, sizeof(path), "%s/broken.json", x->dir);
	assert_int_equal(run(x, path, NULL), UB_E_INVAL);
	assert_non_null(strstr(x->e.msg, "broken.json is not JSON"));
	snprintf(path, sizeof(path), "%s/other.json", x->dir);
	assert_int_equal(run(x, path, NULL), UB_E_INVAL);
	assert_non_null(strstr(x->e.msg, "not a udpbench result"));
	assert_int_equal(run(x, NULL, NULL), UB_E_INVAL);
	/* the parser quotes the text near the mistake, a line break in it included: still one line */
	write_file(x->dir, "escape.json", "{\"udpbench\": {}, \"params\": {\"label\": \"a\\\n b\"}}");
	snprintf(path, sizeof(path), "%s/escape.json", x->dir);
	assert_int_equal(run(x, path, NULL), UB_E_INVAL);
	assert_non_null(strstr(x->e.msg, "escape.json is not JSON"));
	assert_null(strchr(x->e.msg, '\n'));
	/* nothing was written for a failed run */
	assert_int_equal(access(x->out, F_OK), -1);
}

/* No gnuplot: one line naming the Debian package, before anything is written. */
static void test_missing_gnuplot(void **state)
{
	struct fx *x = *state;

	x->c.render = 1;
	x->c.gnuplot = "/nonexistent/gnuplot";
	assert_int_equal(run(x, x->udp, NULL), UB_E_SYS);
	assert_non_null(strstr(x->e.msg, "gnuplot-nox"));
	assert_int_equal(access(x->out, F_OK), -1);
}

/* Many boxes: short notes, labels upright and cut; a % in a label survives gnuplot's formats. */
static void test_compare_many_boxes(void **state)
{
	struct fx *x = *state;
	const char *in[9];
	char path[256], *set;
	struct table box;

	for (int i = 0; i < 9; i++)
		in[i] = x->udp;
	assert_int_equal(ub_report_run(&x->c, in, 9, &x->e), 0);
	load_table(x, "compare.dat", &box);
	assert_int_equal(box.n, 9);
	snprintf(path, sizeof(path), "%s/compare.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "upright = 1\n"));
	assert_non_null(strstr(set, "xl[9] = 'Classroom \"A\" #9'\n"));
	assert_non_null(strstr(set, "label_cols = 16\n"));
	free(set);
	snprintf(path, sizeof(path), "%s/compare.dat", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "\"25.0%\" "));
	free(set);
	setup(state);
	assert_int_equal(run(x, x->tcp, NULL), 0);
	snprintf(path, sizeof(path), "%s/compare.set.gp", x->work);
	set = slurp(path);
	assert_non_null(set);
	assert_non_null(strstr(set, "upright = 0\n"));
	free(set);
}

/* ---- inputs at the edges ------------------------------------------------ */

#define CSV_HEAD "seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n"

/*
 * Writes NAME.json, an echo result labelled label (JSON text, escaped), and
 * NAME.csv, the header and then rows; puts the JSON's path into path.
 */
static void write_result(const struct fx *x, const char *name, const char *label, const char *rows,
			 char *path, size_t n)
{
	char file[64], *json = NULL;

	assert_true(asprintf(&json,
			     "{\"udpbench\":{\"version\":\"0.1.0\",\"format\":1},"
			     "\"params\":{\"peer\":\"127.0.0.1:10000\",\"mode\":\"echo\",\"proto\":\"udp\","
			     "\"interval_ns\":1000000,\"timeout_ns\":1000000000,\"label\":\"%s\"},"
			     "\"summary\":{\"sent\":0,\"received\":0,\"lost\":0,\"loss_pct\":0.0,"
			     "\"lost_up\":null,\"lost_down\":null}}\n",
			     label) > 0);
	snprintf(file, sizeof(file), "%s.json", name);
	write_file(x->dir, file, json);
	free(json);
	snprintf(file, sizeof(file), "%s.csv", name);
	write_file(x->dir, file, rows);
	snprintf(path, n, "%s/%s.json", x->dir, name);
}

/* CSV_HEAD and n replies, 1 ms apart, each with round-trip time rtt_ns. */
static char *equal_rows(unsigned n, int64_t rtt_ns)
{
	size_t cap = 128 + (size_t)n * 96, k;
	char *b = malloc(cap);
	unsigned i;

	assert_non_null(b);
	k = (size_t)snprintf(b, cap, CSV_HEAD);
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(b + k, cap - k, "%u,%u000000,,%" PRId64 ",ok,0,,,,\n", i, i, rtt_ns);
	return b;
}

/* Every line of every NAME.set.gp in x's work folder is a plain setting (tests/fuzz/gpsafe.h). */
static void assert_settings_safe(const struct fx *x)
{
	char path[512], line[8192];
	const char *why;
	struct dirent *de;
	DIR *d = opendir(x->work);
	FILE *f;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 7 || strcmp(de->d_name + l - 7, ".set.gp") != 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", x->work, de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			assert_non_null(strchr(line, '\n'));
			line[strcspn(line, "\n")] = '\0';
			why = gpsafe_line(line);
			if (why) {
				fclose(f);
				closedir(d);
				fail_msg("%s: %s: %s", de->d_name, why, line);
			}
		}
		fclose(f);
	}
	closedir(d);
	assert_true(n > 0);
}

/* Reads "name = NUMBER" from the settings file set of x's work folder. */
static double setting(const struct fx *x, const char *set, const char *name)
{
	char path[256], want[64], *text, *at;
	double v;

	snprintf(path, sizeof(path), "%s/%s", x->work, set);
	text = slurp(path);
	assert_non_null(text);
	snprintf(want, sizeof(want), "\n%s = ", name);
	at = strstr(text, want);
	if (!at)
		fail_msg("%s has no %s", set, name);
	v = strtod(at + strlen(want), NULL);
	free(text);
	return v;
}

/*
 * Round trips all equal (0, 1 ns, 5 ms, the largest a CSV holds), one
 * reply, negative ones: every chart is written, the CDF's axis is not
 * empty, and its histogram holds every reply.
 */
static void test_degenerate_round_trips_draw(void **state)
{
	static const struct {
		const char *name;
		unsigned n;
		int64_t rtt;
	} cases[] = {
		{ "zero", 20, 0 }, { "one-ns", 20, 1 }, { "five-ms", 20, 5000000 },
		{ "single", 1, 3000000 }, { "negative", 5, -5000000 }, { "huge", 3, INT64_MAX },
		{ "huge-negative", 3, INT64_MIN },
	};
	struct fx *x = *state;
	char path[256], name[64], *rows;
	struct table hist, cdf;
	double sum;
	size_t i;
	int j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(state);
		rows = equal_rows(cases[i].n, cases[i].rtt);
		write_result(x, cases[i].name, cases[i].name, rows, path, sizeof(path));
		free(rows);
		if (run(x, path, NULL) != 0)
			fail_msg("%s: %s", cases[i].name, x->e.msg);
		assert_settings_safe(x);
		assert_true(setting(x, "cdf.set.gp", "xlo") < setting(x, "cdf.set.gp", "xhi"));
		snprintf(name, sizeof(name), "%s-cdf.dat", cases[i].name);
		load_table(x, name, &cdf);
		assert_int_equal(cdf.n, cases[i].n);
		snprintf(name, sizeof(name), "%s-hist.dat", cases[i].name);
		load_table(x, name, &hist);
		assert_true(hist.n >= 1);
		for (sum = 0, j = 0; j < hist.n; j++)
			sum += hist.v[j][1];
		assert_float_equal(sum, 100.0, 1e-3);
		snprintf(name, sizeof(name), "rtt-%s.set.gp", cases[i].name);
		assert_true(setting(x, name, "ymin") < setting(x, name, "ymax"));
		assert_true(setting(x, name, "ymin") <= (double)cases[i].rtt / 1e6);
	}
}

/* No reply at all, or no probe: the charts that have something to show, the table, no error. */
static void test_no_replies_or_no_probes(void **state)
{
	struct fx *x = *state;
	char path[256], set[256];
	struct table lost;

	write_result(x, "lost-only", "lost only",
		     CSV_HEAD "0,0,,,lost,0,,,,\n1,1000000,,,lost,0,,,,\n2,2000000,,,lost,0,,,,\n", path,
		     sizeof(path));
	assert_int_equal(run(x, path, NULL), 0);
	assert_settings_safe(x);
	load_table(x, "lost-only-lost.dat", &lost);
	assert_int_equal(lost.n, 3);
	assert_float_equal(setting(x, "rtt-lost-only.set.gp", "n_rtt"), 0, 0);
	assert_float_equal(setting(x, "loss-lost-only.set.gp", "n_ok"), 0, 0);
	snprintf(set, sizeof(set), "%s/cdf.set.gp", x->work);
	assert_int_equal(access(set, F_OK), -1);       /* no reply: nothing to spread */

	setup(state);
	write_result(x, "nothing", "nothing", CSV_HEAD, path, sizeof(path));
	assert_int_equal(run(x, path, NULL), 0);
	snprintf(set, sizeof(set), "%s/index.html", x->out);
	assert_int_equal(access(set, F_OK), 0);
	snprintf(set, sizeof(set), "%s/rtt-nothing.set.gp", x->work);
	assert_int_equal(access(set, F_OK), -1);

	/* duplicates and late replies alone name no probe either */
	setup(state);
	write_result(x, "stray", "stray",
		     CSV_HEAD "0,0,5,5,dup,0,,,,\n1,1000000,2000000000,1999000000,late,0,,,,\n", path,
		     sizeof(path));
	assert_int_equal(run(x, path, NULL), 0);
}

/* Returns 1 when s is whole UTF-8 (no byte out of place, no character cut short). */
static int utf8_ok(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2
			: (*s & 0xF8) == 0xF0 ? 3 : -1;

		if (n < 0)
			return 0;
		for (s++; n > 0; n--, s++)
			if ((*s & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

/* A label of 300 characters, Latin or Chinese: settings stay settings, titles stay UTF-8. */
static void test_long_labels(void **state)
{
	struct fx *x = *state;
	char label[1024], path[256], set[256], *text, *rows;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		setup(state);
		label[0] = '\0';
		for (i = 0; i < 300; i++)
			strcat(label, k ? "长" : "L");
		rows = equal_rows(10, 2000000);
		write_result(x, "long", label, rows, path, sizeof(path));
		free(rows);
		assert_int_equal(run(x, path, NULL), 0);
		assert_settings_safe(x);
		snprintf(set, sizeof(set), "%s/rtt-long.set.gp", x->work);
		text = slurp(set);
		assert_non_null(text);
		assert_true(utf8_ok((const unsigned char *)text));
		assert_non_null(strstr(text, k ? "长长长长长长长长长长" : "LLLLLLLLLL"));
		free(text);
		snprintf(set, sizeof(set), "%s/index.html", x->out);
		text = slurp(set);
		assert_non_null(text);
		assert_non_null(strstr(text, label));     /* the table keeps it whole */
		free(text);
	}
}

/* Labels that try to leave their string: every settings line is still one plain setting. */
static void test_labels_stay_text(void **state)
{
	static const char *const labels[] = {
		"x`touch p`", "$(touch q)", "a'b\\\"c", "@mac", "a\\nb\\rc\\u0001d",
		"'.system('touch r').'", "<script>alert(1)</script>&amp;",
	};
	struct fx *x = *state;
	char path[256], *rows, *html;
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		setup(state);
		rows = equal_rows(5, 1000000);
		write_result(x, "inj", labels[i], rows, path, sizeof(path));
		free(rows);
		assert_int_equal(run(x, path, NULL), 0);
		assert_settings_safe(x);
	}
	snprintf(path, sizeof(path), "%s/index.html", x->out);
	html = slurp(path);
	assert_non_null(html);
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;"));
	free(html);
	snprintf(path, sizeof(path), "%s/summary.md", x->out);
	html = slurp(path);
	assert_non_null(html);
	assert_null(strstr(html, "<script>"));
	free(html);
}

/* Numbers JSON has no words for (NaN, Infinity, 1e999, 2^70): one line, nothing written. */
static void test_json_numbers_out_of_range(void **state)
{
	static const char *const bad[] = {
		"{\"udpbench\":{},\"params\":{},\"summary\":{\"loss_pct\":NaN}}",
		"{\"udpbench\":{},\"params\":{},\"summary\":{\"loss_pct\":Infinity}}",
		"{\"udpbench\":{},\"params\":{},\"summary\":{\"loss_pct\":1e999}}",
		"{\"udpbench\":{},\"params\":{},\"summary\":{\"sent\":1180591620717411303424}}",
	};
	struct fx *x = *state;
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(state);
		write_file(x->dir, "num.json", bad[i]);
		snprintf(path, sizeof(path), "%s/num.json", x->dir);
		assert_int_equal(run(x, path, NULL), UB_E_INVAL);
		assert_non_null(strstr(x->e.msg, "num.json is not JSON"));
		assert_null(strchr(x->e.msg, '\n'));
		assert_int_equal(access(x->out, F_OK), -1);
	}
	/* huge but finite: drawn, and the figures stay numbers */
	setup(state);
	write_file(x->dir, "big.json",
		   "{\"udpbench\":{},\"params\":{\"label\":\"big\",\"interval_ns\":1e300,"
		   "\"timeout_ns\":-1e300},\"summary\":{\"loss_pct\":1e308,\"sent\":1e300,\"lost\":-1e300}}");
	write_file(x->dir, "big.csv", CSV_HEAD "0,0,,1000,ok,0,,,,\n");
	snprintf(path, sizeof(path), "%s/big.json", x->dir);
	assert_int_equal(run(x, path, NULL), 0);
	assert_settings_safe(x);
}

/*
 * The disk filled while the sender wrote its CSV: the last row stops short
 * of its newline. The rows before it are used, the cut one is left out even
 * where it still reads as a row, and one line says so.
 */
static void test_csv_cut_mid_row(void **state)
{
	struct fx *x = *state;
	char path[256], *log = NULL;
	size_t loglen = 0;
	struct table rtt;
	FILE *logf = open_memstream(&log, &loglen);

	assert_non_null(logf);
	write_result(x, "cut", "cut",
		     CSV_HEAD "0,0,1000000,1000000,ok,0,,,,\n1,1000000,3000000,2000000,ok,0,,,,\n"
			      "2,2000000,,,lost,0,,,,\n3,3000000,6000000,3000000,ok,0,,,,\n"
			      "4,4000000,8000000,40",
		     path, sizeof(path));
	x->c.log = logf;
	assert_int_equal(run(x, path, NULL), 0);
	fclose(logf);
	load_table(x, "cut-rtt.dat", &rtt);
	assert_int_equal(rtt.n, 3);                 /* 40 ns would be a wrong figure */
	assert_non_null(strstr(log, "cut.csv ends in a row cut short (line 6, no newline): "
				     "the 4 complete rows before it are used\n"));
	assert_null(strstr(strstr(log, "cut short") + 1, "cut short"));   /* said once */
	free(log);

	/* a complete last row without its newline is left out all the same: it may have lost digits */
	setup(state);
	write_result(x, "cut2", "cut2", CSV_HEAD "0,0,1000000,1000000,ok,0,,,,\n1,1000000,3000000,2000000,ok,0,,,,",
		     path, sizeof(path));
	assert_int_equal(run(x, path, NULL), 0);
	load_table(x, "cut2-rtt.dat", &rtt);
	assert_int_equal(rtt.n, 1);
}

static void test_parse_format(void **state)
{
	enum ub_report_format f = UB_REPORT_PNG;

	(void)state;
	assert_int_equal(ub_report_parse_format("svg", &f), 0);
	assert_int_equal(f, UB_REPORT_SVG);
	assert_int_equal(ub_report_parse_format("png", &f), 0);
	assert_int_equal(f, UB_REPORT_PNG);
	assert_int_equal(ub_report_parse_format("gif", &f), UB_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rtt_marks_match_lost, setup),
		cmocka_unit_test_setup(test_raster_rows_match_split, setup),
		cmocka_unit_test_setup(test_raster_without_split, setup),
		cmocka_unit_test_setup(test_box_matches_summary, setup),
		cmocka_unit_test_setup(test_cdf_complete_and_monotone, setup),
		cmocka_unit_test_setup(test_reorder_data, setup),
		cmocka_unit_test_setup(test_reorder_data_probe_order, setup),
		cmocka_unit_test_setup(test_udp_tcp_retransmission_marks, setup),
		cmocka_unit_test_setup(test_udp_tcp_only_with_both, setup),
		cmocka_unit_test_setup(test_settings_escape_labels, setup),
		cmocka_unit_test_setup(test_html_and_markdown, setup),
		cmocka_unit_test_setup(test_several_peers, setup),
		cmocka_unit_test_setup(test_bad_inputs, setup),
		cmocka_unit_test_setup(test_missing_gnuplot, setup),
		cmocka_unit_test_setup(test_compare_many_boxes, setup),
		cmocka_unit_test_setup(test_degenerate_round_trips_draw, setup),
		cmocka_unit_test_setup(test_no_replies_or_no_probes, setup),
		cmocka_unit_test_setup(test_long_labels, setup),
		cmocka_unit_test_setup(test_labels_stay_text, setup),
		cmocka_unit_test_setup(test_json_numbers_out_of_range, setup),
		cmocka_unit_test_setup(test_csv_cut_mid_row, setup),
		cmocka_unit_test(test_parse_format),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
