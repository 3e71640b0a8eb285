#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef UB_REPORT_DIR
#define UB_REPORT_DIR "/usr/local/share/udpbench/reports"
#endif

extern char **environ;

/* One text in English or Chinese; both are literals so printf formats stay checked. */
#define TX(rep, en_, zh_) ((rep)->zh ? (zh_) : (en_))

static const char *const templates[] = {
	"style.gp", "rtt.gp", "cdf.gp", "loss.gp", "reorder.gp", "compare.gp", "udp-tcp.gp",
};

enum { ST_OK, ST_LOST, ST_LATE, ST_DUP };
enum { DIR_NONE, DIR_UP, DIR_DOWN };
enum { CH_RTT = 1, CH_CDF, CH_LOSS, CH_REORDER, CH_COMPARE, CH_UDPTCP };

struct row {
	int64_t seq, tx_ns, rtt_ns, retx;
	uint32_t refl_seq;
	unsigned char status, reordered, has_rtt, has_refl, has_retx;
};

struct probe {
	int64_t tx_ns, rtt_ns, retx;
	unsigned char seen, ok, lost, late, dir, has_retx;
};

struct box {
	int64_t p5, q1, median, q3, p95, p99, min, max;
};

struct result {
	char *json_path, *csv_path, *slug, *label, *dir;
	json_t *root;               /* holds params and summary */
	json_t *params, *summary;
	int tcp, split, have_csv;
	int proto_in_label;         /* unique_names added " (UDP)" or " (TCP)" */
	struct row *rows;
	size_t n_rows;
	struct probe *p;            /* by sequence number - base */
	size_t n_p;
	int64_t base;
	int64_t *rtt;               /* replies in time, sorted */
	size_t n_rtt;
	size_t n_lost, n_late, n_up, n_down, n_reord, n_retx;
	struct box box;
	int64_t t_end;
};

struct chart {
	char name[160];
	const char *tmpl;
	int kind;
	int res, res2;              /* the result; for UDP vs TCP the UDP and the TCP one */
	pid_t pid;
};

struct report {
	const struct ub_report_config *c;
	int zh;
	char *out, *work, *work_abs, *tmpl_dir;
	char font[128];
	struct result *r;
	unsigned n;
	struct chart *ch;
	unsigned n_ch;
};

void ub_report_config_init(struct ub_report_config *c)
{
	memset(c, 0, sizeof(*c));
	c->lang = UB_LANG_EN;
	c->format = UB_REPORT_PNG;
	c->width = 1600;
	c->height = 900;
	c->font_pt = 20;
	c->gnuplot = "gnuplot";
	c->render = 1;
}

int ub_report_parse_format(const char *s, enum ub_report_format *out)
{
	if (s && strcmp(s, "png") == 0)
		*out = UB_REPORT_PNG;
	else if (s && strcmp(s, "svg") == 0)
		*out = UB_REPORT_SVG;
	else
		return UB_E_INVAL;
	return 0;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int has_templates(const char *dir)
{
	char path[PATH_MAX];

	return snprintf(path, sizeof(path), "%s/rtt.gp", dir) < (int)sizeof(path) && is_file(path);
}

char *ub_report_find_templates(void)
{
	char exe[PATH_MAX], dir[PATH_MAX], *slash;
	const char *env = getenv("UDPBENCH_REPORTS");
	ssize_t n;

	if (env && *env && has_templates(env))
		return strdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(dir, sizeof(dir), "%.*s/reports", PATH_MAX - 16, exe);
			if (has_templates(dir))
				return strdup(dir);
		}
	}
	return has_templates(UB_REPORT_DIR) ? strdup(UB_REPORT_DIR) : NULL;
}

/* ---- reading results ---- */

static int64_t jint(json_t *o, const char *k, int64_t def)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return llround(json_real_value(v));
	return def;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

static int has_number(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) || json_is_real(v);
}

/* Replaces what is not [A-Za-z0-9._-] by '_', in place. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			*s = '_';
}

static int add_result(struct report *R, const char *path, json_t *root, json_t *entry,
		      int many, struct ub_err *e)
{
	struct result *r, *grown;
	const char *base, *peer, *label, *proto;
	size_t stem;
	char *peer_s = NULL;

	grown = realloc(R->r, (R->n + 1) * sizeof(*R->r));
	if (!grown)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	R->r = grown;
	r = &R->r[R->n];
	memset(r, 0, sizeof(*r));
	r->params = json_object_get(entry, "params");
	r->summary = json_object_get(entry, "summary");
	if (!json_is_object(r->params) || !json_is_object(r->summary))
		return ub_err_set(e, UB_E_INVAL, 0, "%s: a result without params or summary", path);
	R->n++;
	r->root = json_incref(root);
	proto = jstr(r->params, "proto");
	r->tcp = proto && strcmp(proto, "tcp") == 0;
	r->split = has_number(r->summary, "lost_up") && has_number(r->summary, "lost_down");

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	stem = strlen(path);
	if (stem > 5 && strcmp(path + stem - 5, ".json") == 0)
		stem -= 5;
	peer = jstr(r->params, "peer");
	if (many) {
		peer_s = strdup(peer ? peer : "peer");
		if (!peer_s)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		/* the sender's per-peer CSV names: r.csv for 10.0.0.7:10000 is r-10.0.0.7_10000.csv */
		for (char *q = peer_s; *q; q++)
			if (*q == ':' || *q == '/' || *q == '[' || *q == ']')
				*q = '_';
		r->csv_path = xprintf("%.*s-%s.csv", (int)stem, path, peer_s);
		r->slug = xprintf("%.*s-%s", (int)(stem - (size_t)(base - path)), base, peer_s);
	} else {
		r->csv_path = xprintf("%.*s.csv", (int)stem, path);
		r->slug = xprintf("%.*s", (int)(stem - (size_t)(base - path)), base);
	}
	free(peer_s);
	r->json_path = strdup(path);
	r->dir = base > path ? xprintf("%.*s", (int)(base - path - 1), path) : strdup(".");
	label = jstr(r->params, "label");
	r->label = strdup(label ? label : peer ? peer : r->slug ? r->slug : "?");
	if (!r->csv_path || !r->slug || !r->json_path || !r->dir || !r->label)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	sanitize(r->slug);
	return 0;
}

static int load_json(struct report *R, const char *path, struct ub_err *e)
{
	json_error_t jerr;
	json_t *root, *peers, *v;
	size_t i;
	int rc = 0;

	if (access(path, R_OK) != 0)
		return ub_err_set(e, UB_E_IO, errno, "cannot read %s", path);
	root = json_load_file(path, 0, &jerr);
	if (!root)
		return ub_err_set(e, UB_E_INVAL, 0, "%s is not JSON (line %d: %s)", path, jerr.line,
				  jerr.text);
	if (!json_is_object(json_object_get(root, "udpbench"))) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "%s is not a udpbench result", path);
		goto out;
	}
	peers = json_object_get(root, "peers");
	if (json_is_array(peers)) {
		json_array_foreach(peers, i, v) {
			rc = add_result(R, path, root, v, 1, e);
			if (rc)
				goto out;
		}
	} else {
		rc = add_result(R, path, root, root, 0, e);
	}
out:
	json_decref(root);
	return rc;
}

enum { C_SEQ, C_TX, C_RTT, C_STATUS, C_REORD, C_REFL, C_RETX, C_N };
static const char *const col_names[C_N] = {
	"seq", "tx_ns", "rtt_ns", "status", "reordered", "refl_seq", "tcp_retransmits",
};

/* Parses an integer field; an empty one leaves *has clear. */
static int parse_i64(const char *s, int64_t *v, unsigned char *has)
{
	char *end;

	*has = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*has = 1;
	return 0;
}

static int parse_row(struct row *w, char **f, int nf, const int *col)
{
	const char *st;
	int64_t v;
	unsigned char has;

	memset(w, 0, sizeof(*w));
	for (int k = 0; k < C_N; k++)
		if (col[k] >= nf)
			return -1;
	if (parse_i64(f[col[C_SEQ]], &w->seq, &has) || !has ||
	    parse_i64(f[col[C_TX]], &w->tx_ns, &has) || !has ||
	    parse_i64(f[col[C_RTT]], &w->rtt_ns, &w->has_rtt))
		return -1;
	st = f[col[C_STATUS]];
	if (strcmp(st, "ok") == 0)
		w->status = ST_OK;
	else if (strcmp(st, "lost") == 0)
		w->status = ST_LOST;
	else if (strcmp(st, "late") == 0)
		w->status = ST_LATE;
	else if (strcmp(st, "dup") == 0)
		w->status = ST_DUP;
	else
		return -1;
	if (col[C_REORD] >= 0 && (parse_i64(f[col[C_REORD]], &v, &has) || (has && v != 0 && v != 1)))
		return -1;
	w->reordered = col[C_REORD] >= 0 && has && v == 1;
	if (col[C_REFL] >= 0) {
		if (parse_i64(f[col[C_REFL]], &v, &w->has_refl) || (w->has_refl && (v < 0 || v > UINT32_MAX)))
			return -1;
		w->refl_seq = (uint32_t)v;
	}
	if (col[C_RETX] >= 0 && parse_i64(f[col[C_RETX]], &w->retx, &w->has_retx))
		return -1;
	if ((w->status == ST_OK && !w->has_rtt) || w->seq < 0 || w->seq > UINT32_MAX)
		return -1;
	return 0;
}

/* Splits line at commas in place; returns the number of fields (at most max). */
static int split_csv(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	f[n++] = line;
	for (char *q = line; *q && n < max; q++)
		if (*q == ',') {
			*q = '\0';
			f[n++] = q + 1;
		}
	return n;
}

