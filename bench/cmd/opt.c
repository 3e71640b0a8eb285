#include "cmd/opt.h"

#include <sys/socket.h>

#include "lib/units.h"
#include "metrics/words.h"

/*
 * Names the option getopt did not know: a short one by its letter, a long
 * one by its word, in the language of the environment or of a --lang in argv.
 */
static int unknown_option(char *const *argv, struct ub_err *e)
{
	int zh = ub_words_lang(argv) == UB_LANG_ZH;

	if (optopt)
		return ub_err_set(e, UB_E_INVAL, 0, UB_TR(zh, "unknown option '-%c'", "没有 '-%c' 这个选项"),
				  optopt);
	return ub_err_set(e, UB_E_INVAL, 0, UB_TR(zh, "unknown option '%s'", "没有 '%s' 这个选项"),
			  argv[optind - 1]);
}

/* UB_E_INVAL naming argv[operand] when operand < argc; else 0. */
static int no_operand(int argc, char *const *argv, int operand, struct ub_err *e)
{
	if (operand < argc)
		return ub_err_set(e, UB_E_INVAL, 0, "unexpected argument '%s'", argv[operand]);
	return 0;
}

int ub_opt_parse(int argc, char **argv, const struct ub_opt_spec *spec, void *state,
		 int *operand, struct ub_err *e)
{
	int opt, idx, rc;

	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also forgets where it was inside a "-xyz" group */
	for (idx = -1; (opt = getopt_long(argc, argv, spec->shortopts, spec->longopts, &idx)) != -1;
	     idx = -1) {
		switch (opt) {
		case 'h':
			return UB_CMD_HELP;
		case 'V':
			return UB_CMD_VERSION;
		case ':':
			return ub_err_set(e, UB_E_INVAL, 0,
					  UB_TR(ub_words_lang(argv) == UB_LANG_ZH, "%s: needs a value",
						"%s 后面要跟一个值"),
					  argv[optind - 1]);
		case '?':
			return unknown_option(argv, e);
		}
		rc = spec->take(state, opt, idx >= 0 ? spec->longopts[idx].name : NULL, optarg, e);
		if (rc == UB_OPT_NOT_MINE)
			return unknown_option(argv, e);
		if (rc < 0)
			return rc;
	}
	if (!operand)
		return no_operand(argc, argv, optind, e);
	*operand = optind;
	return UB_CMD_RUN;
}

const char *ub_opt_one_operand(int argc, char **argv, int operand, const char *missing,
			       struct ub_err *e)
{
	if (operand >= argc) {
		ub_err_set(e, UB_E_INVAL, 0, "%s", missing);
		return NULL;
	}
	if (no_operand(argc, argv, operand + 1, e) < 0)
		return NULL;
	return argv[operand];
}

int ub_opt_common(int opt, int *family, int *quiet)
{
	if ((opt == '4' || opt == '6') && family)
		*family = opt == '4' ? AF_INET : AF_INET6;
	else if (opt == 'q' && quiet)
		*quiet = 1;
	else
		return UB_OPT_NOT_MINE;
	return 0;
}

int ub_opt_key(const char *arg, struct ub_auth_key *key, const struct ub_auth_key **use,
	       struct ub_err *e)
{
	if (ub_auth_key_load(arg, key, e) < 0)
		return ub_err_prefix(e, e->code, "--key");
	*use = key;
	return 0;
}

/* Puts "NAME: " before lib/units' message when rc says the value was refused. */
static int named(int rc, const char *name, struct ub_err *e)
{
	return rc < 0 ? ub_err_prefix(e, UB_E_INVAL, name) : 0;
}

int ub_opt_count(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out,
		 struct ub_err *e)
{
	return named(ub_units_count(arg, min, max, out, e), name, e);
}

int ub_opt_duration(const char *name, const char *arg, int64_t min, int64_t max, int64_t *out,
		    struct ub_err *e)
{
	return named(ub_units_duration(arg, min, max, out, e), name, e);
}

int ub_opt_int(const char *name, const char *arg, int min, int max, int *out, struct ub_err *e)
{
	uint64_t v;
	int rc = ub_opt_count(name, arg, (uint64_t)min, (uint64_t)max, &v, e);

	if (rc == 0)
		*out = (int)v;
	return rc;
}

int ub_opt_unsigned(const char *name, const char *arg, unsigned min, unsigned max, unsigned *out,
		    struct ub_err *e)
{
	uint64_t v;
	int rc = ub_opt_count(name, arg, min, max, &v, e);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}

int ub_opt_size(const char *name, const char *arg, uint64_t min, uint64_t max, unsigned *out,
		struct ub_err *e)
{
	uint64_t v;
	int rc = named(ub_units_size(arg, min, max, &v, e), name, e);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}
