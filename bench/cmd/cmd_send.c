/* udpbench send: probes to one or more reflectors, and the figures they give. */
#include "cmd/cmd_send.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/langopt.h"
#include "cmd/loadopt.h"
#include "cmd/opt.h"
#include "cmd/peers.h"
#include "lib/clock.h"
#include "lib/exitcode.h"
#include "lib/netaddr.h"
#include "lib/outfile.h"
#include "lib/signals.h"
#include "live/live.h"
#ifndef UB_BOARD_BUILD
#include "live/metrics.h"
#endif
#include "metrics/output.h"
#include "send/sender.h"
#include "send/watchfan.h"
#include "stamp/auth.h"
#include "stamp/proto.h"

#define MS (1000 * 1000LL)

/* The parsed command line of `udpbench send`. */
struct send_cmd {
	struct ub_sender_config c;
	struct ub_auth_key key;   /* --key FILE */
	struct ub_peers peers;    /* c.peers points into it */
	int quiet;                /* no live lines, no note on memory */
	int have_interval, have_rate; /* both given is an error */
	char link_kind[16];       /* --link KIND[:TRUTH] */
	const char *link_truth;   /* TRUTH as given; c.link.truth is it seen from the result */
	char truth_rel[PATH_MAX];
	const char *link_extra;   /* --link-spec or --link-scenario, which need --link */
	int live;                 /* --live [ADDR:]PORT given */
	char live_host[256];      /* "" for loopback */
	int live_port;
	struct ub_loadopt load;   /* --load options beyond the config */
	int metrics;              /* --metrics [ADDR:]PORT given */
	char metrics_host[256];   /* "" for loopback */
	int metrics_port;
	int until_stopped;        /* --metrics without -c or -d: runs until Ctrl-C */
};

static const char send_usage[] =
	"Usage: udpbench [send] --peer HOST[:PORT] [options]\n"
	"Measure round-trip time, loss, duplication and reordering to a STAMP\n"
	"(RFC 8762) reflector or a plain UDP echo.\n"
	"\n"
	"  -P, --peer HOST[:PORT]  the reflector (name, IPv4, or [IPv6]:port); repeat\n"
	"                          it to measure several peers at once\n"
	"      --peers FILE        more peers, one per line: HOST[:PORT] and the board's\n"
	"                          name, if it has one (# comments)\n"
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
	"                          connection (to udpbench reflect's TCP echo), timed\n"
	"                          from the kernel's stamps as UDP is\n"
	"      --load up|down|both latency under load: bulk TCP to (up) or from (down)\n"
	"                          the reflector (udpbench reflect --allow-load, same\n"
	"                          port) in the middle of the run: idle, loaded, idle\n"
	"      --load-idle D       each idle phase (default 5s, at most 30s)\n"
	"      --load-time D       the loaded phase (default 10s); the run lasts\n"
	"                          idle + load + idle, or -d with the load in between\n"
	"      --load-streams N    TCP connections each way (default 4, at most 16)\n"
	"      --key FILE          RFC 8762 authenticated mode with this shared key\n"
	"                          (HMAC-SHA-256); replies without it are ignored\n"
	"      --json FILE         write the result as JSON (- for stdout)\n"
	"      --csv FILE          write one row per probe as CSV (- for stdout), in\n"
	"                          probe order; with several peers one file each,\n"
	"                          FILE-NAME.csv (FILE-HOST_PORT.csv for a board\n"
	"                          without a name)\n"
	"      --report-interval D a line per interval D with what became of the probes\n"
	"                          sent in it, the same records in the JSON's\n"
	"                          intervals (default 1s; 0: none)\n"
	"      --label TEXT        name this run in results and charts\n"
	"      --link KIND[:TRUTH] the link the probes cross, for the result: tun, relay,\n"
	"                          netem, nftables or real (the default), and the\n"
	"                          emulator's truth log\n"
	"      --link-spec JSON    the link's impairments as given, a JSON object\n"
	"                          ('{\"delay\": \"12ms\"}')\n"
	"      --link-scenario NAME  the scenario whose link this is, by the name\n"
	"                          its labels carry\n"
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
	"      --live [ADDR:]PORT  serve a live page of the run for a projector at\n"
	"                          http://ADDR:PORT/ (ADDR 127.0.0.1 unless given;\n"
	"                          0.0.0.0 lets every machine on the network see it)\n"
	"      --metrics [ADDR:]PORT  serve the figures to Prometheus at\n"
	"                          http://ADDR:PORT/metrics (OpenMetrics; ADDR 127.0.0.1\n"
	"                          unless given); without -c or -d the run goes on until\n"
	"                          Ctrl-C, in constant memory\n"
	"      --lang en|zh        language of the terminal text and the live page\n"
	"                          (default from $LANG)\n"
	"  -4, -6                  use IPv4 or IPv6 only\n"
	"      --dscp N            DSCP code point 0..63 on the probes\n"
	"      --ttl N             IP TTL / hop limit 1..255 on the probes\n"
	"  -q, --quiet             print only the summary\n"
	"  -h, --help              show this help\n"
	"  -V, --version           show the version\n"
	"\n"
	"Other commands: udpbench reflect --help, udpbench relay --help,\n"
	"udpbench analyze --help, udpbench report --help, udpbench scenario --help,\n"
	"udpbench discover --help\n"
	"Exit status: 0 measured, 1 error, 2 usage error, 3 no reply from the peer.\n";

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
	OPT_PCAP,
	OPT_TCP,
	OPT_IFACE,
	OPT_KEY,
	OPT_SUMMARY_ONLY,
	OPT_SPIN,
	OPT_BUSY_POLL,
	OPT_CPU,
	OPT_GSO,
	OPT_TIMESTAMP,
	OPT_LINK,
	OPT_LINK_SPEC,
	OPT_LINK_SCENARIO,
	OPT_REPORT_INTERVAL,
	OPT_LIVE,
	OPT_METRICS,
};

