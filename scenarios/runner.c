/*
 * udpbench: running a scenario. The runner starts the pieces as child
 * processes of this same program (reflector, relay, sender), exactly as a
 * user would from a shell, so a scenario exercises the real command paths.
 */
#include "scenarios/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/outfile.h"
#include "lib/platform.h"
#include "lib/proc.h"
#include "lib/units.h"
#include "metrics/words.h"
#include "relay/impair.h"
#include "scenarios/netns.h"

#define UB_START_TIMEOUT_MS 5000
#define UB_TRUTH_UDP "truth-udp.json" /* the packet-level link's truth for the UDP run */
#define UB_SCENARIO_LOAD_MIN_NS (2 * UB_NS_PER_S) /* a run shorter than this has no room for load */

struct child {
	pid_t pid;
	int err_fd;      /* its stderr, read back for the listening line and the counters */
	char log[4096];
	size_t log_len;
};

void ub_scenario_run_config_init(struct ub_scenario_run_config *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 1;
}

/* How a child's output goes (child_start): stderr read back, stdout thrown away. */
#define CHILD_CAPTURE 1
#define CHILD_SILENT 2

/*
 * Starts a with stderr into a pipe (how has CHILD_CAPTURE) or inherited,
 * stdout inherited or thrown away (CHILD_SILENT), inside holder enter's
 * namespaces when nonzero.
 */
static int child_start(struct child *c, const struct ub_argv *a, int how, pid_t enter,
		       struct ub_err *e)
{
	struct ub_proc_config pc;
	int p[2] = { -1, -1 }, rc, capture = how & CHILD_CAPTURE;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->err_fd = -1;
	if (capture && pipe2(p, O_CLOEXEC) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "pipe");
	ub_proc_config_init(&pc);
	if (capture)
		pc.err = p[1];
	if (how & CHILD_SILENT)
		pc.out = UB_PROC_DEVNULL;
	pc.enter = enter;
	rc = ub_proc_spawn(a->v, &pc, &c->pid, e);
	if (capture)
		close(p[1]);
	if (rc < 0) {
		if (capture)
			close(p[0]);
		c->pid = -1;
		return rc;
	}
	c->err_fd = capture ? p[0] : -1;
	return 0;
}

/* Reads the child's stderr until a whole line with needle shows; returns what follows needle, or NULL. */
static const char *child_wait_text(struct child *c, const char *needle)
{
	int64_t deadline = ub_clock_mono() + UB_START_TIMEOUT_MS * 1000000LL;
	struct pollfd pfd = { .fd = c->err_fd, .events = POLLIN };
	char *at;
	ssize_t n;

	while (ub_clock_mono() < deadline) {
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(c->err_fd, c->log + c->log_len, sizeof(c->log) - 1 - c->log_len);
		if (n <= 0)
			break;
		c->log_len += (size_t)n;
		c->log[c->log_len] = '\0';
		at = strstr(c->log, needle);
		if (at && strchr(at, '\n'))
			return at + strlen(needle);
	}
	return NULL;
}

static int child_not_started(const struct child *c, const char *what, struct ub_err *e)
{
	return ub_err_set(e, UB_E_SYS, 0, "the %s did not start: %s", what,
			  c->log_len ? c->log : "(no output)");
}

/* Reads the child's stderr until a line "... listening on ADDR:PORT ..." shows; returns the port. */
static int child_wait_port(struct child *c, const char *what, struct ub_err *e)
{
	const char *at = child_wait_text(c, "listening on "), *colon = NULL, *end;
	long port;

	if (!at)
		return child_not_started(c, what, e);
	/* "... listening on ADDR:PORT (...)" or "... ADDR:PORT -> ...": the last ':' of the word. */
	end = at + strcspn(at, " \n");
	for (; at < end; at++)
		if (*at == ':')
			colon = at;
	port = colon ? strtol(colon + 1, NULL, 10) : 0;
	if (port > 0 && port < 65536)
		return (int)port;
	return child_not_started(c, what, e);
}

/* Asks the child to stop (stop 0: just waits), reaps it and keeps the rest of its stderr. Returns its exit status. */
static int child_stop(struct child *c, int stop)
{
	ssize_t n;
	int st;

	if (c->pid <= 0)
		return -1;
	if (stop)
		ub_proc_stop(c->pid);
	st = ub_proc_wait(c->pid);
	c->pid = -1;
	if (c->err_fd >= 0) {
		while (c->log_len < sizeof(c->log) - 1 &&
		       (n = read(c->err_fd, c->log + c->log_len, sizeof(c->log) - 1 - c->log_len)) > 0)
			c->log_len += (size_t)n;
		c->log[c->log_len] = '\0';
		close(c->err_fd);
		c->err_fd = -1;
	}
	return st;
}

