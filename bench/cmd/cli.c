#include "cmd/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/clock.h"
#include "lib/outfile.h"
#include "metrics/output.h"
#include "cmd/reflect_cmd.h"
#include "stamp/proto.h"
#include "lib/units.h"

#define MS (1000 * 1000LL)

static const char send_usage[] =
	"Usage: udpbench [send] --peer HOST[:PORT] [options]\n"
	"Measure round-trip time, loss, duplication and reordering to a STAMP\n"
	"(RFC 8762) reflector or a plain UDP echo.\n"
	"\n"
	"  -P, --peer HOST[:PORT]  the reflector (name, IPv4, or [IPv6]:port); repeat\n"
	"                          it to measure several peers at once\n"
	"      --peers FILE        more peers, one HOST[:PORT] per line (# comments)\n"
	"  -p, --port N            port when --peer names none (default 10000)\n"
	"  -c, --count N           probes to send (1k = 1000)\n"
	"  -d, --duration D        send for this long (10ms, 2s, 1m); without -c or -d: 10s\n"
	"  -i, --interval D        time between probes (default 10ms)\n"
	"      --rate PPS|max      probes per second instead of --interval, or max:\n"
	"                          a flood in batches as fast as the peer answers\n"
	"  -s, --size N            probe size in bytes, 44..1472 (default 44)\n"
	"      --timeout D         Tmax: a later reply counts as lost (default 1s)\n"
	"      --mode M            auto (default), stamp, echo, text or any: auto sends\n"
	"                          text probes until the replies show a STAMP reflector,\n"
	"                          a verbatim echo, a script that changes the text, or\n"
	"                          one that answers in its own words (any: one probe\n"
	"                          at a time)\n"
	"      --timestamp ntp|ptp format of our timestamps on the wire (default ntp)\n"
	"      --tcp               the same probes as framed messages on one TCP\n"
	"                          connection (to udpbench reflect's TCP echo)\n"
	"      --key FILE          RFC 8762 authenticated mode with this shared key\n"
	"                          (HMAC-SHA-256); replies without it are ignored\n"
	"      --json FILE         write the result as JSON (- for stdout)\n"
	"      --csv FILE          write one row per probe as CSV (- for stdout);\n"
	"                          with several peers one file each, FILE-HOST_PORT.csv\n"
	"      --label TEXT        name this run in results and charts\n"
	"      --pcap FILE         capture the run's packets into FILE (root or CAP_NET_RAW)\n"
	"      --iface IF          capture on IF (default: the one that reaches the peer)\n"
	"      --summary-only      constant memory for runs of any length: percentiles\n"
	"                          from a histogram (within 0.5 %)\n"
	"      --spin D            spin on the clock this long before each send instead\n"
	"                          of sleeping (default 200us; 0 sleeps to the deadline)\n"
	"      --busy-poll         never sleep: poll sockets and clock (one CPU at 100 %)\n"
	"      --cpu N             run the sender on CPU N\n"
	"      --gso               with --rate max: each batch leaves as one UDP GSO\n"
	"                          train (captures and firewalls on the way may see it\n"
	"                          as one packet)\n"
	"      --lang en|zh        language of the terminal text (default from $LANG)\n"
	"  -4, -6                  use IPv4 or IPv6 only\n"
	"      --dscp N            DSCP code point 0..63 on the probes\n"
	"      --ttl N             IP TTL / hop limit 1..255 on the probes\n"
	"  -q, --quiet             print only the summary\n"
	"  -h, --help              show this help\n"
	"  -V, --version           show the version\n"
	"\n"
	"Other commands: udpbench reflect --help, udpbench relay --help,\n"
	"udpbench analyze --help, udpbench report --help, udpbench scenario --help\n"
	"Exit status: 0 measured, 1 error, 2 usage error, 3 no reply from the peer.\n";


