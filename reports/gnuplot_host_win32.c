/*
 * udpbench: reports — what gnuplot needs from Windows (gnuplot.h): a
 * Chinese font Windows ships, and where to get gnuplot for Windows when it
 * cannot be found (the report is then written without its charts).
 */
#include "reports/gnuplot.h"

#include <stdio.h>

#include "lib/plat.h"

/* Fonts with Chinese glyphs that Windows installs, best first: the family and its file in Fonts. */
static const char *const cjk_fonts[][2] = {
	{ "Microsoft YaHei", "msyh.ttc" },
	{ "SimHei", "simhei.ttf" },
	{ "SimSun", "simsun.ttc" },
};

int ub_gnuplot_find_cjk_font(char *font, size_t len, struct ub_err *e)
{
	char windir[MAX_PATH], path[MAX_PATH + 64];
	UINT n = GetWindowsDirectoryA(windir, sizeof(windir));
	size_t i;

	(void)e;
	for (i = 0; n > 0 && n < sizeof(windir) && i < sizeof(cjk_fonts) / sizeof(cjk_fonts[0]); i++) {
		snprintf(path, sizeof(path), "%s\\Fonts\\%s", windir, cjk_fonts[i][1]);
		if (ub_gnuplot_is_file(path)) {
			snprintf(font, len, "%s", cjk_fonts[i][0]);
			return 0;
		}
	}
	/* none found where it should be: the first, which gnuplot's font fallback stands in for */
	snprintf(font, len, "%s", cjk_fonts[0][0]);
	return 0;
}

int ub_gnuplot_env(char ***env)
{
	/* gnuplot for Windows reads `set encoding utf8` without a locale */
	*env = NULL;
	return 0;
}

int ub_gnuplot_missing(struct ub_report_ctx *R, struct ub_err *e)
{
	(void)e;
	if (R->c->log)
		fprintf(R->c->log,
			UB_REPORT_TX(R, "note: no charts: they need gnuplot for Windows (%s), its bin "
					"folder on PATH or --gnuplot PATH\\gnuplot.exe; the tables are written\n",
				     "注意：没有图表：绘图需要 Windows 版 gnuplot（%s），把 gnuplot.exe 所在的"
				     "文件夹加入 PATH，或用 --gnuplot 路径\\gnuplot.exe；表格照常写出\n"),
			"http://www.gnuplot.info/download.html");
	return 0;
}
