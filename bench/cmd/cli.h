/*
 * udpbench: the command line — which subcommand the words name, and that
 * subcommand's own parse of the rest (bench/cmd/cmd_*.c).
 */
#ifndef UB_CLI_H
#define UB_CLI_H

#include "cmd/command.h"
#include "lib/err.h"

struct ub_cli {
	const struct ub_command *command; /* the subcommand named, or send */
	enum ub_cmd_action action;        /* run it, or print its help or the version */
	void *state;                      /* its parsed command line; NULL for `udpbench help` */
};

/* The subcommand called name, or NULL. */
const struct ub_command *ub_cli_find(const char *name);

/*
 * Parses argv: `udpbench COMMAND [options]`, `udpbench help [COMMAND]`,
 * and send's options or hosts without the word (`udpbench 192.168.4.1`).
 * Returns 0, UB_E_INVAL with a one-line message in e that names the bad
 * option (the caller exits 2), or UB_E_NOMEM. Strings point into argv.
 * ub_cli_free releases out either way.
 */
int ub_cli_parse(int argc, char **argv, struct ub_cli *out, struct ub_err *e);

/* Frees what ub_cli_parse allocated (NULL accepted). */
void ub_cli_free(struct ub_cli *cli);

#endif
