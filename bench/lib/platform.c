#include "lib/platform.h"

#include <string.h>

const char ub_platform_version[] = "";
const char ub_platform_note[] = "";

int ub_platform_start(struct ub_err *e)
{
	(void)e;
	return 0;
}

int ub_path_is_sep(char c)
{
	return c == '/';
}

const char *ub_path_last_sep(const char *path)
{
	return strrchr(path, '/');
}

char ub_path_sep(const char *dir)
{
	(void)dir;
	return '/';
}