static int load_csv(struct result *r, struct ub_err *e)
{
	FILE *f;
	char *line = NULL, *fld[32];
	size_t cap = 0, lineno = 1, rcap = 0;
	int col[C_N], nf, rc = 0;
	struct row *grown;

	f = fopen(r->csv_path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return ub_err_set(e, UB_E_IO, errno, "cannot read %s", r->csv_path);
	}
	if (getline(&line, &cap, f) < 0) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "%s is empty", r->csv_path);
		goto out;
	}
	nf = split_csv(line, fld, 32);
	for (int k = 0; k < C_N; k++) {
		col[k] = -1;
		for (int i = 0; i < nf; i++)
			if (strcmp(fld[i], col_names[k]) == 0)
				col[k] = i;
		if (col[k] < 0 && k <= C_STATUS) {
			rc = ub_err_set(e, UB_E_INVAL, 0, "%s is not a udpbench CSV (no %s column)",
					r->csv_path, col_names[k]);
			goto out;
		}
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		if (r->n_rows == rcap) {
			rcap = rcap ? 2 * rcap : 1024;
			grown = realloc(r->rows, rcap * sizeof(*r->rows));
			if (!grown) {
				rc = ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
				goto out;
			}
			r->rows = grown;
		}
		nf = split_csv(line, fld, 32);
		if (parse_row(&r->rows[r->n_rows], fld, nf, col) < 0) {
			rc = ub_err_set(e, UB_E_INVAL, 0, "%s line %zu: not a udpbench CSV row",
					r->csv_path, lineno);
			goto out;
		}
		r->n_rows++;
	}
	if (ferror(f))
		rc = ub_err_set(e, UB_E_IO, errno, "cannot read %s", r->csv_path);
	else
		r->have_csv = 1;
out:
	free(line);
	fclose(f);
	return rc;
}

/* ---- what the charts show, derived from the rows ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank, as bench/stats.c computes the summary: v[ceil(n * per10k / 10000) - 1]. */
static int64_t nearest_rank(const int64_t *v, size_t n, uint64_t per10k)
{
	uint64_t rank = ((uint64_t)n * per10k + 9999) / 10000;

	return v[rank ? rank - 1 : 0];
}

struct refl_pair {
	int64_t u, seq;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct refl_pair *x = a, *y = b;

