#include "metrics/output.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#ifndef UB_BOARD_BUILD
#include <jansson.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/outfile.h"
#include "lib/units.h"
#include "metrics/csvrows.h"

#define UB_JSON_FORMAT 1

/* Every text for people is TR(zh, English, Chinese): metrics/words.h. */
#define TR UB_TR

struct ub_csv {
	FILE *f;
	int tcp;
	char *path;
	int is_stdout;
	int err;
	struct ub_csvrows *order; /* NULL: rows go out as they come */
};

const char *ub_output_status_name(enum ub_status st)
{
	switch (st) {
	case UB_ST_OK:
		return "ok";
	case UB_ST_LOST:
		return "lost";
	case UB_ST_LATE:
		return "late";
	case UB_ST_DUP:
		return "dup";
	}
	return "?";
}

struct ub_csv *ub_csv_open(const char *path, int tcp, struct ub_err *e)
{
	struct ub_csv *c = calloc(1, sizeof(*c));

	if (!c)
		goto nomem;
	c->path = strdup(path);
	if (!c->path)
		goto nomem;
	if (strcmp(path, "-") == 0) {
		c->f = stdout;
		c->is_stdout = 1;
	} else {
		c->f = fopen(path, "w");
		if (!c->f) {
			ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
			free(c->path);
			free(c);
			return NULL;
		}
	}
	c->tcp = tcp;
	if (fputs(tcp ? "seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl,"
			"tcp_retransmits,tcp_rto_ns\n"
		      : "seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl\n",
		  c->f) < 0)
		c->err = errno;
	return c;
nomem:
	if (c)
		free(c->path);
	free(c);
	ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	return NULL;
}

static void csv_write(void *ctx, const struct ub_csv_row *r)
{
	struct ub_csv *c = ctx;
	char rx[48] = "", refl[96] = "", ttl[16] = "", tcp[48] = "";
	int n;

	if (r->has_rx)
		snprintf(rx, sizeof(rx), "%" PRId64 ",%" PRId64, r->rx_ns, r->rtt_ns);
	else
		snprintf(rx, sizeof(rx), ",");
	if (r->has_refl)
		snprintf(refl, sizeof(refl), "%" PRIu32 ",%" PRId64 ",%" PRId64, r->refl_seq,
			 r->refl_rx_ns, r->refl_tx_ns);
	else
		snprintf(refl, sizeof(refl), ",,");
	if (r->ttl >= 0)
		snprintf(ttl, sizeof(ttl), "%d", r->ttl);
	if (c->tcp && r->has_tcp)
		snprintf(tcp, sizeof(tcp), ",%" PRIu64 ",%" PRId64, r->tcp_retransmits, r->tcp_rto_ns);
	else if (c->tcp)
		snprintf(tcp, sizeof(tcp), ",,");
	n = fprintf(c->f, "%" PRIu32 ",%" PRId64 ",%s,%s,%d,%s,%s%s\n", r->seq, r->tx_ns, rx,
		    ub_output_status_name(r->status), r->reordered ? 1 : 0, refl, ttl, tcp);
	if (n < 0 && !c->err)
		c->err = errno ? errno : EIO;
}

void ub_csv_row(struct ub_csv *c, const struct ub_csv_row *r)
{
	if (!c)
		return;
	if (c->order)
		ub_csvrows_put(c->order, r);
	else
		csv_write(c, r);
}

void ub_csv_drain(struct ub_csv *c)
{
	if (c && c->order)
		ub_csvrows_drain(c->order);
}

int ub_csv_order(struct ub_csv *c, uint32_t window, struct ub_err *e)
{
	if (!c || c->order)
		return 0;
	c->order = ub_csvrows_new(window, csv_write, c);
	return c->order ? 0 : ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
}

void ub_csv_flush(struct ub_csv *c)
{
	if (c && fflush(c->f) != 0 && !c->err)
		c->err = errno ? errno : EIO;
}

int ub_csv_close(struct ub_csv *c, struct ub_err *e)
{
	int rc = 0, err;

	if (!c)
		return 0;
	/* what is held goes out in order: an early stop leaves every decided row */
	ub_csvrows_free(c->order);
	err = c->err;
	if (fflush(c->f) != 0 && !err)
		err = errno ? errno : EIO;
	if (!c->is_stdout && fclose(c->f) != 0 && !err)
		err = errno ? errno : EIO;
	if (err)
		rc = ub_err_set(e, UB_E_IO, err, "writing %s", c->path);
	free(c->path);
	free(c);
	return rc;
}

/* Events per second over span_ns (0 when the span is empty). */
static double per_s(uint64_t n, int64_t span_ns)
{
	return span_ns > 0 ? (double)n * 1e9 / (double)span_ns : 0.0;
}