static int copy_file(const char *from, const char *to, struct ub_err *e)
{
	char buf[8192];
	FILE *in = fopen(from, "rb"), *out = NULL;
	size_t n;
	int rc = 0;

	if (!in)
		return ub_err_set(e, UB_E_IO, errno, "cannot read %s", from);
	out = fopen(to, "wb");
	if (!out) {
		fclose(in);
		return ub_err_set(e, UB_E_IO, errno, "cannot write %s", to);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = ub_err_set(e, UB_E_IO, errno, "writing %s", to);
	fclose(in);
	if (fclose(out) != 0 && !rc)
		rc = ub_err_set(e, UB_E_IO, errno, "writing %s", to);
	return rc;
}

/* Whether this kernel offers netem here; why not (in Chinese when zh) when it does not. */
static int netem_available(int zh, char *why, size_t len)
{
	switch (ub_netns_netem()) {
	case UB_NETEM_OK:
		return 1;
	case UB_NETEM_NO_START:
		snprintf(why, len, "%s", UB_TR(zh, "fork failed", "无法创建子进程"));
		break;
	case UB_NETEM_NO_NETNS:
		snprintf(why, len, "%s", UB_TR(zh, "no network namespace for this user", "这个用户不能创建网络命名空间"));
		break;
	case UB_NETEM_NO_TC:
		snprintf(why, len, "%s", UB_TR(zh, "tc is not installed", "没有安装 tc 命令"));
		break;
	case UB_NETEM_NO_QDISC:
		snprintf(why, len, "%s", UB_TR(zh, "this kernel has no netem qdisc", "这个内核没有 netem 模块"));
		break;
	case UB_NETEM_NO_SYSTEM:
		snprintf(why, len, "%s", UB_TR(zh, "netem is Linux's", "netem 只有 Linux 才有"));
		break;
	}
	return 0;
}

static json_t *load(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];

	ub_path_join(path, sizeof(path), dir, "%s", name);
	return json_load_file(path, 0, NULL);
}

