/*
 * udpbench.exe, the native Windows build (`make cross-windows`): the sender,
 * the reflector (UDP and TCP echo) and the socket relay, with JSON and CSV
 * results, and report (charts through gnuplot for Windows). What
 * needs libpcap, libmicrohttpd, netlink or network namespaces is not in it;
 * asked for one of those, it says so in a line and names the way to get it
 * (the Linux build, under WSL on the same PC).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_reflect.h"
#include "cmd/cmd_relay.h"
#include "cmd/cmd_report.h"
#include "cmd/cmd_send.h"
#include "lib/err.h"
#include "lib/exitcode.h"
#include "lib/plat.h"
#include "lib/signals.h"

#ifndef UB_VERSION
#define UB_VERSION "unknown"
#endif

static const char build_note[] =
	"This is the Windows build of udpbench: it has the sender, 'udpbench [send]\n"
	"--peer HOST' (with --json, --csv and --key), 'udpbench reflect' (UDP and\n"
	"--tcp), the socket relay, 'udpbench relay --listen PORT --to HOST:PORT', and\n"
	"'udpbench report' (charts with gnuplot for Windows on PATH or --gnuplot;\n"
	"without it the tables and index.html). Not in this build: analyze, scenario,\n"
	"discover, relay --between, --pcap, --live, --metrics; use the Linux build for\n"
	"them (under WSL on this PC).\n\n";

static void usage(FILE *f, const struct ub_command *cmd)
{
	fputs(build_note, f);
	fputs(cmd->usage, f);
}

/* The commands of the full udpbench that this build leaves out. */
static const char *const missing_cmds[] = { "analyze", "scenario", "discover" };

/* The commands of this build, by their word; the first is the one without a word. */
static const struct ub_command *const cmds[] = { &ub_cmd_send, &ub_cmd_reflect, &ub_cmd_relay,
						 &ub_cmd_report };

/* Returns the command named word, or NULL. */
static const struct ub_command *find_cmd(const char *word)
{
	size_t i;

	for (i = 0; word && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(word, cmds[i]->name) == 0)
			return cmds[i];
	return NULL;
}

/* Returns UB_EXIT_ERROR after one line naming what this build lacks. */
static int lacks(const char *what)
{
	fprintf(stderr,
		"udpbench: '%s' is not in the Windows build; use the Linux build for it (under "
		"WSL on this PC). Here 'udpbench reflect', 'udpbench relay', 'udpbench report' "
		"and 'udpbench --peer HOST' work.\n",
		what);
	return UB_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	const struct ub_command *cmd = &ub_cmd_send;
	const char *word = argc > 1 ? argv[1] : NULL;
	struct ub_err e;
	void *state = NULL;
	size_t i;
	int rc;

	ub_err_clear(&e);
	if (ub_plat_init(&e) < 0)
		return ub_command_fail(NULL, &e, UB_EXIT_ERROR);
	if (!word) {
		usage(stderr, cmd);
		return UB_EXIT_USAGE;
	}
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0 || strcmp(word, "help") == 0) {
		if (argc > 2 && find_cmd(argv[2]))
			cmd = find_cmd(argv[2]);
		usage(stdout, cmd);
		return UB_EXIT_OK;
	}
	if (strcmp(word, "-V") == 0 || strcmp(word, "--version") == 0) {
		printf("udpbench %s (Windows build: send, reflect, relay, report)\n", UB_VERSION);
		return UB_EXIT_OK;
	}
	for (i = 0; i < sizeof(missing_cmds) / sizeof(missing_cmds[0]); i++)
		if (strcmp(word, missing_cmds[i]) == 0)
			return lacks(word);
	/* As in the full udpbench: a word that names no command is send's host. */
	if (find_cmd(word)) {
		cmd = find_cmd(word);
		argc--;
		argv++;
	}
	state = calloc(1, cmd->state_size);
	if (!state) {
		fputs("udpbench: out of memory\n", stderr);
		return UB_EXIT_ERROR;
	}
	rc = cmd->parse(argc, argv, state, &e);
	if (rc < 0) {
		fprintf(stderr, "udpbench: %s (see udpbench --help)\n", e.msg);
		rc = UB_EXIT_USAGE;
	} else if (rc == UB_CMD_HELP) {
		usage(stdout, cmd);
		rc = UB_EXIT_OK;
	} else if (rc == UB_CMD_VERSION) {
		printf("udpbench %s (Windows build: send, reflect, relay, report)\n", UB_VERSION);
		rc = UB_EXIT_OK;
	} else {
		if (cmd->signals)
			ub_signals_install();
		rc = cmd->run(state);
	}
	if (cmd->free)
		cmd->free(state);
	free(state);
	return rc;
}