#ifndef UB_BOARD_BUILD
static json_t *dist_json(const struct ub_dist *d)
{
	if (d->n == 0)
		return json_null();
	/* n, min, max, mean and stddev are always exact; percentiles may be a histogram's (±0.2 %). */
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "n", (json_int_t)d->n,
			 "min", (json_int_t)d->min, "mean", (json_int_t)d->mean, "median",
			 (json_int_t)d->median, "p90", (json_int_t)d->p90, "p95",
			 (json_int_t)d->p95, "p99", (json_int_t)d->p99, "p999",
			 (json_int_t)d->p999, "max", (json_int_t)d->max, "stddev",
			 (json_int_t)d->stddev, "percentiles", d->hist ? "histogram" : "exact");
}

json_t *ub_output_dist_json(const struct ub_dist *d)
{
	return dist_json(d);
}

static json_t *u64_or_null(int known, uint64_t v)
{
	return known ? json_integer((json_int_t)v) : json_null();
}

static json_t *i64_or_null(int64_t v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *params_json(const struct ub_params *p, const struct ub_run_counters *rc)
{
	char start[48];

	ub_clock_iso8601(p->start_real_ns, start, sizeof(start));
	return json_pack("{s:s,s:s,s:i,s:s,s:s,s:o,s:o,s:I,s:i,s:I,s:s,s:I,s:s,s:o,s:i,s:o,s:o,"
			 "s:{s:i,s:i},s:s}",
			 "peer", p->peer, "peer_addr", p->peer_addr, "port", p->port, "mode",
			 p->mode, "proto", p->proto, "count", u64_or_null(p->count > 0, p->count),
			 "duration_ns", u64_or_null(p->duration_ns > 0, (uint64_t)p->duration_ns),
			 "interval_ns", (json_int_t)p->interval_ns, "size", (int)p->size,
			 "timeout_ns", (json_int_t)p->timeout_ns, "start_time", start,
			 "start_time_ns", (json_int_t)p->start_real_ns, "clock", p->clock, "label",
			 str_or_null(p->label), "ssid", (int)p->ssid, "dscp",
			 p->dscp >= 0 ? json_integer(p->dscp) : json_null(), "ttl",
			 p->ttl >= 0 ? json_integer(p->ttl) : json_null(), "socket", "rcvbuf",
			 rc->socket_rcvbuf, "sndbuf", rc->socket_sndbuf, "source",
			 p->source ? p->source : "live");
}

static json_t *summary_json(const struct ub_summary *s, const struct ub_run_counters *rc)
{
	int split = s->has_split;
	json_t *sched, *late, *capture, *sum;

	if (s->sched_late.n)
		late = json_pack("{s:I,s:I,s:I,s:I}", "median", (json_int_t)s->sched_late.median,
				 "mean", (json_int_t)s->sched_late.mean, "p99",
				 (json_int_t)s->sched_late.p99, "max", (json_int_t)s->sched_late.max);
	else
		late = json_null();
	/* A skipped slot missed its time too; it is no probe, so neither sent nor lost. */
	sched = json_pack("{s:I,s:I,s:I,s:o}", "slots", (json_int_t)(s->sent + rc->sched_skipped),
			  "missed", (json_int_t)(s->sched_missed + rc->sched_skipped), "skipped",
			  (json_int_t)rc->sched_skipped, "late_ns", late);
	if (rc->has_capture)
		capture = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "file", rc->capture_file, "iface",
				    rc->capture_iface, "received", (json_int_t)rc->cap_received,
				    "dropped", (json_int_t)rc->cap_dropped, "if_dropped",
				    (json_int_t)rc->cap_if_dropped, "written",
				    (json_int_t)rc->cap_written);
	else
		capture = json_null();

	sum = json_pack(
		"{s:I,s:I,s:I,s:o,s:o,s:o,s:I,s:I,s:I,s:o,s:I,s:I,s:o,s:o,s:{s:I,s:o,s:I},"
		"s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:b}",
		"sent", (json_int_t)s->sent, "received", (json_int_t)s->received, "lost",
		(json_int_t)s->lost, "loss_pct", s->sent ? json_real(s->loss_pct) : json_null(), "lost_up", u64_or_null(split, s->lost_up),
		"lost_down", u64_or_null(split, s->lost_down), "late", (json_int_t)s->late,
		"duplicates", (json_int_t)s->duplicates, "reordered", (json_int_t)s->reordered,
		"reorder_pct", s->received ? json_real(s->reorder_pct) : json_null(),
		"reorder_extent_max", (json_int_t)s->reorder_extent_max, "n_reordered_3",
		(json_int_t)s->n_reordered_3, "reordered_up", u64_or_null(split, s->reordered_up),
		"reordered_down", u64_or_null(split, s->reordered_down), "loss_bursts", "count",
		(json_int_t)s->burst_count, "mean_len",
		s->burst_count ? json_real(s->burst_mean_len) : json_null(), "max_len",
		(json_int_t)s->burst_max_len, "rtt_ns", dist_json(&s->rtt), "ipdv_ns",
		dist_json(&s->ipdv), "pdv_ns", i64_or_null(s->pdv_ns), "jitter_ns",
		i64_or_null(s->jitter_ns), "reflector_proc_ns", dist_json(&s->refl_proc),
		"owd_up_ns", dist_json(&s->owd_up), "owd_down_ns", dist_json(&s->owd_down),
		"schedule", sched, "ignored_replies", (json_int_t)rc->foreign, "send_errors",
		(json_int_t)rc->send_errors, "icmp_errors", (json_int_t)rc->icmp_errors,
		"interrupted", rc->interrupted);
	if (sum && json_object_set_new(sum, "cut_at_stop",
				       u64_or_null(rc->interrupted, rc->cut_at_stop)) < 0) {
		json_decref(sum);
		return NULL;
	}
	if (sum && (json_object_set_new(sum, "stack_ns", dist_json(&s->stack)) < 0 ||
		    json_object_set_new(sum, "capture", capture) < 0 ||
		    json_object_set_new(sum, "tcp_retransmits",
					u64_or_null(rc->is_tcp, rc->tcp_retransmits)) < 0 ||
		    json_object_set_new(sum, "tcp_rto_ns",
					u64_or_null(rc->is_tcp, (uint64_t)rc->tcp_rto_max_ns)) < 0 ||
		    json_object_set_new(sum, "tcp_broken_at",
					u64_or_null(rc->tcp_broken, rc->tcp_broken_at)) < 0 ||
		    json_object_set_new(sum, "tcp_error",
					rc->tcp_broken ? json_string(rc->tcp_error) : json_null()) < 0 ||
		    (s->load && json_object_set_new(sum, "load", ub_output_load_json(s->load)) < 0))) {
		json_decref(sum);
		return NULL;
	}
	if (!sum)
		json_decref(capture);
	return sum;
}