	if (x->u != y->u)
		return (x->u > y->u) - (x->u < y->u);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Index in lost[0..n) of the first unassigned entry at or after i; n when none. */
static size_t next_free(size_t *skip, size_t i, size_t n)
{
	size_t j = i;

	while (j < n && skip[j] != j)
		j = skip[j];
	while (i < n && skip[i] != i) {
		size_t t = skip[i];

		skip[i] = j;
		i = t;
	}
	return j;
}

/* The first index of sorted v[0..n) whose value is at least x; n when none. */
static size_t lower_bound(const int64_t *v, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;

		if (v[m] < x)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

/* The reflector's 32-bit counter as a number near the first one seen, across a wrap. */
static int64_t unwrap(int64_t refl0, uint32_t v)
{
	uint32_t d = v - (uint32_t)refl0;

	return d < 0x80000000u ? refl0 + d : refl0 + (int64_t)d - 0x100000000LL;
}

/*
 * Up or down for each lost probe, from the stateful reflector's counter the
 * way the sender splits its totals (RFC 8762 §4.2): a counter value that never
 * came back was lost on the way down, by the probe sent between the two
 * probes whose counters bracket it; the other losses happened on the way up.
 * Late replies did reach the reflector: down. Totals match the summary's.
 */
static int split_probes(struct result *r)
{
	struct refl_pair *known = NULL;
	int64_t *arrived = NULL, *lost = NULL, refl0 = 0, lo = 0, hi = 0, start, c, u;
	size_t *skip = NULL, nk = 0, na = 0, nl = 0, i, j, a, f;
	int have = 0, rc = 0;

	known = malloc((r->n_rows + 1) * sizeof(*known));
	arrived = malloc((r->n_rows + 1) * sizeof(*arrived));
	lost = malloc((r->n_p + 1) * sizeof(*lost));
	skip = malloc((r->n_p + 1) * sizeof(*skip));
	if (!known || !arrived || !lost || !skip) {
		rc = UB_E_NOMEM;
		goto out;
	}
	for (i = 0; i < r->n_rows; i++) {
		const struct row *w = &r->rows[i];

		if (!w->has_refl || w->status == ST_LOST)
			continue;
		if (!have) {
			have = 1;
			refl0 = lo = hi = w->refl_seq;
		}
		c = unwrap(refl0, w->refl_seq);
		lo = c < lo ? c : lo;
		hi = c > hi ? c : hi;
		known[nk].u = c;
		known[nk++].seq = w->seq;
		if (w->status == ST_OK || w->status == ST_DUP)
			arrived[na++] = c;
	}
	for (i = 0; i < r->n_p; i++) {
		r->p[i].dir = r->p[i].lost ? DIR_UP : DIR_NONE;
		if (r->p[i].lost)
			lost[nl++] = (int64_t)i;
	}
	if (!have || hi - lo > (int64_t)(4 * r->n_p + 1024))
		goto count;
	/* a reflector that numbered this session from 0 (RFC 8762), else the span seen */
	start = lo >= 0 && hi <= (int64_t)UINT32_MAX && lo <= (int64_t)r->n_p ? 0 : lo;
	qsort(known, nk, sizeof(*known), cmp_pair);
	qsort(arrived, na, sizeof(*arrived), cmp_i64);
	for (i = 0; i <= nl; i++)
		skip[i] = i;

	/* late replies first: their counters name the probe */
	for (i = 0; i < r->n_rows; i++) {
		const struct row *w = &r->rows[i];

		if (w->status != ST_LATE || !w->has_refl)
			continue;
		u = unwrap(refl0, w->refl_seq);
		a = lower_bound(arrived, na, u);
		if (a < na && arrived[a] == u)
			continue;
		f = lower_bound(lost, nl, w->seq - r->base);
		if (f < nl && lost[f] == w->seq - r->base && skip[f] == f) {
			r->p[lost[f]].dir = DIR_DOWN;
			skip[f] = f + 1;
		}
	}

	/* every other counter value that never came back */
	for (c = start, a = 0, j = 0; c <= hi; c++) {
		while (a < na && arrived[a] < c)
			a++;
		if (a < na && arrived[a] == c)
			continue;
		while (j < nk && known[j].u < c)
			j++;
		if (j < nk && known[j].u == c)
			continue;           /* a late reply's, placed above */
		/* the first free lost probe sent after the one whose counter precedes c, else any */
		f = next_free(skip, lower_bound(lost, nl, j > 0 ? known[j - 1].seq - r->base + 1 : 0), nl);
		if (f >= nl)
			f = next_free(skip, 0, nl);
		if (f >= nl)
			break;
		r->p[lost[f]].dir = DIR_DOWN;
		skip[f] = f + 1;
	}
count:
	for (i = 0; i < r->n_p; i++) {
		r->n_up += r->p[i].dir == DIR_UP;
		r->n_down += r->p[i].dir == DIR_DOWN;
	}
out:
	free(known);
	free(arrived);
	free(lost);
	free(skip);
	return rc;
}

static int derive(struct result *r, struct ub_err *e)
{
	int64_t lo = INT64_MAX, hi = -1, prev = 0;
	size_t i;

	for (i = 0; i < r->n_rows; i++)
		if (r->rows[i].status == ST_OK || r->rows[i].status == ST_LOST) {
			lo = r->rows[i].seq < lo ? r->rows[i].seq : lo;
			hi = r->rows[i].seq > hi ? r->rows[i].seq : hi;
		}
	if (hi < 0)
		return 0;
	if (hi - lo >= (int64_t)(4 * r->n_rows + 1024))
		return ub_err_set(e, UB_E_INVAL, 0, "%s: sequence numbers out of range", r->csv_path);
	r->base = lo;
	r->n_p = (size_t)(hi - lo + 1);
	r->p = calloc(r->n_p, sizeof(*r->p));
	r->rtt = malloc(r->n_rows * sizeof(*r->rtt));
	if (!r->p || !r->rtt)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (i = 0; i < r->n_rows; i++) {
		const struct row *w = &r->rows[i];
		struct probe *p;

		if (w->seq < lo || w->seq > hi)
			continue;
		p = &r->p[w->seq - lo];
		if (w->status == ST_OK && !p->ok) {
			p->seen = p->ok = 1;
			p->tx_ns = w->tx_ns;
			p->rtt_ns = w->rtt_ns;
			p->retx = w->retx;
			p->has_retx = w->has_retx;
			r->rtt[r->n_rtt++] = w->rtt_ns;
			r->n_reord += w->reordered;
		} else if (w->status == ST_LOST) {
			p->seen = p->lost = 1;
			p->tx_ns = w->tx_ns;
		} else if (w->status == ST_LATE && !p->ok) {
			p->late = 1;
			p->rtt_ns = w->rtt_ns;
		}
		r->t_end = w->tx_ns > r->t_end ? w->tx_ns : r->t_end;
	}
	for (i = 0; i < r->n_p; i++) {
		struct probe *p = &r->p[i];

		p->late = p->late && p->lost;
		r->n_lost += p->lost;
		r->n_late += p->late;
		/* a rise of the retransmission counter marks the message that waited for it */
		if (p->ok && p->has_retx) {
			r->n_retx += p->retx > prev;
			prev = p->retx > prev ? p->retx : prev;
		}
	}
	qsort(r->rtt, r->n_rtt, sizeof(*r->rtt), cmp_i64);
	if (r->n_rtt) {
		r->box.min = r->rtt[0];
		r->box.max = r->rtt[r->n_rtt - 1];
		r->box.p5 = nearest_rank(r->rtt, r->n_rtt, 500);
		r->box.q1 = nearest_rank(r->rtt, r->n_rtt, 2500);
		r->box.median = nearest_rank(r->rtt, r->n_rtt, 5000);
		r->box.q3 = nearest_rank(r->rtt, r->n_rtt, 7500);
		r->box.p95 = nearest_rank(r->rtt, r->n_rtt, 9500);
		r->box.p99 = nearest_rank(r->rtt, r->n_rtt, 9900);
	}
	if (r->split && split_probes(r) < 0)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	return 0;
}

/*
 * Makes labels and file names unique: a label shared by UDP and TCP results
 * gets the protocol, then any still shared a number; a file name gets its
 * folder's name, then a number.
 */
static int unique_names(struct report *R)
{
	unsigned i, j;
	int round;
	char *s;

	for (round = 0; round < 2; round++) {
		int *dup = calloc(R->n + 1, sizeof(*dup));

		if (!dup)
			return UB_E_NOMEM;
		for (i = 0; i < R->n; i++)
			for (j = 0; j < R->n; j++)
				if (i != j && strcmp(R->r[i].label, R->r[j].label) == 0 &&
				    (round == 1 || R->r[i].tcp != R->r[j].tcp))
					dup[i] = 1;
		for (i = 0; i < R->n; i++) {
			if (!dup[i])
				continue;
			s = round == 0 ? xprintf("%s (%s)", R->r[i].label, R->r[i].tcp ? "TCP" : "UDP")
				       : xprintf("%s #%u", R->r[i].label, i + 1);
			if (!s) {
				free(dup);
				return UB_E_NOMEM;
			}
			free(R->r[i].label);
			R->r[i].label = s;
			R->r[i].proto_in_label |= round == 0;
		}
		memset(dup, 0, (R->n + 1) * sizeof(*dup));
		for (i = 0; i < R->n; i++)
			for (j = 0; j < R->n; j++)
				if (i != j && strcmp(R->r[i].slug, R->r[j].slug) == 0)
					dup[i] = 1;
		for (i = 0; i < R->n; i++) {
			const char *d;

			if (!dup[i])
				continue;
			d = strrchr(R->r[i].dir, '/');
			d = d ? d + 1 : R->r[i].dir;
			s = round == 0 && strcmp(d, ".") != 0 ? xprintf("%s-%s", d, R->r[i].slug)
							      : xprintf("%s-%u", R->r[i].slug, i + 1);
			if (!s) {
				free(dup);
				return UB_E_NOMEM;
			}
			sanitize(s);
			free(R->r[i].slug);
			R->r[i].slug = s;
		}
		free(dup);
	}
	return 0;
}

/* ---- writing ---- */

static FILE *wopen(struct report *R, const char *name, struct ub_err *e)
{
	char path[PATH_MAX];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", R->work, name) >= (int)sizeof(path)) {
		ub_err_set(e, UB_E_IO, ENAMETOOLONG, "cannot write %s/%s", R->work, name);
		return NULL;
	}
	f = fopen(path, "w");
	if (!f)
		ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	return f;
}

static int wclose(FILE *f, struct report *R, const char *name, struct ub_err *e)
{
	int bad = ferror(f), err = errno;

	if (fclose(f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	return bad ? ub_err_set(e, UB_E_IO, err, "cannot write %s/%s", R->work, name) : 0;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double sec(int64_t ns)
{
	return (double)ns / 1e9;
}

/* A duration for people, three digits: 350 µs, 2.31 ms, 23.1 ms, 423 ms, 1.5 s. */
static void fmt_dur(const struct report *R, char *b, size_t n, int64_t ns)
{
	double v = (double)ns;

	if (ns < 1000000)
		snprintf(b, n, "%.3g %s", v / 1e3, TX(R, "µs", "微秒"));
	else if (ns < 1000000000)
		snprintf(b, n, "%.3g %s", v / 1e6, TX(R, "ms", "毫秒"));
	else
		snprintf(b, n, "%.3g %s", v / 1e9, TX(R, "s", "秒"));
}

/* name = "text" as a gnuplot string: backslashes and quotes escaped. */
static void gp_str(FILE *f, const char *name, const char *s)
{
	fprintf(f, "%s = \"", name);
	for (; s && *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
	fputs("\"\n", f);
}

static void gp_num(FILE *f, const char *name, double v)
{
	fprintf(f, "%s = %.6f\n", name, isfinite(v) ? v : 0.0);
}

/* Registers a chart and opens its settings file with the look every chart shares. */
static FILE *chart_open(struct report *R, int kind, const char *tmpl, int res, int res2,
			const char *name, struct ub_err *e)
{
	struct chart *grown, *ch;
	char file[200];
	FILE *f;

	grown = realloc(R->ch, (R->n_ch + 1) * sizeof(*R->ch));
	if (!grown) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	R->ch = grown;
	ch = &R->ch[R->n_ch++];
	memset(ch, 0, sizeof(*ch));
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->kind = kind;
	ch->tmpl = tmpl;
	ch->res = res;
	ch->res2 = res2;
	snprintf(file, sizeof(file), "%s.set.gp", ch->name);
	f = wopen(R, file, e);
	if (!f)
		return NULL;
	fprintf(f, "# Settings of the chart %s, written by udpbench report.\n"
		   "# Draw it again in this folder: gnuplot %s %s\n",
		ch->name, file, tmpl);
	gp_str(f, "term_type", R->c->format == UB_REPORT_SVG ? "svg" : "pngcairo");
	fprintf(f, "out = \"../%s.%s\"\n", ch->name, R->c->format == UB_REPORT_SVG ? "svg" : "png");
	fprintf(f, "width = %u\nheight = %u\nfont_pt = %u\n", R->c->width, R->c->height,
		R->c->font_pt);
	gp_str(f, "font", R->font);
	return f;
}

/* Writes path = "WORK-relative file" for a data file of result r. */
static void gp_file(FILE *f, const char *name, const struct result *r, const char *suffix)
{
	fprintf(f, "%s = \"%s-%s.dat\"\n", name, r->slug, suffix);
}

/* The RTT a lost probe would have had: between the replies around it. */
static double guess_rtt(const struct result *r, size_t i, size_t prev, size_t next)
{
	int hp = prev != SIZE_MAX, hn = next != SIZE_MAX;

	if (hp && hn)
		return ms(r->p[prev].rtt_ns) + (ms(r->p[next].rtt_ns) - ms(r->p[prev].rtt_ns)) *
		       (double)(i - prev) / (double)(next - prev);
	if (hp)
		return ms(r->p[prev].rtt_ns);
	if (hn)
		return ms(r->p[next].rtt_ns);
	return 0.0;
}

/* Chart 1's data: replies (a break at each loss), lost, late and retransmission marks. */
static int write_rtt_data(struct report *R, struct result *r, double ytop, struct ub_err *e)
{
	static const char *const sfx[] = { "rtt", "lost", "late", "retx" };
	FILE *f[4] = { NULL };
	char name[4][200];
	size_t i, prev = SIZE_MAX, next = SIZE_MAX;
	int64_t last_retx = 0;
	int rc = 0, gap = 0;

	for (i = 0; i < 4; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, sfx[i]);
		f[i] = wopen(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
	}
	fputs("# time_s rtt_ms seq\n", f[0]);
	fputs("# time_s rtt_ms(guessed from the replies around it) seq\n", f[1]);
	fputs("# time_s y_ms(top of the chart) seq rtt_ms\n", f[2]);
	fputs("# time_s rtt_ms seq retransmits_so_far new_retransmits\n", f[3]);
	for (i = 0; i < r->n_p; i++) {
		const struct probe *p = &r->p[i];

		if (p->ok) {
			fprintf(f[0], "%.6f %.6f %" PRId64 "\n", sec(p->tx_ns), ms(p->rtt_ns),
				r->base + (int64_t)i);
			prev = i;
			gap = 0;
			if (p->has_retx && p->retx > last_retx) {
				fprintf(f[3], "%.6f %.6f %" PRId64 " %" PRId64 " %" PRId64 "\n",
					sec(p->tx_ns), ms(p->rtt_ns), r->base + (int64_t)i, p->retx,
					p->retx - last_retx);
				last_retx = p->retx;
			}
			continue;
		}
		if (!gap && prev != SIZE_MAX)
			fputc('\n', f[0]);
		gap = 1;
		if (!p->lost)
			continue;
		if (next == SIZE_MAX || next < i)
			for (next = i + 1; next < r->n_p && !r->p[next].ok; next++)
				;
		if (p->late)
			fprintf(f[2], "%.6f %.6f %" PRId64 " %.6f\n", sec(p->tx_ns), ytop,
				r->base + (int64_t)i, ms(p->rtt_ns));
		else
			fprintf(f[1], "%.6f %.6f %" PRId64 "\n", sec(p->tx_ns),
				guess_rtt(r, i, prev, next < r->n_p ? next : SIZE_MAX),
				r->base + (int64_t)i);
	}
out:
	for (i = 0; i < 4; i++)
		if (f[i] && wclose(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	return rc;
}

/* Chart 1: RTT over time for one result. */
static int chart_rtt(struct report *R, unsigned k, struct ub_err *e)
{
	struct result *r = &R->r[k];
	char name[200], t[512], b1[32], b2[32], b3[32];
	double ymax = ms(r->box.max) * 1.12;
	FILE *f;
	int rc;

	if (ymax <= 0)
		ymax = 1.0;
	rc = write_rtt_data(R, r, ymax * 0.96, e);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "rtt-%s", r->slug);
	f = chart_open(R, CH_RTT, "rtt.gp", (int)k, -1, name, e);
	if (!f)
		return e->code;
	gp_file(f, "f_rtt", r, "rtt");
	gp_file(f, "f_lost", r, "lost");
	gp_file(f, "f_late", r, "late");
	gp_file(f, "f_retx", r, "retx");
	fprintf(f, "n_rtt = %zu\nn_lost = %zu\nn_late = %zu\nn_retx = %zu\n", r->n_rtt,
		r->n_lost - r->n_late, r->n_late, r->n_retx);
	gp_num(f, "xmax", sec(r->t_end) * 1.02 + 1e-3);
	gp_num(f, "ymax", ymax);
	gp_num(f, "median_ms", ms(r->box.median));
	gp_num(f, "p99_ms", ms(r->box.p99));
	snprintf(t, sizeof(t), "%s%s\n%s", r->label,
		 r->proto_in_label || strcasestr(r->label, r->tcp ? "tcp" : "udp") ? ""
		 : r->tcp ? " (TCP)" : " (UDP)",
		 r->tcp ? TX(R, "Round-trip time of every message: spikes are waits for a resend (red ▲: this side resent)",
			     "每条消息的往返时间：尖峰是在等重传（红色 ▲：本机重传）")
			: TX(R, "Round-trip time of every probe: look for spikes, gaps and red × (lost probes)",
			     "每个探测包的往返时间：看尖峰、断口和红色 ×（丢失的包）"));
	gp_str(f, "t_title", t);
	gp_str(f, "t_x", TX(R, "time since the start of the run (s)", "开始后的时间（秒）"));
	gp_str(f, "t_y", TX(R, "round-trip time (ms)", "往返时间（毫秒）"));
	snprintf(t, sizeof(t), TX(R, "reply (%zu)", "收到回复（%zu 个）"), r->n_rtt);
	gp_str(f, "t_rtt", t);
	snprintf(t, sizeof(t), TX(R, "lost: no reply (%zu)", "丢失：没有回复（%zu 个）"),
		 r->n_lost - r->n_late);
	gp_str(f, "t_lost", t);
	fmt_dur(R, b3, sizeof(b3), jint(r->params, "timeout_ns", 0));
	snprintf(t, sizeof(t), TX(R, "late: over %s, counted lost (%zu)", "迟到：超过 %s，算丢失（%zu 个）"),
		 b3, r->n_late);
	gp_str(f, "t_late", t);
	snprintf(t, sizeof(t), TX(R, "this side resent (%zu places)", "本机重传（%zu 处）"), r->n_retx);
	gp_str(f, "t_retx", t);
	fmt_dur(R, b1, sizeof(b1), r->box.median);
	fmt_dur(R, b2, sizeof(b2), r->box.p99);
	snprintf(t, sizeof(t), TX(R, "median %s", "中位数 %s"), b1);
	gp_str(f, "t_median", t);
	snprintf(t, sizeof(t), TX(R, "99%% are faster than %s", "99%% 的回复快于 %s"), b2);
	gp_str(f, "t_p99", t);
	return wclose(f, R, "rtt settings", e);
}

/* A round step (1, 2 or 5 times a power of ten) of at least x. */
static double nice_step(double x)
{
	double p = pow(10.0, floor(log10(x > 0 ? x : 1e-9))), m = x / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* Bin edge i of chart 2's histogram: even steps, or ten per decade on a log axis. */
static double bin_edge(int logx, double lo, double step, size_t i)
{
	return logx ? lo * pow(10.0, (double)i / 10.0) : lo + (double)i * step;
}

/*
 * Chart 2: the CDF (every reply, one line per result) and a histogram. When
 * the results differ by more than a factor of 20 (a µs loopback beside a
 * 200 ms TCP wait) the time axis is logarithmic, else linear from 0.
 */
static int chart_cdf(struct report *R, struct ub_err *e)
{
	double xhi = 0, top = 0, low = INFINITY, mid = INFINITY, step = 0, xlo = 0, v;
	size_t beyond = 0, i, *bins = NULL, nb;
	unsigned k, used = 0;
	char name[200], t[512], b1[32];
	FILE *f = NULL, *d;
	int rc = 0, logx;

	for (k = 0; k < R->n; k++) {
		const struct box *b = &R->r[k].box;

		if (!R->r[k].n_rtt)
			continue;
		used++;
		xhi = ms(b->p99) > xhi ? ms(b->p99) : xhi;
		top = ms(b->max) > top ? ms(b->max) : top;
		low = ms(b->min) < low ? ms(b->min) : low;
		mid = ms(b->median) < mid ? ms(b->median) : mid;
	}
	if (!used)
		return 0;
	logx = low > 0 && xhi > 20 * mid;
	if (logx) {
		xlo = pow(10.0, floor(log10(low)));
		xhi = pow(10.0, ceil(log10(top * 1.01)));
		nb = (size_t)llround(10 * log10(xhi / xlo));
	} else {
		/* a few very slow replies would squeeze the rest into one corner */
		xhi = top <= xhi * 1.5 ? top * 1.02 : xhi * 1.25;
		step = nice_step(xhi / 60.0);
		xhi = ceil(xhi / step) * step;
		nb = (size_t)llround(xhi / step);
	}
	bins = calloc(nb + 1, sizeof(*bins));
	if (!bins)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (k = 0; k < R->n; k++) {
		struct result *r = &R->r[k];

		if (!r->n_rtt)
			continue;
		snprintf(name, sizeof(name), "%s-cdf.dat", r->slug);
		d = wopen(R, name, e);
		if (!d) {
			rc = e->code;
			goto out;
		}
		fputs("# rtt_ms percent_of_replies_at_or_below\n", d);
		for (i = 0; i < r->n_rtt; i++)
			fprintf(d, "%.6f %.6f\n", ms(r->rtt[i]), 100.0 * (double)(i + 1) / (double)r->n_rtt);
		if ((rc = wclose(d, R, name, e)))
			goto out;
		memset(bins, 0, (nb + 1) * sizeof(*bins));
		for (i = 0; i < r->n_rtt; i++) {
			v = ms(r->rtt[i]);
			if (v > xhi) {
				beyond++;
				continue;
			}
			v = logx ? floor(10 * log10(v / xlo)) : floor((v - xlo) / step);
			bins[v < 0 ? 0 : v >= (double)nb ? nb - 1 : (size_t)v]++;
		}
		snprintf(name, sizeof(name), "%s-hist.dat", r->slug);
		d = wopen(R, name, e);
		if (!d) {
			rc = e->code;
			goto out;
		}
		fputs("# bin_centre_ms percent_of_replies_in_bin bin_from_ms bin_to_ms\n", d);
		for (i = 0; i < nb; i++) {
			double a = bin_edge(logx, xlo, step, i), b = bin_edge(logx, xlo, step, i + 1);

			fprintf(d, "%.6f %.6f %.6f %.6f\n", logx ? sqrt(a * b) : (a + b) / 2,
				100.0 * (double)bins[i] / (double)r->n_rtt, a, b);
		}
		if ((rc = wclose(d, R, name, e)))
			goto out;
	}
	f = chart_open(R, CH_CDF, "cdf.gp", -1, -1, "cdf", e);
	if (!f) {
		rc = e->code;
		goto out;
	}
	fprintf(f, "n = %u\narray f_cdf[n]\narray f_hist[n]\narray lbl[n]\narray lt_of[n]\n", used);
	for (k = 0, i = 1; k < R->n; k++) {
		if (!R->r[k].n_rtt)
			continue;
		fprintf(f, "f_cdf[%zu] = \"%s-cdf.dat\"\nf_hist[%zu] = \"%s-hist.dat\"\nlt_of[%zu] = %u\n",
			i, R->r[k].slug, i, R->r[k].slug, i, k + 1);
		snprintf(name, sizeof(name), "lbl[%zu]", i++);
		gp_str(f, name, R->r[k].label);
	}
	fprintf(f, "logx = %d\n", logx);
	gp_num(f, "xlo", xlo);
	gp_num(f, "xhi", xhi);
	gp_str(f, "t_title", TX(R, "How spread out is the delay?\nA steep curve is a steady link; a long tail to the right means long waits now and then",
				"延迟有多分散？\n曲线越陡，链路越稳定；向右拖的尾巴说明时不时要等很久"));
	gp_str(f, "t_cdf", TX(R, "Share of replies at or below a round-trip time", "不超过某个往返时间的回复占比"));
	gp_str(f, "t_hist", TX(R, "How many replies took how long", "各个往返时间的回复有多少"));
	snprintf(t, sizeof(t), "%s", logx ? TX(R, "round-trip time (ms, log scale)",
					       "往返时间（毫秒，对数刻度）")
					  : TX(R, "round-trip time (ms)", "往返时间（毫秒）"));
	if (beyond)
		snprintf(t + strlen(t), sizeof(t) - strlen(t),
			 TX(R, "; %zu slower replies beyond the right edge", "；另有 %zu 个更慢的回复在右边界之外"),
			 beyond);
	gp_str(f, "t_x", t);
	gp_str(f, "t_ycdf", TX(R, "replies at or below (%)", "累计占比（%）"));
	if (logx) {
		snprintf(t, sizeof(t), "%s", TX(R, "replies per bin (%)", "每个区间的回复占比（%）"));
	} else {
		fmt_dur(R, b1, sizeof(b1), llround(step * 1e6));
		snprintf(t, sizeof(t), TX(R, "replies per %s bin (%%)", "每 %s 区间的回复占比（%%）"), b1);
	}
	gp_str(f, "t_yhist", t);
	rc = wclose(f, R, "cdf settings", e);
out:
	free(bins);
	return rc;
}

/* Chart 3: one mark per probe in its row: arrived, lost up, lost down (or lost), late. */
static int chart_loss(struct report *R, unsigned k, struct ub_err *e)
{
	static const char *const sfx[] = { "loss-ok", "loss-up", "loss-down", "loss-lost", "loss-late" };
	struct result *r = &R->r[k];
	FILE *f[5] = { NULL }, *s;
	char name[5][200], cname[200], t[512], b1[32];
	int rc = 0, w;
	size_t i;
	json_t *bursts = json_object_get(r->summary, "loss_bursts");

	for (i = 0; i < 5; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, sfx[i]);
		f[i] = wopen(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
		fputs("# probe_number row\n", f[i]);
	}
	for (i = 0; i < r->n_p; i++) {
		const struct probe *p = &r->p[i];

		if (!p->seen)
			continue;
		if (p->ok)
			w = 0;
		else if (p->late)
			w = 4;
		else if (!r->split)
			w = 3;
		else
			w = p->dir == DIR_DOWN ? 2 : 1;
		fprintf(f[w], "%zu %d\n", i,
			w == 0 ? (r->split ? 3 : 2) : w == 1 ? 2 : 1);
	}
	snprintf(cname, sizeof(cname), "loss-%s", r->slug);
	s = chart_open(R, CH_LOSS, "loss.gp", (int)k, -1, cname, e);
	if (!s) {
		rc = e->code;
		goto out;
	}
	for (i = 0; i < 5; i++) {
		char var[32];

		snprintf(var, sizeof(var), "f_%s", sfx[i] + 5);
		gp_file(s, var, r, sfx[i]);
	}
	fprintf(s, "split = %d\nn_probes = %zu\nn_up = %zu\nn_down = %zu\nn_lost = %zu\nn_late = %zu\n",
		r->split, r->n_p, r->n_up, r->n_down - r->n_late, r->n_lost - r->n_late, r->n_late);
	if (R->zh)
		snprintf(t, sizeof(t), "%s：哪些包丢了？%zu 个中丢了 %zu 个\n一格一个包，红色连成块就是连续丢包",
			 r->label, r->n_p, r->n_lost);
	else
		snprintf(t, sizeof(t), "%s: which probes were lost? %zu of %zu\nOne mark per probe; red blocks are losses in a row",
			 r->label, r->n_lost, r->n_p);
	if (json_is_object(bursts) && jint(bursts, "count", 0) > 0) {
		size_t n = strlen(t);

		snprintf(t + n, sizeof(t) - n,
			 TX(R, " (%" PRId64 " bursts, the longest %" PRId64 ")",
			    "（%" PRId64 " 段，最长连丢 %" PRId64 " 个）"),
			 jint(bursts, "count", 0), jint(bursts, "max_len", 0));
	}
	gp_str(s, "t_title", t);
	fmt_dur(R, b1, sizeof(b1), jint(r->params, "interval_ns", 0));
	snprintf(t, sizeof(t), TX(R, "probe number (one sent every %s)", "探测包序号（每 %s发一个）"), b1);
	gp_str(s, "t_x", t);
	snprintf(t, sizeof(t), TX(R, "arrived (%zu)", "到达（%zu）"), r->n_rtt);
	gp_str(s, "t_ok", t);
	snprintf(t, sizeof(t), TX(R, "lost on the way there (%zu)", "去程丢失（%zu）"), r->n_up);
	gp_str(s, "t_up", t);
	snprintf(t, sizeof(t), TX(R, "lost on the way back (%zu)", "回程丢失（%zu）"), r->n_down);
	gp_str(s, "t_down", t);
	snprintf(t, sizeof(t), TX(R, "lost (%zu)", "丢失（%zu）"), r->n_lost);
	gp_str(s, "t_lost", t);
	snprintf(t, sizeof(t), TX(R, "late reply, counted lost (%zu)", "回复迟到，算丢失（%zu）"), r->n_late);
	gp_str(s, "t_late", t);
	gp_str(s, "t_row_ok", TX(R, "arrived", "到达"));
	gp_str(s, "t_row_up", TX(R, "lost there", "去程丢失"));
	gp_str(s, "t_row_down", TX(R, "lost back", "回程丢失"));
	gp_str(s, "t_row_lost", TX(R, "lost", "丢失"));
	rc = wclose(s, R, "loss settings", e);
out:
	for (i = 0; i < 5; i++)
		if (f[i] && wclose(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	return rc;
}

/* Chart 4: arrival order against sequence number, with RFC 4737 §4.2 extents. */
static int chart_reorder(struct report *R, unsigned k, struct ub_err *e)
{
	struct result *r = &R->r[k];
	int64_t *pm = NULL;
	size_t i, na = 0, emax = 0;
	FILE *f[2] = { NULL }, *s;
	char name[2][200], cname[200], t[512];
	int rc = 0;

	pm = malloc((r->n_rows + 1) * sizeof(*pm));
	if (!pm)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, i ? "reordered" : "order");
		f[i] = wopen(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
		fputs("# arrival_number probe_number extent\n", f[i]);
	}
	/* the CSV lists first copies in time in the order the sender took them */
	for (i = 0; i < r->n_rows; i++) {
		const struct row *w = &r->rows[i];
		int64_t s_ = w->seq - r->base;
		size_t extent = 0;

		if (w->status != ST_OK)
			continue;
		pm[na] = na == 0 || s_ > pm[na - 1] ? s_ : pm[na - 1];
		if (na > 0 && s_ < pm[na - 1]) {
			size_t lo = 0, hi = na;

			while (lo < hi) {
				size_t m = (lo + hi) / 2;

				if (pm[m] > s_)
					hi = m;
				else
					lo = m + 1;
			}
			extent = na - lo;
		}
		fprintf(f[0], "%zu %" PRId64 " %zu\n", na, s_, extent);
		if (w->reordered) {
			fprintf(f[1], "%zu %" PRId64 " %zu\n", na, s_, extent ? extent : 1);
			emax = extent > emax ? extent : emax;
		}
		na++;
	}
	snprintf(cname, sizeof(cname), "reorder-%s", r->slug);
	s = chart_open(R, CH_REORDER, "reorder.gp", (int)k, -1, cname, e);
	if (!s) {
		rc = e->code;
		goto out;
	}
	gp_file(s, "f_order", r, "order");
	gp_file(s, "f_reord", r, "reordered");
	fprintf(s, "n_arrived = %zu\nn_reord = %zu\nn_probes = %zu\nemax = %zu\n", na, r->n_reord,
		r->n_p, emax);
	if (r->n_reord)
		snprintf(t, sizeof(t), TX(R, "%s: did the replies come back in the order sent?\n%zu of %zu arrived after a later probe (orange); below: how many places late",
					  "%s：回复是按发送顺序回来的吗？\n%zu / %zu 个比后发的包还晚到（橙色）；下图：晚了几个位置"),
			 r->label, r->n_reord, na);
	else
		snprintf(t, sizeof(t), TX(R, "%s: did the replies come back in the order sent?\nYes: all %zu on one rising line, none overtaken",
					  "%s：回复是按发送顺序回来的吗？\n是的：%zu 个全部在一条上升线上，没有乱序"),
			 r->label, na);
	gp_str(s, "t_title", t);
	gp_str(s, "t_x", TX(R, "arrival order (n-th reply received)", "到达顺序（收到的第 n 个回复）"));
	gp_str(s, "t_y", TX(R, "probe number", "探测包序号"));
	gp_str(s, "t_y2", TX(R, "places late", "晚了几位"));
	gp_str(s, "t_in", TX(R, "in order", "按顺序"));
	snprintf(t, sizeof(t), TX(R, "out of order (%zu)", "乱序（%zu 个）"), r->n_reord);
	gp_str(s, "t_out", t);
	rc = wclose(s, R, "reorder settings", e);
out:
	for (i = 0; i < 2; i++)
		if (f[i] && wclose(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	free(pm);
	return rc;
}

/* Display columns of the UTF-8 character at s (CJK, three bytes and more, is two wide); *len its bytes. */
static unsigned char_cols(const char *s, size_t *len)
{
	unsigned char c = (unsigned char)*s;

	*len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	for (size_t i = 1; i < *len; i++)
		if (!s[i]) {
			*len = i;
			break;
		}
	return c >= 0xE0 ? 2 : 1;
}

/*
 * Copies s into b with line breaks, at spaces or between Chinese characters,
 * so that lines stay near w columns; returns the number of lines.
 */
static unsigned wrap(char *b, size_t n, const char *s, unsigned w)
{
	unsigned col = 0, lines = 1, cols;
	size_t k = 0, len, wl;
	const char *word;
	int space;

	for (;;) {
		for (space = 0; *s == ' '; s++)
			space = 1;
		if (!*s)
			break;
		word = s;
		cols = char_cols(s, &len);
		s += len;
		/* a Chinese character is a word of its own; other words run to a space */
		if ((unsigned char)*word < 0xE0)
			while (*s && *s != ' ' && (unsigned char)*s < 0xE0) {
				cols += char_cols(s, &len);
				s += len;
			}
		wl = (size_t)(s - word);
		if (k + wl + 2 >= n)
			break;
		if (col > 0 && col + (unsigned)space + cols > w) {
			b[k++] = '\n';
			col = 0;
			lines++;
		} else if (col > 0 && space) {
			b[k++] = ' ';
			col++;
		}
		memcpy(b + k, word, wl);
		k += wl;
		col += cols;
	}
	b[k] = '\0';
	return lines;
}

/* Chart 5: one box per result. */
static int chart_compare(struct report *R, struct ub_err *e)
{
	double ymax = 0;
	unsigned k, i, used = 0, lines = 1, cols = 0, many = 0;
	char t[512];
	FILE *d, *f;
	int rc;

	for (k = 0; k < R->n; k++)
		many += R->r[k].n_rtt > 0;
	/* a classroom of boards: short notes, labels turned upright */
	many = many > 8;
	d = wopen(R, "compare.dat", e);
	if (!d)
		return e->code;
	fputs("# box p5_ms q1_ms median_ms q3_ms p95_ms p99_ms loss_pct colour label note\n", d);
	for (k = 0; k < R->n; k++) {
		const struct result *r = &R->r[k];
		const struct box *b = &r->box;
		double loss = 0;
		json_t *lp = json_object_get(r->summary, "loss_pct");
		char lbl[256], *q;

		if (!r->n_rtt)
			continue;
		used++;
		loss = json_is_number(lp) ? json_number_value(lp) : 0.0;
		snprintf(lbl, sizeof(lbl), "%s", r->label);
		for (q = lbl; *q; q++)
			if (*q == '"')
				*q = '\'';
		if (many)
			snprintf(t, sizeof(t), "%.1f%%", loss);
		else if (r->tcp)
			snprintf(t, sizeof(t), TX(R, "lost %.1f%%, %" PRId64 " resent", "丢包 %.1f%%，重传 %" PRId64 " 次"),
				 loss, jint(r->summary, "tcp_retransmits", 0));
		else
			snprintf(t, sizeof(t), TX(R, "lost %.1f%%", "丢包 %.1f%%"), loss);
		fprintf(d, "%u %.6f %.6f %.6f %.6f %.6f %.6f %.4f %u \"%s\" \"%s\"\n", used, ms(b->p5),
			ms(b->q1), ms(b->median), ms(b->q3), ms(b->p95), ms(b->p99), loss, k + 1, lbl, t);
		ymax = ms(b->p99) > ymax ? ms(b->p99) : ymax;
	}
	rc = wclose(d, R, "compare.dat", e);
	if (rc || !used)
		return rc;
	f = chart_open(R, CH_COMPARE, "compare.gp", -1, -1, "compare", e);
	if (!f)
		return e->code;
	fprintf(f, "f_box = \"compare.dat\"\nn = %u\narray xl[n]\n", used);
	/* the labels under the boxes, wrapped to the room each box has, or upright and cut short */
	for (k = 0, i = 1; k < R->n; k++) {
		char var[32], lbl[512], fmt[1024];
		unsigned l, c = 0;
		size_t a, b, len;

		if (!R->r[k].n_rtt)
			continue;
		if (many) {
			for (a = 0; R->r[k].label[a] && c < 20 && a + 4 < sizeof(lbl); a += len)
				c += char_cols(R->r[k].label + a, &len);
			snprintf(lbl, sizeof(lbl), "%.*s%s", (int)a, R->r[k].label,
				 R->r[k].label[a] ? "…" : "");
			cols = c > cols ? c : cols;
		} else {
			l = wrap(lbl, sizeof(lbl), R->r[k].label, used > 1 ? (90 / used > 8 ? 90 / used : 8) : 90);
			lines = l > lines ? l : lines;
		}
		/* gnuplot reads a tic label as a format: a % stays a % when doubled */
		for (a = b = 0; lbl[a] && b + 2 < sizeof(fmt); a++) {
			if (lbl[a] == '%')
				fmt[b++] = '%';
			fmt[b++] = lbl[a];
		}
		fmt[b] = '\0';
		snprintf(var, sizeof(var), "xl[%u]", i++);
		gp_str(f, var, fmt);
	}
	fprintf(f, "upright = %u\nlabel_lines = %u\nlabel_cols = %u\n", many, lines, cols);
	gp_num(f, "ymax", ymax * 1.22 + 1e-3);
	snprintf(t, sizeof(t), "%s%s%s",
		 R->c->title ? R->c->title : "", R->c->title ? "\n" : "",
		 TX(R, "Which setup is better?\nLower boxes are faster, shorter boxes steadier; the loss % is written above each",
		    "哪种配置更好？\n箱子越低越快，越短越稳；上方写着丢包率"));
	gp_str(f, "t_title", t);
	gp_str(f, "t_y", TX(R, "round-trip time (ms)", "往返时间（毫秒）"));
	gp_str(f, "t_box", TX(R, "middle half of the replies (25%-75%)", "中间一半的回复（25%–75%）"));
	gp_str(f, "t_whisk", TX(R, "whiskers: 5% to 95%", "须线：5% 到 95%"));
	gp_str(f, "t_median", TX(R, "median", "中位数"));
	gp_str(f, "t_p99", TX(R, "99% are faster than this", "99% 的回复比这快"));
	return wclose(f, R, "compare settings", e);
}

/* Chart 6: the UDP result u above the TCP result t, same time axis, same scale. */
static int chart_udptcp(struct report *R, unsigned u, unsigned tc, unsigned npairs, struct ub_err *e)
{
	const struct result *a = &R->r[u], *b = &R->r[tc];
	char name[200], t[512], b1[32], b2[32];
	double ymax, xmax;
	FILE *f;

	if (npairs > 1)
		snprintf(name, sizeof(name), "udp-vs-tcp-%s", b->slug);
	else
		snprintf(name, sizeof(name), "udp-vs-tcp");
	f = chart_open(R, CH_UDPTCP, "udp-tcp.gp", (int)u, (int)tc, name, e);
	if (!f)
		return e->code;
	ymax = (ms(a->box.max) > ms(b->box.max) ? ms(a->box.max) : ms(b->box.max)) * 1.12;
	xmax = (sec(a->t_end) > sec(b->t_end) ? sec(a->t_end) : sec(b->t_end)) * 1.02 + 1e-3;
	gp_file(f, "f_udp", a, "rtt");
	gp_file(f, "f_udp_lost", a, "lost");
	gp_file(f, "f_tcp", b, "rtt");
	gp_file(f, "f_tcp_lost", b, "lost");
	gp_file(f, "f_tcp_retx", b, "retx");
	fprintf(f, "n_udp_lost = %zu\nn_tcp_lost = %zu\nn_tcp_retx = %zu\n", a->n_lost - a->n_late,
		b->n_lost - b->n_late, b->n_retx);
	gp_num(f, "xmax", xmax);
	gp_num(f, "ymax", ymax > 0 ? ymax : 1.0);
	snprintf(t, sizeof(t), "%s%s%s", R->c->title ? R->c->title : "", R->c->title ? "\n" : "",
		 TX(R, "Same link, two kinds of letter: UDP loses, TCP waits",
		    "同一条链路，两种信：UDP 会丢，TCP 会等"));
	gp_str(f, "t_title", t);
	fmt_dur(R, b1, sizeof(b1), a->box.p99);
	if (R->zh)
		snprintf(t, sizeof(t), "UDP 像平信：%" PRId64 " 个里丢了 %" PRId64 " 个（%.1f%%），99%% 快于 %s",
			 jint(a->summary, "sent", 0), jint(a->summary, "lost", 0),
			 json_number_value(json_object_get(a->summary, "loss_pct")), b1);
	else
		snprintf(t, sizeof(t), "UDP, an ordinary letter: %" PRId64 " of %" PRId64 " lost (%.1f%%), 99%% faster than %s",
			 jint(a->summary, "lost", 0), jint(a->summary, "sent", 0),
			 json_number_value(json_object_get(a->summary, "loss_pct")), b1);
	gp_str(f, "t_udp", t);
	fmt_dur(R, b2, sizeof(b2), b->box.p99);
	snprintf(t, sizeof(t), TX(R, "TCP, a registered letter: %" PRId64 " lost, %" PRId64 " retransmissions, 99%% faster than %s",
				  "TCP 像挂号信：丢了 %" PRId64 " 个，重传 %" PRId64 " 次，99%% 快于 %s"),
		 jint(b->summary, "lost", 0), jint(b->summary, "tcp_retransmits", 0), b2);
	gp_str(f, "t_tcp", t);
	gp_str(f, "t_caption", TX(R, "UDP is an ordinary letter: what is lost stays lost. TCP is a registered letter: nothing is lost, but you wait.",
				  "UDP 像平信：丢了就丢了；TCP 像挂号信：不丢，但要等。"));
	gp_str(f, "t_x", TX(R, "time since the start of each run (s)", "每次测量开始后的时间（秒）"));
	gp_str(f, "t_y", TX(R, "latency (ms)", "延迟（毫秒）"));
	gp_str(f, "t_udp_reply", TX(R, "UDP reply", "UDP 回复"));
	gp_str(f, "t_tcp_reply", TX(R, "TCP reply", "TCP 回复"));
	gp_str(f, "t_lost", TX(R, "UDP lost", "UDP 丢失"));
	gp_str(f, "t_retx", TX(R, "TCP resent by the sender", "TCP 发送端重传"));
	return wclose(f, R, "udp-vs-tcp settings", e);
}

/* ---- running gnuplot ---- */

static int on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;
	char buf[PATH_MAX];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(colon - p), p == colon ? "." : p,
			     prog) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return 1;
		if (!*colon)
			break;
	}
	return 0;
}

/* Starts argv with stdin from /dev/null and stdout+stderr to out_fd; returns 0 or an errno. */
static int spawn(const char *const *argv, char *const *envp, int out_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)))
		return rc;
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	if (!rc)
		rc = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Picks a font with Chinese glyphs through fontconfig (fc-list), else a known file. */
static int find_cjk_font(struct report *R, struct ub_err *e)
{
	static const char *const prefer[] = { "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK",
					      "AR PL UMing" };
	static const char *const files[][2] = {
		{ "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei" },
		{ "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC" },
	};
	const char *argv[] = { "fc-list", ":lang=zh", "family", NULL };
	char buf[65536];
	size_t got = 0, i;
	ssize_t n;
	int fds[2], st, rc;
	pid_t pid;

	if (pipe(fds) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "pipe");
	rc = spawn(argv, NULL, fds[1], &pid);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (is_file(files[i][0])) {
				snprintf(R->font, sizeof(R->font), "%s", files[i][1]);
				return 0;
			}
		goto missing;
	}
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0 || (n < 0 && errno == EINTR))
		got += n > 0 ? (size_t)n : 0;
	close(fds[0]);
	buf[got] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (i = 0; i < sizeof(prefer) / sizeof(prefer[0]); i++)
		if (strstr(buf, prefer[i])) {
			snprintf(R->font, sizeof(R->font), "%s", prefer[i]);
			return 0;
		}
	if (got && buf[0] != '\n') {
		snprintf(R->font, sizeof(R->font), "%.*s", (int)strcspn(buf, ",\n"), buf);
		return 0;
	}
missing:
	return ub_err_set(e, UB_E_SYS, 0,
			  "--lang zh needs a Chinese font: install the Debian package fonts-wqy-zenhei "
			  "(apt-get install fonts-wqy-zenhei)");
}

/* Last line of a gnuplot log that says what went wrong. */
static void log_reason(const char *path, char *b, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];

	b[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && strspn(line, " ^") != strlen(line))
			snprintf(b, n, "%.*s", (int)(n - 1), line);
	}
	fclose(f);
}

/*
 * The environment for gnuplot: ours with a UTF-8 character type, which
 * `set encoding utf8` needs to measure Chinese text (in the C locale it warns
 * and miscounts). NULL when out of memory; free the array, not the strings.
 */
static char **utf8_env(void)
{
	static char ctype[] = "LC_CTYPE=C.UTF-8";
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) != 0 && strncmp(environ[i], "LC_CTYPE=", 9) != 0)
			env[k++] = environ[i];
	env[k] = ctype;
	return env;
}

