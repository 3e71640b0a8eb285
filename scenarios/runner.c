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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/proc.h"
#include "lib/units.h"
#include "metrics/words.h"
#include "relay/impair.h"
#include "scenarios/netns.h"

#define UB_START_TIMEOUT_MS 5000

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

static int self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Starts a with stderr into a pipe (capture) or inherited. */
static int child_start(struct child *c, const struct ub_argv *a, int capture, struct ub_err *e)
{
	struct ub_proc_config pc;
	int p[2] = { -1, -1 }, rc;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->err_fd = -1;
	if (capture && pipe2(p, O_CLOEXEC) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "pipe");
	ub_proc_config_init(&pc);
	if (capture)
		pc.err = p[1];
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

/* Reads the child's stderr until a line "... listening on ADDR:PORT ..." shows; returns the port. */
static int child_wait_port(struct child *c, const char *what, struct ub_err *e)
{
	int64_t deadline = ub_clock_mono() + UB_START_TIMEOUT_MS * 1000000LL;
	struct pollfd pfd = { .fd = c->err_fd, .events = POLLIN };
	char *at, *colon, *end;
	ssize_t n;
	long port;

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
		at = strstr(c->log, "listening on ");
		if (!at || !strchr(at, '\n'))
			continue;
		/* "... listening on ADDR:PORT (...)" or "... ADDR:PORT -> ...": the last ':' of the word. */
		at += strlen("listening on ");
		end = at + strcspn(at, " \n");
		for (colon = NULL; at < end; at++)
			if (*at == ':')
				colon = at;
		port = colon ? strtol(colon + 1, NULL, 10) : 0;
		if (port > 0 && port < 65536)
			return (int)port;
		break;
	}
	return ub_err_set(e, UB_E_SYS, 0, "the %s did not start: %s", what,
			  c->log_len ? c->log : "(no output)");
}