/* params.link: null when nobody said which link it was (a capture). */
static json_t *link_json(const struct ub_link *l)
{
	json_t *spec = NULL;

	if (!l->kind)
		return json_null();
	/* checked when it was given (ub_output_link_spec); a spec that fails here says null */
	if (l->spec)
		spec = json_loads(l->spec, JSON_REJECT_DUPLICATES, NULL);
	return json_pack("{s:s,s:o,s:o,s:o}", "kind", l->kind, "spec", spec ? spec : json_null(),
			 "truth", str_or_null(l->truth), "scenario", str_or_null(l->scenario));
}

static int extend_json(json_t *params, json_t *sum, const struct ub_params *p,
		       const struct ub_summary *s, const struct ub_run_counters *rc)
{
	json_t *restarts;
	unsigned i;

	if (json_object_set_new(params, "rate", p->flood ? json_string("max") : json_null()) < 0 ||
	    json_object_set_new(params, "authenticated", json_boolean(p->authenticated)) < 0 ||
	    json_object_set_new(params, "summary_only", json_boolean(s->percentiles_hist)) < 0 ||
	    json_object_set_new(params, "reflector", str_or_null(p->reflector)) < 0 ||
	    json_object_set_new(params, "timestamp", json_string(p->ptp ? "ptp" : "ntp")) < 0 ||
	    json_object_set_new(params, "link", link_json(&p->link)) < 0 ||
	    json_object_set_new(params, "reflector_timestamp",
				p->refl_ts ? json_string(p->refl_ts == 2 ? "ptp" : "ntp") : json_null()) < 0 ||
	    json_object_set_new(sum, "auth_failed", json_integer((json_int_t)rc->auth_failed)) < 0 ||
	    json_object_set_new(sum, "size_mismatch", json_integer((json_int_t)rc->size_mismatch)) < 0 ||
	    json_object_set_new(sum, "split_why",
				s->has_split ? json_null()
					     : str_or_null(ub_output_split_why(p->split_why, UB_LANG_EN))) < 0 ||
	    json_object_set_new(sum, "kernel_tx_stamps", json_integer((json_int_t)rc->tx_kernel)) < 0 ||
	    json_object_set_new(sum, "kernel_rx_stamps", json_integer((json_int_t)rc->rx_kernel)) < 0)
		return -1;
	restarts = json_array();
	for (i = 0; restarts && i < rc->n_restarts; i++)
		json_array_append_new(restarts, json_pack("{s:I,s:I}", "from_probe",
							   (json_int_t)rc->restarts[i].from_probe,
							   "to_probe",
							   (json_int_t)rc->restarts[i].to_probe));
	if (!restarts || json_object_set_new(sum, "reflector_restarts", restarts) < 0)
		return -1;
	/* A flood has no schedule to keep, only rates. */
	if (p->flood && (json_object_set_new(sum, "schedule", json_null()) < 0 ||
			 json_object_set_new(sum, "flood",
					     json_pack("{s:f,s:f}", "sent_per_s",
						       per_s(s->sent, rc->send_span_ns),
						       "received_per_s",
						       per_s(s->received, rc->send_span_ns))) < 0))
		return -1;
	return 0;
}

