/*
 * Unit tests for bench/lib/proc.c and proc_common.c: starting programs (sh, true, a missing
 * one) with the descriptors, folder and environment asked for, waiting
 * through signals, reading how a child ended, command lines built a word
 * at a time, and Windows command lines (ub_proc_cmdline) split back by a
 * parser written from Microsoft's rules. Every child is waited for; none
 * runs past a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/proc.h"

/* Runs argv with stdout and stderr into one pipe; returns its status, what it wrote in out. */
static int run_capture(const char *const argv[], struct ub_proc_config *c, char *out, size_t len)
{
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	int p[2], st;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c->out = c->err = p[1];
	assert_int_equal(ub_proc_spawn(argv, c, &pid, NULL), 0);
	close(p[1]);
	while (got < len - 1 && (n = read(p[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	st = ub_proc_wait(pid);
	return st;
}

static void test_exit_status(void **state)
{
	const char *const three[] = { "sh", "-c", "exit 3", NULL };
	const char *const term[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *const ok[] = { "true", NULL };

	(void)state;
	assert_int_equal(ub_proc_run(ok, NULL), 0);
	assert_int_equal(ub_proc_run(three, NULL), 3);
	/* ended by a signal: 128 + its number, as a shell says */
	assert_int_equal(ub_proc_run(term, NULL), 128 + SIGTERM);
	assert_int_equal(ub_proc_status(0), 0);
	assert_int_equal(ub_proc_status(42 << 8), 42);
	assert_int_equal(ub_proc_status(SIGKILL), 128 + SIGKILL);
}

static void test_missing_program(void **state)
{
	const char *const argv[] = { "udpbench-no-such-program", "x", NULL };
	const char *const none[] = { NULL };
	struct ub_err e;
	pid_t pid = 12345;
	char want[UB_ERR_MSG_MAX];

	(void)state;
	ub_err_clear(&e);
	assert_int_equal(ub_proc_spawn(argv, NULL, &pid, &e), UB_E_SYS);
	assert_int_equal(e.sys_errno, ENOENT);
	snprintf(want, sizeof(want), "cannot start udpbench-no-such-program: %s", strerror(ENOENT));
	assert_string_equal(e.msg, want);
	assert_int_equal(ub_proc_run(argv, NULL), -1);
	assert_int_equal(ub_proc_run_quiet(argv), -1);
	assert_int_equal(ub_proc_spawn(none, NULL, &pid, &e), UB_E_INVAL);
	/* not our child */
	assert_int_equal(ub_proc_wait(getpid()), -1);
}

/* Folder, environment, stdin from /dev/null, stdout and stderr where asked. */
static void test_descriptors_folder_environment(void **state)
{
	const char *const argv[] = { "sh", "-c", "pwd; echo \"v=$UB_TEST_VALUE\" >&2; cat; echo end",
				     NULL };
	char *const env[] = { (char *)"UB_TEST_VALUE=42", (char *)"PATH=/usr/bin:/bin", NULL };
	struct ub_proc_config c;
	char out[512], dir[PATH_MAX], want[PATH_MAX + 32];

	(void)state;
	assert_non_null(realpath("/tmp", dir));
	ub_proc_config_init(&c);
	assert_int_equal(c.in, UB_PROC_INHERIT);
	assert_int_equal(c.out, UB_PROC_INHERIT);
	assert_int_equal(c.err, UB_PROC_INHERIT);
	c.in = UB_PROC_DEVNULL;
	c.dir = dir;
	c.envp = env;
	assert_int_equal(run_capture(argv, &c, out, sizeof(out)), 0);
	/* cat met the end of /dev/null at once */
	snprintf(want, sizeof(want), "%s\nv=42\nend\n", dir);
	assert_string_equal(out, want);
}

/* Output thrown away: nothing reaches our stdout. */
static void test_run_quiet(void **state)
{
	const char *const argv[] = { "sh", "-c", "echo out; echo err >&2; exit 5", NULL };
	char buf[64];
	int p[2], saved_out, saved_err;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	fflush(stdout);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(p[1], STDOUT_FILENO);
	dup2(p[1], STDERR_FILENO);
	assert_int_equal(ub_proc_run_quiet(argv), 5);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_int_equal(n, 0);
}

static volatile sig_atomic_t alarms;
static int child_stdin = -1; /* the write end of the child's stdin, closed by the third alarm */

static void on_alarm(int sig)
{
	(void)sig;
	if (++alarms == 3)
		close(child_stdin);
}

/*
 * Signals that interrupt the wait do not end it: the child (reading its
 * stdin until the third alarm closes it) still has its status read.
 */
static void test_wait_through_signals(void **state)
{
	const char *const argv[] = { "sh", "-c", "cat >/dev/null; exit 7", NULL };
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct ub_proc_config c;
	struct sigaction sa, old;
	pid_t pid;
	int p[2], st;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid fails with EINTR */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	child_stdin = p[1];
	alarms = 0;
	ub_proc_config_init(&c);
	c.in = p[0];
	assert_int_equal(ub_proc_spawn(argv, &c, &pid, NULL), 0);
	close(p[0]);
	setitimer(ITIMER_REAL, &it, NULL);
	st = ub_proc_wait(pid);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(st, 7);
	assert_true(alarms >= 3);
}

/* A child asked to stop ends as on SIGTERM: a program that catches it finishes its own way. */
static void test_stop(void **state)
{
	const char *const plain[] = { "sleep", "10", NULL };
	const char *const trap[] = { "sh", "-c", "trap 'exit 5' TERM; echo up; while :; do sleep 0.05; done", NULL };
	struct ub_proc_config c;
	char line[8];
	pid_t pid;
	int p[2];

	(void)state;
	assert_int_equal(ub_proc_spawn(plain, NULL, &pid, NULL), 0);
	assert_int_equal(ub_proc_stop(pid), 0);
	assert_int_equal(ub_proc_wait(pid), 128 + SIGTERM);
	/* the shell's trap is only set once it has said so */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	ub_proc_config_init(&c);
	c.out = p[1];
	assert_int_equal(ub_proc_spawn(trap, &c, &pid, NULL), 0);
	close(p[1]);
	assert_int_equal(read(p[0], line, 3), 3);
	close(p[0]);
	assert_int_equal(ub_proc_stop(pid), 0);
	assert_int_equal(ub_proc_wait(pid), 5);
	assert_int_equal(ub_proc_stop(-1), -1);
}

/* This program's own file and folder, as /proc says. */
static void test_self(void **state)
{
	char path[PATH_MAX], dir[PATH_MAX], want[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", want, sizeof(want) - 1);

	(void)state;
	assert_true(n > 0);
	want[n] = '\0';
	assert_int_equal(ub_proc_self_path(path, sizeof(path)), 0);
	assert_string_equal(path, want);
	assert_int_equal(ub_proc_self_dir(dir, sizeof(dir)), 0);
	*strrchr(want, '/') = '\0';
	assert_string_equal(dir, want);
	/* too small for the name: refused, not cut short */
	assert_int_equal(ub_proc_self_path(path, strlen(path)), -1);
}

/* A throwaway network namespace: another one than ours, or the reason there is none. */
static void test_netns(void **state)
{
	const char *const argv[] = { "readlink", "/proc/self/ns/net", NULL };
	const char *const missing[] = { "udpbench-no-such-program", NULL };
	struct ub_proc_config c;
	char ours[128], theirs[128];
	ssize_t n;
	int st;

	(void)state;
	n = readlink("/proc/self/ns/net", ours, sizeof(ours) - 1);
	assert_true(n > 0);
	ours[n] = '\0';
	ub_proc_config_init(&c);
	c.netns = 1;
	st = run_capture(argv, &c, theirs, sizeof(theirs));
	if (st == UB_PROC_EXIT_NONETNS)
		skip(); /* no network namespace for this user */
	assert_int_equal(st, 0);
	theirs[strcspn(theirs, "\n")] = '\0';
	assert_true(strncmp(theirs, "net:[", 5) == 0);
	assert_string_not_equal(theirs, ours);
	c.out = c.err = UB_PROC_DEVNULL;
	assert_int_equal(ub_proc_run(missing, &c), UB_PROC_EXIT_NOEXEC);
}

/* Entering another process's namespaces: a holder's, then one that is gone. */
static void test_enter(void **state)
{
	const char *const argv[] = { "readlink", "/proc/self/ns/net", NULL };
	struct ub_proc_config c;
	char theirs[128], ns[128], path[64], b = 0;
	int hold[2], ready[2], st;
	ssize_t n;
	pid_t h;

	(void)state;
	assert_int_equal(pipe(hold), 0);
	assert_int_equal(pipe(ready), 0);
	h = fork();
	assert_true(h >= 0);
	if (h == 0) {
		close(hold[1]);
		close(ready[0]);
		b = unshare(CLONE_NEWNET) == 0 || unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0;
		if (write(ready[1], &b, 1) != 1 || !b)
			_exit(1);
		while (read(hold[0], &b, 1) > 0)
			;
		_exit(0);
	}
	close(hold[0]);
	close(ready[1]);
	if (read(ready[0], &b, 1) != 1 || !b) {
		close(hold[1]);
		ub_proc_wait(h);
		skip(); /* no network namespace for this user */
	}
	close(ready[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)h);
	n = readlink(path, ns, sizeof(ns) - 1);
	assert_true(n > 0);
	ns[n] = '\0';
	ub_proc_config_init(&c);
	c.enter = h;
	st = run_capture(argv, &c, theirs, sizeof(theirs));
	close(hold[1]);
	assert_int_equal(ub_proc_wait(h), 0);
	assert_int_equal(st, 0);
	theirs[strcspn(theirs, "\n")] = '\0';
	assert_string_equal(theirs, ns);
	/* A process that is gone has no namespaces to enter. */
	c.out = c.err = UB_PROC_DEVNULL;
	assert_int_equal(ub_proc_run(argv, &c), UB_PROC_EXIT_NONETNS);
}

static void test_argv(void **state)
{
	struct ub_argv a;
	char words[UB_ARGV_MAX + 10][16];
	int i;

	(void)state;
	ub_argv_init(&a);
	assert_int_equal(a.n, 0);
	assert_null(a.v[0]);
	ub_argv_add(&a, "ip", "netns", "exec", "ns", NULL);
	ub_argv_add(&a, "true", NULL);
	assert_int_equal(a.n, 5);
	assert_string_equal(a.v[0], "ip");
	assert_string_equal(a.v[4], "true");
	assert_null(a.v[5]);
	/* past the room: the rest left out, still terminated */
	for (i = 0; i < UB_ARGV_MAX + 10; i++) {
		snprintf(words[i], sizeof(words[i]), "w%d", i);
		ub_argv_add(&a, words[i], NULL);
	}
	assert_int_equal(a.n, UB_ARGV_MAX - 1);
	assert_string_equal(a.v[UB_ARGV_MAX - 2], "w89");
	assert_null(a.v[UB_ARGV_MAX - 1]);
}

/*
 * A command line split as Microsoft documents its C runtime doing it
 * ("Parsing C command-line arguments"), written from that page: argv[0]
 * runs to the next blank, or inside quotes to the next quote, with no
 * escapes; then words end at blanks outside quotes, 2n backslashes before
 * a quote are n backslashes and the quote opens or closes a quoted part,
 * 2n+1 are n and a literal quote, and backslashes before anything else
 * stand as they are. Returns the number of words put in w.
 */
static int ms_split(const char *line, char w[][256], int max)
{
	const char *p = line;
	size_t n, slashes;
	int k = 0, quoted, any;

	n = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			w[k][n++] = *p;
		if (*p)
			p++;
	} else {
		for (; *p && *p != ' ' && *p != '\t'; p++)
			w[k][n++] = *p;
	}
	w[k++][n] = '\0';
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || k == max)
			return k;
		n = 0;
		quoted = 0;
		any = 0;
		while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
			for (slashes = 0; *p == '\\'; p++)
				slashes++;
			if (*p == '"') {
				for (; slashes >= 2; slashes -= 2)
					w[k][n++] = '\\';
				if (slashes) {
					w[k][n++] = '"';
				} else {
					quoted = !quoted;
					any = 1;
				}
				p++;
				continue;
			}
			for (; slashes; slashes--)
				w[k][n++] = '\\';
			if (*p && (quoted || (*p != ' ' && *p != '\t')))
				w[k][n++] = *p++;
		}
		(void)any;
		w[k++][n] = '\0';
	}
}

/* Windows command lines: quoting that the C runtime's parser reads back word for word. */
static void test_windows_cmdline(void **state)
{
	static const char *const words[] = {
		"plain", "two words", "", "tab\there", "new\nline", "q\"uote", "\"", "\"\"",
		"end\\", "end with space\\", "two\\\\", "sp ace\\\\", "back\\slash", "a\\\"b",
		"a\\\\\"b", "\\\"", "\\\\\\", "报告 图表", "图\\", "C:\\Program Files\\gnuplot\\bin\\",
		"--title=\"x y\"", " lead", "trail ", "*?<>|&^%",
	};
	const char *argv[sizeof(words) / sizeof(words[0]) + 2];
	char line[4096], small[8], got[32][256];
	size_t i, n, len;

	(void)state;
	/* as Microsoft's page shows them */
	{
		const char *const a[] = { "p", "a b", "c", NULL };
		const char *const b[] = { "p", "a\\\\b", "de fg", "h", NULL };
		const char *const c[] = { "p", "a\\\"b", "c", "d", NULL };
		const char *const d[] = { "p", "a\\\\", "b c\\", NULL };

		ub_proc_cmdline(a, line, sizeof(line));
		assert_string_equal(line, "p \"a b\" c");
		ub_proc_cmdline(b, line, sizeof(line));
		assert_string_equal(line, "p a\\\\b \"de fg\" h");
		ub_proc_cmdline(c, line, sizeof(line));
		assert_string_equal(line, "p \"a\\\\\\\"b\" c d");
		/* backslashes stand alone unquoted; before the closing quote they are doubled */
		ub_proc_cmdline(d, line, sizeof(line));
		assert_string_equal(line, "p a\\\\ \"b c\\\\\"");
	}
	argv[0] = "C:\\Program Files\\gnuplot\\bin\\gnuplot.exe";
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		argv[i + 1] = words[i];
	argv[i + 1] = NULL;
	len = ub_proc_cmdline(argv, line, sizeof(line));
	assert_int_equal(len, strlen(line));
	n = (size_t)ms_split(line, got, 32);
	assert_int_equal(n, i + 1);
	for (i = 0; i < n; i++)
		assert_string_equal(got[i], argv[i]);
	/* the UTF-8 bytes of a word are kept as they are */
	assert_non_null(strstr(line, "\"报告 图表\""));
	/* too small a buffer: cut short, ended, and the whole length told */
	assert_int_equal(ub_proc_cmdline(argv, small, sizeof(small)), len);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(ub_proc_cmdline(argv, NULL, 0), len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_descriptors_folder_environment),
		cmocka_unit_test(test_run_quiet),
		cmocka_unit_test(test_wait_through_signals),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_enter),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_windows_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