static const char relay_usage[] =
	"Usage: udpbench relay --listen [ADDR:]PORT --to HOST:PORT [impairments] [options]\n"
	"A link emulator between sender and reflector: it relays UDP both ways,\n"
	"impairs each direction, and writes down everything it did (the truth log).\n"
	"Each impairment applies to both directions, or to one with -up (toward the\n"
	"reflector) or -down: --loss-up 5%, --delay-down 20ms, ...\n"
	"Each client is a flow with a socket of its own: the start-up line says how\n"
	"many fit the open files limit (raise it with ulimit -n); past them, flows\n"
	"silent for 1 s make room, and clients that find none are refused and counted.\n"
	"\n"
	"      --listen [ADDR:]PORT  where senders send (PORT 0 picks a free one)\n"
	"      --to HOST:PORT        the reflector\n"
	"      --loss P%             random (Bernoulli) loss\n"
	"      --loss-burst p,r[,1-h[,1-k]]  Gilbert-Elliott bursts, as tc-netem's gemodel\n"
	"      --delay D             added one-way delay\n"
	"      --jitter D            delay variation, --jitter-dist uniform|normal|pareto\n"
	"      --reorder P%          packets held back past later ones\n"
	"      --duplicate P%        packets sent twice\n"
	"      --rate R              link rate (1mbit, 500kbit) with --queue N packets\n"
	"      --seed N              the same seed and input give the same decisions\n"
	"      --truth FILE          write the truth log (JSON) at exit\n"
	"  -d, --duration D         stop after this long (default: at SIGINT/SIGTERM)\n"
	"  -4, -6                   IPv4 or IPv6 only\n"
	"  -q, --quiet              no start-up line\n"
	"  -h, --help               show this help\n";

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
	"      --lang en|zh        language of the terminal text\n"
	"  -q, --quiet             no summary, only notes and errors\n"
	"  -h, --help              show this help\n";

static const char report_usage[] =
	"Usage: udpbench report RESULT.json... [options]\n"
	"Charts (gnuplot) from result files: RTT over time with losses marked, RTT CDF\n"
	"and histogram, loss raster, reordering, setups compared, and UDP next to TCP;\n"
	"with index.html and summary.md.\n"
	"\n"
	"  -o, --out DIR           where the charts go (default: report/ beside the first result)\n"
	"      --lang en|zh        language of titles, axes and legends\n"
	"      --format png|svg    chart format (default png, 1600x900)\n"
	"      --title TEXT        heading of index.html and summary.md\n"
	"  -h, --help              show this help\n";

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

void ub_cli_usage(FILE *f, enum ub_cmd cmd)
{
	switch (cmd) {
	case UB_CMD_REFLECT:
		ub_reflect_cmd_usage(f);
		break;
	case UB_CMD_RELAY:
		fputs(relay_usage, f);
		break;
	case UB_CMD_ANALYZE:
		fputs(analyze_usage, f);
		break;
	case UB_CMD_REPORT:
		fputs(report_usage, f);
		break;
	case UB_CMD_SCENARIO_LIST:
	case UB_CMD_SCENARIO_RUN:
		fputs(scenario_usage, f);
		break;
	default:
		fputs(send_usage, f);
		break;
	}
}

enum {
	OPT_RATE = 256,
	OPT_TIMEOUT,
	OPT_MODE,
	OPT_JSON,
	OPT_CSV,
	OPT_LABEL,
	OPT_LANG,
	OPT_DSCP,
	OPT_TTL,
	OPT_PEERS,
	OPT_SEED,
	OPT_TRUTH,
	OPT_PCAP,
	OPT_FORMAT,
	OPT_TITLE,
	OPT_TCP,
	OPT_IFACE,
	OPT_KEY,
	OPT_SUMMARY_ONLY,
	OPT_SPIN,
	OPT_BUSY_POLL,
	OPT_CPU,
	OPT_GSO,
	OPT_TIMESTAMP,
	OPT_RELAY_SET, /* handed to ub_relay_config_set by its long name */
};

