/*
 * udpbench: reports — reading results (results.h): the JSON and CSV files
 * the sender wrote, and what the charts show derived from their rows.
 */
#include "reports/results.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/platform.h"

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

int64_t ub_results_int(json_t *o, const char *k, int64_t def)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return llround(json_real_value(v));
	return def;
}

const char *ub_results_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

int ub_results_has_number(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) || json_is_real(v);
}

/*
 * The part of a board's name a file name can carry: its ASCII letters,
 * digits, '.', '-' and '_', everything else one '_' between them (a name is
 * any UTF-8 text); malloc'd, "" when nothing is left, NULL when out of memory.
 */
static char *name_slug(const char *name)
{
	char *s = malloc(strlen(name) + 1);
	size_t n = 0;

	if (!s)
		return NULL;
	for (const char *q = name; *q && n < UB_RESULT_SLUG_MAX / 2; q++) {
		int keep = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			   (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '_';

		if (keep && !(n == 0 && *q == '.'))
			s[n++] = *q;
		else if (n && s[n - 1] != '_')
			s[n++] = '_';
	}
	while (n && s[n - 1] == '_')
		n--;
	s[n] = '\0';
	return s;
}

/* Replaces what is not [A-Za-z0-9._-] by '_' and cuts s to UB_RESULT_SLUG_MAX, in place. */
static void sanitize(char *s)
{
	size_t i;

	for (i = 0; s[i] && i < UB_RESULT_SLUG_MAX; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' || s[i] == '_'))
			s[i] = '_';
	s[i] = '\0';
}

/*
 * The per-peer CSV the sender wrote beside RESULT.json (stem bytes of path):
 * RESULT-NAME.csv for a named board, as the sender maps the name (':', '/',
 * '[', ']', '\\', ' ' and a leading '.' become '_'), when it is there; else
 * RESULT-HOST_PORT.csv. malloc'd; NULL when out of memory.
 */
static char *csv_beside(const char *path, size_t stem, const char *name, const char *peer_s)
{
	char *s;
	size_t i;

	if (name) {
		s = xprintf("%.*s-%s.csv", (int)stem, path, name);
		if (!s)
			return NULL;
		for (i = stem + 1; s[i] && i < stem + 1 + strlen(name); i++)
			if (strchr(":/[]\\ ", s[i]) || (i == stem + 1 && s[i] == '.'))
				s[i] = '_';
		if (access(s, F_OK) == 0)
			return s;
		free(s);
	}
	return xprintf("%.*s-%s.csv", (int)stem, path, peer_s);
}

static int add_result(struct ub_result **rs, unsigned *n, const char *path, json_t *root,
		      json_t *entry, int many, struct ub_err *e)
{
	struct ub_result *r, *grown;
	const char *base, *peer, *label, *proto;
	size_t stem;
	char *peer_s = NULL, *name_s = NULL;
	json_t *iv;

	grown = realloc(*rs, (*n + 1) * sizeof(**rs));
	if (!grown)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	*rs = grown;
	r = &grown[*n];
	memset(r, 0, sizeof(*r));
	r->params = json_object_get(entry, "params");
	r->summary = json_object_get(entry, "summary");
	if (!json_is_object(r->params) || !json_is_object(r->summary))
		return ub_err_set(e, UB_E_INVAL, 0, "%s: a result without params or summary", path);
	(*n)++;
	r->root = json_incref(root);
	proto = ub_results_str(r->params, "proto");
	r->tcp = proto && strcmp(proto, "tcp") == 0;
	r->split = ub_results_has_number(r->summary, "lost_up") &&
		   ub_results_has_number(r->summary, "lost_down");
	r->name = ub_results_str(r->params, "name");
	r->dead = ub_results_int(r->summary, "sent", 0) > 0 &&
		  ub_results_int(r->summary, "received", -1) == 0;
	iv = json_object_get(entry, "intervals");
	r->intervals = json_is_array(iv) && json_array_size(iv) ? iv : NULL;

	base = ub_path_last_sep(path);
	base = base ? base + 1 : path;
	stem = strlen(path);
	if (stem > 5 && strcmp(path + stem - 5, ".json") == 0)
		stem -= 5;
	peer = ub_results_str(r->params, "peer");
	if (many) {
		peer_s = strdup(peer ? peer : "peer");
		if (!peer_s)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		/* the sender's per-peer CSV names: r.csv for 10.0.0.7:10000 is r-10.0.0.7_10000.csv */
		for (char *q = peer_s; *q; q++)
			if (*q == ':' || *q == '/' || *q == '[' || *q == ']')
				*q = '_';
		r->csv_path = csv_beside(path, stem, r->name, peer_s);
	} else {
		r->csv_path = xprintf("%.*s.csv", (int)stem, path);
	}
	/* a board's name leads its file names: rtt-Board_7-10.0.0.7_10000.png */
	name_s = r->name ? name_slug(r->name) : NULL;
	if (r->name && !name_s) {
		free(peer_s);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	if (name_s && *name_s)
		r->slug = many ? xprintf("%s-%s", name_s, peer_s) : xprintf("%s", name_s);
	else if (many)
		r->slug = xprintf("%.*s-%s", (int)(stem - (size_t)(base - path)), base, peer_s);
	else
		r->slug = xprintf("%.*s", (int)(stem - (size_t)(base - path)), base);
	free(peer_s);
	free(name_s);
	r->json_path = strdup(path);
	r->dir = base > path ? xprintf("%.*s", (int)(base - path - 1), path) : strdup(".");
	label = r->name ? r->name : ub_results_str(r->params, "label");
	r->label = strdup(label ? label : peer ? peer : r->slug ? r->slug : "?");
	if (!r->csv_path || !r->slug || !r->json_path || !r->dir || !r->label)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	sanitize(r->slug);
	return 0;
}

int ub_results_load(struct ub_result **rs, unsigned *n, const char *path, struct ub_err *e)
{
	json_error_t jerr;
	json_t *root, *peers, *v;
	size_t i;
	int rc = 0;

	if (access(path, R_OK) != 0)
		return ub_err_set(e, UB_E_IO, errno, "cannot read %s", path);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		/* jansson quotes the text near the mistake: a line break there would split the message */
		for (char *q = jerr.text; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7F)
				*q = ' ';
		return ub_err_set(e, UB_E_INVAL, 0, "%s is not JSON (line %d: %s)", path, jerr.line,
				  jerr.text);
	}
	if (!json_is_object(json_object_get(root, "udpbench"))) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "%s is not a udpbench result", path);
		goto out;
	}
	peers = json_object_get(root, "peers");
	if (json_is_array(peers)) {
		json_array_foreach(peers, i, v) {
			rc = add_result(rs, n, path, root, v, 1, e);
			if (rc)
				goto out;
		}
	} else {
		rc = add_result(rs, n, path, root, root, 0, e);
	}
out:
	json_decref(root);
	return rc;
}

