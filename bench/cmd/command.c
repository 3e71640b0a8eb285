#include "cmd/command.h"

#include <stdio.h>

int ub_command_fail(const char *who, const struct ub_err *e, int exit_code)
{
	if (who)
		fprintf(stderr, "udpbench %s: %s\n", who, e->msg);
	else
		fprintf(stderr, "udpbench: %s\n", e->msg);
	return exit_code;
}
