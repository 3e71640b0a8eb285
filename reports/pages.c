/*
 * udpbench: reports — the pages (pages.h): index.html and summary.md, a
 * table of every result's summary and the charts with the question each
 * answers.
 */
#include "reports/pages.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/outfile.h"
#include "lib/platform.h"
#include "metrics/words.h"
#include "reports/fmt.h"
#include "reports/wifinote.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

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

/* A table cell of summary.md: Markdown renderers pass raw HTML through, so it is escaped too. */
static void md_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<' || *s == '>' || *s == '&') {
			html_esc(f, (char[]){ *s, '\0' });
			continue;
		}
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

enum { M_LABEL, M_FILE, M_PROTO, M_PEER, M_START, M_PLAN, M_SENT, M_RECV, M_LOST, M_SPLIT,
       M_LATE, M_DUP, M_REORD, M_BURST, M_MIN, M_MED, M_P95, M_P99, M_MAX, M_JIT, M_RETX,
       M_CLOCK, M_LAG, M_WIFI, M_LOAD_RTT, M_LOAD_TP, M_N };

/* The summary's count for the rows that show one. */
static const char *const count_key[M_N] = {
	[M_SENT] = "sent", [M_RECV] = "received", [M_LOST] = "lost",
	[M_LATE] = "late", [M_DUP] = "duplicates", [M_REORD] = "reordered",
};

/*
 * The time in row m (an RTT statistic, the jitter, or this side's own
 * lateness: what of the figures is the sender, not the link) of result r,
 * in ns; -1 when the result has none, NO_REPLY for a round-trip figure of
 * a board that never answered.
 */
#define NO_REPLY (-2)

static int64_t time_of(const struct ub_result *r, int m)
{
	static const char *const rtt_keys[] = { "min", "median", "p95", "p99", "max" };
	json_t *s = r->summary, *rtt = json_object_get(s, "rtt_ns");
	json_t *late = json_object_get(json_object_get(s, "schedule"), "late_ns");

	if (r->dead && ((m >= M_MIN && m <= M_MAX) || m == M_JIT))
		return NO_REPLY;
	if (m >= M_MIN && m <= M_MAX)
		return json_is_object(rtt) && ub_results_int(rtt, "n", 0) > 0
			       ? ub_results_int(rtt, rtt_keys[m - M_MIN], 0) : -1;
	if (m == M_JIT)
		return ub_results_has_number(s, "jitter_ns") ? ub_results_int(s, "jitter_ns", 0) : -1;
	return ub_results_has_number(late, "p99") ? ub_results_int(late, "p99", 0) : -1;
}

/*
 * Writes the value of result r in table row m into v (n bytes). One case
 * per row of the table, each a line or two: kept in one switch so that a
 * row's value is found where the rows are listed.
 */
/* summary.load in a cell: the median round trip idle and loaded, or the throughput each way. */
static void load_value(const struct ub_report_ctx *R, json_t *l, int throughput, char *v, size_t n)
{
	json_t *tp = json_object_get(l, "throughput_bps"), *up = json_object_get(tp, "up"),
	       *down = json_object_get(tp, "down");
	char a[32], b[32];
	size_t len;

	if (!json_is_object(l) || !json_is_true(json_object_get(l, "ran"))) {
		snprintf(v, n, "%s", json_is_object(l) ? TX(R, "not run", "未运行") : "-");
		return;
	}
	if (!throughput) {
		ub_report_fmt_dur(R, a, sizeof(a), ub_results_int(json_object_get(l, "rtt_idle_ns"), "median", 0));
		ub_report_fmt_dur(R, b, sizeof(b), ub_results_int(json_object_get(l, "rtt_loaded_ns"), "median", 0));
		snprintf(v, n, "%s → %s", a, b);
		return;
	}
	v[0] = '\0';
	len = 0;
	if (json_is_number(up))
		len += (size_t)snprintf(v, n, TX(R, "up %.2f Mbit/s", "上行 %.2f Mbit/s"),
					json_number_value(up) / 1e6);
	if (json_is_number(down) && len < n)
		snprintf(v + len, n - len, TX(R, "%sdown %.2f Mbit/s", "%s下行 %.2f Mbit/s"),
			 len ? ", " : "", json_number_value(down) / 1e6);
}