enum { C_SEQ, C_TX, C_RTT, C_STATUS, C_REORD, C_REFL, C_RETX, C_RX, C_N };
static const char *const col_names[C_N] = {
	"seq", "tx_ns", "rtt_ns", "status", "reordered", "refl_seq", "tcp_retransmits", "rx_ns",
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

static int parse_row(struct ub_result_row *w, char **f, int nf, const int *col)
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
		w->status = UB_RESULT_OK;
	else if (strcmp(st, "lost") == 0)
		w->status = UB_RESULT_LOST;
	else if (strcmp(st, "late") == 0)
		w->status = UB_RESULT_LATE;
	else if (strcmp(st, "dup") == 0)
		w->status = UB_RESULT_DUP;
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
	if (col[C_RX] >= 0 && parse_i64(f[col[C_RX]], &w->rx_ns, &w->has_rx))
		return -1;
	if ((w->status == UB_RESULT_OK && !w->has_rtt) || w->seq < 0 || w->seq > UINT32_MAX)
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

int ub_results_load_csv(struct ub_result *r, struct ub_err *e)
{
	FILE *f;
	char *line = NULL, *fld[32];
	size_t cap = 0, lineno = 1, rcap = 0;
	int col[C_N], nf, rc = 0;
	struct ub_result_row *grown;
	ssize_t len;

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
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] != '\n') {
			/* the last line, and no newline: a row cut short, whatever it still parses as */
			r->csv_cut_line = lineno;
			break;
		}
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

/* What split_probes works on. */
struct split {
	struct refl_pair *known; /* reflector counters of replies with their probes, by counter */
	int64_t *arrived;        /* counters of the replies that arrived in time, sorted */
	int64_t *lost;           /* the probes lost, by number */
	size_t *skip;            /* lost[i] already placed down: skip[i] != i (next_free's links) */
	size_t nk, na, nl;
	int64_t refl0;           /* the first counter seen: unwrap's origin */
};

