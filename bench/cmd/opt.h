/*
 * udpbench: what every subcommand's parser does the same way — the
 * getopt_long loop with -h, -V, a missing value and an unknown option
 * answered once for all, and option values read through lib/units with
 * the option named in the message.
 */
#ifndef UB_OPT_H
#define UB_OPT_H

#include <getopt.h>
#include <stdint.h>

#include "cmd/command.h"
#include "lib/err.h"
#include "stamp/auth.h"

/* Returned by a take function for an option that is not its own. */
#define UB_OPT_NOT_MINE 1

/* A command's options as getopt_long reads them, and the function that takes each one. */
struct ub_opt_spec {
	const char *shortopts;         /* getopt's letters; starts with ':' */
	const struct option *longopts; /* ends with a zero entry */
	/*
	 * Takes one option into state: opt is getopt's value, name the long
	 * name when it was given long (NULL for a letter), arg its value or
	 * NULL. Returns 0, UB_OPT_NOT_MINE, or a UB_E_ code with e set.
	 */
	int (*take)(void *state, int opt, const char *name, const char *arg, struct ub_err *e);
};

/*
 * Reads the options of argv (argv[0] is the command's word) into state,
 * getopt starting over. -h and -V, when the spec lists them, end the parse
 * at once. Returns UB_CMD_RUN with the index of the first word that is no
 * option in *operand (getopt moves them all to the end; operand NULL: the
 * command takes none, and one is an error), UB_CMD_HELP, UB_CMD_VERSION,
 * or UB_E_INVAL with one line in e naming the option or the word.
 */
int ub_opt_parse(int argc, char **argv, const struct ub_opt_spec *spec, void *state,
		 int *operand, struct ub_err *e);

/*
 * The one word a command takes after its options (a file, a name): returns
 * argv[operand], or NULL with e set to missing when there is none and to
 * "unexpected argument" when there are more.
 */
const char *ub_opt_one_operand(int argc, char **argv, int operand, const char *missing,
			       struct ub_err *e);

/*
 * -4 and -6 (into *family) and -q (*quiet = 1), which mean the same to every
 * command that has them. Returns 0, or UB_OPT_NOT_MINE for any other opt.
 */
int ub_opt_common(int opt, int *family, int *quiet);

/*
 * --key FILE loaded into key, and *use pointed at it. Returns 0, or the
 * loader's code with "--key: " before its message.
 */
int ub_opt_key(const char *arg, struct ub_auth_key *key, const struct ub_auth_key **use,
	       struct ub_err *e);

/*
 * The value of the option name ("--count") as a count (1k = 1000), a size
 * (1k = 1024) or a duration (10ms) within [min, max]. Returns 0, or
 * UB_E_INVAL with "NAME: " before lib/units' message.
 */
int ub_opt_count(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
		 struct ub_err *e);
int ub_opt_int(const char *name, const char *arg, int min, int max, int *out, struct ub_err *e);
int ub_opt_unsigned(const char *name, const char *arg, unsigned min, unsigned max, unsigned *out,
		    struct ub_err *e);
int ub_opt_size(const char *name, const char *arg, uint64_t min, uint64_t max, unsigned *out,
		struct ub_err *e);
int ub_opt_duration(const char *name, const char *arg, int64_t min, int64_t max, int64_t *out,
		    struct ub_err *e);

#endif