/* gnuplot processes at once: a classroom of boards makes a hundred charts */
#define UB_REPORT_JOBS 8

/* Waits for chart ch's gnuplot; returns 0, or UB_E_SYS naming its log when it failed. */
static int finish(struct report *R, struct chart *ch, struct ub_err *e)
{
	char logp[PATH_MAX + 200], why[300];
	struct stat sb;
	int st = 0;

	if (ch->pid <= 0)
		return 0;
	while (waitpid(ch->pid, &st, 0) < 0 && errno == EINTR)
		;
	ch->pid = 0;
	snprintf(logp, sizeof(logp), "%s/%s.log", R->work, ch->name);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		log_reason(logp, why, sizeof(why));
		return ub_err_set(e, UB_E_SYS, 0, "gnuplot failed on %s.set.gp %s (%s; see %s)", ch->name,
				  ch->tmpl, why[0] ? why : "no message", logp);
	}
	/* a log is kept only when gnuplot had something to say */
	if (stat(logp, &sb) == 0 && sb.st_size == 0)
		unlink(logp);
	if (R->c->log)
		fprintf(R->c->log, "%s/%s.%s\n", R->out, ch->name,
			R->c->format == UB_REPORT_SVG ? "svg" : "png");
	return 0;
}

static int render(struct report *R, struct ub_err *e)
{
	char cd[PATH_MAX + 16], set[200], logp[PATH_MAX + 200];
	const char *argv[6];
	char **envp = utf8_env();
	unsigned i, done = 0;
	int rc = 0, fd, err;

	if (!envp)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	/* gnuplot starts in the work folder, so the settings name files relative to it */
	snprintf(cd, sizeof(cd), "cd \"");
	for (const char *s = R->work_abs; *s && strlen(cd) < sizeof(cd) - 4; s++) {
		size_t l = strlen(cd);

		if (*s == '"' || *s == '\\')
			cd[l++] = '\\';
		cd[l++] = *s;
		cd[l] = '\0';
	}
	strcat(cd, "\"");
	for (i = 0; i < R->n_ch && !rc; i++) {
		struct chart *ch = &R->ch[i];

		if (i - done >= UB_REPORT_JOBS && (rc = finish(R, &R->ch[done++], e)))
			break;
		snprintf(set, sizeof(set), "%s.set.gp", ch->name);
		snprintf(logp, sizeof(logp), "%s/%s.log", R->work, ch->name);
		argv[0] = R->c->gnuplot;
		argv[1] = "-e";
		argv[2] = cd;
		argv[3] = set;
		argv[4] = ch->tmpl;
		argv[5] = NULL;
		fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", logp);
			break;
		}
		err = spawn(argv, envp, fd, &ch->pid);
		close(fd);
		if (err) {
			ch->pid = 0;
			rc = ub_err_set(e, UB_E_SYS, err, "cannot run %s", R->c->gnuplot);
		}
	}
	/* every started gnuplot is waited for, the first failure reported */
	for (; done < R->n_ch; done++) {
		struct ub_err later;
		int frc = finish(R, &R->ch[done], rc ? &later : e);

		rc = rc ? rc : frc;
	}
	free(envp);
	return rc;
}