/* Late replies did reach the reflector: their counters name their probes, lost down. */
static void place_late(struct ub_result *r, struct split *sp)
{
	size_t i, a, f;
	int64_t u;

	for (i = 0; i < r->n_rows; i++) {
		const struct ub_result_row *w = &r->rows[i];

		if (w->status != UB_RESULT_LATE || !w->has_refl)
			continue;
		u = unwrap(sp->refl0, w->refl_seq);
		a = lower_bound(sp->arrived, sp->na, u);
		if (a < sp->na && sp->arrived[a] == u)
			continue;
		f = lower_bound(sp->lost, sp->nl, w->seq - r->base);
		if (f < sp->nl && sp->lost[f] == w->seq - r->base && sp->skip[f] == f) {
			r->p[sp->lost[f]].dir = UB_RESULT_DIR_DOWN;
			sp->skip[f] = f + 1;
		}
	}
}

/* Every counter value from start to hi that never came back: a probe lost down. */
static void place_missing(struct ub_result *r, struct split *sp, int64_t start, int64_t hi)
{
	size_t a = 0, j = 0, f;
	int64_t c;

	for (c = start; c <= hi; c++) {
		while (a < sp->na && sp->arrived[a] < c)
			a++;
		if (a < sp->na && sp->arrived[a] == c)
			continue;
		while (j < sp->nk && sp->known[j].u < c)
			j++;
		if (j < sp->nk && sp->known[j].u == c)
			continue;           /* a late reply's, placed above */
		/* the first free lost probe sent after the one whose counter precedes c, else any */
		f = next_free(sp->skip,
			      lower_bound(sp->lost, sp->nl, j > 0 ? sp->known[j - 1].seq - r->base + 1 : 0),
			      sp->nl);
		if (f >= sp->nl)
			f = next_free(sp->skip, 0, sp->nl);
		if (f >= sp->nl)
			break;
		r->p[sp->lost[f]].dir = UB_RESULT_DIR_DOWN;
		sp->skip[f] = f + 1;
	}
}

/*
 * Up or down for each lost probe, from the stateful reflector's counter the
 * way the sender splits its totals (RFC 8762 §4.2): a counter value that never
 * came back was lost on the way down, by the probe sent between the two
 * probes whose counters bracket it; the other losses happened on the way up.
 * Late replies did reach the reflector: down. Totals match the summary's.
 */
static int split_probes(struct ub_result *r)
{
	struct split sp = { 0 };
	int64_t lo = 0, hi = 0, start, c;
	int have = 0, rc = 0;
	size_t i;

	sp.known = malloc((r->n_rows + 1) * sizeof(*sp.known));
	sp.arrived = malloc((r->n_rows + 1) * sizeof(*sp.arrived));
	sp.lost = malloc((r->n_p + 1) * sizeof(*sp.lost));
	sp.skip = malloc((r->n_p + 1) * sizeof(*sp.skip));
	if (!sp.known || !sp.arrived || !sp.lost || !sp.skip) {
		rc = UB_E_NOMEM;
		goto out;
	}
	for (i = 0; i < r->n_rows; i++) {
		const struct ub_result_row *w = &r->rows[i];

		if (!w->has_refl || w->status == UB_RESULT_LOST)
			continue;
		if (!have) {
			have = 1;
			sp.refl0 = lo = hi = w->refl_seq;
		}
		c = unwrap(sp.refl0, w->refl_seq);
		lo = c < lo ? c : lo;
		hi = c > hi ? c : hi;
		sp.known[sp.nk].u = c;
		sp.known[sp.nk++].seq = w->seq;
		if (w->status == UB_RESULT_OK || w->status == UB_RESULT_DUP)
			sp.arrived[sp.na++] = c;
	}
	for (i = 0; i < r->n_p; i++) {
		r->p[i].dir = r->p[i].lost ? UB_RESULT_DIR_UP : UB_RESULT_DIR_NONE;
		if (r->p[i].lost)
			sp.lost[sp.nl++] = (int64_t)i;
	}
	if (have && hi - lo <= (int64_t)(4 * r->n_p + 1024)) {
		/* a reflector that numbered this session from 0 (RFC 8762), else the span seen */
		start = lo >= 0 && hi <= (int64_t)UINT32_MAX && lo <= (int64_t)r->n_p ? 0 : lo;
		qsort(sp.known, sp.nk, sizeof(*sp.known), cmp_pair);
		qsort(sp.arrived, sp.na, sizeof(*sp.arrived), cmp_i64);
		for (i = 0; i <= sp.nl; i++)
			sp.skip[i] = i;
		place_late(r, &sp);
		place_missing(r, &sp, start, hi);
	}
	for (i = 0; i < r->n_p; i++) {
		r->n_up += r->p[i].dir == UB_RESULT_DIR_UP;
		r->n_down += r->p[i].dir == UB_RESULT_DIR_DOWN;
	}
out:
	free(sp.known);
	free(sp.arrived);
	free(sp.lost);
	free(sp.skip);
	return rc;
}