static json_t *result_json(const struct ub_params *p, const struct ub_summary *s,
			  const struct ub_run_counters *rc)
{
	json_t *params = params_json(p, rc), *sum = summary_json(s, rc);

	if (!params || !sum || extend_json(params, sum, p, s, rc) < 0) {
		json_decref(params);
		json_decref(sum);
		return NULL;
	}
	if (json_object_set_new(params, "name", str_or_null(p->name[0] ? p->name : NULL)) < 0 ||
	    json_object_set_new(params, "report_interval_ns",
				p->report_interval_ns > 0 ? json_integer((json_int_t)p->report_interval_ns)
							  : json_null()) < 0 ||
	    ub_output_wifi_json(params, p->wifi) < 0) {
		json_decref(params);
		json_decref(sum);
		return NULL;
	}
	/* the records are written in its place, one at a time (ub_output_json_dump) */
	if (s->intervals)
		return json_pack("{s:o,s:o,s:o}", "params", params, "summary", sum, "intervals",
				 json_null());
	return json_pack("{s:o,s:o}", "params", params, "summary", sum);
}

/* The JSON document of n results; NULL when out of memory. */
static json_t *result_doc(unsigned n, const struct ub_params *p, const struct ub_summary *s,
			  const struct ub_run_counters *rc)
{
	json_t *root, *one = NULL, *peers;
	unsigned i;

	root = json_pack("{s:{s:s,s:i}}", "udpbench", "version", UB_VERSION, "format",
			 UB_JSON_FORMAT);
	if (!root)
		return NULL;
	if (n == 1) {
		one = result_json(p, s, rc);
		if (!one || json_object_update(root, one) < 0)
			goto fail;
		json_decref(one);
		return root;
	}
	peers = json_array();
	if (!peers || json_object_set_new(root, "peers", peers) < 0)
		goto fail_root;
	for (i = 0; i < n; i++)
		if (json_array_append_new(peers, result_json(&p[i], &s[i], &rc[i])) < 0)
			goto fail_root;
	return root;
fail:
	json_decref(one);
fail_root:
	json_decref(root);
	return NULL;
}

int ub_output_json_commit(struct ub_outfile *of, unsigned n, const struct ub_params *p,
			  const struct ub_summary *s, const struct ub_run_counters *rc,
			  struct ub_err *e)
{
	json_t *root = result_doc(n, p, s, rc);
	int ret;

	if (!root) {
		ub_outfile_abort(of);
		return ub_err_set(e, UB_E_NOMEM, 0, "building the JSON result");
	}
	errno = 0;
	if (ub_output_json_dump(root, of->f, n, s) < 0 ||
	    fputc('\n', of->f) == EOF) {
		ret = ub_err_set(e, UB_E_IO, errno ? errno : EIO, "writing %s", of->path);
		ub_outfile_abort(of);
	} else {
		ret = ub_outfile_commit(of, e);
	}
	json_decref(root);
	return ret;
}

int ub_output_json(const char *path, unsigned n, const struct ub_params *p,
		   const struct ub_summary *s, const struct ub_run_counters *rc, struct ub_err *e)
{
	struct ub_outfile of;
	json_t *root;
	int ret;

	if (strcmp(path, "-") != 0) {
		ret = ub_outfile_open(&of, path, e);
		return ret < 0 ? ret : ub_output_json_commit(&of, n, p, s, rc, e);
	}
	root = result_doc(n, p, s, rc);
	if (!root)
		return ub_err_set(e, UB_E_NOMEM, 0, "building the JSON result");
	ret = 0;
	if (ub_output_json_dump(root, stdout, n, s) < 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) != 0)
		ret = ub_err_set(e, UB_E_IO, errno, "writing the JSON result to stdout");
	json_decref(root);
	return ret;
}

