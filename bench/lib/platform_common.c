/* udpbench: what the platform layer (platform.h) does the same way on every system: joining paths. */
#include "lib/platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ub_path_join(char *out, size_t n, const char *dir, const char *fmt, ...)
{
	char sep = ub_path_sep(dir), between[2] = { 0, 0 };
	size_t len = strlen(dir), i;
	va_list ap;
	int w;

	if (n == 0)
		return -1;
	/* an empty dir is the current folder: the name alone */
	if (len && !ub_path_is_sep(dir[len - 1]))
		between[0] = sep;
	w = snprintf(out, n, "%s%s", dir, between);
	if (w < 0 || (size_t)w >= n)
		return -1;
	len = (size_t)w;
	va_start(ap, fmt);
	w = vsnprintf(out + len, n - len, fmt, ap);
	va_end(ap);
	for (i = len; out[i]; i++)
		if (ub_path_is_sep(out[i]))
			out[i] = sep;
	return w < 0 || (size_t)w >= n - len ? -1 : 0;
}
