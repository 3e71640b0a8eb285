/*
 * Unit tests for reports/gnuplot.c: texts from the data reach gnuplot as
 * text. Settings written by ub_gnuplot_str and data fields written by
 * ub_gnuplot_datum are read by the real gnuplot, which prints each one back
 * into a file of its own; the test holds what it printed against the text
 * meant, and checks that no command hidden in the text ran (no file
 * appeared in gnuplot's folder).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/gnuplot.h"

#include "../fuzz/gpsafe.h"
#include "files.h"

/* A text, what gnuplot must show of it, and what a data field of it must read as. */
struct nasty {
	const char *in, *want, *want_datum;
};

static const struct nasty cases[] = {
	{ "x`touch bq`y", "x`touch bq`y", "x`touch bq`y" },
	{ "`touch bq2`", "`touch bq2`", "`touch bq2`" },
	{ "$(touch dollar) ${HOME} $HOME", "$(touch dollar) ${HOME} $HOME",
	  "$(touch dollar) ${HOME} $HOME" },
	{ "it's 'quoted' '' '", "it's 'quoted' '' '", "it's 'quoted' '' '" },
	{ "say \"hi\" \"\" \"", "say \"hi\" \"\" \"", "say \"hi\" \"\" \"" },
	{ "back\\slash \\n \\\\ \\101 \\", "back\\slash \\n \\\\ \\101 \\",
	  "back\\slash \\n \\\\ \\101 \\" },
	{ "x @mac y @cmd", "x @mac y @cmd", "x @mac y @cmd" },
	{ "system(\"touch sys\")", "system(\"touch sys\")", "system(\"touch sys\")" },
	{ "'.system('touch sys2').'", "'.system('touch sys2').'", "'.system('touch sys2').'" },
	{ "\".system(\"touch sys3\").\"", "\".system(\"touch sys3\").\"",
	  "\".system(\"touch sys3\").\"" },
	{ "a\n! touch bang\nb = 1", "a\n! touch bang\nb = 1", "a ! touch bang b = 1" },
	{ "line\\\nnext", "line\\\nnext", "line\\ next" },
	{ "'\n'", "'\n'", "' '" },
	{ "\n", "\n", " " },
	{ "end\n", "end\n", "end " },
	{ "", "", "" },
	{ "a # not a comment; print 'x'", "a # not a comment; print 'x'",
	  "a # not a comment; print 'x'" },
	{ "拥挤的教室 · 无线网络 ✓ 掌控板", "拥挤的教室 · 无线网络 ✓ 掌控板",
	  "拥挤的教室 · 无线网络 ✓ 掌控板" },
	{ "tab\there\rcr\x01one\x1b[31mred\x7f", "tab here cr one [31mred ",
	  "tab here cr one [31mred " },
	{ "bad \xff byte \xc0\xaf", "bad \xef\xbf\xbd byte \xef\xbf\xbd\xef\xbf\xbd",
	  "bad \xef\xbf\xbd byte \xef\xbf\xbd\xef\xbf\xbd" },
	{ "cut 掌\xe6\x8e", "cut 掌", "cut 掌" },
	{ "%s %d %% 100%", "%s %d %% 100%", "%s %d %% 100%" },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

struct fx {
	char dir[64];
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	snprintf(x->dir, sizeof(x->dir), "/tmp/ub-gnuplot-XXXXXX");
	if (!mkdtemp(x->dir))
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	files_rm_tree(x->dir);
	free(x);
	return 0;
}

static FILE *open_in(const struct fx *x, const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	return f;
}

/* Returns the contents of file name in x's folder (malloc'd), or NULL. */
static char *slurp_in(const struct fx *x, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	return slurp(path);
}

/* Runs gnuplot on script in x's folder, its output into gnuplot.log; returns its exit status. */
static int run_gnuplot(const struct fx *x, const char *script)
{
	pid_t pid = fork();
	int st = 0, fd;

	if (pid == 0) {
		if (chdir(x->dir) != 0)
			_exit(126);
		fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Every name in x's folder is one the test wrote or gnuplot printed into. */
static void assert_no_stray_file(const struct fx *x)
{
	static const char *const prefixes[] = { "driver.gp", "set.gp", "gnuplot.log", "out-",
						 "d-", "dout-", "dend-" };
	DIR *d = opendir(x->dir);
	struct dirent *de;
	size_t i;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			if (strncmp(de->d_name, prefixes[i], strlen(prefixes[i])) == 0)
				break;
		if (i == sizeof(prefixes) / sizeof(prefixes[0])) {
			closedir(d);
			fail_msg("a command hidden in a text ran: %s/%s exists", x->dir, de->d_name);
		}
	}
	closedir(d);
}

static int have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/*
 * Settings: v1 = ..., v2 = ... as ub_gnuplot_str writes them, loaded with
 * macros that would break out of a string were @ expanded inside it; each
 * printed back alone into out-N.txt.
 */
static void test_settings_print_back_as_written(void **state)
{
	struct fx *x = *state;
	char name[32], *got, *log;
	FILE *set, *drv;
	size_t i;

	if (!have_gnuplot())
		skip();
	set = open_in(x, "set.gp");
	drv = open_in(x, "driver.gp");
	fputs("mac = \"'.system('touch macro-ran').'\"\n"
	      "cmd = \"system('touch macro-ran2')\"\n"
	      "load 'set.gp'\n",
	      drv);
	for (i = 0; i < N_CASES; i++) {
		snprintf(name, sizeof(name), "v%zu", i);
		ub_gnuplot_str(set, name, cases[i].in);
		fprintf(drv, "set print 'out-%zu.txt'\nprint v%zu\n", i, i);
	}
	fputs("unset print\n", drv);
	assert_int_equal(fclose(set), 0);
	assert_int_equal(fclose(drv), 0);

	log = NULL;
	if (run_gnuplot(x, "driver.gp") != 0) {
		log = slurp_in(x, "gnuplot.log");
		fail_msg("gnuplot failed on the settings: %s", log ? log : "(no log)");
	}
	for (i = 0; i < N_CASES; i++) {
		snprintf(name, sizeof(name), "out-%zu.txt", i);
		got = slurp_in(x, name);
		if (!got)
			fail_msg("gnuplot printed nothing for case %zu", i);
		/* print adds one line break */
		assert_true(strlen(got) > 0 && got[strlen(got) - 1] == '\n');
		got[strlen(got) - 1] = '\0';
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: gnuplot printed [%s], meant [%s]", i, got, cases[i].want);
		free(got);
	}
	assert_no_stray_file(x);
}

/* Data fields: row "1 2 FIELD \"end\"" as a data file; gnuplot's strcol(3) is the text, strcol(4) intact. */
static void test_data_fields_read_back_as_written(void **state)
{
	struct fx *x = *state;
	char name[32], *got, *log;
	FILE *d, *drv;
	size_t i;

	if (!have_gnuplot())
		skip();
	drv = open_in(x, "driver.gp");
	for (i = 0; i < N_CASES; i++) {
		snprintf(name, sizeof(name), "d-%zu.dat", i);
		d = open_in(x, name);
		fputs("# x y text end\n1 2 ", d);
		ub_gnuplot_datum(d, cases[i].in);
		fputs(" \"end\"\n", d);
		assert_int_equal(fclose(d), 0);
		fprintf(drv,
			"w = ''\ne = ''\n"
			"stats 'd-%zu.dat' using (w = strcol(3), e = strcol(4), 1) nooutput\n"
			"set print 'dout-%zu.txt'\nprint w\nset print 'dend-%zu.txt'\nprint e\n",
			i, i, i);
	}
	fputs("unset print\n", drv);
	assert_int_equal(fclose(drv), 0);

	if (run_gnuplot(x, "driver.gp") != 0) {
		log = slurp_in(x, "gnuplot.log");
		fail_msg("gnuplot failed on the data files: %s", log ? log : "(no log)");
	}
	for (i = 0; i < N_CASES; i++) {
		snprintf(name, sizeof(name), "dout-%zu.txt", i);
		got = slurp_in(x, name);
		assert_non_null(got);
		if (strlen(got) == 0 || strcmp(got + strlen(got) - 1, "\n") != 0)
			fail_msg("case %zu: no line printed", i);
		got[strlen(got) - 1] = '\0';
		if (strcmp(got, cases[i].want_datum) != 0)
			fail_msg("case %zu: gnuplot read [%s], meant [%s]", i, got, cases[i].want_datum);
		free(got);
		snprintf(name, sizeof(name), "dend-%zu.txt", i);
		got = slurp_in(x, name);
		assert_non_null(got);
		assert_string_equal(got, "end\n");
		free(got);
	}
	assert_no_stray_file(x);
}

/*
 * Each setting is one line of the file, whatever the text, and that line
 * an assignment of single-quoted pieces (tests/fuzz/gpsafe.h).
 */
static void test_settings_stay_on_one_line(void **state)
{
	struct fx *x = *state;
	const char *why;
	char *got, *nl;
	FILE *f;
	size_t i;

	for (i = 0; i < N_CASES; i++) {
		f = open_in(x, "set.gp");
		ub_gnuplot_str(f, "v", cases[i].in);
		assert_int_equal(fclose(f), 0);
		got = slurp_in(x, "set.gp");
		assert_non_null(got);
		nl = strchr(got, '\n');
		assert_non_null(nl);
		assert_int_equal(nl[1], '\0');
		*nl = '\0';
		why = gpsafe_line(got);
		if (why)
			fail_msg("case %zu: %s: %s", i, why, got);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settings_print_back_as_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_fields_read_back_as_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_stay_on_one_line, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