/* ---- the work folder, index.html and summary.md ---- */

static int copy_file(const char *from, const char *to, struct ub_err *e)
{
	FILE *in = fopen(from, "r"), *out = NULL;
	char buf[8192];
	size_t n;
	int rc = 0;

	if (!in)
		return ub_err_set(e, UB_E_IO, errno, "cannot read the template %s", from);
	out = fopen(to, "w");
	if (!out) {
		rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", to);
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (ferror(in) || ferror(out))
		rc = ub_err_set(e, UB_E_IO, errno, "cannot copy %s to %s", from, to);
out:
	if (out && fclose(out) != 0 && !rc)
		rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", to);
	fclose(in);
	return rc;
}

static int mkdir_p(const char *path, struct ub_err *e)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return ub_err_set(e, UB_E_IO, ENAMETOOLONG, "cannot create %s", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return ub_err_set(e, UB_E_IO, errno, "cannot create %s", buf);
		buf[i] = path[i];
	}
	return 0;
}

static int write_charts_sh(struct report *R, struct ub_err *e)
{
	FILE *f = wopen(R, "charts.sh", e);
	unsigned i;

	if (!f)
		return e->code;
	fputs("#!/bin/sh\n"
	      "# Draws every chart of this report again from the data in this folder.\n"
	      "# Edit a template (rtt.gp, cdf.gp, loss.gp, reorder.gp, compare.gp,\n"
	      "# udp-tcp.gp, style.gp) or a chart's NAME.set.gp, then: sh charts.sh\n"
	      "cd \"$(dirname \"$0\")\" || exit 1\n"
	      "# style.gp sets a UTF-8 encoding, which gnuplot measures in a UTF-8 locale\n"
	      "unset LC_ALL\n"
	      "export LC_CTYPE=C.UTF-8\n"
	      "command -v gnuplot >/dev/null || { echo \"gnuplot is missing: apt-get install gnuplot-nox\" >&2; exit 1; }\n",
	      f);
	for (i = 0; i < R->n_ch; i++)
		fprintf(f, "gnuplot %s.set.gp %s\n", R->ch[i].name, R->ch[i].tmpl);
	return wclose(f, R, "charts.sh", e);
}

