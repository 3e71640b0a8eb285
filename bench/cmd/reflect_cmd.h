/*
 * udpbench: the `reflect` command — its options, its help and its run —
 * shared by the full program and the reflector-only build for the boards.
 */
#ifndef UB_REFLECT_CMD_H
#define UB_REFLECT_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "lib/err.h"
#include "reflect/reflector.h"

/* The long options of `udpbench reflect`, for getopt_long (ends with a zero entry). */
extern const struct option ub_reflect_cmd_options[];

/* Prints the help of `udpbench reflect`. */
void ub_reflect_cmd_usage(FILE *f);

/*
 * Parses the options after "reflect" (argv[0] is the word "reflect") into c.
 * Returns 0, 1 when --help was asked for, or UB_E_INVAL with a one-line
 * message in e naming the option. Strings point into argv.
 */
int ub_reflect_cmd_parse(int argc, char **argv, struct ub_reflector_config *c, struct ub_err *e);

/* Reflects until SIGINT/SIGTERM, counters on SIGUSR1 and at exit; returns the exit code. */
int ub_reflect_cmd_run(struct ub_reflector_config *c);

#endif
