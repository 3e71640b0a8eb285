/*
 * udpbench: what starting programs does the same way on every system
 * (proc.h): the defaults of a config, the checks and errors of a start,
 * run and wait, command lines built a word at a time, and a command line
 * as Windows passes it to a program.
 */
#include "lib/proc.h"
#include "lib/proc_int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int ub_proc_self_dir(char *dir, size_t len)
{
	char *slash;

	if (ub_proc_self_path(dir, len) < 0 || !(slash = strrchr(dir, '/')))
		return -1;
	*slash = '\0';
	return 0;
}

void ub_proc_config_init(struct ub_proc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->in = c->out = c->err = UB_PROC_INHERIT;
}

int ub_proc_spawn(const char *const argv[], const struct ub_proc_config *c, pid_t *pid,
		  struct ub_err *e)
{
	struct ub_proc_config def;
	int rc;

	if (!argv || !argv[0])
		return ub_err_set(e, UB_E_INVAL, 0, "no program to start");
	if (!c) {
		ub_proc_config_init(&def);
		c = &def;
	}
	rc = ub_proc_start(argv, c, pid);
	if (rc == ENOSYS)
		return ub_err_set(e, UB_E_SYS, rc, "cannot start %s in a network namespace: "
				  "this system has none", argv[0]);
	if (rc)
		return ub_err_set(e, UB_E_SYS, rc, "cannot start %s", argv[0]);
	return 0;
}

int ub_proc_run(const char *const argv[], const struct ub_proc_config *c)
{
	pid_t pid;

	if (ub_proc_spawn(argv, c, &pid, NULL) < 0)
		return -1;
	return ub_proc_wait(pid);
}

int ub_proc_run_quiet(const char *const argv[])
{
	struct ub_proc_config c;

	ub_proc_config_init(&c);
	c.out = c.err = UB_PROC_DEVNULL;
	return ub_proc_run(argv, &c);
}

void ub_argv_init(struct ub_argv *a)
{
	a->n = 0;
	a->v[0] = NULL;
}

void ub_argv_add(struct ub_argv *a, ...)
{
	const char *w;
	va_list ap;

	va_start(ap, a);
	while ((w = va_arg(ap, const char *)) != NULL)
		if (a->n < UB_ARGV_MAX - 1)
			a->v[a->n++] = w;
	va_end(ap);
	a->v[a->n] = NULL;
}

/* Where a command line is written: out (len bytes), and how long it has grown. */
struct line {
	char *out;
	size_t len, n;
};

static void put(struct line *l, char ch, size_t times)
{
	for (; times; times--, l->n++)
		if (l->n + 1 < l->len)
			l->out[l->n] = ch;
}

/*
 * One word as the C runtime's parser (and CommandLineToArgvW) reads it
 * back: a word with a blank or a quote goes inside quotes, where a quote
 * is written \" and the backslashes just before a quote, or before the
 * closing one, are doubled; backslashes elsewhere stand as they are.
 */
static void put_word(struct line *l, const char *w)
{
	size_t slashes;

	if (*w && !strpbrk(w, " \t\n\v\"")) {
		for (; *w; w++)
			put(l, *w, 1);
		return;
	}
	put(l, '"', 1);
	for (;;) {
		for (slashes = 0; *w == '\\'; w++)
			slashes++;
		if (!*w) {
			put(l, '\\', slashes * 2);
			break;
		}
		if (*w == '"') {
			put(l, '\\', slashes * 2 + 1);
		} else {
			put(l, '\\', slashes);
		}
		put(l, *w++, 1);
	}
	put(l, '"', 1);
}

size_t ub_proc_cmdline(const char *const argv[], char *out, size_t len)
{
	struct line l = { out, len, 0 };
	size_t i;

	for (i = 0; argv[i]; i++) {
		if (i)
			put(&l, ' ', 1);
		put_word(&l, argv[i]);
	}
	if (len)
		out[l.n < len ? l.n : len - 1] = '\0';
	return l.n;
}
