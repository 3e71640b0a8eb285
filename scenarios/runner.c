/*
 * udpbench: running a scenario. The runner starts the pieces as child
 * processes of this same program (reflector, relay, sender), exactly as a
 * user would from a shell, so a scenario exercises the real command paths.
 */
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "units.h"

extern char **environ;

#define UB_START_TIMEOUT_MS 5000
#define UB_ARGV_MAX 96

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

/* Starts argv with stderr into a pipe (capture) or inherited. */
static int child_start(struct child *c, char *const argv[], int capture, struct ub_err *e)
{
	posix_spawn_file_actions_t fa;
	int p[2] = { -1, -1 }, rc;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->err_fd = -1;
	if (capture && pipe2(p, O_CLOEXEC) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	if (capture)
		posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (capture)
		close(p[1]);
	if (rc != 0) {
		if (capture)
			close(p[0]);
		c->pid = -1;
		return ub_err_set(e, UB_E_SYS, rc, "cannot start %s", argv[0]);
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
	int st = 0;
	ssize_t n;

	if (c->pid <= 0)
		return -1;
	if (sig)
		kill(c->pid, sig);
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	c->pid = -1;
	if (c->err_fd >= 0) {
		while (c->log_len < sizeof(c->log) - 1 &&
		       (n = read(c->err_fd, c->log + c->log_len, sizeof(c->log) - 1 - c->log_len)) > 0)
			c->log_len += (size_t)n;
		c->log[c->log_len] = '\0';
		close(c->err_fd);
		c->err_fd = -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
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

/* Whether this kernel offers netem here; why not when it does not. */
static int netem_available(char *why, size_t len)
{
	char *argv[] = { (char *)"tc", (char *)"qdisc", (char *)"add", (char *)"dev",
			 (char *)"lo", (char *)"root", (char *)"netem", (char *)"delay",
			 (char *)"1ms", NULL };
	pid_t pid;
	int st = 0, devnull;

	pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork failed");
		return 0;
	}
	if (pid == 0) {
		/* A throwaway network namespace: nothing of the host's changes. */
		if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			_exit(3);
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execvp("tc", argv);
		_exit(4);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	if (st == 0)
		return 1;
	snprintf(why, len, "%s",
		 st == 3   ? "no network namespace for this user"
		 : st == 4 ? "tc is not installed"
			   : "this kernel has no netem qdisc");
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

	fprintf(f, "%s: %s\n", zh ? "场景" : "scenario", zh ? s->name_zh : s->name_en);
	fprintf(f, "%s: %s\n", zh ? "链路" : "link", method);
	fprintf(f, "%-32s %12s %14s\n", "", "udpbench", t ? (zh ? "链路模拟器" : "emulator truth") : "");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cell(a, sizeof(a), jint(r, "summary", rows[i].key));
		cell(b, sizeof(b), t ? jint(t, rows[i].tdir, rows[i].tkey) : -1);
		fprintf(f, "%-32s %12s %14s\n", zh ? rows[i].zh : rows[i].en, a, t ? b : "");
	}
	rx = jint(r, "summary", "received");
	dup = jint(r, "summary", "duplicates");
	cell(a, sizeof(a), rx >= 0 && dup >= 0 ? rx + dup : -1);
	cell(b, sizeof(b), t ? jint(t, "down", "out") : -1);
	fprintf(f, "%-32s %12s %14s\n", zh ? "收到的回复（含重复）" : "replies delivered (incl. copies)",
		a, t ? b : "");
	if (json_is_object(json_object_get(sum, "rtt_ns"))) {
		fprintf(f, "%-32s %12s\n", zh ? "往返时延中位数" : "rtt median",
			ub_units_fmt_ns(jint(sum, "rtt_ns", "median"), d1, sizeof(d1)));
		fprintf(f, "%-32s %12s\n", zh ? "往返时延 p99" : "rtt p99",
			ub_units_fmt_ns(jint(sum, "rtt_ns", "p99"), d2, sizeof(d2)));
	}
	json_decref(r);
	json_decref(t);
}

static void push(char **argv, int *n, const char *s)
{
	if (*n < UB_ARGV_MAX - 1)
		argv[(*n)++] = (char *)s;
	argv[*n] = NULL;
}

static int run_sender(const char *exe, const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		      const char *peer, const char *dir, struct ub_err *e)
{
	char count[24], interval[24], size[16], timeout[24], json[PATH_MAX + 16], csv[PATH_MAX + 16];
	char *argv[UB_ARGV_MAX];
	struct child ch;
	int n = 0, st;

	snprintf(count, sizeof(count), "%llu", (unsigned long long)(c->count ? c->count : s->count));
	snprintf(interval, sizeof(interval), "%lldns", (long long)s->interval_ns);
	snprintf(size, sizeof(size), "%u", s->size);
	snprintf(timeout, sizeof(timeout), "%lldns", (long long)s->timeout_ns);
	snprintf(json, sizeof(json), "%s/udp.json", dir);
	snprintf(csv, sizeof(csv), "%s/udp.csv", dir);
	push(argv, &n, exe);
	push(argv, &n, "send");
	push(argv, &n, "--peer");
	push(argv, &n, peer);
	push(argv, &n, "--count");
	push(argv, &n, count);
	push(argv, &n, "--interval");
	push(argv, &n, interval);
	push(argv, &n, "--size");
	push(argv, &n, size);
	push(argv, &n, "--timeout");
	push(argv, &n, timeout);
	push(argv, &n, "--label");
	push(argv, &n, c->lang == UB_LANG_ZH ? s->name_zh : s->name_en);
	push(argv, &n, "--lang");
	push(argv, &n, c->lang == UB_LANG_ZH ? "zh" : "en");
	push(argv, &n, "--json");
	push(argv, &n, json);
	push(argv, &n, "--csv");
	push(argv, &n, csv);
	if (c->quiet)
		push(argv, &n, "-q");
	if (child_start(&ch, argv, 0, e) < 0)
		return e->code;
	/* The sender handles Ctrl-C itself (it shares our terminal's process group). */
	while ((st = child_stop(&ch, 0)) < 0 && errno == EINTR)
		;
	if (st == 3)
		return ub_err_set(e, UB_E_NOREPLY, 0, "no reply from %s", peer);
	if (st != 0)
		return ub_err_set(e, UB_E_SYS, 0, "the sender failed (exit %d)", st);
	return 0;
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

int ub_scenario_run(const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		    struct ub_err *e)
{
	char exe[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32], why[128], method[256];
	char rport_s[32], seed[32], target[64], listen_s[] = "127.0.0.1:0", peer[64];
	char *argv[UB_ARGV_MAX], opt[UB_ARGV_MAX][48];
	struct child refl, relay;
	const char *real_peer = c->peer ? c->peer : s->peer;
	int n = 0, rc, port, k, nopt = 0;
	unsigned i;
	FILE *f;

	refl.pid = relay.pid = -1;
	refl.err_fd = relay.err_fd = -1;
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
	if (s->tcp && !c->quiet)
		fprintf(stderr, "udpbench: %s\n",
			c->lang == UB_LANG_ZH ? "这个 udpbench 不能发送 TCP 探测包，本次只测 UDP"
					      : "this udpbench cannot send TCP probes: running UDP only");

	if (real_peer) {
		snprintf(method, sizeof(method), "%s %s", c->lang == UB_LANG_ZH ? "真实链路" : "real link to",
			 real_peer);
		rc = run_sender(exe, s, c, real_peer, dir, e);
		goto summary;
	}

	/* A reflector on loopback behind the relay, which writes down everything it does. */
	push(argv, &n, exe);
	push(argv, &n, "reflect");
	push(argv, &n, "--bind");
	push(argv, &n, "127.0.0.1");
	push(argv, &n, "--port");
	push(argv, &n, "0");
	rc = child_start(&refl, argv, 1, e);
	if (rc < 0)
		goto out;
	port = child_wait_port(&refl, "reflector", e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	snprintf(rport_s, sizeof(rport_s), "%d", port);
	snprintf(target, sizeof(target), "127.0.0.1:%s", rport_s);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)c->seed);
	snprintf(path, sizeof(path), "%s/truth.json", dir);
	n = 0;
	push(argv, &n, exe);
	push(argv, &n, "relay");
	push(argv, &n, "--listen");
	push(argv, &n, listen_s);
	push(argv, &n, "--to");
	push(argv, &n, target);
	push(argv, &n, "--seed");
	push(argv, &n, seed);
	push(argv, &n, "--truth");
	push(argv, &n, path);
	for (i = 0; i < s->n_link && nopt < UB_ARGV_MAX; i++) {
		snprintf(opt[nopt], sizeof(opt[nopt]), "--%s", s->link[i].key);
		push(argv, &n, opt[nopt++]);
		push(argv, &n, s->link[i].value);
	}
	rc = child_start(&relay, argv, 1, e);
	if (rc < 0)
		goto out;
	port = child_wait_port(&relay, "link emulator", e);
	if (port < 0) {
		rc = port;
		goto out;
	}
	/* The relay writes a truth log netem cannot, so it is the emulator of choice. */
	k = netem_available(why, sizeof(why));
	snprintf(method, sizeof(method), "%s (seed %s)%s%s",
		 c->lang == UB_LANG_ZH ? "udpbench relay 链路模拟器" : "udpbench relay emulator", seed,
		 k ? "" : "; netem: ", k ? "" : why);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", port);
	rc = run_sender(exe, s, c, peer, dir, e);
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
	if (rc < 0 && rc != UB_E_NOREPLY)
		return rc;
summary:
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	write_summary(f, s, c, dir, method);
	if (fclose(f) != 0)
		return ub_err_set(e, UB_E_IO, errno, "writing %s", path);
	if (!c->quiet) {
		f = fopen(path, "r");
		if (f) {
			char line[256];

			putchar('\n');
			while (fgets(line, sizeof(line), f))
				fputs(line, stdout);
			fclose(f);
		}
		printf("%s: %s/\n", c->lang == UB_LANG_ZH ? "结果" : "results", dir);
	}
	return rc;
}