static const struct option send_options[] = {
	{ "peer", required_argument, NULL, 'P' },
	{ "peers", required_argument, NULL, OPT_PEERS },
	{ "port", required_argument, NULL, 'p' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "size", required_argument, NULL, 's' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "report-interval", required_argument, NULL, OPT_REPORT_INTERVAL },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "tcp", no_argument, NULL, OPT_TCP },
	UB_LOADOPT_OPTIONS,
	{ "json", required_argument, NULL, OPT_JSON },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "link", required_argument, NULL, OPT_LINK },
	{ "link-spec", required_argument, NULL, OPT_LINK_SPEC },
	{ "link-scenario", required_argument, NULL, OPT_LINK_SCENARIO },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "summary-only", no_argument, NULL, OPT_SUMMARY_ONLY },
	{ "spin", required_argument, NULL, OPT_SPIN },
	{ "busy-poll", no_argument, NULL, OPT_BUSY_POLL },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "gso", no_argument, NULL, OPT_GSO },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "live", required_argument, NULL, OPT_LIVE },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "dscp", required_argument, NULL, OPT_DSCP },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* --rate PPS|max: an interval, or a flood. */
static int take_rate(struct ub_sender_config *c, const char *arg, struct ub_err *e)
{
	uint64_t v;

	if (strcmp(arg, "max") == 0) {
		c->flood = 1;
		c->interval_ns = 0;
		return 0;
	}
	if (ub_opt_count("--rate", arg, 1, 1000000, &v, e) < 0)
		return UB_E_INVAL;
	c->interval_ns = UB_NS_PER_S / (int64_t)v;
	return 0;
}

static int take_mode(struct ub_sender_config *c, const char *arg, struct ub_err *e)
{
	int n;

	for (n = 0; n < UB_MODES; n++)
		if (strcmp(arg, ub_sender_mode_name((enum ub_mode)n)) == 0)
			break;
	if (n == UB_MODES)
		return ub_err_set(e, UB_E_INVAL, 0, "--mode: '%s' is not auto, stamp, echo, text or any",
				  arg);
	c->mode = (enum ub_mode)n;
	return 0;
}