static const struct option send_opts[] = {
	{ "peer", required_argument, NULL, 'P' },
	{ "peers", required_argument, NULL, OPT_PEERS },
	{ "port", required_argument, NULL, 'p' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "size", required_argument, NULL, 's' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "tcp", no_argument, NULL, OPT_TCP },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "summary-only", no_argument, NULL, OPT_SUMMARY_ONLY },
	{ "spin", required_argument, NULL, OPT_SPIN },
	{ "busy-poll", no_argument, NULL, OPT_BUSY_POLL },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "gso", no_argument, NULL, OPT_GSO },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "dscp", required_argument, NULL, OPT_DSCP },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};


/* Names the option getopt did not know: a short one by its letter, a long one by its word. */
static int unknown_option(char **argv, struct ub_err *e)
{
	int zh = ub_words_lang(argv) == UB_LANG_ZH;

	if (optopt)
		return ub_err_set(e, UB_E_INVAL, 0, UB_TR(zh, "unknown option '-%c'", "没有 '-%c' 这个选项"),
				  optopt);
	return ub_err_set(e, UB_E_INVAL, 0, UB_TR(zh, "unknown option '%s'", "没有 '%s' 这个选项"),
			  argv[optind - 1]);
}

/* Prefixes a units-parser message with the option it belongs to. */
static int opt_err(struct ub_err *e, const char *opt)
{
	return ub_err_prefix(e, UB_E_INVAL, opt);
}

static int parse_int(const char *opt, const char *arg, uint64_t min, uint64_t max, int *out,
		     struct ub_err *e)
{
	uint64_t v;

	if (ub_units_count(arg, min, max, &v, e) < 0)
		return opt_err(e, opt);
	*out = (int)v;
	return 0;
}

static int add_peer(struct ub_cli *cli, const char *peer, struct ub_err *e)
{
	const char **grown;
	unsigned cap;

	if (cli->n_peers == cli->cap_peers) {
		cap = cli->cap_peers ? 2 * cli->cap_peers : 8;
		grown = realloc(cli->peers, cap * sizeof(*grown));
		if (!grown)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		cli->peers = grown;
		cli->cap_peers = cap;
	}
	cli->peers[cli->n_peers++] = peer;
	return 0;
}

