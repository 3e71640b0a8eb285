/*
 * udpbench: what a subcommand is — its word, its help, its options and the
 * two steps main takes with it: parse the words after it, then run. Each
 * bench/cmd/cmd_NAME.c defines one (ub_cmd_NAME, declared in cmd_NAME.h);
 * bench/cmd/cli.c lists them in one table.
 */
#ifndef UB_COMMAND_H
#define UB_COMMAND_H

#include <getopt.h>
#include <stddef.h>

#include "lib/err.h"

/* What a parse asks main to do. */
enum ub_cmd_action {
	UB_CMD_RUN = 0,  /* run the command */
	UB_CMD_HELP,     /* print its usage to stdout, exit 0 */
	UB_CMD_VERSION   /* print the version, exit 0 */
};

struct ub_command {
	const char *name;              /* the word after "udpbench" */
	const char *usage;             /* the --help text */
	const struct option *options;  /* its long options (ends with a zero entry) */
	size_t state_size;             /* its parsed command line, zeroed before parse */
	/*
	 * Fills state from argv (argv[0] is the command's word, or "udpbench"
	 * for the default command). Returns an enum ub_cmd_action, or UB_E_INVAL
	 * with a one-line message in e naming the option. Strings point into argv.
	 */
	int (*parse)(int argc, char **argv, void *state, struct ub_err *e);
	/* Does the work; returns the exit code (lib/exitcode.h). */
	int (*run)(void *state);
	/* Frees what parse allocated inside state (NULL: nothing). */
	void (*free)(void *state);
	int signals; /* main installs the SIGINT/SIGTERM/SIGUSR1 handlers before run */
};

/*
 * Prints "udpbench WHO: MESSAGE" (WHO NULL: "udpbench: MESSAGE") on stderr
 * and returns exit_code: how a run says why it failed.
 */
int ub_command_fail(const char *who, const struct ub_err *e, int exit_code);

/*
 * In the static board build (UB_BOARD_BUILD: no jansson, libpcap or
 * libmicrohttpd) fills e saying option opt needs lib and is 1; else 0.
 */
#ifdef UB_BOARD_BUILD
#define UB_BOARD_LACKS(opt, lib, e)                                                            \
	(ub_err_set((e), UB_E_INVAL, 0,                                                        \
		    "%s is not in this build (the static aarch64 board build: no %s); run it on "  \
		    "the PC", (opt), (lib)) < 0)
#else
#define UB_BOARD_LACKS(opt, lib, e) 0
#endif

#endif
