#include "capture/analyze.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/bigmem.h"
#include "lib/clock.h"
#include "capture/decode.h"
#include "capture/flows.h"
#include "capture/pairing.h"
#include "lib/net.h"
#include "lib/platform.h"
#include "metrics/output.h"
#include "capture/pcaplib.h"
#include "metrics/statcalc.h"
#include "metrics/stats.h"

#define MAX_SEC 4000000000LL  /* capture times are clamped to 1970..2096: no overflow */

/* Every text for people is TR(zh, English, Chinese): metrics/words.h. */
#define TR UB_TR

struct ub_analysis {
	const struct ub_pcaplib *L;
	struct ub_capture_info info;
	char name[256], label[256];
	int64_t timeout_ns, ts_mult;
	int ports[UB_FLOWS_PORTS_MAX];
	unsigned nports;
	struct ub_flows *flows; /* the datagrams while reading, then the sessions */
	int no_csv;             /* made without the replies a CSV needs */

	/* results */
	struct ub_params *params;
	struct ub_summary *sums;
	struct ub_run_counters *rcs;
};

void ub_analyze_config_init(struct ub_analyze_config *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->timeout_ns = UB_NS_PER_S;
	c->lang = UB_LANG_EN;
	c->out = stdout;
	c->msg = stderr;
}

static int64_t capture_ns(const struct ub_analysis *a, const struct pcap_pkthdr *h)
{
	int64_t sec = (int64_t)h->ts.tv_sec, frac = (int64_t)h->ts.tv_usec * a->ts_mult;

	if (sec < 0)
		sec = 0;
	if (sec > MAX_SEC)
		sec = MAX_SEC;
	if (frac < 0 || frac >= UB_NS_PER_S)
		frac = 0;
	return sec * UB_NS_PER_S + frac;
}

static int read_all(struct ub_analysis *a, pcap_t *p)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct ub_udp_view v;
	int rc, dr;

	for (;;) {
		rc = a->L->next_ex(p, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			/* a cut or damaged record: what came before it stands */
			a->info.truncated = 1;
			snprintf(a->info.error, sizeof(a->info.error), "%s",
				 rc == PCAP_ERROR ? a->L->geterr(p) : "unexpected end");
			return 0;
		}
		a->info.packets++;
		if (h->caplen < h->len)
			a->info.cut++;
		dr = ub_decode_udp(a->info.linktype, data, h->caplen, &v);
		if (dr < 0 && h->caplen >= h->len)
			a->info.undecodable++;
		if (dr != 1)
			continue;
		a->info.udp++;
		rc = ub_flows_add(a->flows, &v, capture_ns(a, h));
		if (rc == UB_E_RANGE) {
			a->info.truncated = 1;
			snprintf(a->info.error, sizeof(a->info.error), "too many datagrams");
			return 0;
		}
		if (rc)
			return rc;
	}
}

/*
 * Median gap between consecutive requests (nearest rank, as ub_stats); 0
 * with fewer than 2. summary_only: from the histogram, as ub_stats does.
 */
static int median_gap(const struct ub_flows_session *s, int64_t *out)
{
	size_t i, m = s->n - 1;
	int64_t *v;

	*out = 0;
	if (s->n < 2)
		return 0;
	if (s->gaps) {
		*out = ub_hist_percentile(s->gaps, 5000);
		return 0;
	}
	v = ub_big_alloc(m * sizeof(*v));
	if (!v)
		return UB_E_NOMEM;
	for (i = 0; i < m; i++) {
		v[i] = s->probes[i + 1].tx - s->probes[i].tx;
		if (v[i] < 0)
			v[i] = 0;
	}
	*out = ub_statcalc_select(v, m, (m + 1) / 2 - 1);
	ub_big_free(v, m * sizeof(*v));
	return 0;
}

static const char *mode_name(enum ub_flows_mode m)
{
	return m == UB_FLOWS_STAMP ? "stamp" : m == UB_FLOWS_TEXT ? "text" : "echo";
}

