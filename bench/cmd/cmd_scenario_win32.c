/*
 * udpbench scenario in the Windows build: not in it (its INI reader,
 * libinih, is not built for Windows), so it says so in one line.
 */
#include "cmd/cmd_scenario.h"

#include <stdio.h>
#include <string.h>

#include "lib/exitcode.h"

static const char scenario_usage[] =
	"Usage: udpbench scenario list|run NAME\n"
	"Not in the Windows build: use the Linux build for scenarios (under WSL on this PC).\n";

static const struct option scenario_options[] = { { 0, 0, 0, 0 } };

static int scenario_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	int i;

	(void)state, (void)e;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return UB_CMD_HELP;
	return UB_CMD_RUN;
}

static int scenario_run(void *state)
{
	(void)state;
	fputs("udpbench: 'scenario' is not in the Windows build; use the Linux build for it "
	      "(under WSL on this PC)\n",
	      stderr);
	return UB_EXIT_ERROR;
}

const struct ub_command ub_cmd_scenario = {
	.name = "scenario",
	.usage = scenario_usage,
	.options = scenario_options,
	.state_size = 1,
	.parse = scenario_parse,
	.run = scenario_run,
};