#else
int ub_output_json_commit(struct ub_outfile *of, unsigned n, const struct ub_params *p,
			  const struct ub_summary *s, const struct ub_run_counters *rc,
			  struct ub_err *e)
{
	(void)n, (void)p, (void)s, (void)rc;
	ub_outfile_abort(of);
	return ub_err_set(e, UB_E_INVAL, 0, "--json is not in this build (no jansson)");
}

int ub_output_json(const char *path, unsigned n, const struct ub_params *p,
		   const struct ub_summary *s, const struct ub_run_counters *rc, struct ub_err *e)
{
	(void)path, (void)n, (void)p, (void)s, (void)rc;
	return ub_err_set(e, UB_E_INVAL, 0, "--json is not in this build (no jansson)");
}
#endif

void ub_output_no_reply(char *buf, size_t n, enum ub_lang lang, const char *peers,
			const struct ub_no_reply *why)
{
	int zh = lang == UB_LANG_ZH;

	if (why->said && zh)
		snprintf(buf, n, "%s 没有 TCP 回显：连接被拒绝或无应答；那里在运行 udpbench reflect 吗？",
			 peers);
	else if (why->said)
		snprintf(buf, n, "%s", why->said);
	else if (why->auth_failed)
		snprintf(buf, n,
			 TR(zh, "%" PRIu64 " replies from %s failed authentication: does the "
				"reflector use the same key as --key?",
			    "%2$s 的 %1$" PRIu64 " 个回复都没有通过认证：" UB_ZH_REFLECTOR "用的密钥和 --key 一样吗？"),
			 why->auth_failed, peers);
	else if (why->refused_after > 1)
		snprintf(buf, n,
			 TR(zh, "%s stopped answering after its first %" PRIu64 " probe(s) (port unreachable): the "
				"program there may have crashed on what it got; a script that decodes "
				"text takes --mode text (or leave --mode out)",
			    "%s 在收到 %" PRIu64 " 个探测包后不再应答（端口不可达）：那里的程序可能处理"
			    "收到的数据时崩溃了；解码文本的脚本请用 --mode text（或不加 --mode）"),
			 peers, why->refused_after - 1);
	else if (why->refused_after)
		snprintf(buf, n,
			 TR(zh, "no reply from %s: nothing listens there (port unreachable); is a "
				"reflector running there?",
			    "%s 没有回复：那里没有程序在监听（端口不可达）；那里有" UB_ZH_REFLECTOR "在运行吗？"),
			 peers);
	else if (why->unmatched)
		snprintf(buf, n,
			 TR(zh, "%" PRIu64 " replies from %s matched no probe: another session's, or a "
				"peer that answers in another way (leave --mode out, or try --mode any)",
			    "%2$s 的 %1$" PRIu64 " 个回复都对不上探测包：可能属于别的会话，或者" UB_ZH_REFLECTOR
			    "用别的方式应答（不加 --mode，或试试 --mode any）"),
			 why->unmatched, peers);
	else
		snprintf(buf, n,
			 TR(zh, "no reply from %s: is a reflector running there, or does the program "
				"there only print what it receives?",
			    "%s 没有回复：那里有" UB_ZH_REFLECTOR "在运行吗？还是那里的程序只打印收到的内容、不回复？"),
			 peers);
}

const char *ub_output_split_why(enum ub_split_why w, enum ub_lang lang)
{
	int zh = lang == UB_LANG_ZH;

	switch (w) {
	case UB_SPLIT_GIVEN:
		break;
	case UB_SPLIT_STATELESS:
		return TR(zh, "the reflector is stateless: its sequence number is a copy of ours.",
			  UB_ZH_REFLECTOR "是无状态的：它的序号只是照抄我们的。");
	case UB_SPLIT_UNDECIDED:
		return TR(zh, "the reflector's sequence number always equalled ours: stateless, or "
			      "stateful with nothing lost on the way there (leave --mode out to tell).",
			  UB_ZH_REFLECTOR "的序号始终和我们的相同：可能是无状态的，也可能是去程没有丢包的有状态"
			  UB_ZH_REFLECTOR "（不加 --mode 即可分辨）。");
	case UB_SPLIT_NO_COUNTER:
		return TR(zh, "the peer is no STAMP reflector: its replies carry no counter of its own.",
			  "这个" UB_ZH_REFLECTOR "是回显程序或脚本，不是 STAMP " UB_ZH_REFLECTOR "：回复里没有它自己的计数。");
	case UB_SPLIT_TCP:
		return TR(zh, "TCP delivers everything or breaks: there is no loss to split.",
			  "TCP 要么全部送达，要么断开：没有可以区分上下行的丢包。");
	case UB_SPLIT_NO_REPLY:
		return TR(zh, "nothing came back.", "没有收到任何回复。");
	}
	return NULL;
}
#define FMT_NS(v, b) ub_units_fmt_ns((v), (b), sizeof(b))