static int finish(struct ub_analysis *a)
{
	struct ub_flows_session s;
	struct ub_params *p;
	size_t i, n = ub_flows_count(a->flows);
	int rc;

	a->params = calloc(n ? n : 1, sizeof(*a->params));
	a->sums = calloc(n ? n : 1, sizeof(*a->sums));
	a->rcs = calloc(n ? n : 1, sizeof(*a->rcs));
	if (!a->params || !a->sums || !a->rcs)
		return UB_E_NOMEM;
	for (i = 0; i < n; i++) {
		ub_flows_session(a->flows, (unsigned)i, &s);
		p = &a->params[i];
		rc = ub_stats_summary(s.stats, &a->sums[i]);
		if (!rc)
			rc = median_gap(&s, &p->interval_ns);
		if (rc)
			return rc;
		/* a capture shows when probes left, not when they were due */
		a->sums[i].sched_missed = 0;
		memset(&a->sums[i].sched_late, 0, sizeof(a->sums[i].sched_late));
		snprintf(p->peer, sizeof(p->peer), "%s", s.server_str);
		snprintf(p->peer_addr, sizeof(p->peer_addr), "%s", s.server_str);
		p->port = (int)s.server_port;
		p->mode = mode_name(s.mode);
		p->proto = "udp";
		p->count = s.n;
		p->size = s.size;
		p->timeout_ns = a->timeout_ns;
		p->authenticated = s.authenticated;
		p->start_real_ns = s.first_tx;
		p->clock = "pcap";
		p->label = a->label;
		p->ssid = s.ssid;
		p->dscp = -1;
		p->ttl = -1;
		p->source = "pcap";
		a->rcs[i].foreign = s.foreign;
		a->rcs[i].auth_failed = s.auth_failed;
		a->rcs[i].size_mismatch = s.size_mismatch;
	}
	return 0;
}

void ub_analysis_free(struct ub_analysis *a)
{
	if (!a)
		return;
	ub_flows_free(a->flows);
	free(a->params);
	free(a->sums);
	free(a->rcs);
	free(a);
}

static void set_names(struct ub_analysis *a, const struct ub_analyze_config *c)
{
	const char *path = c->path ? c->path : "-", *base;

	if (strcmp(path, "-") == 0)
		path = "stdin";
	snprintf(a->name, sizeof(a->name), "%s", path);
	base = ub_path_last_sep(path);
	base = base && base[1] ? base + 1 : path;
	snprintf(a->label, sizeof(a->label), "%s", c->label ? c->label : base);
}

int ub_analyze_pcap(pcap_t *p, const struct ub_analyze_config *c, struct ub_analysis **out,
		    struct ub_err *e)
{
	struct ub_flows_config fc;
	struct ub_analysis *a = NULL;
	int rc = UB_E_NOMEM;

	if (out)
		*out = NULL;
	if (!p || !c || !out)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: no capture");
	a = calloc(1, sizeof(*a));
	if (!a)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	a->L = ub_pcaplib(e);
	if (!a->L) {
		free(a);
		return e->code;
	}
	set_names(a, c);
	a->no_csv = c->no_csv;
	a->timeout_ns = c->timeout_ns > 0 ? c->timeout_ns : UB_NS_PER_S;
	a->ts_mult = a->L->get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	a->ports[a->nports++] = UB_DEFAULT_PORT;
	a->ports[a->nports++] = UB_STAMP_PORT;
	if (c->port > 0 && c->port <= 65535 && c->port != UB_DEFAULT_PORT &&
	    c->port != UB_STAMP_PORT)
		a->ports[a->nports++] = c->port;
	a->info.linktype = a->L->datalink(p);
	a->info.snaplen = a->L->snapshot(p);
	ub_flows_config_init(&fc);
	memcpy(fc.ports, a->ports, sizeof(fc.ports));
	fc.nports = a->nports;
	fc.timeout_ns = a->timeout_ns;
	fc.key = c->key;
	fc.summary_only = c->summary_only;
	fc.no_events = c->no_csv;
	a->flows = ub_flows_new(&fc);

	if (a->flows)
		rc = read_all(a, p);
	if (!rc)
		rc = ub_flows_pair(a->flows);
	a->info.cut_unused = ub_flows_cut_unused(a->flows);
	a->info.auth_failed = ub_flows_auth_failed(a->flows);
	if (!rc)
		rc = finish(a);
	if (rc) {
		ub_analysis_free(a);
		return ub_err_set(e, UB_E_NOMEM, 0, "%s: %s", c->path ? c->path : "-",
				  rc == UB_E_RANGE ? "too many sessions or probes to analyze"
						   : "out of memory analyzing the capture");
	}
	*out = a;
	return 0;
}

unsigned ub_analysis_count(const struct ub_analysis *a)
{
	return a ? ub_flows_count(a->flows) : 0;
}