static void html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static void md_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

enum { M_LABEL, M_FILE, M_PROTO, M_PEER, M_START, M_PLAN, M_SENT, M_RECV, M_LOST, M_SPLIT,
       M_LATE, M_DUP, M_REORD, M_BURST, M_MIN, M_MED, M_P95, M_P99, M_MAX, M_JIT, M_RETX,
       M_CLOCK, M_N };

/* The name of table row m, and the value of result r in it. */
static void metric(const struct report *R, const struct result *r, int m, char *name, char *v,
		   size_t n)
{
	static const char *const names[M_N][2] = {
		{ "label", "标签" }, { "result file", "结果文件" }, { "protocol", "协议" },
		{ "peer", "对端" }, { "start time", "开始时间" },
		{ "interval, size, Tmax", "间隔、包大小、超时" }, { "sent", "发送" },
		{ "received", "收到" }, { "lost (loss rate)", "丢失（丢包率）" },
		{ "lost there / back", "去程 / 回程丢失" }, { "late (counted lost)", "迟到（算丢失）" },
		{ "duplicates", "重复" }, { "reordered", "乱序" },
		{ "loss bursts (longest)", "连续丢包段（最长）" }, { "RTT min", "最小往返时间" },
		{ "RTT median", "往返时间中位数" }, { "RTT p95", "往返时间 p95" },
		{ "RTT p99", "往返时间 p99" }, { "RTT max", "最大往返时间" },
		{ "jitter (RFC 3550)", "抖动（RFC 3550）" }, { "TCP retransmissions", "TCP 重传" },
		{ "clock", "时钟" },
	};
	json_t *s = r->summary, *p = r->params, *rtt = json_object_get(s, "rtt_ns"), *lb;
	char b1[32], b2[32], b3[32];
	const char *str;

	snprintf(name, 64, "%s", names[m][R->zh]);
	v[0] = '\0';
	switch (m) {
	case M_LABEL:
		snprintf(v, n, "%s", r->label);
		break;
	case M_FILE:
		snprintf(v, n, "%s", r->json_path);
		break;
	case M_PROTO:
		str = jstr(p, "mode");
		snprintf(v, n, "%s%s%s%s", r->tcp ? "TCP" : "UDP", str && !r->tcp ? " (" : "",
			 str && !r->tcp ? str : "", str && !r->tcp ? ")" : "");
		break;
	case M_PEER:
		snprintf(v, n, "%s", jstr(p, "peer_addr") ? jstr(p, "peer_addr")
			 : jstr(p, "peer") ? jstr(p, "peer") : "-");
		break;
	case M_START:
		snprintf(v, n, "%s", jstr(p, "start_time") ? jstr(p, "start_time") : "-");
		break;
	case M_PLAN:
		fmt_dur(R, b1, sizeof(b1), jint(p, "interval_ns", 0));
		fmt_dur(R, b2, sizeof(b2), jint(p, "timeout_ns", 0));
		snprintf(v, n, "%s, %" PRId64 " B, %s", b1, jint(p, "size", 0), b2);
		break;
	case M_SENT:
		snprintf(v, n, "%" PRId64, jint(s, "sent", 0));
		break;
	case M_RECV:
		snprintf(v, n, "%" PRId64, jint(s, "received", 0));
		break;
	case M_LOST:
		snprintf(v, n, "%" PRId64 " (%.2f%%)", jint(s, "lost", 0),
			 json_number_value(json_object_get(s, "loss_pct")));
		break;
	case M_SPLIT:
		if (r->split)
			snprintf(v, n, "%" PRId64 " / %" PRId64, jint(s, "lost_up", 0), jint(s, "lost_down", 0));
		else
			snprintf(v, n, "-");
		break;
	case M_LATE:
		snprintf(v, n, "%" PRId64, jint(s, "late", 0));
		break;
	case M_DUP:
		snprintf(v, n, "%" PRId64, jint(s, "duplicates", 0));
		break;
	case M_REORD:
		snprintf(v, n, "%" PRId64 " (%.2f%%)", jint(s, "reordered", 0),
			 json_number_value(json_object_get(s, "reorder_pct")));
		break;
	case M_BURST:
		lb = json_object_get(s, "loss_bursts");
		snprintf(v, n, "%" PRId64 " (%" PRId64 ")", jint(lb, "count", 0), jint(lb, "max_len", 0));
		break;
	case M_MIN:
	case M_MED:
	case M_P95:
	case M_P99:
	case M_MAX:
		if (!json_is_object(rtt) || jint(rtt, "n", 0) == 0) {
			snprintf(v, n, "-");
			break;
		}
		fmt_dur(R, b3, sizeof(b3), jint(rtt, m == M_MIN ? "min" : m == M_MED ? "median"
					   : m == M_P95 ? "p95" : m == M_P99 ? "p99" : "max", 0));
		snprintf(v, n, "%s", b3);
		break;
	case M_JIT:
		if (has_number(s, "jitter_ns"))
			fmt_dur(R, b3, sizeof(b3), jint(s, "jitter_ns", 0));
		snprintf(v, n, "%s", has_number(s, "jitter_ns") ? b3 : "-");
		break;
	case M_RETX:
		if (r->tcp) {
			fmt_dur(R, b3, sizeof(b3), jint(s, "tcp_rto_ns", 0));
			snprintf(v, n, TX(R, "%" PRId64 " (RTO up to %s)", "%" PRId64 "（RTO 最大 %s）"),
				 jint(s, "tcp_retransmits", 0), b3);
		} else {
			snprintf(v, n, "-");
		}
		break;
	case M_CLOCK:
		snprintf(v, n, "%s", jstr(p, "clock") ? jstr(p, "clock") : "-");
		break;
	}
}