/* The summary's head: what went out and came back, and where it was lost. */
static void summary_counts(FILE *f, enum ub_lang lang, const struct ub_params *p,
			   const struct ub_summary *s, const struct ub_run_counters *rc)
{
	int zh = lang == UB_LANG_ZH;

	fprintf(f, TR(zh, "--- %s udpbench statistics (%s) ---\n",
		      "--- %s udpbench 统计（%s 模式）---\n"),
		p->peer_addr[0] ? p->peer_addr : p->peer,
		p->proto && strcmp(p->proto, "tcp") == 0 ? "tcp" : p->mode);
	fprintf(f,
		TR(zh,
		   "%" PRIu64 " probes sent, %" PRIu64 " received, %.2f%% loss, %" PRIu64
		   " late, %" PRIu64 " duplicates, %" PRIu64 " reordered\n",
		   "发送 %" PRIu64 " 个探测包，收到 %" PRIu64 " 个，丢包率 %.2f%%，" UB_ZH_LATE " %" PRIu64
		   " 个（算作丢失），重复 %" PRIu64 " 个，乱序 %" PRIu64 " 个\n"),
		s->sent, s->received, s->loss_pct, s->late, s->duplicates, s->reordered);
	if (s->has_split)
		fprintf(f,
			TR(zh,
			   "lost on the way there (up) %" PRIu64 ", on the way back (down) %" PRIu64
			   "; reordered up %" PRIu64 ", down %" PRIu64 "\n",
			   "去程（上行）丢失 %" PRIu64 " 个，回程（下行）丢失 %" PRIu64
			   " 个；上行乱序 %" PRIu64 " 个，下行乱序 %" PRIu64 " 个\n"),
			s->lost_up, s->lost_down, s->reordered_up, s->reordered_down);
	else if (p->split_why != UB_SPLIT_NO_REPLY && ub_output_split_why(p->split_why, lang))
		fprintf(f, TR(zh, "no split into up and down: %s\n", "无法区分上下行丢包：%s\n"),
			ub_output_split_why(p->split_why, lang));
	if (rc->size_mismatch)
		fprintf(f,
			TR(zh,
			   "%" PRIu64 " replies were not the size of their probe (RFC 8762 wants the "
			   "same size both ways)\n",
			   "%" PRIu64 " 个回复和探测包大小不同（RFC 8762 要求来回大小相同）\n"),
			rc->size_mismatch);
}

/* The round-trip times, or that none came back. */
static void summary_rtt(FILE *f, int zh, const struct ub_summary *s)
{
	char a[24], b[24], c[24], d[24], g[24], h[24];

	if (s->rtt.n) {
		fprintf(f,
			TR(zh, "rtt min/median/mean/p99/max = %s/%s/%s/%s/%s, stddev %s\n",
			   UB_ZH_RTT " 最小/中位数/平均/p99/最大 = %s/%s/%s/%s/%s，标准差 %s\n"),
			FMT_NS(s->rtt.min, a), FMT_NS(s->rtt.median, b), FMT_NS(s->rtt.mean, c),
			FMT_NS(s->rtt.p99, d), FMT_NS(s->rtt.max, g), FMT_NS(s->rtt.stddev, h));
		fprintf(f,
			TR(zh,
			   "jitter %s, pdv (p99-min) %s, loss bursts %" PRIu64 " (longest %" PRIu64
			   ")\n",
			   "抖动 %s，时延变化（p99-最小）%s，连续丢包 %" PRIu64 " 段（最长 %" PRIu64
			   " 个）\n"),
			s->jitter_ns >= 0 ? FMT_NS(s->jitter_ns, a) : "-", FMT_NS(s->pdv_ns, b),
			s->burst_count, s->burst_max_len);
	} else if (s->sent) {
		fputs(TR(zh, "no reply came back\n", "没有收到任何回复\n"), f);
	}
}

