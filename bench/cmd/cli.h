/* udpbench: the command line, one getopt_long table per subcommand. */
#ifndef UB_CLI_H
#define UB_CLI_H

#include <stdio.h>

#include "capture/analyze.h"
#include "stamp/auth.h"
#include "lib/err.h"
#include "reflect/reflector.h"
#include "relay/relay.h"
#include "reports/report.h"
#include "scenarios/scenario.h"
#include "send/sender.h"

enum ub_cmd {
	UB_CMD_SEND = 0,
	UB_CMD_REFLECT,
	UB_CMD_RELAY,
	UB_CMD_ANALYZE,
	UB_CMD_REPORT,
	UB_CMD_SCENARIO_LIST,
	UB_CMD_SCENARIO_RUN,
	UB_CMD_HELP,
	UB_CMD_VERSION
};

struct ub_cli {
	enum ub_cmd cmd;
	enum ub_cmd help_for; /* which usage --help asked for */
	int quiet;
	struct ub_sender_config send;
	struct ub_auth_key send_key; /* --key FILE of the sender */
	struct ub_reflector_config reflect;
	struct ub_relay_config relay;
	struct ub_analyze_config analyze;
	struct ub_auth_key analyze_key; /* --key FILE of analyze */
	struct ub_report_config report;
	const char *const *report_inputs; /* result files, pointing into argv */
	unsigned n_report_inputs;
	struct ub_scenario_run_config scenario;
	const char *scenario_name;  /* scenario run NAME|FILE */
	const char **peers;   /* --peer values and --peers FILE lines */
	unsigned n_peers, cap_peers;
	char **owned;         /* strings read from --peers files */
	unsigned n_owned;
};

/*
 * Parses argv. Returns 0, or UB_E_INVAL with a one-line message in e that
 * names the bad option (the caller exits 2). Strings point into argv.
 */
int ub_cli_parse(int argc, char **argv, struct ub_cli *out, struct ub_err *e);

/* Frees what ub_cli_parse allocated (NULL accepted). */
void ub_cli_free(struct ub_cli *cli);

/* Prints the help of a subcommand. */
void ub_cli_usage(FILE *f, enum ub_cmd cmd);

#endif
