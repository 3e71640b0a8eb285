/* udpbench: the thin main — find the subcommand, parse, install signal handlers, run. */
#include <stdio.h>

#include "cmd/cli.h"
#include "lib/exitcode.h"
#include "lib/platform.h"
#include "lib/signals.h"
#include "metrics/words.h"

int main(int argc, char **argv)
{
	struct ub_cli cli;
	struct ub_err e;
	int rc;

	ub_err_clear(&e);
	if (ub_platform_start(&e) < 0)
		return ub_command_fail(NULL, &e, UB_EXIT_ERROR);
	if (ub_cli_parse(argc, argv, &cli, &e) < 0) {
		fprintf(stderr, UB_TR(ub_words_lang(argv) == UB_LANG_ZH,
				      "udpbench: %s (see udpbench --help)\n",
				      "udpbench: %s（用法见 udpbench --help）\n"),
			e.msg);
		ub_cli_free(&cli);
		return UB_EXIT_USAGE;
	}
	switch (cli.action) {
	case UB_CMD_HELP:
		fputs(ub_platform_note, stdout);
		fputs(cli.command->usage, stdout);
		rc = UB_EXIT_OK;
		break;
	case UB_CMD_VERSION:
		printf("udpbench %s%s\n", UB_VERSION, ub_platform_version);
		rc = UB_EXIT_OK;
		break;
	default:
		if (cli.command->signals)
			ub_signals_install();
		rc = cli.command->run(cli.state);
		break;
	}
	ub_cli_free(&cli);
	return rc;
}