/* How well this side kept its schedule: the sender's own doing, never the network's. */
static void summary_schedule(FILE *f, int zh, const struct ub_params *p, const struct ub_summary *s,
			     const struct ub_run_counters *rc)
{
	char a[24], b[24];

	if (p->flood)
		fprintf(f, TR(zh, "flood: %.0f probes/s sent, %.0f replies/s back\n",
			      "泛洪：每秒发出 %.0f 个探测包，收回 %.0f 个回复\n"),
			per_s(s->sent, rc->send_span_ns), per_s(s->received, rc->send_span_ns));
	else if (s->sched_late.n)
		fprintf(f,
			TR(zh,
			   "schedule: %" PRIu64 " probes left a whole interval late; lateness median "
			   "%s, p99 %s\n",
			   "发送计划：%" PRIu64 " 个探测包晚了一整个间隔才发出；" UB_ZH_SEND_LAG "（本机比计划晚发多久）"
			   "中位数 %s，p99 %s\n"),
			s->sched_missed, FMT_NS(s->sched_late.median, a),
			FMT_NS(s->sched_late.p99, b));
	if (rc->sched_skipped > rc->pingpong_waits)
		fprintf(f,
			TR(zh,
			   "%" PRIu64 " of %" PRIu64 " slots never sent: this machine could not keep "
			   "the interval (missed slots, not losses)\n",
			   "有 %" PRIu64 " 个发送时刻（共 %" PRIu64 " 个）没有发出：本机跟不上这个间隔"
			   "（算作错过的时刻，不算丢包）\n"),
			rc->sched_skipped - rc->pingpong_waits, s->sent + rc->sched_skipped);
	if (rc->pingpong_waits)
		fprintf(f,
			TR(zh,
			   "one probe at a time (the replies carry nothing of the probe): %" PRIu64
			   " slots passed while a probe waited for its reply\n",
			   "一次只发一个探测包（回复里没有探测包的内容）：有 %" PRIu64
			   " 个发送时刻在等上一个回复时过去了\n"),
			rc->pingpong_waits);
}

/* What else happened: reflector restarts, foreign replies, errors, an early stop. */
static void summary_events(FILE *f, int zh, const struct ub_run_counters *rc)
{
	unsigned i;

	for (i = 0; i < rc->n_restarts; i++)
		fprintf(f,
			TR(zh, "the reflector restarted: no reply to probes %" PRIu32 "..%" PRIu32 "\n",
			   UB_ZH_REFLECTOR "重启过：探测包 %" PRIu32 "..%" PRIu32 " 没有回复\n"),
			rc->restarts[i].from_probe, rc->restarts[i].to_probe);
	if (rc->foreign)
		fprintf(f,
			TR(zh, "ignored %" PRIu64 " replies from another session or peer\n",
			   "忽略了 %" PRIu64 " 个来自其他会话或主机的回复\n"),
			rc->foreign);
	if (rc->send_errors || rc->icmp_errors)
		fprintf(f,
			TR(zh, "send errors %" PRIu64 ", ICMP errors %" PRIu64 "\n",
			   "发送错误 %" PRIu64 " 个，ICMP 错误 %" PRIu64 " 个\n"),
			rc->send_errors, rc->icmp_errors);
	if (rc->interrupted && rc->cut_at_stop)
		fprintf(f,
			TR(zh, "(stopped early: %" PRIu64 " probes still in flight counted lost)\n",
			   "（提前结束：%" PRIu64 " 个还在路上的探测包算作丢失）\n"),
			rc->cut_at_stop);
	else if (rc->interrupted)
		fputs(TR(zh, "(stopped early)\n", "（提前结束）\n"), f);
}

void ub_output_summary(FILE *f, enum ub_lang lang, const struct ub_params *p,
		       const struct ub_summary *s, const struct ub_run_counters *rc)
{
	int zh = lang == UB_LANG_ZH;

	summary_counts(f, lang, p, s, rc);
	summary_rtt(f, zh, s);
	summary_schedule(f, zh, p, s, rc);
	summary_events(f, zh, rc);
	ub_output_wifi_line(f, lang, p->wifi);
	if (s->load)
		ub_output_load_summary(f, lang, s->load);
	fflush(f);
}

void ub_output_live(FILE *f, enum ub_lang lang, const char *peer, uint64_t sent,
		    uint64_t received, uint64_t lost, int64_t last_rtt_ns, int64_t median_rtt_ns)
{
	int zh = lang == UB_LANG_ZH;
	char a[24] = "-", b[24] = "-";
	/* Over decided probes only: those still in flight are not lost yet. */
	double loss = received + lost ? 100.0 * (double)lost / (double)(received + lost) : 0.0;

	if (last_rtt_ns >= 0)
		FMT_NS(last_rtt_ns, a);
	if (median_rtt_ns >= 0)
		FMT_NS(median_rtt_ns, b);
	fputs("\r", f);
	if (peer) {
		ub_words_pad(f, peer, -22);
		fputc(' ', f);
	}
	fprintf(f,
		TR(zh, "sent %" PRIu64 "  received %" PRIu64 "  loss %.1f%%  rtt %s  median %s\033[K",
		   "已发送 %" PRIu64 "  已收到 %" PRIu64 "  丢包 %.1f%%  " UB_ZH_RTT " %s  中位数 %s\033[K"),
		sent, received, loss, a, b);
}

