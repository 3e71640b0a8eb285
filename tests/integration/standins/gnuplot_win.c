/*
 * A stand-in for gnuplot for Windows, built with mingw-w64 by
 * tests/integration/test_windows.py and started by udpbench.exe under wine
 * (wine can start Linux's gnuplot but cannot wait for it). Run as
 * `gnuplot NAME.set.gp TEMPLATE.gp`, it reads the settings file named first
 * on its command line, as gnuplot would, and writes the file its
 * `out = '...'` names: a 1x1 PNG, or a small SVG when term_type is 'svg'.
 * It appends its command line, the words the C runtime split it into and
 * its working folder (UTF-8) to the file %UB_STANDIN_LOG% in one write, and ends with
 * status 3 without drawing when NAME.set.gp is %UB_STANDIN_FAIL%.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static const unsigned char png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
	0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
	0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78,
	0x9c, 0x63, 0xf8, 0xff, 0xff, 0x3f, 0x00, 0x05, 0xfe, 0x02, 0xfe, 0x0d, 0xef, 0x46,
	0xb8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static const char svg[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"9\">"
			  "<rect width=\"16\" height=\"9\" fill=\"#0072B2\"/></svg>\n";

/* w in UTF-8, into a static buffer. */
static const char *utf8(const wchar_t *w)
{
	static char b[4][4096];
	static int k;

	k = (k + 1) % 4;
	if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, b[k], sizeof(b[k]), NULL, NULL))
		b[k][0] = '\0';
	return b[k];
}

/* The value of `key = '...'` in line, into v; returns 1 when line sets key. */
static int setting(const char *line, const char *key, char *v, size_t len)
{
	size_t n = strlen(key);
	const char *q;

	if (strncmp(line, key, n) != 0 || strncmp(line + n, " = '", 4) != 0)
		return 0;
	line += n + 4;
	q = strchr(line, '\'');
	if (!q || (size_t)(q - line) >= len)
		return 0;
	memcpy(v, line, (size_t)(q - line));
	v[q - line] = '\0';
	return 1;
}

int main(void)
{
	wchar_t **wargv, cwd[MAX_PATH];
	char line[1024], out[512] = "", term[64] = "", *log = getenv("UB_STANDIN_LOG");
	const char *fail = getenv("UB_STANDIN_FAIL");
	int argc, i;
	FILE *f;

	wargv = CommandLineToArgvW(GetCommandLineW(), &argc);
	GetCurrentDirectoryW(MAX_PATH, cwd);
	if (log) {
		/* the whole record in one append: a report runs several of these at once */
		static char rec[65536];
		size_t n = (size_t)snprintf(rec, sizeof(rec), "line %s\n", utf8(GetCommandLineW()));
		HANDLE h;
		DWORD done;

		for (i = 0; wargv && i < argc && n < sizeof(rec); i++)
			n += (size_t)snprintf(rec + n, sizeof(rec) - n, "word %s\n", utf8(wargv[i]));
		if (n < sizeof(rec))
			n += (size_t)snprintf(rec + n, sizeof(rec) - n, "cwd %s\n", utf8(cwd));
		h = CreateFileA(log, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
				OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
		if (h != INVALID_HANDLE_VALUE) {
			WriteFile(h, rec, (DWORD)(n < sizeof(rec) ? n : sizeof(rec) - 1), &done, NULL);
			CloseHandle(h);
		}
	}
	if (!wargv || argc < 3) {
		fputs("stand-in gnuplot: want NAME.set.gp TEMPLATE.gp\n", stderr);
		return 2;
	}
	if (fail && strcmp(fail, utf8(wargv[1])) == 0) {
		printf("\"%s\" line 1: stand-in gnuplot fails here as asked\n", utf8(wargv[1]));
		return 3;
	}
	f = _wfopen(wargv[1], L"r");
	if (!f) {
		printf("cannot open %s\n", utf8(wargv[1]));
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		if (!setting(line, "out", out, sizeof(out)))
			setting(line, "term_type", term, sizeof(term));
	fclose(f);
	if (!out[0] || !(f = fopen(out, "wb"))) {
		printf("no output to write (out = '%s')\n", out);
		return 1;
	}
	if (strcmp(term, "svg") == 0)
		fputs(svg, f);
	else
		fwrite(png, 1, sizeof(png), f);
	return fclose(f) == 0 ? 0 : 1;
}