/* One HOST[:PORT] per line; blank lines and # comments are skipped. */
static int read_peers(struct ub_cli *cli, const char *path, struct ub_err *e)
{
	char line[512], *p, *end, *dup, **grown;
	FILE *f = fopen(path, "r");
	int ret = 0, lineno = 0;

	if (!f)
		return ub_err_set(e, UB_E_INVAL, errno, "--peers: cannot read %s", path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = ub_err_set(e, UB_E_INVAL, 0, "--peers: %s line %d is too long", path,
					 lineno);
			break;
		}
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (end = p + strlen(p); end > p && (end[-1] == '\n' || end[-1] == '\r' ||
						     end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		if (!*p)
			continue;
		if (strpbrk(p, " \t")) {
			ret = ub_err_set(e, UB_E_INVAL, 0, "--peers: %s line %d: one HOST[:PORT] per line",
					 path, lineno);
			break;
		}
		dup = strdup(p);
		grown = dup ? realloc(cli->owned, (cli->n_owned + 1) * sizeof(*grown)) : NULL;
		if (!grown) {
			free(dup);
			ret = ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
			break;
		}
		cli->owned = grown;
		cli->owned[cli->n_owned++] = dup;
		ret = add_peer(cli, dup, e);
		if (ret < 0)
			break;
	}
	fclose(f);
	if (!ret && lineno == 0)
		ret = ub_err_set(e, UB_E_INVAL, 0, "--peers: %s is empty", path);
	return ret;
}

void ub_cli_free(struct ub_cli *cli)
{
	unsigned i;

	if (!cli)
		return;
	for (i = 0; i < cli->n_owned; i++)
		free(cli->owned[i]);
	free(cli->owned);
	free(cli->peers);
	cli->owned = NULL;
	cli->peers = NULL;
	cli->n_owned = cli->n_peers = cli->cap_peers = 0;
}

static enum ub_lang default_lang(void)
{
	return ub_words_lang(NULL);
}

static int parse_lang(const char *arg, enum ub_lang *out, struct ub_err *e)
{
	if (strcmp(arg, "en") == 0)
		*out = UB_LANG_EN;
	else if (strcmp(arg, "zh") == 0)
		*out = UB_LANG_ZH;
	else
		return ub_err_set(e, UB_E_INVAL, 0, "--lang: '%s' is not en or zh", arg);
	return 0;
}

/* Probes the schedule plans at most: the count, or the duration's worth (a flood's at a million a second). */
static uint64_t planned_probes(const struct ub_sender_config *c)
{
	int64_t gap = c->interval_ns > 0 ? c->interval_ns : 1000;
	uint64_t n = c->duration_ns ? (uint64_t)(c->duration_ns / gap) + 1 : UINT64_MAX;

	return c->count && c->count < n ? c->count : n;
}

static int parse_send(int argc, char **argv, struct ub_cli *cli, struct ub_err *e)
{
	struct ub_sender_config *c = &cli->send;
	int opt, have_interval = 0, have_rate = 0, n;
	uint64_t v;

	c->lang = default_lang();
	while ((opt = getopt_long(argc, argv, ":P:p:c:d:i:s:q46hV", send_opts, NULL)) != -1) {
		switch (opt) {
		case 'P':
			if (add_peer(cli, optarg, e) < 0)
				return e->code;
			break;
		case OPT_PEERS:
			if (read_peers(cli, optarg, e) < 0)
				return e->code;
			break;
		case 'p':
			if (parse_int("--port", optarg, 1, 65535, &c->port, e) < 0)
				return e->code;
			break;
		case 'c':
			if (ub_units_count(optarg, 1, UINT32_MAX, &c->count, e) < 0)
				return opt_err(e, "--count");
			break;
		case 'd':
			if (ub_units_duration(optarg, MS, 365LL * 24 * 3600 * UB_NS_PER_S,
					      &c->duration_ns, e) < 0)
				return opt_err(e, "--duration");
			break;
		case 'i':
			if (ub_units_duration(optarg, 1000, 3600 * UB_NS_PER_S, &c->interval_ns,
					      e) < 0)
				return opt_err(e, "--interval");
			have_interval = 1;
			break;
		case OPT_RATE:
			have_rate = 1;
			if (strcmp(optarg, "max") == 0) {
				c->flood = 1;
				c->interval_ns = 0;
				break;
			}
			if (ub_units_count(optarg, 1, 1000000, &v, e) < 0)
				return opt_err(e, "--rate");
			c->interval_ns = UB_NS_PER_S / (int64_t)v;
			break;
		case OPT_KEY:
			if (ub_auth_key_load(optarg, &cli->send_key, e) < 0)
				return ub_err_prefix(e, e->code, "--key");
			c->key = &cli->send_key;
			break;
		case OPT_SUMMARY_ONLY:
			c->summary_only = 1;
			break;
		case OPT_SPIN:
			if (ub_units_duration(optarg, 0, UB_NS_PER_S, &c->spin_ns, e) < 0)
				return opt_err(e, "--spin");
			break;
		case OPT_BUSY_POLL:
			c->busy_poll = 1;
			break;
		case OPT_GSO:
			c->gso = 1;
			break;
		case OPT_CPU:
			if (parse_int("--cpu", optarg, 0, CPU_SETSIZE - 1, &c->cpu, e) < 0)
				return e->code;
			break;
		case 's':
			if (ub_units_size(optarg, UB_STAMP_LEN, UB_PKT_MAX, &v, e) < 0)
				return opt_err(e, "--size");
			c->size = (unsigned)v;
			break;
		case OPT_TIMEOUT:
			if (ub_units_duration(optarg, MS, 3600 * UB_NS_PER_S, &c->timeout_ns, e) < 0)
				return opt_err(e, "--timeout");
			break;
		case OPT_MODE:
			for (n = 0; n < UB_MODES; n++)
				if (strcmp(optarg, ub_sender_mode_name((enum ub_mode)n)) == 0)
					break;
			if (n == UB_MODES)
				return ub_err_set(e, UB_E_INVAL, 0,
						  "--mode: '%s' is not auto, stamp, echo, text or any",
						  optarg);
			c->mode = (enum ub_mode)n;
			break;
		case OPT_TIMESTAMP:
			if (strcmp(optarg, "ntp") != 0 && strcmp(optarg, "ptp") != 0)
				return ub_err_set(e, UB_E_INVAL, 0, "--timestamp: '%s' is not ntp or ptp",
						  optarg);
			c->ptp = optarg[0] == 'p';
			break;
		case OPT_JSON:
			c->json_path = optarg;
			break;
		case OPT_CSV:
			c->csv_path = optarg;
			break;
		case OPT_LABEL:
			if (!ub_output_text_ok(optarg))
				return ub_err_set(e, UB_E_INVAL, 0,
						  "--label: not UTF-8 text (the JSON result could not hold it)");
			c->label = optarg;
			break;
		case OPT_PCAP:
			c->pcap_path = optarg;
			break;
		case OPT_TCP:
			c->tcp = 1;
			break;
		case OPT_IFACE:
			c->iface = optarg;
			break;
		case OPT_LANG:
			if (parse_lang(optarg, &c->lang, e) < 0)
				return e->code;
			break;
		case OPT_DSCP:
			if (parse_int("--dscp", optarg, 0, 63, &c->dscp, e) < 0)
				return e->code;
			break;
		case OPT_TTL:
			if (parse_int("--ttl", optarg, 1, 255, &c->ttl, e) < 0)
				return e->code;
			break;
		case '4':
			c->family = AF_INET;
			break;
		case '6':
			c->family = AF_INET6;
			break;
		case 'q':
			cli->quiet = 1;
			break;
		case 'h':
			cli->cmd = UB_CMD_HELP;
			cli->help_for = UB_CMD_SEND;
			return 0;
		case 'V':
			cli->cmd = UB_CMD_VERSION;
			return 0;
		case ':':
			return ub_err_set(e, UB_E_INVAL, 0, "%s: needs a value", argv[optind - 1]);
		default:
			return unknown_option(argv, e);
		}
	}
	/* "udpbench 192.168.4.1" works as ping's does. */
	for (; optind < argc; optind++)
		if (add_peer(cli, argv[optind], e) < 0)
			return e->code;
	if (!cli->n_peers)
		return ub_err_set(e, UB_E_INVAL, 0, "--peer: which host? (udpbench --peer HOST)");
	c->peers = cli->peers;
	c->n_peers = cli->n_peers;
	if (have_interval && have_rate)
		return ub_err_set(e, UB_E_INVAL, 0, "--rate: give either --interval or --rate");
	if (c->tcp && c->pcap_path)
		return ub_err_set(e, UB_E_INVAL, 0, "--pcap: captures UDP runs; leave it out with --tcp");
	if (c->tcp && c->mode != UB_MODE_AUTO && c->mode != UB_MODE_ECHO)
		return ub_err_set(e, UB_E_INVAL, 0, "--mode: --tcp sends to an echo (auto or echo)");
	if (c->mode == UB_MODE_TEXT && c->size < UB_STAMP_LEN)
		c->size = UB_STAMP_LEN;
	if (c->flood && c->n_peers > 1)
		return ub_err_set(e, UB_E_INVAL, 0, "--rate max: floods one peer; give one --peer");
	if (c->gso && !c->flood)
		return ub_err_set(e, UB_E_INVAL, 0, "--gso: sends trains with --rate max only");
	if (c->flood && c->tcp)
		return ub_err_set(e, UB_E_INVAL, 0, "--rate max: floods UDP; leave out --tcp");
	if (c->json_path && c->csv_path && ub_outfile_same(c->json_path, c->csv_path))
		return ub_err_set(e, UB_E_INVAL, 0, "--csv: '%s' is the --json file too; give each its own",
				  c->csv_path);
	if (c->pcap_path && ((c->json_path && ub_outfile_same(c->pcap_path, c->json_path)) ||
			     (c->csv_path && ub_outfile_same(c->pcap_path, c->csv_path))))
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--pcap: '%s' is the --json or --csv file too; give each its own",
				  c->pcap_path);
	if (c->key && (c->tcp || (c->mode != UB_MODE_AUTO && c->mode != UB_MODE_STAMP)))
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--key: authenticates STAMP probes (not echo, text, any or --tcp)");
	if (c->key) {
		c->mode = UB_MODE_STAMP;
		if (c->size < UB_STAMP_AUTH_LEN)
			c->size = UB_STAMP_AUTH_LEN;
	}
	if (!c->count && !c->duration_ns)
		c->duration_ns = 10 * UB_NS_PER_S;
	/* Exact statistics grow with every probe: a plan larger than they hold keeps constant memory. */
	if (!c->summary_only && planned_probes(c) > UB_SENDER_EXACT_MAX)
		c->summary_only = c->summary_only_auto = 1;
	return 0;
}