int ub_results_derive(struct ub_result *r, struct ub_err *e)
{
	int64_t lo = INT64_MAX, hi = -1, prev = 0;
	size_t i;

	for (i = 0; i < r->n_rows; i++)
		if (r->rows[i].status == UB_RESULT_OK || r->rows[i].status == UB_RESULT_LOST) {
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
		const struct ub_result_row *w = &r->rows[i];
		struct ub_result_probe *p;

		if (w->seq < lo || w->seq > hi)
			continue;
		p = &r->p[w->seq - lo];
		if (w->status == UB_RESULT_OK && !p->ok) {
			p->seen = p->ok = 1;
			p->tx_ns = w->tx_ns;
			p->rtt_ns = w->rtt_ns;
			p->retx = w->retx;
			p->has_retx = w->has_retx;
			r->rtt[r->n_rtt++] = w->rtt_ns;
			r->n_reord += w->reordered;
		} else if (w->status == UB_RESULT_LOST) {
			p->seen = p->lost = 1;
			p->tx_ns = w->tx_ns;
		} else if (w->status == UB_RESULT_LATE && !p->ok) {
			p->late = 1;
			p->rtt_ns = w->rtt_ns;
		}
		r->t_end = w->tx_ns > r->t_end ? w->tx_ns : r->t_end;
	}
	for (i = 0; i < r->n_p; i++) {
		struct ub_result_probe *p = &r->p[i];

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
int ub_results_unique_names(struct ub_result *rs, unsigned n)
{
	unsigned i, j;
	int round;
	char *s;

	for (round = 0; round < 2; round++) {
		int *dup = calloc(n + 1, sizeof(*dup));

		if (!dup)
			return UB_E_NOMEM;
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (i != j && strcmp(rs[i].label, rs[j].label) == 0 &&
				    (round == 1 || rs[i].tcp != rs[j].tcp))
					dup[i] = 1;
		for (i = 0; i < n; i++) {
			if (!dup[i])
				continue;
			s = round == 0 ? xprintf("%s (%s)", rs[i].label, rs[i].tcp ? "TCP" : "UDP")
				       : xprintf("%s #%u", rs[i].label, i + 1);
			if (!s) {
				free(dup);
				return UB_E_NOMEM;
			}
			free(rs[i].label);
			rs[i].label = s;
			rs[i].proto_in_label |= round == 0;
		}
		memset(dup, 0, (n + 1) * sizeof(*dup));
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (i != j && strcmp(rs[i].slug, rs[j].slug) == 0)
					dup[i] = 1;
		for (i = 0; i < n; i++) {
			const char *d;

			if (!dup[i])
				continue;
			d = ub_path_last_sep(rs[i].dir);
			d = d ? d + 1 : rs[i].dir;
			/* the number last, where cutting to UB_RESULT_SLUG_MAX cannot reach it */
			s = round == 0 && strcmp(d, ".") != 0 ? xprintf("%s-%s", d, rs[i].slug)
							      : xprintf("%.*s-%u", UB_RESULT_SLUG_MAX - 12,
									rs[i].slug, i + 1);
			if (!s) {
				free(dup);
				return UB_E_NOMEM;
			}
			sanitize(s);
			free(rs[i].slug);
			rs[i].slug = s;
		}
		free(dup);
	}
	return 0;
}

void ub_results_free(struct ub_result *rs, unsigned n)
{
	unsigned k;

	for (k = 0; rs && k < n; k++) {
		struct ub_result *r = &rs[k];

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
	free(rs);
}
