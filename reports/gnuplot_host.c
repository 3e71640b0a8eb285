/*
 * udpbench: reports — what gnuplot needs from a Linux system (gnuplot.h): a
 * Chinese font fontconfig knows, a UTF-8 locale, and the Debian package
 * to install when gnuplot is missing.
 */
#include "reports/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/proc.h"

extern char **environ;

/* Picks a font with Chinese glyphs through fontconfig (fc-list), else a known file. */
int ub_gnuplot_find_cjk_font(char *font, size_t len, struct ub_err *e)
{
	static const char *const prefer[] = { "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK",
					      "AR PL UMing" };
	static const char *const files[][2] = {
		{ "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei" },
		{ "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC" },
	};
	const char *argv[] = { "fc-list", ":lang=zh", "family", NULL };
	char buf[65536];
	size_t got = 0, i;
	ssize_t n;
	int fds[2], rc;
	struct ub_proc_config pc;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "pipe");
	ub_proc_config_init(&pc);
	pc.in = UB_PROC_DEVNULL;
	pc.out = pc.err = fds[1];
	rc = ub_proc_spawn(argv, &pc, &pid, NULL);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (ub_gnuplot_is_file(files[i][0])) {
				snprintf(font, len, "%s", files[i][1]);
				return 0;
			}
		goto missing;
	}
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0 || (n < 0 && errno == EINTR))
		got += n > 0 ? (size_t)n : 0;
	close(fds[0]);
	buf[got] = '\0';
	ub_proc_wait(pid);
	for (i = 0; i < sizeof(prefer) / sizeof(prefer[0]); i++)
		if (strstr(buf, prefer[i])) {
			snprintf(font, len, "%s", prefer[i]);
			return 0;
		}
	if (got && buf[0] != '\n') {
		snprintf(font, len, "%.*s", (int)strcspn(buf, ",\n"), buf);
		return 0;
	}
missing:
	return ub_err_set(e, UB_E_SYS, 0,
			  "--lang zh needs a Chinese font: install the Debian package fonts-wqy-zenhei "
			  "(apt-get install fonts-wqy-zenhei)");
}

/*
 * gnuplot's environment is ours with a UTF-8 character type, which `set
 * encoding utf8` needs to measure Chinese text (in the C locale it warns and
 * miscounts).
 */
int ub_gnuplot_env(char ***out)
{
	static char ctype[] = "LC_CTYPE=C.UTF-8";
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	*out = env;
	if (!env)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) != 0 && strncmp(environ[i], "LC_CTYPE=", 9) != 0)
			env[k++] = environ[i];
	env[k] = ctype;
	return 0;
}

int ub_gnuplot_missing(struct ub_report_ctx *R, struct ub_err *e)
{
	(void)R;
	return ub_err_set(e, UB_E_SYS, 0, "gnuplot is not installed: install the Debian package "
			  "gnuplot-nox (apt-get install gnuplot-nox), or leave the charts out with "
			  "--no-charts");
}