static int parse_reflect(int argc, char **argv, struct ub_cli *cli, struct ub_err *e)
{
	int rc = ub_reflect_cmd_parse(argc, argv, &cli->reflect, e);

	if (rc == 1) {
		cli->cmd = UB_CMD_HELP;
		cli->help_for = UB_CMD_REFLECT;
		return 0;
	}
	cli->quiet = cli->reflect.quiet;
	return rc;
}

static const struct option scenario_opts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "count", required_argument, NULL, 'c' },
	{ "peer", required_argument, NULL, 'P' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define RELAY_OPT(name) { name, required_argument, NULL, OPT_RELAY_SET }
#define RELAY_IMPAIR(name) RELAY_OPT(name), RELAY_OPT(name "-up"), RELAY_OPT(name "-down")

static const struct option relay_opts[] = {
	RELAY_OPT("listen"),
	RELAY_OPT("to"),
	RELAY_OPT("seed"),
	RELAY_IMPAIR("loss"),
	RELAY_IMPAIR("loss-burst"),
	RELAY_IMPAIR("delay"),
	RELAY_IMPAIR("jitter"),
	RELAY_IMPAIR("jitter-dist"),
	RELAY_IMPAIR("reorder"),
	RELAY_IMPAIR("duplicate"),
	RELAY_IMPAIR("rate"),
	RELAY_IMPAIR("queue"),
	{ "duration", required_argument, NULL, 'd' },
	{ "truth", required_argument, NULL, OPT_TRUTH },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_relay(int argc, char **argv, struct ub_cli *cli, struct ub_err *e)
{
	struct ub_relay_config *c = &cli->relay;
	int opt, idx;

	ub_relay_config_init(c);
	while ((opt = getopt_long(argc, argv, ":d:q46h", relay_opts, &idx)) != -1) {
		switch (opt) {
		case OPT_RELAY_SET:
			if (ub_relay_config_set(c, relay_opts[idx].name, optarg, e) < 0)
				return e->code;
			break;
		case 'd':
			if (ub_relay_config_set(c, "duration", optarg, e) < 0)
				return e->code;
			break;
		case OPT_TRUTH:
			c->truth_path = optarg;
			break;
		case '4':
			c->family = AF_INET;
			break;
		case '6':
			c->family = AF_INET6;
			break;
		case 'q':
			cli->quiet = 1;
			c->quiet = 1;
			break;
		case 'h':
			cli->cmd = UB_CMD_HELP;
			cli->help_for = UB_CMD_RELAY;
			return 0;
		case ':':
			return ub_err_set(e, UB_E_INVAL, 0, "%s: needs a value", argv[optind - 1]);
		default:
			return unknown_option(argv, e);
		}
	}
	if (optind < argc)
		return ub_err_set(e, UB_E_INVAL, 0, "unexpected argument '%s'", argv[optind]);
	if (!c->listen)
		return ub_err_set(e, UB_E_INVAL, 0, "--listen: where should the relay listen?");
	if (!c->target)
		return ub_err_set(e, UB_E_INVAL, 0, "--to: which reflector should it relay to?");
	return 0;
}

static const struct option analyze_opts[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_analyze(int argc, char **argv, struct ub_cli *cli, struct ub_err *e)
{
	struct ub_analyze_config *c = &cli->analyze;
	int opt;

	ub_analyze_config_init(c);
	c->lang = default_lang();
	while ((opt = getopt_long(argc, argv, ":p:qh", analyze_opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_int("--port", optarg, 1, 65535, &c->port, e) < 0)
				return e->code;
			break;
		case OPT_TIMEOUT:
			if (ub_units_duration(optarg, MS, 3600 * UB_NS_PER_S, &c->timeout_ns, e) < 0)
				return opt_err(e, "--timeout");
			break;
		case OPT_JSON:
			c->json_path = optarg;
			break;
		case OPT_CSV:
			c->csv_path = optarg;
			break;
		case OPT_KEY:
			if (ub_auth_key_load(optarg, &cli->analyze_key, e) < 0)
				return ub_err_prefix(e, e->code, "--key");
			c->key = &cli->analyze_key;
			break;
		case OPT_LANG:
			if (parse_lang(optarg, &c->lang, e) < 0)
				return e->code;
			break;
		case 'q':
			cli->quiet = 1;
			c->quiet = 1;
			break;
		case 'h':
			cli->cmd = UB_CMD_HELP;
			cli->help_for = UB_CMD_ANALYZE;
			return 0;
		case ':':
			return ub_err_set(e, UB_E_INVAL, 0, "%s: needs a value", argv[optind - 1]);
		default:
			return unknown_option(argv, e);
		}
	}
	if (optind >= argc)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: which capture file?");
	c->path = argv[optind++];
	if (optind < argc)
		return ub_err_set(e, UB_E_INVAL, 0, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static const struct option report_opts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_report(int argc, char **argv, struct ub_cli *cli, struct ub_err *e)
{
	struct ub_report_config *c = &cli->report;
	int opt;

	ub_report_config_init(c);
	c->lang = default_lang();
	while ((opt = getopt_long(argc, argv, ":o:h", report_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			c->out_dir = optarg;
			break;
		case OPT_LANG:
			if (parse_lang(optarg, &c->lang, e) < 0)
				return e->code;
			break;
		case OPT_FORMAT:
			if (ub_report_parse_format(optarg, &c->format) < 0)
				return ub_err_set(e, UB_E_INVAL, 0, "--format: '%s' is not png or svg",
						  optarg);
			break;
		case OPT_TITLE:
			c->title = optarg;
			break;
		case 'h':
			cli->cmd = UB_CMD_HELP;
			cli->help_for = UB_CMD_REPORT;
			return 0;
		case ':':
			return ub_err_set(e, UB_E_INVAL, 0, "%s: needs a value", argv[optind - 1]);
		default:
			return unknown_option(argv, e);
		}
	}
	if (optind >= argc)
		return ub_err_set(e, UB_E_INVAL, 0, "report: which result files? (RESULT.json...)");
	cli->report_inputs = (const char *const *)argv + optind;
	cli->n_report_inputs = (unsigned)(argc - optind);
	return 0;
}

/* argv[0] is "scenario"; argv[1] "list" or "run". */
static int parse_scenario(int argc, char **argv, struct ub_cli *cli, struct ub_err *e)
{
	struct ub_scenario_run_config *c = &cli->scenario;
	uint64_t v;
	int opt;

	ub_scenario_run_config_init(c);
	c->lang = default_lang();
	cli->help_for = UB_CMD_SCENARIO_RUN;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli->cmd = UB_CMD_HELP;
		return argc < 2 ? ub_err_set(e, UB_E_INVAL, 0, "scenario: list or run?") : 0;
	}
	if (strcmp(argv[1], "list") == 0)
		cli->cmd = UB_CMD_SCENARIO_LIST;
	else if (strcmp(argv[1], "run") == 0)
		cli->cmd = UB_CMD_SCENARIO_RUN;
	else
		return ub_err_set(e, UB_E_INVAL, 0, "scenario: '%s' is not list or run", argv[1]);
	while ((opt = getopt_long(argc - 1, argv + 1, ":o:c:P:qh", scenario_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (ub_units_count(optarg, 1, UINT32_MAX, &c->count, e) < 0)
				return opt_err(e, "--count");
			break;
		case 'o':
			c->out_dir = optarg;
			break;
		case 'P':
			c->peer = optarg;
			break;
		case OPT_SEED:
			if (ub_units_count(optarg, 0, UINT64_MAX, &v, e) < 0)
				return opt_err(e, "--seed");
			c->seed = v;
			break;
		case OPT_LANG:
			if (parse_lang(optarg, &c->lang, e) < 0)
				return e->code;
			break;
		case 'q':
			c->quiet = 1;
			cli->quiet = 1;
			break;
		case 'h':
			cli->cmd = UB_CMD_HELP;
			return 0;
		case ':':
			return ub_err_set(e, UB_E_INVAL, 0, "%s: needs a value", argv[optind]);
		default:
			return unknown_option(argv + 1, e);
		}
	}
	optind++; /* getopt counted from argv + 1 */
	if (cli->cmd == UB_CMD_SCENARIO_LIST) {
		if (optind < argc)
			return ub_err_set(e, UB_E_INVAL, 0, "unexpected argument '%s'", argv[optind]);
		return 0;
	}
	if (optind >= argc)
		return ub_err_set(e, UB_E_INVAL, 0, "scenario run: which scenario? (udpbench scenario list)");
	cli->scenario_name = argv[optind++];
	if (optind < argc)
		return ub_err_set(e, UB_E_INVAL, 0, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int ub_cli_parse(int argc, char **argv, struct ub_cli *out, struct ub_err *e)
{
	memset(out, 0, sizeof(*out));
	ub_sender_config_init(&out->send);
	ub_reflector_config_init(&out->reflect);
	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also forgets where it was inside a "-xyz" group */
	if (argc > 1 && argv[1][0] != '-') {
		if (strcmp(argv[1], "reflect") == 0) {
			out->cmd = UB_CMD_REFLECT;
			return parse_reflect(argc - 1, argv + 1, out, e);
		}
		if (strcmp(argv[1], "scenario") == 0)
			return parse_scenario(argc - 1, argv + 1, out, e);
		if (strcmp(argv[1], "report") == 0) {
			out->cmd = UB_CMD_REPORT;
			return parse_report(argc - 1, argv + 1, out, e);
		}
		if (strcmp(argv[1], "analyze") == 0) {
			out->cmd = UB_CMD_ANALYZE;
			return parse_analyze(argc - 1, argv + 1, out, e);
		}
		if (strcmp(argv[1], "relay") == 0) {
			out->cmd = UB_CMD_RELAY;
			return parse_relay(argc - 1, argv + 1, out, e);
		}
		if (strcmp(argv[1], "send") == 0) {
			out->cmd = UB_CMD_SEND;
			return parse_send(argc - 1, argv + 1, out, e);
		}
		if (strcmp(argv[1], "help") == 0) {
			out->cmd = UB_CMD_HELP;
			out->help_for = UB_CMD_SEND;
			if (argc > 2 && strcmp(argv[2], "reflect") == 0)
				out->help_for = UB_CMD_REFLECT;
			else if (argc > 2 && strcmp(argv[2], "relay") == 0)
				out->help_for = UB_CMD_RELAY;
			else if (argc > 2 && strcmp(argv[2], "analyze") == 0)
				out->help_for = UB_CMD_ANALYZE;
			else if (argc > 2 && strcmp(argv[2], "report") == 0)
				out->help_for = UB_CMD_REPORT;
			else if (argc > 2 && strcmp(argv[2], "scenario") == 0)
				out->help_for = UB_CMD_SCENARIO_RUN;
			return 0;
		}
	}
	out->cmd = UB_CMD_SEND;
	return parse_send(argc, argv, out, e);
}
