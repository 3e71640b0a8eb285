#include "lib/platform.h"

const char ub_platform_version[] = "";
const char ub_platform_note[] = "";

int ub_platform_start(struct ub_err *e)
{
	(void)e;
	return 0;
}