const struct ub_params *ub_analysis_params(const struct ub_analysis *a)
{
	return a->params;
}

const struct ub_summary *ub_analysis_summaries(const struct ub_analysis *a)
{
	return a->sums;
}

const struct ub_run_counters *ub_analysis_counters(const struct ub_analysis *a)
{
	return a->rcs;
}

const char *ub_analysis_client(const struct ub_analysis *a, unsigned i)
{
	struct ub_flows_session s;

	return a && ub_flows_session(a->flows, i, &s) == 0 ? s.client_str : NULL;
}

uint64_t ub_analysis_dup_requests(const struct ub_analysis *a, unsigned i)
{
	struct ub_flows_session s;

	return a && ub_flows_session(a->flows, i, &s) == 0 ? s.dup_requests : 0;
}

const struct ub_capture_info *ub_analysis_info(const struct ub_analysis *a)
{
	return &a->info;
}

/* Notes about the file itself: it ended early, packets were cut. */
static void print_notes(const struct ub_analysis *a, FILE *f, enum ub_lang lang)
{
	const struct ub_capture_info *in = &a->info;
	int zh = lang == UB_LANG_ZH;

	if (!f)
		return;
	if (in->truncated)
		fprintf(f,
			TR(zh,
			   "%s: the capture ends early after %" PRIu64
			   " packets (%s); results cover what was read\n",
			   "%s：抓包文件在第 %" PRIu64 " 个包之后提前结束（%s）；结果只包含已读到的部分\n"),
			a->name, in->packets, in->error);
	if (in->cut)
		fprintf(f,
			TR(zh,
			   "%s: %" PRIu64 " packets cut by the snap length (%d bytes), %" PRIu64
			   " of them too short to use\n",
			   "%s：%" PRIu64 " 个包被抓包长度（%d 字节）截断，其中 %" PRIu64
			   " 个太短无法使用\n"),
			a->name, in->cut, in->snaplen, in->cut_unused);
	if (in->undecodable)
		fprintf(f,
			TR(zh, "%s: %" PRIu64 " packets with malformed headers were skipped\n",
			   "%s：跳过了 %" PRIu64 " 个头部损坏的包\n"),
			a->name, in->undecodable);
	if (in->auth_failed)
		fprintf(f,
			TR(zh,
			   "%s: %" PRIu64 " authenticated packets failed the HMAC check with the "
			   "key and were left out\n",
			   "%s：%" PRIu64 " 个认证模式的包未通过该密钥的 HMAC 校验，已略去\n"),
			a->name, in->auth_failed);
	fflush(f);
}

static void print_sessions(const struct ub_analysis *a, FILE *f, enum ub_lang lang)
{
	int zh = lang == UB_LANG_ZH;
	struct ub_flows_session s;
	unsigned i, n = ub_flows_count(a->flows);
	int table = n >= UB_ANALYZE_TABLE_MIN;

	if (table)
		ub_output_table(f, lang, n, a->params, a->sums, a->rcs);
	for (i = 0; i < n; i++) {
		ub_flows_session(a->flows, i, &s);
		if (i && !table)
			fputc('\n', f);
		fprintf(f,
			TR(zh, "%s: session %u/%u: %s -> %s, SSID 0x%04x",
			   "%s：会话 %u/%u：%s -> %s，SSID 0x%04x"),
			a->name, i + 1, n, s.client_str, s.server_str, s.ssid);
		if (s.authenticated)
			fputs(TR(zh, ", authenticated mode", "，认证模式"), f);
		if (s.dup_requests)
			fprintf(f,
				TR(zh, ", %" PRIu64 " requests seen twice",
				   "，%" PRIu64 " 个请求出现了两次"),
				s.dup_requests);
		if (s.size_mismatch)
			fprintf(f,
				TR(zh,
				   ", %" PRIu64 " replies of another size than their request "
				   "(RFC 8762 wants the same size)",
				   "，%" PRIu64 " 个回复与请求大小不同（RFC 8762 要求大小相同）"),
				s.size_mismatch);
		if (s.auth_failed)
			fprintf(f,
				TR(zh, ", %" PRIu64 " packets failed the HMAC check (left out)",
				   "，%" PRIu64 " 个包未通过 HMAC 校验（已略去）"),
				s.auth_failed);
		fputc('\n', f);
		if (!table)
			ub_output_summary(f, lang, &a->params[i], &a->sums[i], &a->rcs[i]);
	}
	fflush(f);
}