static void metric_value(const struct ub_report_ctx *R, const struct ub_result *r, int m, char *v,
			 size_t n)
{
	json_t *s = r->summary, *p = r->params, *lb;
	char b1[32], b2[32], b3[32];
	const char *str;
	int64_t t;

	v[0] = '\0';
	switch (m) {
	case M_LABEL:
		snprintf(v, n, "%s", r->label);
		break;
	case M_FILE:
		snprintf(v, n, "%s", r->json_path);
		break;
	case M_PROTO:
		str = ub_results_str(p, "mode");
		if (str && !r->tcp)
			snprintf(v, n, TX(R, "UDP (%s)", "UDP（%s 模式）"), str);
		else
			snprintf(v, n, "%s", r->tcp ? "TCP" : "UDP");
		break;
	case M_PEER:
		snprintf(v, n, "%s", ub_results_str(p, "peer_addr") ? ub_results_str(p, "peer_addr")
			 : ub_results_str(p, "peer") ? ub_results_str(p, "peer") : "-");
		break;
	case M_START:
		snprintf(v, n, "%s",
			 ub_results_str(p, "start_time") ? ub_results_str(p, "start_time") : "-");
		break;
	case M_PLAN:
		ub_report_fmt_dur(R, b1, sizeof(b1), ub_results_int(p, "interval_ns", 0));
		ub_report_fmt_dur(R, b2, sizeof(b2), ub_results_int(p, "timeout_ns", 0));
		snprintf(v, n, TX(R, "%s, %" PRId64 " B, %s", "%s，%" PRId64 " 字节，%s"), b1,
			 ub_results_int(p, "size", 0), b2);
		break;
	case M_SENT:
	case M_RECV:
	case M_LATE:
	case M_DUP:
		snprintf(v, n, "%" PRId64, ub_results_int(s, count_key[m], 0));
		break;
	case M_LOST:
	case M_REORD:
		snprintf(v, n, "%" PRId64 " (%.2f%%)", ub_results_int(s, count_key[m], 0),
			 json_number_value(json_object_get(s, m == M_LOST ? "loss_pct" : "reorder_pct")));
		break;
	case M_SPLIT:
		if (r->split)
			snprintf(v, n, "%" PRId64 " / %" PRId64, ub_results_int(s, "lost_up", 0),
				 ub_results_int(s, "lost_down", 0));
		else
			snprintf(v, n, "-");
		break;
	case M_BURST:
		lb = json_object_get(s, "loss_bursts");
		snprintf(v, n, "%" PRId64 " (%" PRId64 ")", ub_results_int(lb, "count", 0),
			 ub_results_int(lb, "max_len", 0));
		break;
	case M_MIN:
	case M_MED:
	case M_P95:
	case M_P99:
	case M_MAX:
	case M_JIT:
	case M_LAG:
		t = time_of(r, m);
		if (t >= 0)
			ub_report_fmt_dur(R, b3, sizeof(b3), t);
		snprintf(v, n, "%s", t >= 0 ? b3 : t == NO_REPLY ? TX(R, "no reply", UB_ZH_NO_REPLY) : "-");
		break;
	case M_RETX:
		if (r->tcp) {
			ub_report_fmt_dur(R, b3, sizeof(b3), ub_results_int(s, "tcp_rto_ns", 0));
			snprintf(v, n, TX(R, "%" PRId64 " (RTO up to %s)", "%" PRId64 "（RTO 最大 %s）"),
				 ub_results_int(s, "tcp_retransmits", 0), b3);
		} else {
			snprintf(v, n, "-");
		}
		break;
	case M_CLOCK:
		str = ub_words_clock(ub_results_str(p, "clock"), R->zh ? UB_LANG_ZH : UB_LANG_EN);
		snprintf(v, n, "%s", str ? str : "-");
		break;
	case M_WIFI:
		/* the facts, or why there are none: the reason's word and the interface */
		if (ub_wifinote(R, r, UB_WIFINOTE_FULL, v, n))
			break;
		lb = json_object_get(p, "wifi_why");
		str = ub_results_str(lb, "reason");
		if (str && ub_results_str(lb, "iface"))
			snprintf(v, n, "- (%s: %s)", str, ub_results_str(lb, "iface"));
		else
			snprintf(v, n, str ? "- (%s)" : "-", str);
		break;
	case M_LOAD_RTT:
	case M_LOAD_TP:
		load_value(R, json_object_get(s, "load"), m == M_LOAD_TP, v, n);
		break;
	}
}