static json_int_t jint(json_t *root, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(root, a), b);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void cell(char *buf, size_t len, json_int_t v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* A duration cell: "-" where the result has none (jint's -1). */
static const char *dur(json_int_t ns, char *buf, unsigned len)
{
	if (ns < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	return ub_units_fmt_ns(ns, buf, len);
}

/* One row of summary.txt: name, then one or two figures (b NULL: one), padded by display width. */
static void summary_row(FILE *f, const char *name, const char *a, const char *b)
{
	ub_words_pad(f, name, -32);
	fputc(' ', f);
	ub_words_pad(f, a, 12);
	if (b) {
		fputc(' ', f);
		ub_words_pad(f, b, 14);
	}
	fputc('\n', f);
}

/* UDP beside TCP on the same link, when both ran. */
static void contrast_rows(FILE *f, int zh, const char *dir)
{
	json_t *u = load(dir, "udp.json"), *t = load(dir, "tcp.json");
	const char *kind = json_string_value(json_object_get(
		json_object_get(json_object_get(t, "params"), "link"), "kind"));
	char a[24], b[24];

	if (u && t) {
		fputc('\n', f);
		summary_row(f, kind && strcmp(kind, "real") == 0 ? UB_TR(zh, "same real link", "同一条真实链路")
			    : UB_TR(zh, "same link", "同一条链路"), "UDP", "TCP");
		snprintf(a, sizeof(a), "%lld", (long long)jint(u, "summary", "lost"));
		snprintf(b, sizeof(b), "%lld", (long long)jint(t, "summary", "lost"));
		summary_row(f, UB_TR(zh, "lost", "丢失"), a, b);
		snprintf(b, sizeof(b), "%lld", (long long)jint(t, "summary", "tcp_retransmits"));
		summary_row(f, UB_TR(zh, "retransmissions", "重传"), "-", b);
		summary_row(f, UB_TR(zh, "latency p99", UB_ZH_RTT " p99"),
			    dur(jint(json_object_get(u, "summary"), "rtt_ns", "p99"), a, sizeof(a)),
			    dur(jint(json_object_get(t, "summary"), "rtt_ns", "p99"), b, sizeof(b)));
	}
	json_decref(u);
	json_decref(t);
}

/* Latency under load, when the run had it: idle against loaded, and the throughput. */
static void load_rows(FILE *f, int zh, json_t *sum)
{
	json_t *l = json_object_get(sum, "load"), *tp = json_object_get(l, "throughput_bps");
	char a[24], b[24];
	const char *dir;

	if (!json_is_object(l))
		return;
	fputc('\n', f);
	if (!json_is_true(json_object_get(l, "ran"))) {
		fprintf(f, UB_TR(zh, "load: not run: %s\n", "负载：未运行：%s\n"),
			json_string_value(json_object_get(l, "error")) ? json_string_value(json_object_get(l, "error")) : "-");
		return;
	}
	summary_row(f, "", UB_TR(zh, "idle", "空闲时"), UB_TR(zh, "loaded", "负载时"));
	summary_row(f, UB_TR(zh, "rtt median", UB_ZH_RTT " 中位数"),
		    dur(jint(l, "rtt_idle_ns", "median"), a, sizeof(a)),
		    dur(jint(l, "rtt_loaded_ns", "median"), b, sizeof(b)));
	summary_row(f, UB_TR(zh, "rtt p99", UB_ZH_RTT " p99"),
		    dur(jint(l, "rtt_idle_ns", "p99"), a, sizeof(a)),
		    dur(jint(l, "rtt_loaded_ns", "p99"), b, sizeof(b)));
	cell(a, sizeof(a), json_integer_value(json_object_get(l, "lost_idle")));
	cell(b, sizeof(b), json_integer_value(json_object_get(l, "lost_loaded")));
	summary_row(f, UB_TR(zh, "lost", "丢失"), a, b);
	for (dir = "up"; dir; dir = strcmp(dir, "up") == 0 ? "down" : NULL) {
		if (!json_is_integer(json_object_get(tp, dir)))
			continue;
		snprintf(a, sizeof(a), "%.2f Mbit/s", (double)json_integer_value(json_object_get(tp, dir)) / 1e6);
		summary_row(f, strcmp(dir, "up") == 0 ? UB_TR(zh, "upload throughput", "上传吞吐量")
						      : UB_TR(zh, "download throughput", "下载吞吐量"),
			    "-", a);
	}
}

/* The figures udpbench measured beside what the emulator did (its truth log). */
static void write_summary(FILE *f, const struct ub_scenario *s, const struct ub_scenario_run_config *c,
			  const char *dir, const char *method)
{
	int zh = c->lang == UB_LANG_ZH;
	json_t *r = load(dir, "udp.json"), *t = load(dir, UB_TRUTH_UDP);
	json_t *sum = json_object_get(r, "summary");
	char a[32], b[32], d1[24], d2[24];
	json_int_t rx, dup;
	struct {
		const char *en, *zh, *key;
		const char *tdir, *tkey;
	} rows[] = {
		{ "sent", "发送", "sent", "up", "in" },
		{ "lost on the way there (up)", "去程丢失（上行）", "lost_up", "up", "dropped" },
		{ "lost on the way back (down)", "回程丢失（下行）", "lost_down", "down", "dropped" },
		{ "reordered up", "上行乱序", "reordered_up", "up", "reordered" },
		{ "reordered down", "下行乱序", "reordered_down", "down", "reordered" },
	};
	size_t i;

	if (!t)
		t = load(dir, "truth.json");
	fprintf(f, UB_TR(zh, "scenario: %s\n", "场景：%s\n"), zh ? s->name_zh : s->name_en);
	fprintf(f, UB_TR(zh, "link: %s\n", "链路：%s\n"), method);
	/* the emulator counts every packet on the link: with load, the load's too */
	if (t && json_is_true(json_object_get(json_object_get(sum, "load"), "ran")))
		fprintf(f, UB_TR(zh, "(the emulator's figures count the load's packets too)\n",
				 "（链路模拟器的记录也包括负载的数据包）\n"));
	summary_row(f, "", "udpbench", t ? UB_TR(zh, "emulator truth", "链路模拟器记录") : "");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cell(a, sizeof(a), jint(r, "summary", rows[i].key));
		cell(b, sizeof(b), t ? jint(t, rows[i].tdir, rows[i].tkey) : -1);
		summary_row(f, zh ? rows[i].zh : rows[i].en, a, t ? b : "");
	}
	rx = jint(r, "summary", "received");
	dup = jint(r, "summary", "duplicates");
	cell(a, sizeof(a), rx >= 0 && dup >= 0 ? rx + dup : -1);
	cell(b, sizeof(b), t ? jint(t, "down", "out") : -1);
	summary_row(f, UB_TR(zh, "replies delivered (incl. copies)", "收到的回复（含重复）"), a, t ? b : "");
	if (json_is_object(json_object_get(sum, "rtt_ns"))) {
		summary_row(f, UB_TR(zh, "rtt median", UB_ZH_RTT " 中位数"),
			    dur(jint(sum, "rtt_ns", "median"), d1, sizeof(d1)), NULL);
		summary_row(f, UB_TR(zh, "rtt p99", UB_ZH_RTT " p99"),
			    dur(jint(sum, "rtt_ns", "p99"), d2, sizeof(d2)), NULL);
	}
	load_rows(f, zh, sum);
	json_decref(r);
	json_decref(t);
	contrast_rows(f, zh, dir);
}

/* The link a run crosses, as its result names it (send --link) and its labels call it. */
struct run_link {
	const char *kind;       /* tun, relay, real */
	const char *truth;      /* the emulator's truth log; NULL none */
	char *spec;             /* the impairments as given, JSON text (malloc'd); NULL none */
	const char *scenario;   /* the scenario's name when this is the scenario's own link */
	const char *name;       /* what the labels call it */
};

/* The scenario's [link] as given, a JSON object's text (malloc'd); NULL when it has none. */
static char *scenario_spec(const struct ub_scenario *s)
{
	json_t *o = json_object();
	char *text = NULL;
	unsigned i;

	for (i = 0; o && i < s->n_link; i++)
		if (json_object_set_new(o, s->link[i].key, json_string(s->link[i].value)) < 0)
			goto out;
	if (o && i)
		text = json_dumps(o, JSON_COMPACT);
out:
	json_decref(o);
	return text;
}

/* Whether Ctrl-C (or a stop) came: the runs still to do are left out. */
static int stopped(const struct ub_scenario_run_config *c)
{
	return c->stop && *c->stop;
}

/* The scenario's name in the run's language. */
static const char *scenario_name(const struct ub_scenario *s, const struct ub_scenario_run_config *c)
{
	return c->lang == UB_LANG_ZH ? s->name_zh : s->name_en;
}

/* The --lang word of c. */
static const char *lang_word(const struct ub_scenario_run_config *c)
{
	return c->lang == UB_LANG_ZH ? "zh" : "en";
}

/*
 * The run of a scenario with load lasts its probes' count times their
 * interval, the load in the middle: each idle phase load-idle, at most a
 * quarter of the run. Fills the sender's --duration, --load-idle and
 * --load-streams values; returns 0 or UB_E_INVAL for a run under 2 s.
 */
static int scenario_load_args(const struct ub_scenario *s, const struct ub_scenario_run_config *c,
			      char opt[3][32], struct ub_err *e)
{
	uint64_t n = c->count ? c->count : s->count;
	int64_t total = (int64_t)n * s->interval_ns, idle = s->load_idle_ns;

	if (total < UB_SCENARIO_LOAD_MIN_NS)
		return ub_err_set(e, UB_E_INVAL, 0,
				  "%s: a run with load lasts at least 2s (count x interval); this "
				  "one lasts %lld ms", s->id, (long long)(total / 1000000));
	if (idle > total / 4)
		idle = total / 4;
	/* the last slot just inside: as many probes as the count says */
	snprintf(opt[0], sizeof(opt[0]), "%lldns", (long long)(total - 1));
	snprintf(opt[1], sizeof(opt[1]), "%lldns", (long long)idle);
	snprintf(opt[2], sizeof(opt[2]), "%u", s->load_streams ? s->load_streams : 4);
	return 0;
}

/*
 * Runs the sender as a child (in holder enter's namespaces when nonzero)
 * across link l, results as DIR/NAME.json and .csv. The label is the
 * link's name, with the protocol after it when both protocols cross that
 * link (pair).
 */
static int run_sender(const char *exe, const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		      const char *peer, const char *dir, const char *name, pid_t enter, int tcp,
		      const struct run_link *l, int pair, int load, struct ub_err *e)
{
	char count[24], interval[24], size[16], timeout[24], json[PATH_MAX + 32], csv[PATH_MAX + 32];
	char label[300], link[PATH_MAX + 64], lopt[3][32];
	struct ub_argv a;
	struct child ch;
	int st;

	/* Runs of one scenario get labels of their own: a chart tells them apart. */
	snprintf(label, sizeof(label), "%s%s%s", l->name, pair ? " · " : "",
		 pair ? tcp ? "TCP" : "UDP" : "");
	snprintf(link, sizeof(link), "%s%s%s", l->kind, l->truth ? ":" : "", l->truth ? l->truth : "");

	snprintf(count, sizeof(count), "%llu", (unsigned long long)(c->count ? c->count : s->count));
	snprintf(interval, sizeof(interval), "%lldns", (long long)s->interval_ns);
	snprintf(size, sizeof(size), "%u", s->size);
	snprintf(timeout, sizeof(timeout), "%lldns", (long long)s->timeout_ns);
	ub_path_join(json, sizeof(json), dir, "%s.json", name);
	ub_path_join(csv, sizeof(csv), dir, "%s.csv", name);
	ub_argv_init(&a);
	ub_argv_add(&a, exe, "send", "--peer", peer, "--interval", interval,
		    "--size", size, "--timeout", timeout, "--label", label, "--lang", lang_word(c),
		    "--json", json, "--csv", csv, "--link", link, NULL);
	if (load && scenario_load_args(s, c, lopt, e) < 0)
		return e->code;
	if (load)
		ub_argv_add(&a, "--load", s->load, "--duration", lopt[0], "--load-idle", lopt[1],
			    "--load-streams", lopt[2], NULL);
	else
		ub_argv_add(&a, "--count", count, NULL);
	if (l->spec)
		ub_argv_add(&a, "--link-spec", l->spec, NULL);
	if (l->scenario)
		ub_argv_add(&a, "--link-scenario", l->scenario, NULL);
	if (tcp)
		ub_argv_add(&a, "--tcp", NULL);
	if (c->quiet)
		ub_argv_add(&a, "-q", NULL);
	/* quiet: the runner's summary is left out, and so is the sender's */
	if (child_start(&ch, &a, c->quiet ? CHILD_SILENT : 0, enter, e) < 0)
		return e->code;
	/* The sender handles Ctrl-C itself (it shares our terminal's process group). */
	st = child_stop(&ch, 0);
	if (st == 3)
		return ub_err_set(e, UB_E_NOREPLY, 0, "no reply from %s", peer);
	/* a peer that cannot carry the load: the probes' result is there, summary.txt says why */
	if (st == 1 && load && access(json, R_OK) == 0)
		return 0;
	if (st != 0)
		return ub_err_set(e, UB_E_SYS, 0, "the sender failed (exit %d)", st);
	return 0;
}

/* Starts `udpbench reflect --bind ADDR --port 0` (in holder enter's namespaces when nonzero); returns its port. */
static int start_reflector(struct child *refl, const char *exe, pid_t enter, const char *bind,
			   int allow_load, struct ub_err *e)
{
	struct ub_argv a;
	int rc;

	ub_argv_init(&a);
	ub_argv_add(&a, exe, "reflect", "--bind", bind, "--port", "0", NULL);
	if (allow_load)
		ub_argv_add(&a, "--allow-load", NULL);
	rc = child_start(refl, &a, CHILD_CAPTURE, enter, e);
	if (rc < 0)
		return rc;
	return child_wait_port(refl, "reflector", e);
}

/* Charts of what the folder holds (udpbench report); a missing gnuplot only costs the charts. */
static void make_charts(const char *exe, const struct ub_scenario_run_config *c, const char *dir)
{
	static const char *const names[] = { "udp", "tcp" };
	char files[2][PATH_MAX + 32], out[PATH_MAX + 16], page[PATH_MAX + 32], *line, *end;
	struct ub_argv a;
	struct child ch;
	struct stat st;
	struct ub_err e;
	unsigned i;

	ub_argv_init(&a);
	ub_argv_add(&a, exe, "report", NULL);
	for (i = 0; i < 2; i++) {
		ub_path_join(files[i], sizeof(files[i]), dir, "%s.json", names[i]);
		if (stat(files[i], &st) == 0)
			ub_argv_add(&a, files[i], NULL);
	}
	if (a.n == 2)
		return;
	ub_path_join(out, sizeof(out), dir, "report");
	ub_argv_add(&a, "-o", out, "--lang", lang_word(c), NULL);
	if (child_start(&ch, &a, CHILD_CAPTURE, 0, &e) < 0)
		return;
	if (child_stop(&ch, 0) != 0) {
		fprintf(stderr, "udpbench: no charts: %s", ch.log);
		return;
	}
	if (c->quiet)
		return;
	/* the report's warnings: what the runs compared do not share */
	for (line = ch.log; *line; line = end + (*end == '\n')) {
		end = line + strcspn(line, "\n");
		if (strncmp(line, "warning: ", 9) == 0 || strncmp(line, "警告：", strlen("警告：")) == 0)
			fprintf(stderr, "udpbench: %.*s\n", (int)(end - line), line);
	}
	ub_path_join(page, sizeof(page), out, "index.html");
	printf(UB_TR(c->lang == UB_LANG_ZH, "charts: %s\n", "图表：%s\n"), page);
}

static void default_dir(const struct ub_scenario *s, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "results/%s-%s", s->id, stamp);
}

/*
 * Starts `udpbench relay` with the scenario's link, its truth log as
 * DIR/TRUTH: in front of the reflector at port rport (returns its port),
 * or with rport 0 as the packet-level link in holder enter's namespace
 * (returns 0 once it carries frames).
 */
static int start_relay(struct child *relay, const char *exe, const struct ub_scenario *s,
		       const char *dir, const char *truth_name, const char *seed, int rport,
		       pid_t enter, struct ub_err *e)
{
	char target[64], truth[PATH_MAX + 32], opt[UB_ARGV_MAX][48];
	struct ub_argv a;
	unsigned i;
	int rc;

	snprintf(target, sizeof(target), "127.0.0.1:%d", rport);
	ub_path_join(truth, sizeof(truth), dir, "%s", truth_name);
	ub_argv_init(&a);
	ub_argv_add(&a, exe, "relay", "--seed", seed, "--truth", truth, NULL);
	if (rport)
		ub_argv_add(&a, "--listen", "127.0.0.1:0", "--to", target, NULL);
	else
		ub_argv_add(&a, "--between", UB_LINK_IF_LS "," UB_LINK_IF_LR, NULL);
	for (i = 0; i < s->n_link && i < UB_ARGV_MAX; i++) {
		snprintf(opt[i], sizeof(opt[i]), "--%s", s->link[i].key);
		ub_argv_add(&a, opt[i], s->link[i].value, NULL);
	}
	rc = child_start(relay, &a, CHILD_CAPTURE, enter, e);
	if (rc < 0)
		return rc;
	if (rport)
		return child_wait_port(relay, "link emulator", e);
	return child_wait_text(relay, "carrying every packet") ? 0
							       : child_not_started(relay, "link emulator", e);
}

/* Stops the relay (ub_proc_stop: it writes its truth log then); a failure becomes rc when rc is 0. */
static int stop_relay(struct child *relay, int rc, struct ub_err *e)
{
	if (relay->pid > 0 && child_stop(relay, 1) != 0 && rc == 0)
		rc = ub_err_set(e, UB_E_SYS, 0, "the link emulator failed: %s", relay->log);
	if (relay->err_fd >= 0)
		close(relay->err_fd);
	relay->err_fd = -1;
	return rc;
}

/*
 * Stops the relay, then the reflector behind it (ub_proc_stop): the relay
 * writes its truth log and the reflector prints its counters. Returns rc, or
 * the relay's failure when rc is 0.
 */
static int stop_link(struct child *relay, struct child *refl, int rc, struct ub_err *e)
{
	rc = stop_relay(relay, rc, e);
	if (refl->pid > 0)
		child_stop(refl, 1);
	if (refl->err_fd >= 0)
		close(refl->err_fd);
	refl->err_fd = -1;
	return rc;
}

/*
 * UDP, then TCP when the scenario has it, each with the scenario's load
 * when it has one, through the packet-level link between namespaces S, L
 * and R (netns.h): the reflector in R, `udpbench relay --between` in L
 * with the scenario's whole link and a truth log per run, the sender in S.
 * Returns 1 when the namespaces cannot be made here (why in why), else 0
 * or a negative code.
 */
static int run_packet_link(const char *exe, const struct ub_scenario *s,
			   const struct ub_scenario_run_config *c, const char *dir, const char *seed,
			   char *why, size_t whylen, struct ub_err *e)
{
	static const char *const truth[2] = { UB_TRUTH_UDP, "truth-tcp.json" };
	struct run_link l = { .kind = "tun" };
	struct ub_netns_link k;
	struct child refl, relay;
	struct ub_err le;
	char peer[64], tpath[PATH_MAX + 32];
	int rc = 0, port, tcp;

	refl.pid = relay.pid = -1;
	refl.err_fd = relay.err_fd = -1;
	ub_err_clear(&le);
	if (ub_netns_link_up(&k, &le) < 0) {
		ub_netns_link_down(&k);
		snprintf(why, whylen, "%s", le.msg);
		return 1;
	}
	port = start_reflector(&refl, exe, k.ns[UB_LINK_R], UB_LINK_REFLECTOR_ADDR, s->load != NULL, e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	snprintf(peer, sizeof(peer), UB_LINK_REFLECTOR_ADDR ":%d", port);
	l.spec = scenario_spec(s);
	l.name = l.scenario = scenario_name(s, c);
	for (tcp = 0; tcp <= s->tcp && rc == 0 && !(tcp && stopped(c)); tcp++) {
		/* A relay per run: each run's truth log starts from zero, flows numbered from 0. */
		rc = start_relay(&relay, exe, s, dir, truth[tcp], seed, 0, k.ns[UB_LINK_L], e);
		ub_path_join(tpath, sizeof(tpath), dir, "%s", truth[tcp]);
		l.truth = tpath;
		if (rc == 0)
			rc = run_sender(exe, s, c, peer, dir, tcp ? "tcp" : "udp", k.ns[UB_LINK_S], tcp,
					&l, s->tcp, s->load != NULL, e);
		rc = stop_relay(&relay, rc, e);
	}
out:
	free(l.spec);
	rc = stop_link(&relay, &refl, rc, e);
	ub_netns_link_down(&k);
	return rc;
}

/*
 * The emulated link. A scenario with TCP runs both protocols on the
 * packet-level link, and so does one with load (TCP too); otherwise (or where that link cannot be made) UDP
 * runs through the socket relay in front of a reflector on loopback. Both
 * write down everything they do. method and note (for summary.txt) say how.
 */
static int run_emulated(const char *exe, const struct ub_scenario *s,
			const struct ub_scenario_run_config *c, const char *dir, char *method,
			size_t methodlen, char *note, size_t notelen, struct ub_err *e)
{
	char seed[32], why[256] = "", netem[128], peer[64], tpath[PATH_MAX + 32];
	struct child refl, relay;
	struct run_link l = { .kind = "relay", .truth = tpath };
	int rc = 0, port, k, zh = c->lang == UB_LANG_ZH;

	refl.pid = relay.pid = -1;
	refl.err_fd = relay.err_fd = -1;
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)c->seed);
	/* The emulators write a truth log netem cannot, so they are the emulators of choice. */
	k = netem_available(zh, netem, sizeof(netem));
	if (s->tcp || s->load) {
		rc = run_packet_link(exe, s, c, dir, seed, why, sizeof(why), e);
		if (rc <= 0) {
			snprintf(method, methodlen,
				 UB_TR(zh, "packet-level link emulator, UDP and TCP alike (udpbench relay "
					   "--between, seed %s)%s%s",
				       "数据包级链路模拟器，UDP 与 TCP 走同一条链路（udpbench relay --between，"
				       "随机种子 %s）%s%s"),
				 seed, k ? "" : UB_TR(zh, "; netem: ", "；不能用 netem："), k ? "" : netem);
			return rc;
		}
		if (s->load)
			snprintf(note, notelen,
				 UB_TR(zh, "the load was left out (it is TCP, the socket relay carries UDP only): %s",
				       "本次没有加负载（负载是 TCP，套接字中继只转发 UDP）：%s"),
				 why);
		else
			snprintf(note, notelen,
				 UB_TR(zh, "the UDP-vs-TCP contrast was left out: %s",
				       "本次只测 UDP，没有做 UDP 与 TCP 对比：%s"),
				 why);
		rc = 0;
	}
	port = start_reflector(&refl, exe, 0, "127.0.0.1", 0, e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	port = start_relay(&relay, exe, s, dir, "truth.json", seed, port, 0, e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	snprintf(method, methodlen,
		 UB_TR(zh, "udpbench relay emulator (seed %s)%s%s",
		       "udpbench relay 链路模拟器（随机种子 %s）%s%s"),
		 seed, k ? "" : UB_TR(zh, "; netem: ", "；不能用 netem："), k ? "" : netem);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", port);
	ub_path_join(tpath, sizeof(tpath), dir, "truth.json");
	l.spec = scenario_spec(s);
	l.name = l.scenario = scenario_name(s, c);
	rc = run_sender(exe, s, c, peer, dir, "udp", 0, 0, &l, 0, 0, e);
	free(l.spec);
out:
	return stop_link(&relay, &refl, rc, e);
}

/*
 * A real peer: UDP, then TCP to the peer's TCP echo when the scenario asks
 * for both, across the same real link. The scenario's name labels them
 * only when the peer is the scenario's own ([peer]); one given on the
 * command line is some other link. note says why a TCP run is missing.
 */
static int run_real(const char *exe, const struct ub_scenario *s,
		    const struct ub_scenario_run_config *c, const char *peer, const char *dir,
		    char *note, size_t notelen, struct ub_err *e)
{
	struct run_link l = { .kind = "real" };
	int rc;

	l.scenario = c->peer ? NULL : scenario_name(s, c);
	l.name = l.scenario ? l.scenario : peer;
	rc = run_sender(exe, s, c, peer, dir, "udp", 0, 0, &l, s->tcp, s->load != NULL, e);
	if (rc < 0 || !s->tcp || stopped(c))
		return rc;
	rc = run_sender(exe, s, c, peer, dir, "tcp", 0, 1, &l, 1, s->load != NULL, e);
	if (rc == UB_E_NOREPLY)
		snprintf(note, notelen,
			 UB_TR(c->lang == UB_LANG_ZH,
			       "no TCP echo answered at %s: the UDP-vs-TCP contrast needs one there "
			       "(udpbench reflect has one)",
			       "%s 没有 TCP 回显应答：UDP 与 TCP 对比需要那里有 TCP 回显（udpbench reflect 自带）"),
			 peer);
	return rc;
}

/* Writes dir/summary.txt, then the charts; shows both unless quiet. Returns 0 or UB_E_IO. */
static int finish(const char *exe, const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		  const char *dir, const char *method, const char *note, struct ub_err *e)
{
	char path[PATH_MAX + 32], line[256];
	FILE *f;

	ub_path_join(path, sizeof(path), dir, "summary.txt");
	f = fopen(path, "w");
	if (!f)
		return ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	write_summary(f, s, c, dir, method);
	if (note[0])
		fprintf(f, "%s\n", note);
	if (fclose(f) != 0)
		return ub_err_set(e, UB_E_IO, errno, "writing %s", path);
	make_charts(exe, c, dir);
	if (c->quiet)
		return 0;
	f = fopen(path, "r");
	if (f) {
		putchar('\n');
		while (fgets(line, sizeof(line), f))
			fputs(line, stdout);
		fclose(f);
	}
	ub_path_join(path, sizeof(path), dir, "%s", "");
	printf(UB_TR(c->lang == UB_LANG_ZH, "results: %s\n", "结果：%s\n"), path);
	return 0;
}

int ub_scenario_run(const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		    struct ub_err *e)
{
	char exe[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32], method[256] = "", note[320] = "";
	const char *real_peer = c->peer ? c->peer : s->peer;
	struct ub_scenario unloaded;
	int rc, frc;

	/* -c too small for load: the probes run without it, and the note says so */
	if (s->load && (int64_t)(c->count ? c->count : s->count) * s->interval_ns < UB_SCENARIO_LOAD_MIN_NS) {
		snprintf(note, sizeof(note),
			 UB_TR(c->lang == UB_LANG_ZH,
			       "the load was left out: the run is shorter than 2 s (count x interval)",
			       "本次没有加负载：测量不到 2 秒（探测包数 × 间隔）"));
		unloaded = *s;
		unloaded.load = NULL;
		s = &unloaded;
	}

	if (ub_proc_self_path(exe, sizeof(exe)) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "cannot find the udpbench program");
	if (c->out_dir)
		snprintf(dir, sizeof(dir), "%s", c->out_dir);
	else
		default_dir(s, dir, sizeof(dir));
	rc = ub_outfile_mkdirs(dir, e);
	if (rc < 0)
		return rc;
	ub_path_join(path, sizeof(path), dir, "scenario.ini");
	rc = copy_file(s->path, path, e);
	if (rc < 0)
		return rc;

	if (real_peer) {
		snprintf(method, sizeof(method), UB_TR(c->lang == UB_LANG_ZH, "real link to %s", "真实链路：%s"),
			 real_peer);
		rc = run_real(exe, s, c, real_peer, dir, note, sizeof(note), e);
	} else {
		rc = run_emulated(exe, s, c, dir, method, sizeof(method), note, sizeof(note), e);
		if (rc < 0 && rc != UB_E_NOREPLY)
			return rc;
	}
	if (stopped(c))
		snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s%s", note[0] ? "\n" : "",
			 UB_TR(c->lang == UB_LANG_ZH, "stopped (Ctrl-C) before the end: the figures are those up to then",
			       "测量被中断（Ctrl-C）：以上是中断前测到的结果"));
	frc = finish(exe, s, c, dir, method, note, e);
	return frc < 0 ? frc : rc;
}
