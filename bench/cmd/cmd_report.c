/* udpbench report: gnuplot charts, index.html and summary.md from result files. */
#include "cmd/cmd_report.h"

#include <stdio.h>

#include "cmd/langopt.h"
#include "cmd/opt.h"
#include "lib/exitcode.h"
#include "reports/report.h"

/* The parsed command line of `udpbench report`. */
struct report_cmd {
	struct ub_report_config c;
	const char *const *inputs; /* result files, pointing into argv */
	unsigned n_inputs;
};

static const char report_usage[] =
	"Usage: udpbench report RESULT.json... [options]\n"
	"Charts (gnuplot) from result files: RTT over time with losses marked, RTT CDF\n"
	"and histogram, loss raster, reordering, setups compared, and UDP next to TCP;\n"
	"for a classroom an overview of every board by name first (a board that never\n"
	"answered says \"no reply\"); from the JSON's intervals when there is no CSV;\n"
	"for a run of 300 interval records or more, its hours in one chart (median\n"
	"line coloured by loss, percentile smoke, local time);\n"
	"with index.html, summary.md and summary.csv (UTF-8 with BOM, for Excel/WPS).\n"
	"\n"
	"  -o, --out DIR           where the charts go (default: report/ beside the first result)\n"
	"      --lang en|zh        language of titles, axes and legends\n"
	"      --format png|svg    chart format (default png, 1600x900)\n"
	"      --title TEXT        heading of index.html and summary.md\n"
	"      --gnuplot PROG      the gnuplot to draw with (default: gnuplot on PATH)\n"
	"      --no-charts         tables, index.html and the charts' data only; no gnuplot\n"
	"  -h, --help              show this help\n";

enum {
	OPT_LANG = 256,
	OPT_FORMAT,
	OPT_TITLE,
	OPT_GNUPLOT,
	OPT_NO_CHARTS,
};

static const struct option report_options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "gnuplot", required_argument, NULL, OPT_GNUPLOT },
	{ "no-charts", no_argument, NULL, OPT_NO_CHARTS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int report_take(void *state, int opt, const char *name, const char *arg,
		       struct ub_err *e)
{
	struct ub_report_config *c = &((struct report_cmd *)state)->c;

	(void)name;
	switch (opt) {
	case 'o':
		c->out_dir = arg;
		return 0;
	case OPT_LANG:
		return ub_langopt_parse(arg, &c->lang, e);
	case OPT_FORMAT:
		if (ub_report_parse_format(arg, &c->format) < 0)
			return ub_err_set(e, UB_E_INVAL, 0, "--format: '%s' is not png or svg", arg);
		return 0;
	case OPT_TITLE:
		c->title = arg;
		return 0;
	case OPT_GNUPLOT:
		c->gnuplot = arg;
		return 0;
	case OPT_NO_CHARTS:
		c->render = 0;
		return 0;
	}
	return UB_OPT_NOT_MINE;
}

static const struct ub_opt_spec report_spec = {
	":o:h", report_options, report_take,
};

static int report_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	struct report_cmd *r = state;
	int rc, operand;

	ub_report_config_init(&r->c);
	r->c.lang = ub_words_lang(NULL);
	rc = ub_opt_parse(argc, argv, &report_spec, r, &operand, e);
	if (rc != UB_CMD_RUN)
		return rc;
	if (operand >= argc)
		return ub_err_set(e, UB_E_INVAL, 0, "report: which result files? (RESULT.json...)");
	r->inputs = (const char *const *)argv + operand;
	r->n_inputs = (unsigned)(argc - operand);
	return UB_CMD_RUN;
}

static int report_run(void *state)
{
	struct report_cmd *r = state;
	struct ub_err e;
	int rc;

	ub_err_clear(&e);
	r->c.log = stderr;
	rc = ub_report_run(&r->c, r->inputs, r->n_inputs, &e);
	if (rc == 0)
		return UB_EXIT_OK;
	return ub_command_fail("report", &e, rc == UB_E_INVAL ? UB_EXIT_USAGE : UB_EXIT_ERROR);
}

const struct ub_command ub_cmd_report = {
	.name = "report",
	.usage = report_usage,
	.options = report_options,
	.state_size = sizeof(struct report_cmd),
	.parse = report_parse,
	.run = report_run,
};