/* --link KIND[:TRUTH]: one of the kinds params.link names, and where its truth log is. */
static int take_link(struct send_cmd *s, const char *arg, struct ub_err *e)
{
	static const char *const kinds[] = { "tun", "relay", "netem", "nftables", "real" };
	size_t k, len = strcspn(arg, ":");

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strlen(kinds[k]) == len && strncmp(arg, kinds[k], len) == 0)
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--link: '%.*s' is not tun, relay, netem, nftables or real", (int)len, arg);
	snprintf(s->link_kind, sizeof(s->link_kind), "%s", kinds[k]);
	s->c.link.kind = s->link_kind;
	s->link_truth = arg[len] ? arg + len + 1 : NULL;
	if (arg[len] && !*s->link_truth)
		return ub_err_set(e, UB_E_INVAL, 0, "--link: '%s' names no truth log after the ':'", arg);
	if (s->link_truth && strcmp(kinds[k], "real") == 0)
		return ub_err_set(e, UB_E_INVAL, 0, "--link: a real link has no truth log ('%s')", arg);
	return 0;
}

/* --link-spec JSON and --link-scenario ID: text the result holds as it is. */
static int take_link_text(struct send_cmd *s, int opt, const char *arg, struct ub_err *e)
{
	char why[160];

	if (opt == OPT_LINK_SPEC) {
		if (ub_output_link_spec(arg, why, sizeof(why)) < 0)
			return ub_err_set(e, UB_E_INVAL, 0, "--link-spec: %s", why);
		s->c.link.spec = arg;
		s->link_extra = "--link-spec";
		return 0;
	}
	if (!*arg || !ub_output_text_ok(arg))
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--link-scenario: give the scenario's name (UTF-8 text)");
	s->c.link.scenario = arg;
	s->link_extra = "--link-scenario";
	return 0;
}

/* The options that shape the probes and their schedule. */
static int take_probe_option(struct send_cmd *s, int opt, const char *arg, struct ub_err *e)
{
	struct ub_sender_config *c = &s->c;

	switch (opt) {
	case 'c':
		return ub_opt_count("--count", arg, 1, UINT32_MAX, &c->count, e);
	case 'd':
		return ub_opt_duration("--duration", arg, MS, 365LL * 24 * 3600 * UB_NS_PER_S,
				       &c->duration_ns, e);
	case 'i':
		s->have_interval = 1;
		return ub_opt_duration("--interval", arg, 1000, 3600 * UB_NS_PER_S, &c->interval_ns,
				       e);
	case OPT_RATE:
		s->have_rate = 1;
		return take_rate(c, arg, e);
	case 's':
		return ub_opt_size("--size", arg, UB_STAMP_LEN, UB_PKT_MAX, &c->size, e);
	case OPT_TIMEOUT:
		return ub_opt_duration("--timeout", arg, MS, 3600 * UB_NS_PER_S, &c->timeout_ns, e);
	case OPT_REPORT_INTERVAL:
		if (strcmp(arg, "0") == 0) {
			c->report_interval_ns = 0;
			return 0;
		}
		return ub_opt_duration("--report-interval", arg, 10 * MS, 3600 * UB_NS_PER_S,
				       &c->report_interval_ns, e);
	case OPT_MODE:
		return take_mode(c, arg, e);
	case OPT_TIMESTAMP:
		if (strcmp(arg, "ntp") != 0 && strcmp(arg, "ptp") != 0)
			return ub_err_set(e, UB_E_INVAL, 0, "--timestamp: '%s' is not ntp or ptp", arg);
		c->ptp = arg[0] == 'p';
		return 0;
	case OPT_TCP:
		c->tcp = 1;
		return 0;
	case OPT_KEY:
		return ub_opt_key(arg, &s->key, &c->key, e);
	case OPT_SPIN:
		return ub_opt_duration("--spin", arg, 0, UB_NS_PER_S, &c->spin_ns, e);
	case OPT_BUSY_POLL:
		c->busy_poll = 1;
		return 0;
	case OPT_GSO:
		c->gso = 1;
		return 0;
	case OPT_CPU:
		return ub_opt_int("--cpu", arg, 0, CPU_SETSIZE - 1, &c->cpu, e);
	case OPT_SUMMARY_ONLY:
		c->summary_only = 1;
		return 0;
	}
	return UB_OPT_NOT_MINE;
}