/* "r.csv" for server "10.0.0.7:10000" becomes "r-10.0.0.7_10000.csv", "-2" added for a repeat. */
static char *session_csv_path(const char *path, const char *server, unsigned k)
{
	const char *dot = strrchr(path, '.'), *slash = ub_path_last_sep(path);
	size_t stem, n = strlen(path) + strlen(server) + 16;
	char *out = malloc(n), *q, *end;
	char rep[16] = "";

	if (!out)
		return NULL;
	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	stem = (size_t)(dot - path);
	if (k > 1)
		snprintf(rep, sizeof(rep), "-%u", k);
	snprintf(out, n, "%.*s-%s%s%s", (int)stem, path, server, rep, dot);
	end = out + stem + 1 + strlen(server);
	for (q = out + stem + 1; q < end; q++)
		if (*q == ':' || *q == '/' || *q == '[' || *q == ']')
			*q = '_';
	return out;
}

/* One row per probe in the order seen, then its replies in arrival order; "lost" when none came. */
static int write_csv(const struct ub_flows_session *s, const char *path, struct ub_err *e)
{
	struct ub_csv_row row;
	struct ub_csv *csv;
	const struct ub_flows_event *ev;
	uint32_t *start = NULL, *order = NULL;
	int64_t t0 = s->first_tx;
	size_t i, j;

	start = calloc(s->n + 1, sizeof(*start));
	order = malloc((s->nev ? s->nev : 1) * sizeof(*order));
	if (!start || !order) {
		free(start);
		free(order);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	/* a counting sort by probe keeps each probe's replies in arrival order */
	for (i = 0; i < s->nev; i++)
		start[s->ev[i].idx + 1]++;
	for (i = 0; i < s->n; i++)
		start[i + 1] += start[i];
	for (i = 0; i < s->nev; i++)
		order[start[s->ev[i].idx]++] = (uint32_t)i;
	for (i = s->n; i > 0; i--)
		start[i] = start[i - 1];
	start[0] = 0;

	csv = ub_csv_open(path, 0, e);
	if (!csv) {
		free(start);
		free(order);
		return e ? e->code : UB_E_IO;
	}
	for (i = 0; i < s->n; i++) {
		memset(&row, 0, sizeof(row));
		row.seq = s->probes[i].wire_seq;
		row.tx_ns = s->probes[i].tx - t0;
		row.status = UB_ST_LOST;
		row.ttl = -1;
		if (start[i] == start[i + 1])
			ub_csv_row(csv, &row);
		for (j = start[i]; j < start[i + 1]; j++) {
			ev = &s->ev[order[j]];
			row.has_rx = 1;
			row.rx_ns = ev->rx - t0;
			row.rtt_ns = ev->rtt;
			row.status = (enum ub_status)ev->status;
			row.reordered = ev->reordered;
			row.has_refl = ev->has_refl;
			row.refl_seq = ev->refl_seq;
			row.refl_rx_ns = ev->t2;
			row.refl_tx_ns = ev->t3;
			row.ttl = ev->ttl;
			ub_csv_row(csv, &row);
		}
	}
	free(start);
	free(order);
	return ub_csv_close(csv, e);
}

static int write_csvs(const struct ub_analysis *a, const char *path, struct ub_err *e)
{
	struct ub_flows_session s, other;
	unsigned i, j, k, n = ub_flows_count(a->flows);
	char *p;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		ub_flows_session(a->flows, i, &s);
		if (n == 1 || strcmp(path, "-") == 0) {
			rc = write_csv(&s, path, e);
			continue;
		}
		for (j = 0, k = 1; j < i; j++) {
			ub_flows_session(a->flows, j, &other);
			if (strcmp(other.server_str, s.server_str) == 0)
				k++;
		}
		p = session_csv_path(path, s.server_str, k);
		if (!p)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		rc = write_csv(&s, p, e);
		free(p);
	}
	return rc;
}

int ub_analysis_write(const struct ub_analysis *a, const struct ub_analyze_config *c,
		      struct ub_err *e)
{
	int rc = 0;

