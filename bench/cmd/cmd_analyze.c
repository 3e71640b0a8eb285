/* udpbench analyze: the sessions in a capture file, with the figures of a live run. */
#include "cmd/cmd_analyze.h"

#include <stdio.h>
#include <string.h>

#include "capture/analyze.h"
#include "cmd/langopt.h"
#include "cmd/opt.h"
#include "lib/clock.h"
#include "lib/exitcode.h"
#include "stamp/auth.h"

#define MS (1000 * 1000LL)

/* The parsed command line of `udpbench analyze`. */
struct analyze_cmd {
	struct ub_analyze_config c;
	struct ub_auth_key key; /* --key FILE */
};

static const char analyze_usage[] =
	"Usage: udpbench analyze FILE.pcap [options]\n"
	"Find the STAMP, TWAMP-light and UDP echo sessions in a capture written by\n"
	"anyone (tcpdump, Wireshark; pcap or pcapng) and report the same figures as a\n"
	"live run, seen from where the capture was taken.\n"
	"\n"
	"  -p, --port N            sessions on this port too (10000 and 862 always)\n"
	"      --timeout D         Tmax: a later reply counts as lost (default 1s)\n"
	"      --json FILE         write the result as JSON (- for stdout)\n"
	"      --csv FILE          one row per request; several sessions: FILE-HOST_PORT.csv\n"
	"      --key FILE          check the HMAC of authenticated-mode packets (RFC 8762)\n"
	"                          with this key; those that fail are left out and counted\n"
	"                          (they are read without it too: the timestamps are clear)\n"
	"      --summary-only      constant memory for captures of any length: percentiles\n"
	"                          from a histogram (within 0.2 %), no CSV\n"
	"      --lang en|zh        language of the terminal text\n"
	"  -q, --quiet             no summary, only notes and errors\n"
	"  -h, --help              show this help\n";

enum {
	OPT_TIMEOUT = 256,
	OPT_JSON,
	OPT_CSV,
	OPT_KEY,
	OPT_LANG,
	OPT_SUMMARY_ONLY,
};

static const struct option analyze_options[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "summary-only", no_argument, NULL, OPT_SUMMARY_ONLY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int analyze_take(void *state, int opt, const char *name, const char *arg,
			struct ub_err *e)
{
	struct analyze_cmd *a = state;
	struct ub_analyze_config *c = &a->c;

	(void)name;
	switch (opt) {
	case 'p':
		return ub_opt_int("--port", arg, 1, 65535, &c->port, e);
	case OPT_TIMEOUT:
		return ub_opt_duration("--timeout", arg, MS, 3600 * UB_NS_PER_S, &c->timeout_ns, e);
	case OPT_JSON:
		c->json_path = arg;
		return 0;
	case OPT_CSV:
		c->csv_path = arg;
		return 0;
	case OPT_KEY:
		return ub_opt_key(arg, &a->key, &c->key, e);
	case OPT_LANG:
		return ub_langopt_parse(arg, &c->lang, e);
	case OPT_SUMMARY_ONLY:
		c->summary_only = 1;
		return 0;
	}
	return ub_opt_common(opt, NULL, &c->quiet);
}

static const struct ub_opt_spec analyze_spec = {
	":p:qh", analyze_options, analyze_take,
};

static int analyze_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	struct analyze_cmd *a = state;
	int rc, operand;

	ub_analyze_config_init(&a->c);
	a->c.lang = ub_words_lang(NULL);
	rc = ub_opt_parse(argc, argv, &analyze_spec, a, &operand, e);
	if (rc != UB_CMD_RUN)
		return rc;
	a->c.path = ub_opt_one_operand(argc, argv, operand, "analyze: which capture file?", e);
	if (!a->c.path)
		return e->code;
	if (a->c.summary_only && a->c.csv_path)
		return ub_err_set(e, UB_E_INVAL, 0,
				  "analyze: --csv writes a row per request, which --summary-only "
				  "does not keep; leave one out");
	return UB_CMD_RUN;
}

static int analyze_run(void *state)
{
	struct analyze_cmd *a = state;
	struct ub_err e;

	ub_err_clear(&e);
	if (a->c.json_path && strcmp(a->c.json_path, "-") == 0)
		a->c.out = stderr;
	if (ub_analyze_run(&a->c, &e) < 0)
		return ub_command_fail("analyze", &e, UB_EXIT_ERROR);
	return UB_EXIT_OK;
}

const struct ub_command ub_cmd_analyze = {
	.name = "analyze",
	.usage = analyze_usage,
	.options = analyze_options,
	.state_size = sizeof(struct analyze_cmd),
	.parse = analyze_parse,
	.run = analyze_run,
};
