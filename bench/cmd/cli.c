#include "cmd/cli.h"

#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_analyze.h"
#include "cmd/cmd_discover.h"
#include "cmd/cmd_reflect.h"
#include "cmd/cmd_relay.h"
#include "cmd/cmd_report.h"
#include "cmd/cmd_scenario.h"
#include "cmd/cmd_send.h"

/* Every subcommand; `udpbench help` and a first word that names none mean the first. */
static const struct ub_command *const commands[] = {
	&ub_cmd_send, &ub_cmd_reflect, &ub_cmd_relay, &ub_cmd_analyze, &ub_cmd_report,
	&ub_cmd_scenario, &ub_cmd_discover,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct ub_command *ub_cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(name, commands[i]->name) == 0)
			return commands[i];
	return NULL;
}

int ub_cli_parse(int argc, char **argv, struct ub_cli *out, struct ub_err *e)
{
	const struct ub_command *cmd = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (argc > 1 && strcmp(argv[1], "help") == 0) {
		cmd = argc > 2 ? ub_cli_find(argv[2]) : NULL;
		out->command = cmd ? cmd : commands[0];
		out->action = UB_CMD_HELP;
		return 0;
	}
	/* Options or a host first ("udpbench 192.168.4.1", as ping's) are send's. */
	if (argc > 1 && argv[1][0] != '-')
		cmd = ub_cli_find(argv[1]);
	if (cmd) {
		argc--;
		argv++;
	} else {
		cmd = commands[0];
	}
	out->command = cmd;
	out->state = calloc(1, cmd->state_size);
	if (!out->state)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	rc = cmd->parse(argc, argv, out->state, e);
	if (rc < 0)
		return rc;
	out->action = (enum ub_cmd_action)rc;
	return 0;
}

void ub_cli_free(struct ub_cli *cli)
{
	if (!cli)
		return;
	if (cli->state && cli->command && cli->command->free)
		cli->command->free(cli->state);
	free(cli->state);
	cli->state = NULL;
}