/* The question each chart answers, for index.html and summary.md. */
static const char *question(const struct report *R, int kind)
{
	switch (kind) {
	case CH_RTT:
		return TX(R, "How long did each probe take, and when did things go wrong?",
			  "每个包用了多久？什么时候出了问题？");
	case CH_CDF:
		return TX(R, "How spread out is the delay: what do most replies see, how long is the tail?",
			  "延迟有多分散？大多数回复要多久，最慢的要多久？");
	case CH_LOSS:
		return TX(R, "Are losses scattered or in bursts, and on the way there or back?",
			  "丢包是零星的还是成片的？丢在去程还是回程？");
	case CH_REORDER:
		return TX(R, "Do the replies arrive in the order they were sent?",
			  "回复是按发送顺序到达的吗？");
	case CH_COMPARE:
		return TX(R, "Which setup is better?", "哪种配置更好？");
	default:
		return TX(R, "What does the same link do to UDP and to TCP?",
			  "同一条链路对 UDP 和 TCP 有什么不同？");
	}
}

static const char *report_title(const struct report *R)
{
	unsigned k;

	if (R->c->title)
		return R->c->title;
	for (k = 1; k < R->n; k++)
		if (strcmp(jstr(R->r[k].params, "label") ? jstr(R->r[k].params, "label") : "",
			   jstr(R->r[0].params, "label") ? jstr(R->r[0].params, "label") : "") != 0)
			break;
	if (k == R->n && jstr(R->r[0].params, "label"))
		return jstr(R->r[0].params, "label");
	return TX(R, "udpbench report", "udpbench 测量报告");
}