/* Whether row m has something to say: the load's rows only when a result has a load. */
static int row_shown(const struct ub_report_ctx *R, int m)
{
	unsigned k;

	if (m != M_LOAD_RTT && m != M_LOAD_TP)
		return 1;
	for (k = 0; k < R->n; k++)
		if (json_is_object(json_object_get(R->r[k].summary, "load")))
			return 1;
	return 0;
}


/* The name of table row m, and the value of result r in it. */
static void metric(const struct ub_report_ctx *R, const struct ub_result *r, int m, char *name,
		   char *v, size_t n)
{
	static const char *const names[M_N][2] = {
		{ "label", "标签" }, { "result file", "结果文件" }, { "protocol", "协议" },
		{ "peer", UB_ZH_REFLECTOR }, { "start time", "开始时间" },
		{ "interval, size, Tmax", "间隔、包大小、" UB_ZH_TMAX }, { "sent", "发送" },
		{ "received", "收到" }, { "lost (loss rate)", "丢失（丢包率）" },
		{ "lost there / back", "去程 / 回程丢失" }, { "late (counted lost)", UB_ZH_LATE "（算作丢失）" },
		{ "duplicates", "重复" }, { "reordered", "乱序" },
		{ "loss bursts (longest)", "连续丢包段（最长）" }, { "RTT min", UB_ZH_RTT " 最小" },
		{ "RTT median", UB_ZH_RTT " 中位数" }, { "RTT p95", UB_ZH_RTT " p95" },
		{ "RTT p99", UB_ZH_RTT " p99" }, { "RTT max", UB_ZH_RTT " 最大" },
		{ "jitter (RFC 3550)", "抖动（RFC 3550）" }, { "TCP retransmissions", "TCP 重传" },
		{ "clock", "时钟" }, { "sender lateness p99", UB_ZH_SEND_LAG " p99" },
		{ "Wi-Fi", "Wi-Fi" },
		{ "RTT median idle → under load", UB_ZH_RTT "中位数 空闲时 → 负载时" },
		{ "load throughput", "负载" "吞吐量" },
	};

	snprintf(name, 64, "%s", names[m][R->zh]);
	metric_value(R, r, m, v, n);
}

/* The question each chart answers, for index.html and summary.md. */
static const char *question(const struct ub_report_ctx *R, int kind)
{
	switch (kind) {
	case UB_REPORT_CH_RTT:
		return TX(R, "How long did each probe take, and when did things go wrong?",
			  "每个探测包用了多久？什么时候出了问题？");
	case UB_REPORT_CH_CDF:
		return TX(R, "How spread out is the delay: what do most replies see, how long is the tail?",
			  UB_ZH_RTT "有多分散？大多数回复要多久，最慢的要多久？");
	case UB_REPORT_CH_LOSS:
		return TX(R, "Are losses scattered or in bursts, and on the way there or back?",
			  "丢包是零星的还是成片的？丢在去程还是回程？");
	case UB_REPORT_CH_REORDER:
		return TX(R, "Do the replies arrive in the order they were sent?",
			  "回复是按发送顺序到达的吗？");
	case UB_REPORT_CH_COMPARE:
		return TX(R, "Which setup is better?", "哪种配置更好？");
	case UB_REPORT_CH_CLASS:
		return TX(R, "Every board at a glance: which are slow, which lose probes, which never answered?",
			  "所有板子一览：哪些慢，哪些丢包，哪些" UB_ZH_NO_REPLY "？");
	case UB_REPORT_CH_IVRTT:
		return TX(R, "How did the round-trip time change during the run (from the per-interval figures)?",
			  UB_ZH_RTT "在测量过程中怎样变化（按时段统计）？");
	case UB_REPORT_CH_LONGRUN:
		return TX(R, "Over the hours: when was the link slow, jittery or lossy?",
			  "几个小时里：链路什么时候慢、什么时候抖、什么时候丢包？");
	case UB_REPORT_CH_IVLOSS:
		return TX(R, "When were probes lost, and on the way there or back (from the per-interval figures)?",
			  "什么时候丢了探测包，丢在去程还是回程（按时段统计）？");
	case UB_REPORT_CH_LOAD:
		return TX(R, "How much longer does a probe wait while the link is full (latency under load)?",
			  "链路被占满时，探测包要多等多久（负载下时延）？");
	default:
		return TX(R, "What does the same link do to UDP and to TCP?",
			  "同一条链路对 UDP 和 TCP 有什么不同？");
	}
}

