/*
 * Unit tests for bench/output.c: the JSON result read back with jansson,
 * the per-probe CSV byte for byte, and the terminal summary in both
 * languages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <stdio_ext.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"
#include "metrics/output.h"
#include "metrics/stats.h"

#define MSEC 1000000LL
#define SEC (1000 * MSEC)
#define CSV_HEADER "seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n"

struct fixture {
	char dir[64];
	char path[160];          /* dir/result.json unless a test says otherwise */
	struct ub_params p[2];
	struct ub_summary s[2];
	struct ub_run_counters rc[2];
	json_t *root;            /* what was read back */
	char *text;              /* a file or stream read back */
	size_t text_len;
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	free(*state);
	return 0;
}

/* min..stddev get base+1..base+9, so a field written in the wrong place shows. */
static void set_dist(struct ub_dist *d, uint64_t n, int64_t base)
{
	d->n = n;
	d->min = base + 1;
	d->mean = base + 2;
	d->median = base + 3;
	d->p90 = base + 4;
	d->p95 = base + 5;
	d->p99 = base + 6;
	d->p999 = base + 7;
	d->max = base + 8;
	d->stddev = base + 9;
}

/* A run where every figure is known, each with its own value. */
static void fill_known(struct ub_params *p, struct ub_summary *s, struct ub_run_counters *rc)
{
	memset(p, 0, sizeof(*p));
	memset(s, 0, sizeof(*s));
	memset(rc, 0, sizeof(*rc));
	snprintf(p->peer, sizeof(p->peer), "192.0.2.1");
	snprintf(p->peer_addr, sizeof(p->peer_addr), "192.0.2.1:10000");
	p->port = 10000;
	p->mode = "stamp";
	p->proto = "udp";
	p->count = 500;
	p->duration_ns = 0;
	p->interval_ns = 10 * MSEC;
	p->size = 44;
	p->timeout_ns = 1 * SEC;
	p->start_real_ns = 1700000000123456789LL; /* 2023-11-14T22:13:20.123456789Z */
	p->clock = "realtime";
	p->label = "lab run";
	p->ssid = 0xbeef;
	p->dscp = 46;
	p->ttl = 17;

	s->sent = 500;
	s->received = 480;
	s->lost = 20;
	s->late = 2;
	s->duplicates = 6;
	s->loss_pct = 4.0;
	s->has_split = 1;
	s->lost_up = 12;
	s->lost_down = 8;
	s->reordered = 12;
	s->reorder_pct = 2.5;
	s->reorder_extent_max = 9;
	s->n_reordered_3 = 2;
	s->reordered_up = 5;
	s->reordered_down = 7;
	s->burst_count = 8;
	s->burst_mean_len = 2.5;
	s->burst_max_len = 6;
	set_dist(&s->rtt, 480, 1000000);
	set_dist(&s->ipdv, 479, 2000);
	s->pdv_ns = 123456;
	s->jitter_ns = 7890;
	set_dist(&s->refl_proc, 480, 30000);
	set_dist(&s->owd_up, 478, 400000);
	set_dist(&s->owd_down, 477, 500000);
	s->sched_missed = 3;
	set_dist(&s->sched_late, 500, 600);

	rc->foreign = 3;
	rc->send_errors = 4;
	rc->icmp_errors = 5;
	rc->interrupted = 1;
	rc->socket_rcvbuf = 212992;
	rc->socket_sndbuf = 425984;
}