/* The table's columns: name in each language and printf-style width (negative: left). */
static const struct {
	const char *en, *zh;
	int width;
} table_cols[] = {
	{ "name", "名称", -12 }, { "peer", UB_ZH_REFLECTOR, -22 }, { "sent", "发送", 6 },
	{ "recv", "收到", 5 }, { "loss%", "丢包率%", 7 }, { "up", "上行", 5 }, { "down", "下行", 5 },
	{ "median", "中位数", 8 }, { "p99", "p99", 7 },
};
#define TABLE_COLS (sizeof(table_cols) / sizeof(table_cols[0]))

/*
 * One line of the table from column first on, cells padded by display
 * width (a CJK character takes two columns).
 */
static void table_line(FILE *f, const char *const *cell, size_t first)
{
	size_t i;

	for (i = first; i < TABLE_COLS; i++) {
		if (i > first)
			fputc(' ', f);
		ub_words_pad(f, cell[i], table_cols[i].width);
	}
	fputc('\n', f);
}

void ub_output_table(FILE *f, enum ub_lang lang, unsigned n, const struct ub_params *p,
		     const struct ub_summary *s, const struct ub_run_counters *rc)
{
	int zh = lang == UB_LANG_ZH;
	char sent[24], recv[24], loss[24], up[24], down[24], a[24], b[24];
	const char *cell[TABLE_COLS];
	size_t first = 1;
	unsigned i;

	(void)rc;
	/* the name column only when some board has a name */
	for (i = 0; i < n; i++)
		if (p[i].name[0])
			first = 0;
	for (i = 0; i < TABLE_COLS; i++)
		cell[i] = TR(zh, table_cols[i].en, table_cols[i].zh);
	table_line(f, cell, first);
	for (i = 0; i < n; i++) {
		snprintf(sent, sizeof(sent), "%" PRIu64, s[i].sent);
		snprintf(recv, sizeof(recv), "%" PRIu64, s[i].received);
		snprintf(loss, sizeof(loss), "%.2f", s[i].loss_pct);
		snprintf(up, sizeof(up), "%s", "-");
		snprintf(down, sizeof(down), "%s", "-");
		if (s[i].has_split) {
			snprintf(up, sizeof(up), "%" PRIu64, s[i].lost_up);
			snprintf(down, sizeof(down), "%" PRIu64, s[i].lost_down);
		}
		cell[0] = p[i].name[0] ? p[i].name : "-";
		cell[1] = p[i].peer_addr[0] ? p[i].peer_addr : p[i].peer;
		cell[2] = sent;
		cell[3] = recv;
		cell[4] = loss;
		cell[5] = up;
		cell[6] = down;
		/* a board that never answered is there, and says so: never a time of 0 */
		cell[7] = s[i].rtt.n ? FMT_NS(s[i].rtt.median, a) : TR(zh, "no reply", UB_ZH_NO_REPLY);
		cell[8] = s[i].rtt.n ? FMT_NS(s[i].rtt.p99, b) : "-";
		table_line(f, cell, first);
	}
	fflush(f);
}

void ub_output_live_end(FILE *f)
{
	fputs("\r\033[K", f);
	fflush(f);
}

#ifndef UB_BOARD_BUILD
int ub_output_text_ok(const char *s)
{
	/* jansson refuses a string that is not UTF-8: the same test the JSON writer meets */
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

int ub_output_link_spec(const char *text, char *why, size_t n)
{
	json_error_t jerr;
	json_t *j;
	int ok;

	if (strlen(text) > UB_LINK_SPEC_MAX) {
		snprintf(why, n, "longer than %d bytes", UB_LINK_SPEC_MAX);
		return -1;
	}
	j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		/* jansson quotes the text near the mistake: no control character may split the line */
		for (char *q = jerr.text; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7F)
				*q = ' ';
		snprintf(why, n, "not JSON (column %d: %s)", jerr.column, jerr.text);
		return -1;
	}
	ok = json_is_object(j);
	json_decref(j);
	if (!ok)
		snprintf(why, n, "not a JSON object ({\"delay\": \"12ms\", ...})");
	return ok ? 0 : -1;
}
#else
int ub_output_text_ok(const char *s)
{
	/* Without jansson nothing is written as JSON: any text will do. */
	(void)s;
	return 1;
}

int ub_output_link_spec(const char *text, char *why, size_t n)
{
	(void)text;
	snprintf(why, n, "not in this build (no jansson)");
	return -1;
}
#endif