/* Signals the child (0: just wait), reaps it and keeps the rest of its stderr. Returns its exit status. */
static int child_stop(struct child *c, int sig)
{
	ssize_t n;
	int st;

	if (c->pid <= 0)
		return -1;
	if (sig)
		kill(c->pid, sig);
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

static int mkdir_p(const char *dir, struct ub_err *e)
{
	char tmp[PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return ub_err_set(e, UB_E_IO, errno, "cannot create %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return ub_err_set(e, UB_E_IO, errno, "cannot create %s", dir);
	return 0;
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
	}
	return 0;
}

static json_t *load(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
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

/* UDP beside TCP on the same lossy link, when the pair ran. */
static void contrast_rows(FILE *f, int zh, const char *dir)
{
	json_t *u = load(dir, "udp-contrast.json"), *t = load(dir, "tcp.json");
	const char *kind = json_string_value(json_object_get(
		json_object_get(json_object_get(t, "params"), "link"), "kind"));
	char a[24], b[24];

	if (!u)
		u = load(dir, "udp.json");
	if (u && t) {
		fputc('\n', f);
		summary_row(f, kind && strcmp(kind, "real") == 0 ? UB_TR(zh, "same real link", "同一条真实链路")
			    : UB_TR(zh, "same lossy link", "同一条丢包链路"), "UDP", "TCP");
		snprintf(a, sizeof(a), "%lld", (long long)jint(u, "summary", "lost"));
		snprintf(b, sizeof(b), "%lld", (long long)jint(t, "summary", "lost"));
		summary_row(f, UB_TR(zh, "lost", "丢失"), a, b);
		snprintf(b, sizeof(b), "%lld", (long long)jint(t, "summary", "tcp_retransmits"));
		summary_row(f, UB_TR(zh, "retransmissions", "重传"), "-", b);
		summary_row(f, UB_TR(zh, "latency p99", UB_ZH_RTT " p99"),
			    ub_units_fmt_ns(jint(json_object_get(u, "summary"), "rtt_ns", "p99"), a, sizeof(a)),
			    ub_units_fmt_ns(jint(json_object_get(t, "summary"), "rtt_ns", "p99"), b, sizeof(b)));
	}
	json_decref(u);
	json_decref(t);
}

/* The figures udpbench measured beside what the emulator did (its truth log). */
static void write_summary(FILE *f, const struct ub_scenario *s, const struct ub_scenario_run_config *c,
			  const char *dir, const char *method)
{
	int zh = c->lang == UB_LANG_ZH;
	json_t *r = load(dir, "udp.json"), *t = load(dir, "truth.json");
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

	fprintf(f, UB_TR(zh, "scenario: %s\n", "场景：%s\n"), zh ? s->name_zh : s->name_en);
	fprintf(f, UB_TR(zh, "link: %s\n", "链路：%s\n"), method);
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
			    ub_units_fmt_ns(jint(sum, "rtt_ns", "median"), d1, sizeof(d1)), NULL);
		summary_row(f, UB_TR(zh, "rtt p99", UB_ZH_RTT " p99"),
			    ub_units_fmt_ns(jint(sum, "rtt_ns", "p99"), d2, sizeof(d2)), NULL);
	}
	json_decref(r);
	json_decref(t);
	contrast_rows(f, zh, dir);
}

/* The link a run crosses, as its result names it (send --link) and its labels call it. */
struct run_link {
	const char *kind;       /* relay, nftables, real, ... */
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
 * Runs the sender as a child (inside netns when given) across link l,
 * results as DIR/NAME.json and .csv. The label is the link's name, with
 * the protocol after it when both protocols cross that link (pair).
 */
static int run_sender(const char *exe, const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		      const char *peer, const char *dir, const char *name, const char *netns, int tcp,
		      const struct run_link *l, int pair, struct ub_err *e)
{
	char count[24], interval[24], size[16], timeout[24], json[PATH_MAX + 32], csv[PATH_MAX + 32];
	char label[300], link[PATH_MAX + 64];
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
	snprintf(json, sizeof(json), "%s/%s.json", dir, name);
	snprintf(csv, sizeof(csv), "%s/%s.csv", dir, name);
	ub_argv_init(&a);
	ub_netns_exec(&a, netns);
	ub_argv_add(&a, exe, "send", "--peer", peer, "--count", count, "--interval", interval,
		    "--size", size, "--timeout", timeout, "--label", label, "--lang", lang_word(c),
		    "--json", json, "--csv", csv, "--link", link, NULL);
	if (l->spec)
		ub_argv_add(&a, "--link-spec", l->spec, NULL);
	if (l->scenario)
		ub_argv_add(&a, "--link-scenario", l->scenario, NULL);
	if (tcp)
		ub_argv_add(&a, "--tcp", NULL);
	if (c->quiet)
		ub_argv_add(&a, "-q", NULL);
	if (child_start(&ch, &a, 0, e) < 0)
		return e->code;
	/* The sender handles Ctrl-C itself (it shares our terminal's process group). */
	st = child_stop(&ch, 0);
	if (st == 3)
		return ub_err_set(e, UB_E_NOREPLY, 0, "no reply from %s", peer);
	if (st != 0)
		return ub_err_set(e, UB_E_SYS, 0, "the sender failed (exit %d)", st);
	return 0;
}

/* Starts `udpbench reflect --bind ADDR --port 0` (inside netns when given); returns its port. */
static int start_reflector(struct child *refl, const char *exe, const char *netns,
			   const char *bind, struct ub_err *e)
{
	struct ub_argv a;
	int rc;

	ub_argv_init(&a);
	ub_netns_exec(&a, netns);
	ub_argv_add(&a, exe, "reflect", "--bind", bind, "--port", "0", NULL);
	rc = child_start(refl, &a, 1, e);
	if (rc < 0)
		return rc;
	return child_wait_port(refl, "reflector", e);
}

/* The average share of packets a direction's impairments drop (Gilbert-Elliott: stationary). */
static double mean_loss(const struct ub_impair_config *d)
{
	double ge = 0, bad;

	if (d->ge && d->ge_p + d->ge_r > 0) {
		bad = d->ge_p / (d->ge_p + d->ge_r);
		ge = bad * d->ge_1h + (1 - bad) * d->ge_1k;
	}
	return 1 - (1 - d->loss) * (1 - ge);
}

/* Whether TCP can be impaired here: packet drops need nftables in namespaces of our own. */
static int contrast_possible(int zh, char *why, size_t len)
{
	const char *const nft[] = { "nft", "--version", NULL };
	const char *const ip[] = { "ip", "-V", NULL };

	if (geteuid() != 0)
		snprintf(why, len, "%s", UB_TR(zh, "needs root for network namespaces and nftables",
					       "网络命名空间和 nftables 需要 root 权限"));
	else if (ub_proc_run_quiet(ip) != 0)
		snprintf(why, len, "%s", UB_TR(zh, "needs ip (Debian package iproute2)",
					       "需要 ip 命令（Debian 软件包 iproute2）"));
	else if (ub_proc_run_quiet(nft) != 0)
		snprintf(why, len, "%s", UB_TR(zh, "needs nft (Debian package nftables)",
					       "需要 nft 命令（Debian 软件包 nftables）"));
	else
		return 1;
	return 0;
}

/*
 * The UDP-vs-TCP pair on one lossy link: two network namespaces joined by a
 * veth pair, nftables dropping the scenario's average loss each way for UDP
 * and TCP alike, UDP then TCP. Writes udp-contrast.* and tcp.* into dir.
 */
static int run_contrast(const char *exe, const struct ub_scenario *s,
			const struct ub_scenario_run_config *c, const char *dir, char *note,
			size_t notelen, struct ub_err *e)
{
	struct ub_impair_config up, down;
	struct ub_netns_pair ns;
	struct run_link l = { .kind = "nftables" };
	struct child refl;
	char peer[64], share[2][24];
	json_t *spec;
	struct ub_err ie;
	unsigned i;
	int port, rc = 0;

	ub_impair_config_init(&up);
	ub_impair_config_init(&down);
	for (i = 0; i < s->n_link; i++)
		ub_impair_set(&up, &down, s->link[i].key, s->link[i].value, &ie);
	refl.pid = -1;
	refl.err_fd = -1;
	rc = ub_netns_pair_up(&ns, e);
	if (rc < 0)
		goto out;
	port = start_reflector(&refl, exe, ns.reflector, UB_NETNS_REFLECTOR_ADDR, e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	if (ub_netns_drop(ns.reflector, "dport", port, mean_loss(&up)) != 0 ||
	    ub_netns_drop(ns.sender, "sport", port, mean_loss(&down)) != 0) {
		rc = ub_err_set(e, UB_E_SYS, 0, "nftables would not take the drop rules");
		goto out;
	}
	snprintf(peer, sizeof(peer), UB_NETNS_REFLECTOR_ADDR ":%d", port);
	/* drops only: not the scenario's link, so its name stays off these runs */
	snprintf(share[0], sizeof(share[0]), "%.2f%%", 100 * mean_loss(&up));
	snprintf(share[1], sizeof(share[1]), "%.2f%%", 100 * mean_loss(&down));
	spec = json_pack("{s:s,s:s}", "loss-up", share[0], "loss-down", share[1]);
	l.spec = spec ? json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(spec);
	l.name = ub_words_link(l.kind, c->lang);
	rc = run_sender(exe, s, c, peer, dir, "udp-contrast", ns.sender, 0, &l, 1, e);
	if (rc == 0)
		rc = run_sender(exe, s, c, peer, dir, "tcp", ns.sender, 1, &l, 1, e);
	snprintf(note, notelen,
		 UB_TR(c->lang == UB_LANG_ZH,
		       "UDP vs TCP: nftables drops %.2f%% up and %.2f%% down between two network "
		       "namespaces (delay and jitter would need netem)",
		       "UDP 与 TCP 对比：两个网络命名空间之间用 nftables 随机丢包，去程 %.2f%%，回程 %.2f%%"
		       "（要模拟时延和抖动需要 netem）"),
		 100 * mean_loss(&up), 100 * mean_loss(&down));
out:
	if (refl.pid > 0)
		child_stop(&refl, SIGTERM);
	if (refl.err_fd >= 0)
		close(refl.err_fd);
	ub_netns_pair_down(&ns);
	free(l.spec);
	return rc;
}

/* Charts of what the folder holds (udpbench report); a missing gnuplot only costs the charts. */
static void make_charts(const char *exe, const struct ub_scenario_run_config *c, const char *dir)
{
	static const char *const names[] = { "udp", "udp-contrast", "tcp" };
	char files[3][PATH_MAX + 32], out[PATH_MAX + 16], *line, *end;
	struct ub_argv a;
	struct child ch;
	struct stat st;
	struct ub_err e;
	unsigned i;

	ub_argv_init(&a);
	ub_argv_add(&a, exe, "report", NULL);
	for (i = 0; i < 3; i++) {
		snprintf(files[i], sizeof(files[i]), "%s/%s.json", dir, names[i]);
		if (stat(files[i], &st) == 0)
			ub_argv_add(&a, files[i], NULL);
	}
	if (a.n == 2)
		return;
	snprintf(out, sizeof(out), "%s/report", dir);
	ub_argv_add(&a, "-o", out, "--lang", lang_word(c), NULL);
	if (child_start(&ch, &a, 1, &e) < 0)
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
	printf(UB_TR(c->lang == UB_LANG_ZH, "charts: %s/index.html\n", "图表：%s/index.html\n"), out);
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

/* Starts the relay (udpbench relay) in front of the reflector at port rport; returns its port. */
static int start_relay(struct child *relay, const char *exe, const struct ub_scenario *s,
		       const char *dir, const char *seed, int rport, struct ub_err *e)
{
	char target[64], truth[PATH_MAX + 32], opt[UB_ARGV_MAX][48];
	struct ub_argv a;
	unsigned i;
	int rc;

	snprintf(target, sizeof(target), "127.0.0.1:%d", rport);
	snprintf(truth, sizeof(truth), "%s/truth.json", dir);
	ub_argv_init(&a);
	ub_argv_add(&a, exe, "relay", "--listen", "127.0.0.1:0", "--to", target, "--seed", seed,
		    "--truth", truth, NULL);
	for (i = 0; i < s->n_link && i < UB_ARGV_MAX; i++) {
		snprintf(opt[i], sizeof(opt[i]), "--%s", s->link[i].key);
		ub_argv_add(&a, opt[i], s->link[i].value, NULL);
	}
	rc = child_start(relay, &a, 1, e);
	if (rc < 0)
		return rc;
	return child_wait_port(relay, "link emulator", e);
}

/*
 * The emulated link: a reflector on loopback behind the relay, which writes
 * down everything it does; the sender through it, then the UDP-vs-TCP pair
 * when the scenario asks for it. method and note (for summary.txt) say how.
 */
static int run_emulated(const char *exe, const struct ub_scenario *s,
			const struct ub_scenario_run_config *c, const char *dir, char *method,
			size_t methodlen, char *note, size_t notelen, struct ub_err *e)
{
	char seed[32], why[128], peer[64], truth[PATH_MAX + 32];
	struct child refl, relay;
	struct run_link l = { .kind = "relay", .truth = truth };
	int rc = 0, port, k, zh = c->lang == UB_LANG_ZH;

	refl.pid = relay.pid = -1;
	refl.err_fd = relay.err_fd = -1;
	port = start_reflector(&refl, exe, NULL, "127.0.0.1", e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)c->seed);
	port = start_relay(&relay, exe, s, dir, seed, port, e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	/* The relay writes a truth log netem cannot, so it is the emulator of choice. */
	k = netem_available(zh, why, sizeof(why));
	snprintf(method, methodlen,
		 UB_TR(zh, "udpbench relay emulator (seed %s)%s%s",
		       "udpbench relay 链路模拟器（随机种子 %s）%s%s"),
		 seed, k ? "" : UB_TR(zh, "; netem: ", "；不能用 netem："), k ? "" : why);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", port);
	snprintf(truth, sizeof(truth), "%s/truth.json", dir);
	l.spec = scenario_spec(s);
	l.name = l.scenario = scenario_name(s, c);
	rc = run_sender(exe, s, c, peer, dir, "udp", NULL, 0, &l, 0, e);
	free(l.spec);
	if (rc == 0 && s->tcp) {
		if (contrast_possible(zh, why, sizeof(why)))
			rc = run_contrast(exe, s, c, dir, note, notelen, e);
		else
			snprintf(note, notelen,
				 UB_TR(zh, "the UDP-vs-TCP contrast was left out: %s",
				       "本次只测 UDP，没有做 UDP 与 TCP 对比：%s"),
				 why);
	}
out:
	/* SIGTERM makes the relay write its truth log and the reflector print its counters. */
	if (relay.pid > 0 && child_stop(&relay, SIGTERM) != 0 && rc == 0)
		rc = ub_err_set(e, UB_E_SYS, 0, "the link emulator failed: %s", relay.log);
	if (refl.pid > 0)
		child_stop(&refl, SIGTERM);
	if (refl.err_fd >= 0)
		close(refl.err_fd);
	if (relay.err_fd >= 0)
		close(relay.err_fd);
	return rc;
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
	rc = run_sender(exe, s, c, peer, dir, "udp", NULL, 0, &l, s->tcp, e);
	if (rc < 0 || !s->tcp)
		return rc;
	rc = run_sender(exe, s, c, peer, dir, "tcp", NULL, 1, &l, 1, e);
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

	snprintf(path, sizeof(path), "%s/summary.txt", dir);
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
	printf(UB_TR(c->lang == UB_LANG_ZH, "results: %s/\n", "结果：%s/\n"), dir);
	return 0;
}

int ub_scenario_run(const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		    struct ub_err *e)
{
	char exe[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32], method[256] = "", note[320] = "";
	const char *real_peer = c->peer ? c->peer : s->peer;
	int rc, frc;

	if (self_exe(exe, sizeof(exe)) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "cannot find the udpbench program");
	if (c->out_dir)
		snprintf(dir, sizeof(dir), "%s", c->out_dir);
	else
		default_dir(s, dir, sizeof(dir));
	rc = mkdir_p(dir, e);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/scenario.ini", dir);
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
	frc = finish(exe, s, c, dir, method, note, e);
	return frc < 0 ? frc : rc;
}