/* The peers, where the results go, the IP header, -4/-6/-q; the rest goes to take_probe_option. */
static int send_take(void *state, int opt, const char *name, const char *arg, struct ub_err *e)
{
	struct send_cmd *s = state;
	struct ub_sender_config *c = &s->c;
	int rc;

	(void)name;
	rc = ub_loadopt_take(&c->load, &s->load, opt, arg, e);
	if (rc != UB_OPT_NOT_MINE)
		return rc;
	switch (opt) {
	case 'P':
		return ub_peers_add(&s->peers, arg, e);
	case OPT_PEERS:
		return ub_peers_read(&s->peers, arg, e);
	case 'p':
		return ub_opt_int("--port", arg, 1, 65535, &c->port, e);
	case OPT_JSON:
		if (UB_BOARD_LACKS("--json", "jansson", e))
			return UB_E_INVAL;
		c->json_path = arg;
		return 0;
	case OPT_CSV:
		c->csv_path = arg;
		return 0;
	case OPT_LABEL:
		if (!ub_output_text_ok(arg))
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--label: not UTF-8 text (the JSON result could not hold it)");
		c->label = arg;
		return 0;
	case OPT_PCAP:
		if (UB_BOARD_LACKS("--pcap", "libpcap", e))
			return UB_E_INVAL;
		c->pcap_path = arg;
		return 0;
	case OPT_IFACE:
		c->iface = arg;
		return 0;
	case OPT_LANG:
		return ub_langopt_parse(arg, &c->lang, e);
	case OPT_LIVE:
		if (UB_BOARD_LACKS("--live", "libmicrohttpd", e))
			return UB_E_INVAL;
		s->live = 1;
		return ub_net_split_listen("--live", arg, s->live_host, sizeof(s->live_host),
					   &s->live_port, e);
	case OPT_METRICS:
		if (UB_BOARD_LACKS("--metrics", "libmicrohttpd", e))
			return UB_E_INVAL;
		s->metrics = 1;
		return ub_net_split_listen("--metrics", arg, s->metrics_host, sizeof(s->metrics_host),
					   &s->metrics_port, e);
	case OPT_LINK:
		return take_link(s, arg, e);
	case OPT_LINK_SPEC:
	case OPT_LINK_SCENARIO:
		return take_link_text(s, opt, arg, e);
	case OPT_DSCP:
		return ub_opt_int("--dscp", arg, 0, 63, &c->dscp, e);
	case OPT_TTL:
		return ub_opt_int("--ttl", arg, 1, 255, &c->ttl, e);
	}
	if (ub_opt_common(opt, &c->family, &s->quiet) == 0)
		return 0;
	return take_probe_option(s, opt, arg, e);
}

static const struct ub_opt_spec send_spec = {
	":P:p:c:d:i:s:q46hV", send_options, send_take,
};

/* Probes the schedule plans at most: the count, or the duration's worth (a flood's at a million a second). */
static uint64_t planned_probes(const struct ub_sender_config *c)
{
	int64_t gap = c->interval_ns > 0 ? c->interval_ns : 1000;
	uint64_t n = c->duration_ns ? (uint64_t)(c->duration_ns / gap) + 1 : UINT64_MAX;

	return c->count && c->count < n ? c->count : n;
}

/* Options that cannot go together, and the files that must differ. */
static int check_combinations(const struct send_cmd *s, struct ub_err *e)
{
	const struct ub_sender_config *c = &s->c;

	if (s->have_interval && s->have_rate)
		return ub_err_set(e, UB_E_INVAL, 0, "--rate: give either --interval or --rate");
	if (c->tcp && c->pcap_path)
		return ub_err_set(e, UB_E_INVAL, 0, "--pcap: captures UDP runs; leave it out with --tcp");
	if (c->tcp && c->mode != UB_MODE_AUTO && c->mode != UB_MODE_ECHO)
		return ub_err_set(e, UB_E_INVAL, 0, "--mode: --tcp sends to an echo (auto or echo)");
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
	return 0;
}