static int write_html(struct report *R, struct ub_err *e)
{
	const char *ext = R->c->format == UB_REPORT_SVG ? "svg" : "png";
	char path[PATH_MAX], name[64], v[512];
	unsigned i, k;
	int m, bad;
	FILE *f;

	snprintf(path, sizeof(path), "%s/index.html", R->out);
	f = fopen(path, "w");
	if (!f)
		return ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
		TX(R, "en", "zh-CN"));
	html_esc(f, report_title(R));
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;font-size:18px;margin:2em auto;max-width:1640px;padding:0 1em}\n"
	      "img{width:100%;max-width:1600px;border:1px solid #ccc}\n"
	      "figure{margin:2em 0}figcaption{font-size:1.2em;margin:.4em 0}\n"
	      "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .7em;text-align:right}\n"
	      "th:first-child,td:first-child{text-align:left}code{background:#f2f2f2;padding:0 .3em}\n"
	      "</style>\n</head>\n<body>\n<h1>",
	      f);
	html_esc(f, report_title(R));
	fputs("</h1>\n", f);
	fprintf(f, "<h2>%s</h2>\n", TX(R, "Charts", "图表"));
	for (i = 0; i < R->n_ch; i++) {
		const struct chart *ch = &R->ch[i];

		fprintf(f, "<figure id=\"%s\">\n<figcaption><b>", ch->name);
		html_esc(f, question(R, ch->kind));
		fputs("</b>", f);
		if (ch->res >= 0) {
			fputs(" — ", f);
			html_esc(f, R->r[ch->res].label);
		}
		if (ch->res2 >= 0) {
			fputs(" / ", f);
			html_esc(f, R->r[ch->res2].label);
		}
		fprintf(f, "</figcaption>\n<img src=\"%s.%s\" alt=\"", ch->name, ext);
		html_esc(f, question(R, ch->kind));
		fputs("\">\n</figure>\n", f);
	}
	fprintf(f, "<h2>%s</h2>\n<table>\n<tr><th></th>", TX(R, "Results", "测量结果"));
	for (k = 0; k < R->n; k++) {
		fputs("<th>", f);
		html_esc(f, R->r[k].label);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (m = 1; m < M_N; m++) {
		for (k = 0; k < R->n; k++) {
			metric(R, &R->r[k], m, name, v, sizeof(v));
			if (k == 0) {
				fputs("<tr><th>", f);
				html_esc(f, name);
				fputs("</th>", f);
			}
			fputs("<td>", f);
			html_esc(f, v);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	fprintf(f, "<h2>%s</h2>\n<p>%s</p>\n</body>\n</html>\n", TX(R, "Draw again", "重新绘图"),
		TX(R, "Every chart's data, settings and gnuplot template are in the folder "
		      "<code>gnuplot/</code>. Edit a template (for example <code>rtt.gp</code>) or "
		      "a chart's <code>NAME.set.gp</code>, then run <code>sh gnuplot/charts.sh</code>.",
		   "每张图的数据、设置和 gnuplot 模板都在 <code>gnuplot/</code> 文件夹里。"
		   "修改模板（例如 <code>rtt.gp</code>）或某张图的 <code>NAME.set.gp</code>，"
		   "然后运行 <code>sh gnuplot/charts.sh</code>。"));
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	return 0;
}

static int write_md(struct report *R, struct ub_err *e)
{
	const char *ext = R->c->format == UB_REPORT_SVG ? "svg" : "png";
	char path[PATH_MAX], name[64], v[512];
	unsigned i, k;
	int m, bad;
	FILE *f;

	snprintf(path, sizeof(path), "%s/summary.md", R->out);
	f = fopen(path, "w");
	if (!f)
		return ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	fputs("# ", f);
	md_esc(f, report_title(R));
	fputs("\n\n|", f);
	for (k = 0; k < R->n; k++) {
		fputs(" | ", f);
		md_esc(f, R->r[k].label);
	}
	fputs(" |\n|---", f);
	for (k = 0; k < R->n; k++)
		fputs("|---:", f);
	fputs("|\n", f);
	for (m = 1; m < M_N; m++) {
		for (k = 0; k < R->n; k++) {
			metric(R, &R->r[k], m, name, v, sizeof(v));
			if (k == 0) {
				fputs("| ", f);
				md_esc(f, name);
			}
			fputs(" | ", f);
			md_esc(f, v);
		}
		fputs(" |\n", f);
	}
	fprintf(f, "\n## %s\n\n", TX(R, "Charts", "图表"));
	for (i = 0; i < R->n_ch; i++) {
		fprintf(f, "- [%s.%s](%s.%s): ", R->ch[i].name, ext, R->ch[i].name, ext);
		md_esc(f, question(R, R->ch[i].kind));
		fputc('\n', f);
	}
	fprintf(f, "\n%s\n", TX(R, "Draw again after editing a template: `sh gnuplot/charts.sh`",
				"修改模板后重新绘图：`sh gnuplot/charts.sh`"));
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	return 0;
}

/*
 * The UDP result to show beside TCP result tc: the one measured against the
 * same address (the same link), else one from the same folder, else the first.
 */
static int pair_of(const struct report *R, unsigned tc)
{
	const char *addr = jstr(R->r[tc].params, "peer_addr");
	unsigned k;
	int best = -1, score, top = -1;

	for (k = 0; k < R->n; k++) {
		const char *a = jstr(R->r[k].params, "peer_addr");

		if (R->r[k].tcp || !R->r[k].n_p)
			continue;
		score = (addr && a && strcmp(a, addr) == 0) * 2 + (strcmp(R->r[k].dir, R->r[tc].dir) == 0);
		if (score > top) {
			top = score;
			best = (int)k;
		}
	}
	return best;
}

static int write_all(struct report *R, struct ub_err *e)
{
	unsigned k, npairs = 0;
	int rc = 0;

	for (k = 0; k < R->n; k++)
		npairs += R->r[k].tcp && R->r[k].n_p && pair_of(R, k) >= 0;
	/* the lesson first, then the comparison, then each result */
	for (k = 0; k < R->n && !rc; k++)
		if (R->r[k].tcp && R->r[k].n_p && pair_of(R, k) >= 0)
			rc = chart_udptcp(R, (unsigned)pair_of(R, k), k, npairs, e);
	if (!rc)
		rc = chart_compare(R, e);
	if (!rc)
		rc = chart_cdf(R, e);
	for (k = 0; k < R->n && !rc; k++) {
		if (!R->r[k].n_p)
			continue;
		rc = chart_rtt(R, k, e);
		if (!rc && !R->r[k].tcp)
			rc = chart_loss(R, k, e);
		if (!rc && !R->r[k].tcp)
			rc = chart_reorder(R, k, e);
	}
	return rc;
}

static void report_free(struct report *R)
{
	unsigned k;

	for (k = 0; k < R->n; k++) {
		struct result *r = &R->r[k];

		free(r->json_path);
		free(r->csv_path);
		free(r->slug);
		free(r->label);
		free(r->dir);
		free(r->rows);
		free(r->p);
		free(r->rtt);
		json_decref(r->root);
	}
	free(R->r);
	free(R->ch);
	free(R->out);
	free(R->work);
	free(R->work_abs);
	free(R->tmpl_dir);
}

int ub_report_run(const struct ub_report_config *c, const char *const *inputs, unsigned n,
		  struct ub_err *e)
{
	struct report R;
	struct ub_err local;
	const char *slash;
	char from[PATH_MAX], to[PATH_MAX];
	unsigned k;
	size_t i;
	int rc = 0;

	if (!e)
		e = &local;
	memset(&R, 0, sizeof(R));
	R.c = c;
	R.zh = c->lang == UB_LANG_ZH;
	snprintf(R.font, sizeof(R.font), "Sans");
	if (!n || !inputs)
		return ub_err_set(e, UB_E_INVAL, 0, "no result file given");
	if (c->width < 320 || c->height < 200 || c->width > 10000 || c->height > 10000 ||
	    c->font_pt < 6 || c->font_pt > 96)
		return ub_err_set(e, UB_E_INVAL, 0, "chart size or font out of range");

	for (k = 0; k < n && !rc; k++)
		rc = inputs[k] ? load_json(&R, inputs[k], e)
			       : ub_err_set(e, UB_E_INVAL, 0, "no result file given");
	for (k = 0; k < R.n && !rc; k++) {
		rc = load_csv(&R.r[k], e);
		if (!rc && !R.r[k].have_csv && c->log)
			fprintf(c->log, TX(&R, "warning: no per-probe data %s: %s gets only its summary table\n",
					   "警告：没有逐包数据 %s：%s 只有汇总表\n"),
				R.r[k].csv_path, R.r[k].label);
		if (!rc)
			rc = derive(&R.r[k], e);
	}
	if (!rc && unique_names(&R) < 0)
		rc = ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	if (rc)
		goto out;

	if (c->render && !on_path(c->gnuplot)) {
		rc = ub_err_set(e, UB_E_SYS, 0, "gnuplot is not installed: install the Debian package "
				"gnuplot-nox (apt-get install gnuplot-nox)");
		goto out;
	}
	if (c->render && R.zh && (rc = find_cjk_font(&R, e)))
		goto out;
	R.tmpl_dir = c->templates ? strdup(c->templates) : ub_report_find_templates();
	if (!R.tmpl_dir || !has_templates(R.tmpl_dir)) {
		rc = ub_err_set(e, UB_E_IO, 0, "cannot find the report templates (rtt.gp ...) in %s; "
				"set UDPBENCH_REPORTS to their folder",
				R.tmpl_dir ? R.tmpl_dir : "$UDPBENCH_REPORTS, reports/ or " UB_REPORT_DIR);
		goto out;
	}

	slash = strrchr(inputs[0], '/');
	R.out = c->out_dir ? strdup(c->out_dir)
		: slash ? xprintf("%.*s/report", (int)(slash - inputs[0]), inputs[0])
			: strdup("report");
	R.work = R.out ? xprintf("%s/gnuplot", R.out) : NULL;
	if (!R.out || !R.work) {
		rc = ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto out;
	}
	if ((rc = mkdir_p(R.work, e)))
		goto out;
	R.work_abs = realpath(R.work, NULL);
	if (!R.work_abs) {
		rc = ub_err_set(e, UB_E_IO, errno, "cannot open %s", R.work);
		goto out;
	}
	for (i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s", R.tmpl_dir, templates[i]);
		snprintf(to, sizeof(to), "%s/%s", R.work, templates[i]);
		if ((rc = copy_file(from, to, e)))
			goto out;
	}
	if ((rc = write_all(&R, e)) || (rc = write_charts_sh(&R, e)))
		goto out;
	if (c->render && (rc = render(&R, e)))
		goto out;
	if ((rc = write_html(&R, e)) || (rc = write_md(&R, e)))
		goto out;
	if (c->log)
		fprintf(c->log, "%s/index.html\n", R.out);
out:
	report_free(&R);
	return rc;
}