static const char *report_title(const struct ub_report_ctx *R)
{
	const char *label, *first;
	unsigned k;

	if (R->c->title)
		return R->c->title;
	for (k = 1; k < R->n; k++) {
		label = ub_results_str(R->r[k].params, "label");
		first = ub_results_str(R->r[0].params, "label");
		if (strcmp(label ? label : "", first ? first : "") != 0)
			break;
	}
	/* a label that named another link's scenario is no title */
	for (unsigned j = 0; j < R->n; j++)
		k = R->r[j].off_link ? 0 : k;
	if (k == R->n && ub_results_str(R->r[0].params, "label"))
		return ub_results_str(R->r[0].params, "label");
	return TX(R, "udpbench report", "udpbench 测量报告");
}

/* Writes page name into R->out whole or not at all, its text by body. Returns 0 or UB_E_IO. */
static int write_page(const struct ub_report_ctx *R, const char *name,
		      void (*body)(const struct ub_report_ctx *R, FILE *f), struct ub_err *e)
{
	struct ub_outfile o;
	char path[PATH_MAX];
	int rc;

	ub_path_join(path, sizeof(path), R->out, "%s", name);
	rc = ub_outfile_open(&o, path, e);
	if (rc < 0)
		return rc;
	body(R, o.f);
	rc = ub_outfile_commit(&o, e);
	ub_outfile_abort(&o);
	return rc;
}