static int send_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	struct send_cmd *s = state;
	struct ub_sender_config *c = &s->c;
	int rc, operand;

	ub_sender_config_init(c);
	c->lang = ub_words_lang(NULL);
	rc = ub_opt_parse(argc, argv, &send_spec, s, &operand, e);
	if (rc != UB_CMD_RUN)
		return rc;
	/* "udpbench 192.168.4.1" works as ping's does. */
	for (; operand < argc; operand++)
		if (ub_peers_add(&s->peers, argv[operand], e) < 0)
			return e->code;
	if (!s->peers.n)
		return ub_err_set(e, UB_E_INVAL, 0, "--peer: which host? (udpbench --peer HOST)");
	c->peers = s->peers.list;
	c->names = s->peers.names;
	c->n_peers = s->peers.n;
	if (c->mode == UB_MODE_TEXT && c->size < UB_STAMP_LEN)
		c->size = UB_STAMP_LEN;
	if (check_combinations(s, e) < 0 || ub_loadopt_check(c, &s->load, e) < 0)
		return e->code;
	if (s->link_extra && !s->link_kind[0])
		return ub_err_set(e, UB_E_INVAL, 0, "%s: say which link with --link KIND too",
				  s->link_extra);
	/* the result names its truth log as seen from where the result lies */
	if (s->link_truth) {
		if (ub_outfile_relative(s->link_truth, c->json_path, s->truth_rel, sizeof(s->truth_rel),
					e) < 0)
			return ub_err_prefix(e, UB_E_INVAL, "--link");
		c->link.truth = s->truth_rel;
	}
	if (c->key) {
		c->mode = UB_MODE_STAMP;
		if (c->size < UB_STAMP_AUTH_LEN)
			c->size = UB_STAMP_AUTH_LEN;
	}
	/* monitoring runs until it is stopped, in constant memory */
	if (s->metrics && !c->count && !c->duration_ns)
		s->until_stopped = c->summary_only = 1;
	if (!c->count && !c->duration_ns && !s->until_stopped)
		c->duration_ns = 10 * UB_NS_PER_S;
	/* Exact statistics grow with every probe: a plan larger than they hold keeps constant memory. */
	if (!c->summary_only && planned_probes(c) > UB_SENDER_EXACT_MAX)
		c->summary_only = c->summary_only_auto = 1;
	return UB_CMD_RUN;
}

/* --live: the page's server, started before the run so that a taken port costs no measurement. */
static int start_live(struct send_cmd *s, struct ub_live **lv, struct ub_sender_watch *w,
		      struct ub_err *e)
{
	struct ub_live_config lc;
	char url[UB_ADDRSTR_MAX + 16];

	*lv = NULL;
	if (!s->live)
		return 0;
	ub_live_config_init(&lc);
	lc.host = s->live_host;
	lc.port = s->live_port;
	lc.lang = s->c.lang;
	lc.label = s->c.label;
	*lv = ub_live_start(&lc, e);
	if (!*lv)
		return e->code;
	snprintf(url, sizeof(url), "http://%s/", ub_live_address(*lv));
	fprintf(stderr, UB_TR(s->c.lang == UB_LANG_ZH, "udpbench: live page at %s\n",
			      "udpbench: 实时页面：%s\n"),
		url);
	ub_live_watch(*lv, w);
	s->c.watch = w;
	return 0;
}

#ifndef UB_BOARD_BUILD
/* --metrics: the server Prometheus scrapes, started before the run as the live page's is. */
static int start_metrics(struct send_cmd *s, struct ub_metrics **m, struct ub_watchfan *fan,
			 struct ub_sender_watch *w, struct ub_err *e)
{
	struct ub_metrics_config mc;
	char url[UB_ADDRSTR_MAX + 16];