static int setup(void **state)
{
	struct fixture *fx = *state;
	const char *tmp = getenv("TMPDIR");

	snprintf(fx->dir, sizeof(fx->dir), "%s/ub-out-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/result.json", fx->dir);
	fill_known(&fx->p[0], &fx->s[0], &fx->rc[0]);
	fill_known(&fx->p[1], &fx->s[1], &fx->rc[1]);
	fx->root = NULL;
	fx->text = NULL;
	fx->text_len = 0;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes the test directory and whatever a test left in it. */
static int teardown(void **state)
{
	struct fixture *fx = *state;

	json_decref(fx->root);
	fx->root = NULL;
	free(fx->text);
	fx->text = NULL;
	return nftw(fx->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The names in the test directory, sorted and joined with spaces. */
static void dir_listing(const struct fixture *fx, char *out, size_t len)
{
	struct dirent **names;
	int n, i;
	size_t used = 0;

	n = scandir(fx->dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "",
						 names[i]->d_name);
		free(names[i]);
	}
	free(names);
	assert_true(used < len);
}

static void expect_listing(const struct fixture *fx, const char *want)
{
	char got[512];

	dir_listing(fx, got, sizeof(got));
	assert_string_equal(got, want);
}

static void read_text(struct fixture *fx, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16;

	assert_non_null(f);
	free(fx->text);
	fx->text = calloc(1, cap);
	assert_non_null(fx->text);
	fx->text_len = fread(fx->text, 1, cap - 1, f);
	assert_true(fx->text_len < cap - 1);
	fclose(f);
}

static json_t *load(struct fixture *fx)
{
	json_error_t jerr;

	json_decref(fx->root);
	fx->root = json_load_file(fx->path, 0, &jerr);
	if (!fx->root)
		fail_msg("%s does not parse: %s (line %d)", fx->path, jerr.text, jerr.line);
	return fx->root;
}

static void write_json(struct fixture *fx, unsigned n)
{
	struct ub_err e;

	ub_err_clear(&e);
	if (ub_output_json(fx->path, n, fx->p, fx->s, fx->rc, &e) != 0)
		fail_msg("ub_output_json: %s", e.msg);
}

/* ---- reading the JSON back ---- */

static json_t *member(json_t *obj, const char *key)
{
	json_t *v;

	if (!json_is_object(obj))
		fail_msg("looking up \"%s\" in something that is not an object", key);
	v = json_object_get(obj, key);
	if (!v)
		fail_msg("no \"%s\"", key);
	return v;
}

static void expect_int(json_t *obj, const char *key, json_int_t want)
{
	json_t *v = member(obj, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer (type %d)", key, (int)json_typeof(v));
	if (json_integer_value(v) != want)
		fail_msg("\"%s\" is %" JSON_INTEGER_FORMAT ", want %" JSON_INTEGER_FORMAT, key,
			 json_integer_value(v), want);
}

static void expect_real(json_t *obj, const char *key, double want)
{
	json_t *v = member(obj, key);

	if (!json_is_real(v))
		fail_msg("\"%s\" is not a real (type %d)", key, (int)json_typeof(v));
	if (json_real_value(v) != want)
		fail_msg("\"%s\" is %g, want %g", key, json_real_value(v), want);
}

static void expect_str(json_t *obj, const char *key, const char *want)
{
	json_t *v = member(obj, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string (type %d)", key, (int)json_typeof(v));
	assert_string_equal(json_string_value(v), want);
}

/* Unknown is null: never 0, never missing. */
static void expect_null(json_t *obj, const char *key)
{
	json_t *v = member(obj, key);

	if (!json_is_null(v))
		fail_msg("\"%s\" should be null, is of type %d", key, (int)json_typeof(v));
}

static void expect_dist(json_t *obj, const char *key, json_int_t n, json_int_t base)
{
	json_t *d = member(obj, key);

	assert_int_equal(json_object_size(d), 11);
	assert_string_equal(json_string_value(member(d, "percentiles")), "exact");
	expect_int(d, "n", n);
	expect_int(d, "min", base + 1);
	expect_int(d, "mean", base + 2);
	expect_int(d, "median", base + 3);
	expect_int(d, "p90", base + 4);
	expect_int(d, "p95", base + 5);
	expect_int(d, "p99", base + 6);
	expect_int(d, "p999", base + 7);
	expect_int(d, "max", base + 8);
	expect_int(d, "stddev", base + 9);
}

static void expect_known_params(json_t *params)
{
	json_t *sock;

	expect_str(params, "peer", "192.0.2.1");
	expect_str(params, "peer_addr", "192.0.2.1:10000");
	expect_int(params, "port", 10000);
	expect_str(params, "mode", "stamp");
	expect_str(params, "proto", "udp");
	expect_int(params, "count", 500);
	/* bounded by count: no duration */
	expect_null(params, "duration_ns");
	expect_int(params, "interval_ns", 10 * MSEC);
	expect_int(params, "size", 44);
	expect_int(params, "timeout_ns", 1 * SEC);
	expect_str(params, "start_time", "2023-11-14T22:13:20.123456Z");
	expect_int(params, "start_time_ns", 1700000000123456789LL);
	expect_str(params, "clock", "realtime");
	expect_str(params, "label", "lab run");
	expect_int(params, "ssid", 0xbeef);
	expect_int(params, "dscp", 46);
	expect_int(params, "ttl", 17);
	sock = member(params, "socket");
	expect_int(sock, "rcvbuf", 212992);
	expect_int(sock, "sndbuf", 425984);
}

static void expect_known_summary(json_t *sum)
{
	json_t *bursts, *sched, *late;

	expect_int(sum, "sent", 500);
	expect_int(sum, "received", 480);
	expect_int(sum, "lost", 20);
	expect_real(sum, "loss_pct", 4.0);
	expect_int(sum, "lost_up", 12);
	expect_int(sum, "lost_down", 8);
	expect_int(sum, "late", 2);
	expect_int(sum, "duplicates", 6);
	expect_int(sum, "reordered", 12);
	expect_real(sum, "reorder_pct", 2.5);
	expect_int(sum, "reorder_extent_max", 9);
	expect_int(sum, "n_reordered_3", 2);
	expect_int(sum, "reordered_up", 5);
	expect_int(sum, "reordered_down", 7);
	bursts = member(sum, "loss_bursts");
	expect_int(bursts, "count", 8);
	expect_real(bursts, "mean_len", 2.5);
	expect_int(bursts, "max_len", 6);
	expect_dist(sum, "rtt_ns", 480, 1000000);
	expect_dist(sum, "ipdv_ns", 479, 2000);
	expect_int(sum, "pdv_ns", 123456);
	expect_int(sum, "jitter_ns", 7890);
	expect_dist(sum, "reflector_proc_ns", 480, 30000);
	expect_dist(sum, "owd_up_ns", 478, 400000);
	expect_dist(sum, "owd_down_ns", 477, 500000);
	sched = member(sum, "schedule");
	expect_int(sched, "missed", 3);
	late = member(sched, "late_ns");
	assert_int_equal(json_object_size(late), 4);
	expect_int(late, "median", 603);
	expect_int(late, "mean", 602);
	expect_int(late, "p99", 606);
	expect_int(late, "max", 608);
	expect_int(sum, "ignored_replies", 3);
	expect_int(sum, "send_errors", 4);
	expect_int(sum, "icmp_errors", 5);
	assert_true(json_is_true(member(sum, "interrupted")));
}

static void test_json_known(void **state)
{
	struct fixture *fx = *state;
	json_t *root, *head;

	write_json(fx, 1);
	/* written beside the target and renamed: nothing else is left */
	expect_listing(fx, "result.json");
	root = load(fx);
	assert_int_equal(json_object_size(root), 3);
	head = member(root, "udpbench");
	expect_str(head, "version", UB_VERSION);
	expect_int(head, "format", 1);
	expect_known_params(member(root, "params"));
	expect_known_summary(member(root, "summary"));
}

/* Histogram percentiles are labelled so; flood runs give rates and no schedule. */
static void test_json_histogram_and_flood(void **state)
{
	struct fixture *fx = *state;
	json_t *root, *sum, *params;

	fx->s[0].rtt.hist = 1;
	fx->s[0].percentiles_hist = 1;
	fx->p[0].flood = 1;
	fx->rc[0].send_span_ns = 2 * SEC;
	write_json(fx, 1);
	root = load(fx);
	sum = member(root, "summary");
	params = member(root, "params");
	assert_string_equal(json_string_value(member(member(sum, "rtt_ns"), "percentiles")),
			    "histogram");
	assert_string_equal(json_string_value(member(member(sum, "ipdv_ns"), "percentiles")),
			    "exact");
	assert_true(json_is_true(member(params, "summary_only")));
	assert_string_equal(json_string_value(member(params, "rate")), "max");
	assert_true(json_is_null(member(sum, "schedule")));
	/* sent / 2 s */
	assert_true(json_real_value(member(member(sum, "flood"), "sent_per_s")) ==
		    (double)fx->s[0].sent / 2.0);
}

/* params.link: the link as given, its spec an object; null where nobody said (a capture). */
static void test_json_link(void **state)
{
	struct fixture *fx = *state;
	json_t *link, *spec;

	fx->p[0].link.kind = "relay";
	fx->p[0].link.spec = "{\"delay\": \"12ms\", \"loss-burst-up\": \"0.5%,35%\"}";
	fx->p[0].link.truth = "truth.json";
	fx->p[0].link.scenario = "拥挤的教室 Wi-Fi";
	write_json(fx, 1);
	link = member(member(load(fx), "params"), "link");
	expect_str(link, "kind", "relay");
	expect_str(link, "truth", "truth.json");
	expect_str(link, "scenario", "拥挤的教室 Wi-Fi");
	spec = member(link, "spec");
	assert_int_equal(json_object_size(spec), 2);
	expect_str(spec, "loss-burst-up", "0.5%,35%");

	fx->p[0].link.spec = fx->p[0].link.truth = fx->p[0].link.scenario = NULL;
	fx->p[0].link.kind = "real";
	write_json(fx, 1);
	link = member(member(load(fx), "params"), "link");
	expect_str(link, "kind", "real");
	expect_null(link, "spec");
	expect_null(link, "truth");
	expect_null(link, "scenario");

	fx->p[0].link.kind = NULL;
	write_json(fx, 1);
	assert_true(json_is_null(member(member(load(fx), "params"), "link")));
}

/* A link spec is one JSON object of bounded size; what is wrong is said on one line. */
static void test_link_spec_check(void **state)
{
	static const char *const bad[] = {
		"", "[]", "\"delay\"", "12", "{\"a\":1,\"a\":2}", "{\"a\":", "{\"a\":\"\n\x01", "{} {}",
	};
	char why[160], big[UB_LINK_SPEC_MAX + 16];
	size_t i;

	(void)state;
	assert_int_equal(ub_output_link_spec("{}", why, sizeof(why)), 0);
	assert_int_equal(ub_output_link_spec("{\"up\":{\"delay\":\"3ms\"}}", why, sizeof(why)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(ub_output_link_spec(bad[i], why, sizeof(why)), -1);
		assert_true(why[0] != '\0');
		for (const char *q = why; *q; q++)
			assert_true((unsigned char)*q >= 0x20);
	}
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ub_output_link_spec(big, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "longer than"));
}

/* The truth log as seen from the result's folder, whatever folder each names. */
static void test_relative_path(void **state)
{
	struct fixture *fx = *state;
	char cwd[512], a[256], b[256], out[300];
	struct ub_err e;

	ub_err_clear(&e);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(a, sizeof(a), "%s/run", fx->dir);
	snprintf(b, sizeof(b), "%s/run/sub", fx->dir);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	snprintf(a, sizeof(a), "%s/run/truth.json", fx->dir);
	snprintf(b, sizeof(b), "%s/run/udp.json", fx->dir);
	assert_int_equal(ub_outfile_relative(a, b, out, sizeof(out), &e), 0);
	assert_string_equal(out, "truth.json");
	snprintf(b, sizeof(b), "%s/run/sub/udp.json", fx->dir);
	assert_int_equal(ub_outfile_relative(a, b, out, sizeof(out), &e), 0);
	assert_string_equal(out, "../truth.json");
	snprintf(b, sizeof(b), "%s/run/sub/udp.json", fx->dir);
	snprintf(a, sizeof(a), "%s/run/sub/t.json", fx->dir);
	assert_int_equal(ub_outfile_relative(a, b, out, sizeof(out), &e), 0);
	assert_string_equal(out, "t.json");
	/* a folder whose name starts like another's is still another folder */
	snprintf(a, sizeof(a), "%s/runx", fx->dir);
	assert_int_equal(mkdir(a, 0755), 0);
	snprintf(a, sizeof(a), "%s/runx/t.json", fx->dir);
	snprintf(b, sizeof(b), "%s/run/udp.json", fx->dir);
	assert_int_equal(ub_outfile_relative(a, b, out, sizeof(out), &e), 0);
	assert_string_equal(out, "../runx/t.json");
	/* relative names and the current folder ("-": the result goes to stdout) */
	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(ub_outfile_relative("run/sub/t.json", "-", out, sizeof(out), &e), 0);
	assert_string_equal(out, "run/sub/t.json");
	assert_int_equal(ub_outfile_relative("run/./sub/../truth.json", "run/sub/u.json", out,
					     sizeof(out), &e), 0);
	assert_string_equal(out, "../truth.json");
	assert_int_equal(ub_outfile_relative("no/such/t.json", NULL, out, sizeof(out), &e), UB_E_INVAL);
	assert_non_null(strstr(e.msg, "no/such/t.json"));
	assert_int_equal(ub_outfile_relative("run/truth.json", NULL, out, 4, &e), UB_E_INVAL);
	assert_int_equal(chdir(cwd), 0);
}

/* Folders made as far down as asked, those there already kept; a file in the way named. */
static void test_mkdirs(void **state)
{
	struct fixture *fx = *state;
	char a[300], b[300];
	struct stat st;
	struct ub_err e;

	ub_err_clear(&e);
	snprintf(a, sizeof(a), "%s/m/n/o", fx->dir);
	assert_int_equal(ub_outfile_mkdirs(a, &e), 0);
	assert_int_equal(stat(a, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(ub_outfile_mkdirs(a, &e), 0);
	snprintf(a, sizeof(a), "%s/m/n/o/", fx->dir);
	assert_int_equal(ub_outfile_mkdirs(a, &e), 0);
	/* '\\' is a letter of a Linux name, not a separator */
	snprintf(a, sizeof(a), "%s/m/p\\q", fx->dir);
	assert_int_equal(ub_outfile_mkdirs(a, &e), 0);
	assert_int_equal(stat(a, &st), 0);
	snprintf(b, sizeof(b), "%s/m/p", fx->dir);
	assert_int_not_equal(stat(b, &st), 0);
	snprintf(b, sizeof(b), "%s/m/file", fx->dir);
	fclose(fopen(b, "w"));
	assert_int_equal(ub_outfile_mkdirs(b, &e), UB_E_IO);
	assert_int_equal(e.sys_errno, ENOTDIR);
	snprintf(a, sizeof(a), "%s/m/file/x", fx->dir);
	assert_int_equal(ub_outfile_mkdirs(a, &e), UB_E_IO);
	assert_non_null(strstr(e.msg, b));
	assert_int_equal(e.sys_errno, ENOTDIR);
}

/* Everything a run could not measure, with junk where the flags say "unknown". */
static void test_json_unknown_is_null(void **state)
{
	struct fixture *fx = *state;
	struct ub_params *p = &fx->p[0];
	struct ub_summary *s = &fx->s[0];
	json_t *params, *sum, *sched;

	p->count = 0;
	p->duration_ns = 10 * SEC;
	p->label = NULL;
	p->dscp = -1;
	p->ttl = -1;
	/* nothing came back */
	s->received = 0;
	s->lost = 500;
	s->loss_pct = 100.0;
	s->has_split = 0;
	s->rtt.n = 0;
	s->ipdv.n = 0;
	s->refl_proc.n = 0;
	s->owd_up.n = 0;
	s->owd_down.n = 0;
	s->sched_late.n = 0;
	s->pdv_ns = -1;
	s->jitter_ns = -1;
	write_json(fx, 1);
	expect_listing(fx, "result.json");

	params = member(load(fx), "params");
	expect_null(params, "count");
	expect_int(params, "duration_ns", 10 * SEC);
	expect_null(params, "label");
	expect_null(params, "dscp");
	expect_null(params, "ttl");

	sum = member(fx->root, "summary");
	expect_int(sum, "sent", 500);
	expect_int(sum, "received", 0);
	expect_int(sum, "lost", 500);
	expect_real(sum, "loss_pct", 100.0);
	expect_null(sum, "lost_up");
	expect_null(sum, "lost_down");
	expect_null(sum, "reordered_up");
	expect_null(sum, "reordered_down");
	/* a share of nothing received */
	expect_null(sum, "reorder_pct");
	expect_null(sum, "rtt_ns");
	expect_null(sum, "ipdv_ns");
	expect_null(sum, "pdv_ns");
	expect_null(sum, "jitter_ns");
	expect_null(sum, "reflector_proc_ns");
	expect_null(sum, "owd_up_ns");
	expect_null(sum, "owd_down_ns");
	sched = member(sum, "schedule");
	expect_int(sched, "missed", 3);
	expect_null(sched, "late_ns");
}

/* Zero is a value, not "unknown": a count of zero losses stays 0 when the split is known. */
static void test_json_zero_is_not_null(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary *s = &fx->s[0];
	json_t *sum;

	s->lost = 0;
	s->lost_up = 0;
	s->lost_down = 0;
	s->reordered_up = 0;
	s->reordered_down = 0;
	s->pdv_ns = 0;
	s->jitter_ns = 0;
	fx->p[0].dscp = 0;
	write_json(fx, 1);
	sum = member(load(fx), "summary");
	expect_int(sum, "lost_up", 0);
	expect_int(sum, "lost_down", 0);
	expect_int(sum, "reordered_up", 0);
	expect_int(sum, "reordered_down", 0);
	expect_int(sum, "pdv_ns", 0);
	expect_int(sum, "jitter_ns", 0);
	expect_int(member(fx->root, "params"), "dscp", 0);
}

static void test_json_several_peers(void **state)
{
	struct fixture *fx = *state;
	json_t *peers, *one;

	snprintf(fx->p[1].peer, sizeof(fx->p[1].peer), "192.0.2.2");
	snprintf(fx->p[1].peer_addr, sizeof(fx->p[1].peer_addr), "192.0.2.2:10000");
	fx->s[1].sent = 77;
	fx->rc[1].foreign = 0;
	write_json(fx, 2);
	expect_listing(fx, "result.json");
	load(fx);
	assert_int_equal(json_object_size(fx->root), 2);
	expect_int(member(fx->root, "udpbench"), "format", 1);
	peers = member(fx->root, "peers");
	assert_true(json_is_array(peers));
	assert_int_equal(json_array_size(peers), 2);

	one = json_array_get(peers, 0);
	assert_int_equal(json_object_size(one), 2);
	expect_known_params(member(one, "params"));
	expect_known_summary(member(one, "summary"));

	one = json_array_get(peers, 1);
	expect_str(member(one, "params"), "peer_addr", "192.0.2.2:10000");
	expect_int(member(one, "summary"), "sent", 77);
	expect_int(member(one, "summary"), "ignored_replies", 0);
}

/*
 * Interval records are written one at a time in their result's place: the
 * file is byte for byte what jansson writes of the whole document read back
 * (so the indentation is right), with one result's records, none for a
 * result without them, [] for a result with an empty list, and a link spec
 * that itself holds "intervals": null left as it was.
 */
static void test_json_intervals_streamed(void **state)
{
	struct fixture *fx = *state;
	struct ub_interval iv[3];
	json_t *one, *recs;
	char *again;
	unsigned i, n;

	memset(iv, 0, sizeof(iv));
	for (i = 0; i < 3; i++) {
		iv[i].start_ns = i * SEC;
		iv[i].end_ns = (i + 1) * SEC;
		iv[i].sent = 100;
		iv[i].received = 100 - i;
		iv[i].lost = i;
		iv[i].has_split = i != 1;
		iv[i].lost_up = i;
		iv[i].rtt_min_ns = i == 2 ? -1 : 1000 + (int64_t)i;
		iv[i].rtt_p10_ns = iv[i].rtt_p25_ns = iv[i].rtt_median_ns = iv[i].rtt_min_ns;
		iv[i].rtt_p75_ns = iv[i].rtt_p90_ns = iv[i].rtt_max_ns = iv[i].rtt_min_ns;
	}
	iv[0].rtt_max_ns = 9 * MSEC;
	for (n = 1; n <= 2; n++) {
		fx->p[0].link.kind = "relay";
		fx->p[0].link.spec = "{\"intervals\": null, \"delay\": {\"intervals\": null}}";
		fx->s[0].intervals = iv;
		fx->s[0].n_intervals = 3;
		fx->s[1].intervals = iv;
		fx->s[1].n_intervals = 0;
		write_json(fx, n);
		load(fx);
		read_text(fx, fx->path);
		again = json_dumps(fx->root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		assert_non_null(again);
		assert_int_equal(fx->text_len, strlen(again) + 1);
		assert_memory_equal(fx->text, again, strlen(again));
		free(again);
		one = n == 1 ? fx->root : json_array_get(member(fx->root, "peers"), 0);
		recs = member(one, "intervals");
		assert_int_equal(json_array_size(recs), 3);
		expect_int(json_array_get(recs, 0), "rtt_max_ns", 9 * MSEC);
		expect_int(json_array_get(recs, 1), "rtt_p25_ns", 1001);
		expect_null(json_array_get(recs, 1), "lost_up");
		expect_int(json_array_get(recs, 2), "lost_up", 2);
		expect_null(json_array_get(recs, 2), "rtt_min_ns");
		expect_int(json_array_get(recs, 2), "end_ns", 3 * SEC);
		assert_true(json_is_null(member(member(member(member(one, "params"), "link"), "spec"),
						"intervals")));
		if (n == 2)
			assert_int_equal(json_array_size(member(json_array_get(member(fx->root, "peers"), 1),
								"intervals")), 0);
	}
	/* a result without records has no "intervals" */
	fx->s[0].intervals = NULL;
	write_json(fx, 1);
	assert_null(json_object_get(load(fx), "intervals"));
}

/* An older result is replaced whole. */
static void test_json_replaces(void **state)
{
	struct fixture *fx = *state;
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	fputs("{\"old\": true, \"padding\": \"", f);
	for (int i = 0; i < 20000; i++)
		fputc('x', f);
	fputs("\"}\n", f);
	assert_int_equal(fclose(f), 0);

	write_json(fx, 1);
	expect_listing(fx, "result.json");
	load(fx);
	assert_null(json_object_get(fx->root, "old"));
	expect_known_summary(member(fx->root, "summary"));
}

static void test_json_missing_directory(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;

	snprintf(fx->path, sizeof(fx->path), "%s/no/such/dir/result.json", fx->dir);
	ub_err_clear(&e);
	assert_int_equal(ub_output_json(fx->path, 1, fx->p, fx->s, fx->rc, &e), UB_E_IO);
	assert_int_equal(e.code, UB_E_IO);
	assert_int_equal(e.sys_errno, ENOENT);
	if (!strstr(e.msg, fx->path))
		fail_msg("message '%s' does not name %s", e.msg, fx->path);
	expect_listing(fx, "");
}

/* The rename fails when the target is a directory: the temporary file goes too. */
static void test_json_target_is_directory(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;
	char inner[sizeof(fx->path) + 8];

	snprintf(fx->path, sizeof(fx->path), "%s/taken", fx->dir);
	assert_int_equal(mkdir(fx->path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/keep", fx->path);
	assert_int_equal(mkdir(inner, 0700), 0);
	ub_err_clear(&e);
	assert_int_equal(ub_output_json(fx->path, 1, fx->p, fx->s, fx->rc, &e), UB_E_IO);
	assert_int_not_equal(e.sys_errno, 0);
	if (!strstr(e.msg, fx->path))
		fail_msg("message '%s' does not name %s", e.msg, fx->path);
	expect_listing(fx, "taken");
}

/* Points stdout at path (opened with flags) and returns the descriptor to restore. */
static int stdout_to(const char *path, int flags)
{
	int saved, fd;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	fd = open(path, flags, 0600);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);
	return saved;
}

static void stdout_back(int saved)
{
	/* drop whatever a failed write left in the buffer, so it is not printed later */
	__fpurge(stdout);
	clearerr(stdout);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
}

/* "-" writes to stdout. */
static void test_json_stdout(void **state)
{
	struct fixture *fx = *state;
	json_error_t jerr;
	struct ub_err e;
	int saved, rc;

	snprintf(fx->path, sizeof(fx->path), "%s/stdout.txt", fx->dir);
	saved = stdout_to(fx->path, O_WRONLY | O_CREAT | O_TRUNC);
	ub_err_clear(&e);
	rc = ub_output_json("-", 1, fx->p, fx->s, fx->rc, &e);
	stdout_back(saved);

	assert_int_equal(rc, 0);
	expect_listing(fx, "stdout.txt");
	read_text(fx, fx->path);
	/* one document and a final newline */
	assert_true(fx->text_len > 0);
	assert_int_equal(fx->text[fx->text_len - 1], '\n');
	fx->root = json_loads(fx->text, 0, &jerr);
	if (!fx->root)
		fail_msg("stdout does not parse: %s", jerr.text);
	expect_known_summary(member(fx->root, "summary"));
}

static void need_dev_full(void)
{
	if (access("/dev/full", W_OK) != 0) {
		print_message("SKIP: /dev/full is not writable here\n");
		skip();
	}
}

static void test_json_stdout_full(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;
	int saved, rc;

	need_dev_full();
	saved = stdout_to("/dev/full", O_WRONLY);
	ub_err_clear(&e);
	rc = ub_output_json("-", 1, fx->p, fx->s, fx->rc, &e);
	stdout_back(saved);

	assert_int_equal(rc, UB_E_IO);
	assert_int_equal(e.sys_errno, ENOSPC);
	assert_non_null(strstr(e.msg, "stdout"));
}

/* ---- CSV ---- */

static struct ub_csv_row full_row(void)
{
	struct ub_csv_row r;

	memset(&r, 0, sizeof(r));
	r.seq = 7;
	r.tx_ns = 1000;
	r.has_rx = 1;
	r.rx_ns = 2500;
	r.rtt_ns = 1500;
	r.status = UB_ST_OK;
	r.reordered = 1;
	r.has_refl = 1;
	r.refl_seq = 42;
	r.refl_rx_ns = 1700000000000000001LL;
	r.refl_tx_ns = 1700000000000000002LL;
	r.ttl = 64;
	return r;
}

/* Commas in a line: one fewer than its columns. */
static int commas(const char *line)
{
	int n = 0;

	for (; *line && *line != '\n'; line++)
		n += *line == ',';
	return n;
}

static void test_csv_rows(void **state)
{
	struct fixture *fx = *state;
	struct ub_csv_row r;
	struct ub_csv *c;
	struct ub_err e;
	const char *line;

	snprintf(fx->path, sizeof(fx->path), "%s/probes.csv", fx->dir);
	ub_err_clear(&e);
	c = ub_csv_open(fx->path, 0, &e);
	assert_non_null(c);

	r = full_row();
	ub_csv_row(c, &r);
	/* lost: junk behind every has_* flag that is clear */
	r = full_row();
	r.seq = 5;
	r.has_rx = 0;
	r.has_refl = 0;
	r.ttl = -1;
	r.reordered = 0;
	r.status = UB_ST_LOST;
	ub_csv_row(c, &r);
	/* late, known TTL 0, no reflector fields */
	r = full_row();
	r.seq = 8;
	r.tx_ns = 2000;
	r.rx_ns = 1500002000;
	r.rtt_ns = 1500000000;
	r.status = UB_ST_LATE;
	r.reordered = 0;
	r.has_refl = 0;
	r.ttl = 0;
	ub_csv_row(c, &r);
	/* an extra copy; any nonzero "reordered" is written as 1 */
	r = full_row();
	r.seq = UINT32_MAX;
	r.status = UB_ST_DUP;
	r.reordered = 5;
	r.refl_seq = UINT32_MAX;
	ub_csv_row(c, &r);
	assert_int_equal(ub_csv_close(c, &e), 0);
	assert_int_equal(e.code, 0);

	read_text(fx, fx->path);
	assert_string_equal(fx->text,
			    CSV_HEADER
			    "7,1000,2500,1500,ok,1,42,1700000000000000001,1700000000000000002,64\n"
			    "5,1000,,,lost,0,,,,\n"
			    "8,2000,1500002000,1500000000,late,0,,,,0\n"
			    "4294967295,1000,2500,1500,dup,1,4294967295,1700000000000000001,"
			    "1700000000000000002,64\n");
	/* every row has the header's columns */
	for (line = fx->text; *line; line = strchr(line, '\n') + 1)
		assert_int_equal(commas(line), 9);
}

static void test_csv_status_names(void **state)
{
	(void)state;
	assert_string_equal(ub_output_status_name(UB_ST_OK), "ok");
	assert_string_equal(ub_output_status_name(UB_ST_LOST), "lost");
	assert_string_equal(ub_output_status_name(UB_ST_LATE), "late");
	assert_string_equal(ub_output_status_name(UB_ST_DUP), "dup");
	assert_string_equal(ub_output_status_name((enum ub_status)42), "?");
}

/* A flushed row is on disk while the file is still open. */
static void test_csv_flush(void **state)
{
	struct fixture *fx = *state;
	struct ub_csv_row r = full_row();
	struct ub_csv *c;
	struct ub_err e;

	snprintf(fx->path, sizeof(fx->path), "%s/live.csv", fx->dir);
	c = ub_csv_open(fx->path, 0, &e);
	assert_non_null(c);
	ub_csv_row(c, &r);
	ub_csv_flush(c);
	read_text(fx, fx->path);
	assert_string_equal(fx->text, CSV_HEADER
			    "7,1000,2500,1500,ok,1,42,1700000000000000001,1700000000000000002,64\n");
	assert_int_equal(ub_csv_close(c, &e), 0);
}

static void test_csv_open_fails(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;

	snprintf(fx->path, sizeof(fx->path), "%s/missing/probes.csv", fx->dir);
	ub_err_clear(&e);
	assert_null(ub_csv_open(fx->path, 0, &e));
	assert_int_equal(e.code, UB_E_IO);
	assert_int_equal(e.sys_errno, ENOENT);
	if (!strstr(e.msg, fx->path))
		fail_msg("message '%s' does not name %s", e.msg, fx->path);
}

/* Rows go into a buffer; the failure shows when it reaches the disk, at close. */
static void test_csv_full_device(void **state)
{
	struct ub_csv_row r = full_row();
	struct ub_csv *c;
	struct ub_err e;

	(void)state;
	need_dev_full();
	ub_err_clear(&e);
	c = ub_csv_open("/dev/full", 0, &e);
	assert_non_null(c);
	ub_csv_row(c, &r);
	assert_int_equal(ub_csv_close(c, &e), UB_E_IO);
	assert_int_equal(e.code, UB_E_IO);
	assert_int_equal(e.sys_errno, ENOSPC);
	assert_non_null(strstr(e.msg, "/dev/full"));
}

/* A failed flush is remembered until close, even when nothing else is written. */
static void test_csv_flush_error_kept(void **state)
{
	struct ub_csv_row r = full_row();
	struct ub_csv *c;
	struct ub_err e;

	(void)state;
	need_dev_full();
	c = ub_csv_open("/dev/full", 0, &e);
	assert_non_null(c);
	ub_csv_row(c, &r);
	ub_csv_flush(c);
	ub_err_clear(&e);
	assert_int_equal(ub_csv_close(c, &e), UB_E_IO);
	assert_int_equal(e.sys_errno, ENOSPC);
	assert_non_null(strstr(e.msg, "/dev/full"));
}

/* "-" is stdout, which is flushed but never closed. */
static void test_csv_stdout(void **state)
{
	struct fixture *fx = *state;
	struct ub_csv_row r = full_row();
	struct ub_csv *c;
	struct ub_err e;
	int saved, rc;

	snprintf(fx->path, sizeof(fx->path), "%s/stdout.csv", fx->dir);
	saved = stdout_to(fx->path, O_WRONLY | O_CREAT | O_TRUNC);
	ub_err_clear(&e);
	c = ub_csv_open("-", 0, &e);
	if (c)
		ub_csv_row(c, &r);
	rc = ub_csv_close(c, &e);
	/* still open: this reaches the file */
	fputs("after\n", stdout);
	fflush(stdout);
	stdout_back(saved);

	assert_non_null(c);
	assert_int_equal(rc, 0);
	read_text(fx, fx->path);
	assert_string_equal(fx->text, CSV_HEADER
			    "7,1000,2500,1500,ok,1,42,1700000000000000001,1700000000000000002,64\n"
			    "after\n");
}

/* On stdout only the flush can tell that the rows were lost. */
static void test_csv_stdout_full(void **state)
{
	struct ub_csv_row r = full_row();
	struct ub_csv *c;
	struct ub_err e;
	int saved, rc;

	(void)state;
	need_dev_full();
	saved = stdout_to("/dev/full", O_WRONLY);
	ub_err_clear(&e);
	c = ub_csv_open("-", 0, &e);
	if (c)
		ub_csv_row(c, &r);
	rc = ub_csv_close(c, &e);
	stdout_back(saved);

	assert_non_null(c);
	assert_int_equal(rc, UB_E_IO);
	assert_int_equal(e.sys_errno, ENOSPC);
}

static void test_csv_null(void **state)
{
	struct ub_csv_row r = full_row();
	struct ub_err e;

	(void)state;
	ub_err_clear(&e);
	ub_csv_row(NULL, &r);
	ub_csv_flush(NULL);
	assert_int_equal(ub_csv_close(NULL, &e), 0);
	assert_int_equal(e.code, 0);
}

/* ---- the terminal summary ---- */

/* Figures that print as round durations. */
static void fill_summary_figures(struct ub_summary *s)
{
	s->rtt.min = 1500 * 1000;
	s->rtt.median = 2 * MSEC;
	s->rtt.mean = 2100 * 1000;
	s->rtt.p99 = 5 * MSEC;
	s->rtt.max = 9 * MSEC;
	s->rtt.stddev = 250 * 1000;
	s->jitter_ns = 120 * 1000;
	s->pdv_ns = 3500 * 1000;
	s->sched_late.median = 20 * 1000;
	s->sched_late.p99 = 1500 * 1000;
}

static const char *summary(struct fixture *fx, enum ub_lang lang)
{
	FILE *f;

	free(fx->text);
	fx->text = NULL;
	f = open_memstream(&fx->text, &fx->text_len);
	assert_non_null(f);
	ub_output_summary(f, lang, &fx->p[0], &fx->s[0], &fx->rc[0]);
	assert_int_equal(fclose(f), 0);
	return fx->text;
}

static void test_summary_english(void **state)
{
	struct fixture *fx = *state;

	fill_summary_figures(&fx->s[0]);
	assert_string_equal(
		summary(fx, UB_LANG_EN),
		"--- 192.0.2.1:10000 udpbench statistics (stamp) ---\n"
		"500 probes sent, 480 received, 4.00% loss, 2 late, 6 duplicates, 12 reordered\n"
		"lost on the way there (up) 12, on the way back (down) 8; reordered up 5, down 7\n"
		"rtt min/median/mean/p99/max = 1.5ms/2ms/2.1ms/5ms/9ms, stddev 250us\n"
		"jitter 120us, pdv (p99-min) 3.5ms, loss bursts 8 (longest 6)\n"
		"schedule: 3 probes left a whole interval late; lateness median 20us, p99 1.5ms\n"
		"ignored 3 replies from another session or peer\n"
		"send errors 4, ICMP errors 5\n"
		"(stopped early)\n");
}

static void test_summary_chinese(void **state)
{
	struct fixture *fx = *state;

	fill_summary_figures(&fx->s[0]);
	assert_string_equal(summary(fx, UB_LANG_ZH),
			    "--- 192.0.2.1:10000 udpbench 统计（stamp 模式）---\n"
			    "发送 500 个探测包，收到 480 个，丢包率 4.00%，迟到 2 个（算作丢失），重复 6 个，"
			    "乱序 12 个\n"
			    "去程（上行）丢失 12 个，回程（下行）丢失 8 个；上行乱序 5 个，"
			    "下行乱序 7 个\n"
			    "往返时延 最小/中位数/平均/p99/最大 = 1.5ms/2ms/2.1ms/5ms/9ms，"
			    "标准差 250us\n"
			    "抖动 120us，时延变化（p99-最小）3.5ms，连续丢包 8 段（最长 6 个）\n"
			    "发送计划：3 个探测包晚了一整个间隔才发出；发送时刻偏差（本机比计划晚发多久）中位数 20us，p99 1.5ms\n"
			    "忽略了 3 个来自其他会话或主机的回复\n"
			    "发送错误 4 个，ICMP 错误 5 个\n"
			    "（提前结束）\n");
}

/* Without a reflector counter there is no up/down line, in either language. */
static void test_summary_no_split(void **state)
{
	struct fixture *fx = *state;
	const char *t;

	fx->s[0].has_split = 0;
	fill_summary_figures(&fx->s[0]);
	t = summary(fx, UB_LANG_EN);
	assert_null(strstr(t, "(up)"));
	assert_null(strstr(t, "(down)"));
	assert_null(strstr(t, "reordered up"));
	assert_non_null(strstr(t, "500 probes sent, 480 received"));
	assert_non_null(strstr(t, "rtt min/median/mean/p99/max = 1.5ms/"));
	t = summary(fx, UB_LANG_ZH);
	assert_null(strstr(t, "上行"));
	assert_null(strstr(t, "下行"));
	assert_non_null(strstr(t, "发送 500 个探测包"));
}

static void test_summary_no_reply(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary *s = &fx->s[0];
	const char *t;

	s->sent = 5;
	s->received = 0;
	s->lost = 5;
	s->loss_pct = 100.0;
	s->rtt.n = 0;
	s->jitter_ns = -1;
	s->pdv_ns = -1;
	t = summary(fx, UB_LANG_EN);
	assert_non_null(strstr(t, "5 probes sent, 0 received, 100.00% loss"));
	assert_non_null(strstr(t, "\nno reply came back\n"));
	assert_null(strstr(t, "rtt"));
	assert_null(strstr(t, "jitter"));
	t = summary(fx, UB_LANG_ZH);
	assert_non_null(strstr(t, "\n没有收到任何回复\n"));
	assert_null(strstr(t, "往返时延"));
}

/* Nothing sent: no figures, and no claim that replies were missing either. */
static void test_summary_nothing_sent(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary *s = &fx->s[0];
	const char *t;

	memset(s, 0, sizeof(*s));
	s->pdv_ns = -1;
	s->jitter_ns = -1;
	memset(&fx->rc[0], 0, sizeof(fx->rc[0]));
	/* the address is not known yet: the name as given stands in */
	fx->p[0].peer_addr[0] = '\0';
	t = summary(fx, UB_LANG_EN);
	assert_non_null(strstr(t, "--- 192.0.2.1 udpbench statistics (stamp) ---\n"
				  "0 probes sent, 0 received, "));
	assert_null(strstr(t, "no reply"));
	assert_null(strstr(t, "rtt"));
	/* the header and the counts, nothing else */
	assert_non_null(strchr(t, '\n'));
	assert_non_null(strchr(strchr(t, '\n') + 1, '\n'));
	assert_string_equal(strchr(strchr(t, '\n') + 1, '\n'), "\n");
}

/* One reply: an RTT line, but no jitter from a single value. */
static void test_summary_single_reply(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary *s = &fx->s[0];

	fill_summary_figures(s);
	s->jitter_ns = -1;
	assert_non_null(strstr(summary(fx, UB_LANG_EN), "\njitter -, pdv (p99-min) 3.5ms,"));
}

/* ---- the table for several peers ---- */

static void test_table(void **state)
{
	struct fixture *fx = *state;
	FILE *f;

	fill_summary_figures(&fx->s[0]);
	snprintf(fx->p[1].peer, sizeof(fx->p[1].peer), "board7.lab");
	fx->p[1].peer_addr[0] = '\0';
	fx->s[1].sent = 10;
	fx->s[1].received = 0;
	fx->s[1].loss_pct = 100.0;
	fx->s[1].has_split = 0;
	fx->s[1].rtt.n = 0;

	f = open_memstream(&fx->text, &fx->text_len);
	assert_non_null(f);
	ub_output_table(f, UB_LANG_EN, 2, fx->p, fx->s, fx->rc);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(fx->text,
			    "peer                     sent  recv   loss%    up  down   median     p99\n"
			    "192.0.2.1:10000           500   480    4.00    12     8      2ms     5ms\n"
			    "board7.lab                 10     0  100.00     -     - no reply       -\n");
	free(fx->text);
	fx->text = NULL;

	/* named boards: a name column first, "-" for a board without one */
	snprintf(fx->p[1].name, sizeof(fx->p[1].name), "小明");
	f = open_memstream(&fx->text, &fx->text_len);
	assert_non_null(f);
	ub_output_table(f, UB_LANG_ZH, 2, fx->p, fx->s, fx->rc);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(fx->text,
			    "名称         反射端                   发送  收到 丢包率%  上行  下行   中位数     p99\n"
			    "-            192.0.2.1:10000           500   480    4.00    12     8      2ms     5ms\n"
			    "小明         board7.lab                 10     0  100.00     -     -   无应答       -\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_histogram_and_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_link, setup, teardown),
		cmocka_unit_test(test_link_spec_check),
		cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_unknown_is_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_zero_is_not_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_several_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_intervals_streamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_target_is_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_stdout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_stdout_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_rows, setup, teardown),
		cmocka_unit_test(test_csv_status_names),
		cmocka_unit_test_setup_teardown(test_csv_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_open_fails, setup, teardown),
		cmocka_unit_test(test_csv_full_device),
		cmocka_unit_test(test_csv_flush_error_kept),
		cmocka_unit_test_setup_teardown(test_csv_stdout, setup, teardown),
		cmocka_unit_test(test_csv_stdout_full),
		cmocka_unit_test(test_csv_null),
		cmocka_unit_test_setup_teardown(test_summary_english, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_chinese, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_no_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_no_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_nothing_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_single_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