	if (!a || !c)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: nothing to write");
	if (c->csv_path && a->no_csv)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: the replies a CSV needs were not kept");
	print_notes(a, c->msg, c->lang);
	if (ub_flows_count(a->flows) == 0)
		return 0;
	if (c->out && !c->quiet)
		print_sessions(a, c->out, c->lang);
	if (c->json_path)
		rc = ub_output_json(c->json_path, ub_flows_count(a->flows), a->params, a->sums,
				    a->rcs, e);
	if (!rc && c->csv_path)
		rc = write_csvs(a, c->csv_path, e);
	return rc;
}

static void list_ports(const struct ub_analysis *a, char *buf, size_t len)
{
	size_t n = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < a->nports && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%d", i ? ", " : "", a->ports[i]);
}

/* Whether any session of a keyed analysis got a reply that passed the key. */
static int any_verified(const struct ub_analysis *a)
{
	unsigned i, n = ub_flows_count(a->flows);

	for (i = 0; i < n; i++)
		if (a->sums[i].received)
			return 1;
	return 0;
}

int ub_analyze_run(const struct ub_analyze_config *c, struct ub_err *e)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "", ports[32], auth[160] = "";
	struct ub_analyze_config cc;
	struct ub_analysis *a = NULL;
	const char *path;
	struct stat st;
	const struct ub_pcaplib *L;
	pcap_t *p = NULL;
	FILE *f;
	int rc, zh;

	if (!c || !c->path)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: no capture file given");
	path = c->path;
	zh = c->lang == UB_LANG_ZH;
	if (strcmp(path, "-") == 0) {
		f = stdin;
	} else {
		f = fopen(path, "rb");
		/* ub_err_set adds the system's words */
		if (!f)
			return ub_err_set(e, UB_E_IO, errno, TR(zh, "cannot read %s", "无法读取 %s"), path);
		if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
			fclose(f);
			return ub_err_set(e, UB_E_IO, EISDIR, TR(zh, "cannot read %s", "无法读取 %s"), path);
		}
	}
	L = ub_pcaplib(e);
	if (!L) {
		if (f != stdin)
			fclose(f);
		return e->code;
	}
	/* nanosecond stamps whatever the file holds; libpcap scales microsecond files */
	p = L->fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		if (f != stdin)
			fclose(f);
		return ub_err_set(e, UB_E_INVAL, 0,
				  TR(zh, "%s is not a capture file libpcap can read (%s)",
				     "%s 不是 libpcap 能读取的抓包文件（%s）"),
				  path, errbuf);
	}
	/* replies are kept only for a CSV: 48 bytes each */
	cc = *c;
	cc.no_csv = !c->csv_path;
	rc = ub_analyze_pcap(p, &cc, &a, e);
	L->close(p);
	if (rc < 0)
		return rc;
	if (ub_flows_count(a->flows) == 0) {
		print_notes(a, c->msg, c->lang);
		list_ports(a, ports, sizeof(ports));
		if (a->info.auth_failed)
			snprintf(auth, sizeof(auth),
				 TR(zh, "; %" PRIu64 " authenticated packets failed the HMAC check: "
					"is it the right --key?",
				    "；%" PRIu64 " 个认证模式的包未通过 HMAC 校验：--key 是否正确？"),
				 a->info.auth_failed);
		rc = ub_err_set(e, UB_E_NOREPLY, 0,
				TR(zh,
				   "%s: no STAMP or echo session among %" PRIu64 " packets (%" PRIu64
				   " UDP; ports %s and STAMP-shaped exchanges looked at)%s%s",
				   "%s：在 %" PRIu64 " 个包（其中 UDP %" PRIu64
				   " 个）中没有找到 STAMP 或回显会话（查看了端口 %s 和形如 STAMP 的交换）%s%s"),
				a->name, a->info.packets, a->info.udp, ports,
				a->info.truncated ? TR(zh, "; the file ends early", "；文件提前结束") : "",
				auth);
		ub_analysis_free(a);
		return rc;
	}
	rc = ub_analysis_write(a, c, e);
	/* Sessions found, and the key fits none of their packets: the result stands, the key is named. */
	if (rc == 0 && a->info.auth_failed && !any_verified(a))
		rc = ub_err_set(e, UB_E_INVAL, 0,
				TR(zh, "%s: %" PRIu64 " authenticated packets failed the HMAC check and "
				       "none passed: is it the right --key?",
				   "%s：%" PRIu64 " 个认证模式的包未通过 HMAC 校验，没有一个通过：--key 是否正确？"),
				a->name, a->info.auth_failed);
	ub_analysis_free(a);
	return rc;
}