	*m = NULL;
	if (!s->metrics)
		return 0;
	ub_metrics_config_init(&mc);
	mc.host = s->metrics_host;
	mc.port = s->metrics_port;
	mc.label = s->c.label;
	mc.log = s->quiet ? NULL : stderr;
	mc.lang = s->c.lang;
	*m = ub_metrics_start_sender(&mc, e);
	if (!*m)
		return e->code;
	snprintf(url, sizeof(url), "http://%s/metrics", ub_metrics_address(*m));
	fprintf(stderr, UB_TR(s->c.lang == UB_LANG_ZH, "udpbench: metrics at %s\n",
			      "udpbench: 监控指标：%s\n"),
		url);
	if (s->until_stopped && !s->quiet)
		fprintf(stderr, UB_TR(s->c.lang == UB_LANG_ZH,
				      "udpbench: no --count or --duration: measuring until Ctrl-C, in "
				      "constant memory\n",
				      "udpbench: 未给 --count 或 --duration：一直测量到按下 Ctrl-C，内存不随时长增长\n"));
	ub_metrics_watch(*m, w);
	ub_watchfan_add(fan, w);
	s->c.watch = ub_watchfan_watch(fan);
	return 0;
}
#endif

static int send_run(void *state)
{
	struct send_cmd *s = state;
	struct ub_sender_config *c = &s->c;
	struct ub_sender_watch watch;
	struct ub_watchfan fan;
	struct ub_live *lv = NULL;
#ifndef UB_BOARD_BUILD
	struct ub_sender_watch mwatch;
	struct ub_metrics *metrics = NULL;
#endif
	struct ub_err e;
	int json_stdout = c->json_path && strcmp(c->json_path, "-") == 0;
	int csv_stdout = c->csv_path && strcmp(c->csv_path, "-") == 0;
	int rc;

	ub_err_clear(&e);
	c->stop = &ub_signal_stop;
	/* stdout stays machine-readable when JSON or CSV goes there. */
	c->summary = json_stdout || csv_stdout ? stderr : stdout;
	c->live = !s->quiet && isatty(STDERR_FILENO) ? stderr : NULL;
	/* interval lines go where the summary goes, whether or not that is a terminal */
	c->intervals = s->quiet || !c->report_interval_ns ? NULL : c->summary;
	if (c->summary_only_auto && !s->quiet)
		fprintf(stderr, UB_TR(c->lang == UB_LANG_ZH,
				      "udpbench: the plan holds more than %u probes: percentiles come from a "
				      "histogram (within 0.5 %%) so that memory stays constant\n",
				      "udpbench: 计划超过 %u 个探测包：百分位数由直方图得出（误差 0.5 %% 以内），"
				      "内存不随运行时长增长\n"),
			UB_SENDER_EXACT_MAX);
	ub_watchfan_init(&fan);
	if (start_live(s, &lv, &watch, &e) < 0)
		return ub_command_fail(NULL, &e, UB_EXIT_ERROR);
	if (lv)
		ub_watchfan_add(&fan, &watch);
#ifndef UB_BOARD_BUILD
	if (start_metrics(s, &metrics, &fan, &mwatch, &e) < 0) {
		ub_live_stop(lv);
		return ub_command_fail(NULL, &e, UB_EXIT_ERROR);
	}
#endif
	rc = ub_sender_run(c, &e);
#ifndef UB_BOARD_BUILD
	ub_metrics_stop(metrics, c->stop);
#endif
	ub_live_stop(lv);
	if (rc == 0) {
		/* --load could not run: said at the start, the probes' result is written */
		if (e.code == UB_E_PERM && c->load.dir)
			return UB_EXIT_ERROR;
		/* Some peers of several stayed silent: a result, but say which. */
		if (e.code == UB_E_NOREPLY)
			fprintf(stderr, "udpbench: %s\n", e.msg);
		return UB_EXIT_OK;
	}
	if (rc == UB_E_NOREPLY)
		return ub_command_fail(NULL, &e, UB_EXIT_NOREPLY);
	if (rc == UB_E_INVAL || rc == UB_E_RANGE)
		return ub_command_fail(NULL, &e, UB_EXIT_USAGE);
	return ub_command_fail(NULL, &e, UB_EXIT_ERROR);
}

static void send_free(void *state)
{
	struct send_cmd *s = state;

	ub_peers_free(&s->peers);
}

const struct ub_command ub_cmd_send = {
	.name = "send",
	.usage = send_usage,
	.options = send_options,
	.state_size = sizeof(struct send_cmd),
	.parse = send_parse,
	.run = send_run,
	.free = send_free,
	.signals = 1,
};