/* The summary table of a few results: a column each, a row per figure. */
static void html_table_columns(const struct ub_report_ctx *R, FILE *f)
{
	char name[64], v[512];
	unsigned k;
	int m;

	fputs("<table>\n<tr><th></th>", f);
	for (k = 0; k < R->n; k++) {
		fputs("<th>", f);
		html_esc(f, R->r[k].label);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (m = 1; m < M_N; m++) {
		if (!row_shown(R, m))
			continue;
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
}

/*
 * The summary table of a classroom: a row per board (by name, those that
 * never answered in red), a column per figure, so forty boards read down
 * the page.
 */
static void html_table_rows(const struct ub_report_ctx *R, FILE *f)
{
	/* what tells the boards apart, first; what they share is in each chart's file */
	static const int cols[] = { M_PEER, M_SENT, M_RECV, M_LOST, M_SPLIT, M_MED, M_P95, M_P99,
				    M_MAX, M_JIT, M_BURST, M_REORD };
	const size_t nc = sizeof(cols) / sizeof(cols[0]);
	char name[64], v[512];
	unsigned k;
	size_t c;

	fputs("<table class=\"class\">\n<tr><th></th>", f);
	for (c = 0; c < nc; c++) {
		metric(R, &R->r[0], cols[c], name, v, sizeof(v));
		fputs("<th>", f);
		html_esc(f, name);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (k = 0; k < R->n; k++) {
		fputs(R->r[k].dead ? "<tr class=\"dead\"><th>" : "<tr><th>", f);
		html_esc(f, R->r[k].label);
		fputs("</th>", f);
		for (c = 0; c < nc; c++) {
			metric(R, &R->r[k], cols[c], name, v, sizeof(v));
			fputs("<td>", f);
			html_esc(f, v);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* What the pages say in place of charts that were not drawn. */
static const char *not_drawn(const struct ub_report_ctx *R)
{
	return TX(R, "The charts were not drawn (gnuplot was not found, or --no-charts left them "
		     "out). Their data and settings are in the folder gnuplot/: draw them where "
		     "gnuplot is installed, as below.",
		  "没有绘制图表（找不到 gnuplot，或用了 --no-charts）。图表的数据和设置在 gnuplot/ "
		  "文件夹里：在装有 gnuplot 的电脑上按下面的方法绘制。");
}

/* index.html: the table of every result first, then the charts with their questions. */
static void html_body(const struct ub_report_ctx *R, FILE *f)
{
	const char *ext = R->c->format == UB_REPORT_SVG ? "svg" : "png";
	unsigned i;

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
		TX(R, "en", "zh-CN"));
	html_esc(f, report_title(R));
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;font-size:18px;margin:2em auto;max-width:1640px;padding:0 1em}\n"
	      "img{width:100%;max-width:1600px;border:1px solid #ccc}\n"
	      "figure{margin:2em 0}figcaption{font-size:1.2em;margin:.4em 0}\n"
	      "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .7em;text-align:right}\n"
	      "th:first-child,td:first-child{text-align:left}code{background:#f2f2f2;padding:0 .3em}\n"
	      ".warn{border:3px solid #D55E00;background:#fff3e8;padding:.6em 1em;margin:1em 0}\n"
	      "table.class td{white-space:nowrap}table.class{font-size:16px}table.class th:first-child{min-width:7em;max-width:14em;overflow-wrap:break-word}tr.dead th,tr.dead td{color:#B03A00;font-weight:bold}\n"
	      "</style>\n</head>\n<body>\n<h1>",
	      f);
	html_esc(f, report_title(R));
	fputs("</h1>\n", f);
	if (R->n_notes) {
		fprintf(f, "<div class=\"warn\"><b>%s</b>\n<ul>\n", TX(R, "Before you compare", "比较之前请注意"));
		for (i = 0; i < R->n_notes; i++) {
			fputs("<li>", f);
			html_esc(f, R->notes[i]);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n</div>\n", f);
	}
	fprintf(f, "<h2>%s</h2>\n", TX(R, "Results", "测量结果"));
	if (R->n >= UB_REPORT_CLASS_MIN)
		html_table_rows(R, f);
	else
		html_table_columns(R, f);
	fprintf(f, "<h2>%s</h2>\n", TX(R, "Charts", "图表"));
	if (!R->draw && R->n_ch)
		fprintf(f, "<p>%s</p>\n", not_drawn(R));
	for (i = 0; i < R->n_ch && R->draw; i++) {
		const struct ub_report_chart *ch = &R->ch[i];

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
	fprintf(f, "<h2>%s</h2>\n<p>%s</p>\n</body>\n</html>\n", TX(R, "Draw again", "重新绘图"),
		TX(R, "Every chart's data, settings and gnuplot template are in the folder "
		      "<code>gnuplot/</code>. Edit a template (for example <code>rtt.gp</code>) or "
		      "a chart's <code>NAME.set.gp</code>, then run <code>sh gnuplot/charts.sh</code> "
		      "(on Windows <code>gnuplot\\charts.cmd</code>).",
		   "每张图的数据、设置和 gnuplot 模板都在 <code>gnuplot/</code> 文件夹里。"
		   "修改模板（例如 <code>rtt.gp</code>）或某张图的 <code>NAME.set.gp</code>，"
		   "然后运行 <code>sh gnuplot/charts.sh</code>（Windows 上运行 "
		   "<code>gnuplot\\charts.cmd</code>）。"));
}

int ub_pages_write_html(const struct ub_report_ctx *R, struct ub_err *e)
{
	return write_page(R, "index.html", html_body, e);
}

/* summary.md: the table, then a link to each chart. */
static void md_body(const struct ub_report_ctx *R, FILE *f)
{
	const char *ext = R->c->format == UB_REPORT_SVG ? "svg" : "png";
	char name[64], v[512];
	unsigned i, k;
	int m;

	fputs("# ", f);
	md_esc(f, report_title(R));
	fputs("\n\n", f);
	if (R->n_notes)
		fprintf(f, "> **%s**\n>\n", TX(R, "Before you compare", "比较之前请注意"));
	for (i = 0; i < R->n_notes; i++) {
		fputs("> - ", f);
		md_esc(f, R->notes[i]);
		fputs("\n", f);
	}
	fputs(R->n_notes ? "\n|" : "|", f);
	for (k = 0; k < R->n; k++) {
		fputs(" | ", f);
		md_esc(f, R->r[k].label);
	}
	fputs(" |\n|---", f);
	for (k = 0; k < R->n; k++)
		fputs("|---:", f);
	fputs("|\n", f);
	for (m = 1; m < M_N; m++) {
		if (!row_shown(R, m))
			continue;
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
	if (!R->draw && R->n_ch)
		fprintf(f, "%s\n", not_drawn(R));
	for (i = 0; i < R->n_ch && R->draw; i++) {
		fprintf(f, "- [%s.%s](%s.%s): ", R->ch[i].name, ext, R->ch[i].name, ext);
		md_esc(f, question(R, R->ch[i].kind));
		fputc('\n', f);
	}
	fprintf(f, "\n%s\n", TX(R, "Draw again after editing a template: `sh gnuplot/charts.sh` "
				   "(on Windows `gnuplot\\charts.cmd`)",
				"修改模板后重新绘图：`sh gnuplot/charts.sh`（Windows 上运行 "
				"`gnuplot\\charts.cmd`）"));
}

int ub_pages_write_md(const struct ub_report_ctx *R, struct ub_err *e)
{
	return write_page(R, "summary.md", md_body, e);
}
