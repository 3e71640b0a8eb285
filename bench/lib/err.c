#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ub_err_clear(struct ub_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->sys_errno = 0;
	e->msg[0] = '\0';
}

int ub_err_set(struct ub_err *e, int code, int sys_errno, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e)
		return code;
	e->code = code;
	e->sys_errno = sys_errno;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (sys_errno) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(sys_errno));
	}
	return code;
}

int ub_err_prefix(struct ub_err *e, int code, const char *prefix)
{
	char msg[UB_ERR_MSG_MAX];

	if (!e)
		return code;
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return ub_err_set(e, code, 0, "%s: %s", prefix, msg);
}
