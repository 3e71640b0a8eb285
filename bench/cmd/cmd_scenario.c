/* udpbench scenario: list the shipped link setups, or run one and keep its results. */
#include "cmd/cmd_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/langopt.h"
#include "cmd/opt.h"
#include "lib/exitcode.h"
#include "lib/signals.h"
#include "scenarios/scenario.h"

/* The parsed command line of `udpbench scenario list|run`. */
struct scenario_cmd {
	struct ub_scenario_run_config c;
	int list;         /* scenario list */
	const char *name; /* scenario run NAME|FILE */
};

static const char scenario_usage[] =
	"Usage: udpbench scenario list [--lang en|zh]\n"
	"       udpbench scenario run NAME|FILE.ini [options]\n"
	"Run a link setup and probe plan from scenarios/NAME.ini: a reflector behind the\n"
	"link emulator on this machine (or a real peer), then the probes; one folder\n"
	"of results with the figures udpbench measured beside the emulator's truth.\n"
	"\n"
	"  -o, --out DIR           results folder (default results/NAME-TIME)\n"
	"  -c, --count N           probes to send instead of the scenario's count\n"
	"      --peer HOST[:PORT]  measure this real peer instead of emulating the link\n"
	"      --seed N            seed of the emulated link (default 1)\n"
	"      --lang en|zh        language of names and tables (default from $LANG)\n"
	"  -q, --quiet             print only errors\n"
	"  -h, --help              show this help\n";

enum {
	OPT_SEED = 256,
	OPT_LANG,
};

static const struct option scenario_options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "count", required_argument, NULL, 'c' },
	{ "peer", required_argument, NULL, 'P' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int scenario_take(void *state, int opt, const char *name, const char *arg,
			 struct ub_err *e)
{
	struct ub_scenario_run_config *c = &((struct scenario_cmd *)state)->c;

	(void)name;
	switch (opt) {
	case 'c':
		return ub_opt_count("--count", arg, 1, UINT32_MAX, &c->count, e);
	case 'o':
		c->out_dir = arg;
		return 0;
	case 'P':
		c->peer = arg;
		return 0;
	case OPT_SEED:
		return ub_opt_count("--seed", arg, 0, UINT64_MAX, &c->seed, e);
	case OPT_LANG:
		return ub_langopt_parse(arg, &c->lang, e);
	}
	return ub_opt_common(opt, NULL, &c->quiet);
}

static const struct ub_opt_spec scenario_spec = {
	":o:c:P:qh", scenario_options, scenario_take,
};

/* argv[0] is "scenario"; argv[1] "list" or "run", then its options. */
static int scenario_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	struct scenario_cmd *s = state;
	int rc, operand;

	ub_scenario_run_config_init(&s->c);
	s->c.lang = ub_words_lang(NULL);
	if (argc < 2)
		return ub_err_set(e, UB_E_INVAL, 0, "scenario: list or run?");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return UB_CMD_HELP;
	if (strcmp(argv[1], "list") == 0)
		s->list = 1;
	else if (strcmp(argv[1], "run") != 0)
		return ub_err_set(e, UB_E_INVAL, 0, "scenario: '%s' is not list or run", argv[1]);
	/* getopt reads from argv + 1: the word list or run is its argv[0] */
	rc = ub_opt_parse(argc - 1, argv + 1, &scenario_spec, s, s->list ? NULL : &operand, e);
	if (rc != UB_CMD_RUN || s->list)
		return rc;
	s->name = ub_opt_one_operand(argc - 1, argv + 1, operand,
				     "scenario run: which scenario? (udpbench scenario list)", e);
	return s->name ? UB_CMD_RUN : e->code;
}

static int scenario_run(void *state)
{
	struct scenario_cmd *s = state;
	struct ub_scenario *sc = NULL;
	struct ub_err e;
	char *path;
	int rc;

	ub_err_clear(&e);
	if (s->list) {
		if (ub_scenario_list(stdout, s->c.lang, &e) < 0)
			return ub_command_fail(NULL, &e, UB_EXIT_ERROR);
		return UB_EXIT_OK;
	}
	path = ub_scenario_find(s->name);
	if (!path) {
		fprintf(stderr, UB_TR(s->c.lang == UB_LANG_ZH,
				      "udpbench: no scenario '%s' (see udpbench scenario list)\n",
				      "udpbench: 没有叫 '%s' 的场景（见 udpbench scenario list）\n"),
			s->name);
		return UB_EXIT_USAGE;
	}
	rc = ub_scenario_load(path, &sc, &e);
	free(path);
	if (rc < 0)
		return ub_command_fail(NULL, &e, UB_EXIT_USAGE);
	s->c.stop = &ub_signal_stop;
	rc = ub_scenario_run(sc, &s->c, &e);
	ub_scenario_free(sc);
	if (rc == 0)
		return UB_EXIT_OK;
	return ub_command_fail(NULL, &e, rc == UB_E_NOREPLY ? UB_EXIT_NOREPLY : UB_EXIT_ERROR);
}

const struct ub_command ub_cmd_scenario = {
	.name = "scenario",
	.usage = scenario_usage,
	.options = scenario_options,
	.state_size = sizeof(struct scenario_cmd),
	.parse = scenario_parse,
	.run = scenario_run,
	.signals = 1,
};
