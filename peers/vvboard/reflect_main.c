/*
 * udpbench for the 虚谷号: the STAMP reflector alone, statically linked for
 * aarch64 (`make cross-aarch64`). The sender, relay, capture, scenarios and
 * reports need libpcap, jansson and inih, which have no static arm64 build
 * on the build machine; asked for one of those, this binary says so.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd_reflect.h"
#include "lib/err.h"
#include "lib/exitcode.h"
#include "lib/signals.h"
#include "reflect/reflector.h"

#ifndef UB_VERSION
#define UB_VERSION "unknown"
#endif

static const char build_note[] =
	"This is the reflector-only build of udpbench (static aarch64, for the 虚谷号);\n"
	"measure it from a PC with the full udpbench: udpbench --peer THIS_BOARD.\n"
	"Give --bind a numeric address. Not in this build: send, relay, analyze,\n"
	"report, scenario (they need libpcap, jansson and inih); run them on the PC.\n\n";

static void usage(FILE *f)
{
	fputs(build_note, f);
	fputs(ub_cmd_reflect.usage, f);
}

/* The commands of the full udpbench that this build leaves out. */
static const char *const missing_cmds[] = { "send", "relay", "analyze", "report", "scenario" };

/* Returns UB_EXIT_ERROR after one line naming what this build lacks. */
static int lacks(const char *what)
{
	fprintf(stderr,
		"udpbench: '%s' is not in this reflector-only build (static aarch64 for the 虚谷号: "
		"no libpcap, jansson or inih); run it on the PC. Here only 'udpbench reflect' works.\n",
		what);
	return UB_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	struct ub_cmd_reflect_state c;
	struct ub_err e;
	const char *cmd = argc > 1 ? argv[1] : NULL;
	size_t i;
	int rc;

	if (!cmd) {
		usage(stderr);
		return UB_EXIT_USAGE;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return UB_EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("udpbench %s (reflector-only build)\n", UB_VERSION);
		return UB_EXIT_OK;
	}
	for (i = 0; i < sizeof(missing_cmds) / sizeof(missing_cmds[0]); i++)
		if (strcmp(cmd, missing_cmds[i]) == 0)
			return lacks(cmd);
	/* Options first means the sender in the full udpbench (`udpbench --peer HOST`). */
	if (cmd[0] == '-')
		return lacks("send");
	if (strcmp(cmd, "reflect") != 0) {
		fprintf(stderr, "udpbench: unknown command '%s' (this build has only 'reflect')\n", cmd);
		return UB_EXIT_USAGE;
	}
	ub_err_clear(&e);
	rc = ub_cmd_reflect.parse(argc - 1, argv + 1, &c, &e);
	if (rc < 0) {
		fprintf(stderr, "udpbench: %s (see udpbench --help)\n", e.msg);
		return UB_EXIT_USAGE;
	}
	if (rc == UB_CMD_HELP) {
		usage(stdout);
		return UB_EXIT_OK;
	}
	ub_signals_install();
	return ub_cmd_reflect.run(&c);
}
