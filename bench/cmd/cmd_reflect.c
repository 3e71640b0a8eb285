/*
 * udpbench reflect: the STAMP session-reflector — its options, its help and
 * its run; also in the static build for the boards
 * (peers/vvboard/board_main.c), so it includes nothing that needs libpcap,
 * jansson or inih.
 */
#include "cmd/cmd_reflect.h"

#include <stdio.h>
#include <string.h>

#include "cmd/opt.h"
#include "lib/clock.h"
#include "lib/exitcode.h"
#include "lib/net.h"
#include "lib/signals.h"
#include "reflect/ratelimit.h"
#include "reflect/reflector.h"
#ifndef UB_BOARD_BUILD
#include "live/metrics.h"
#include "reflect/seenjson.h"
#endif

static const char reflect_usage[] =
	"Usage: udpbench reflect [options]\n"
	"Answer STAMP (RFC 8762) and TWAMP-light probes as a stateful session-reflector.\n"
	"\n"
	"  -b, --bind ADDR         listen on this address (default: all, IPv4 and IPv6)\n"
	"  -p, --port N            UDP port (default 10000; 0 picks a free one)\n"
	"  -4, -6                  IPv4 or IPv6 only\n"
	"      --session-timeout D forget a session silent this long, and close a TCP\n"
	"                          connection that moves nothing this long (default 60s)\n"
	"      --max-rate N        answer one source address at most N times a second\n"
	"                          (default 20k, bursts of N/10; 0: no cap)\n"
	"      --max-sessions N    sessions at once (default 4096); when full, a newcomer\n"
	"                          replaces the least recently heard session heard only\n"
	"                          once, or one silent for 1s; sessions heard again and\n"
	"                          active are never replaced\n"
	"      --sessions-per-source N\n"
	"                          sessions one source address may hold (default 64); its\n"
	"                          next new one replaces its own least recently heard\n"
	"      --key FILE          authenticated mode (RFC 8762, HMAC-SHA-256): answer\n"
	"                          only requests signed with this key (hex or raw, >= 16\n"
	"                          octets), each at most once (replays are dropped)\n"
	"      --twamp-light       also answer TWAMP-light requests of 14..43 octets\n"
	"                          (RFC 5357) with its 41-octet reply: an amplification\n"
	"                          of up to 2.9 times, so off by default; not with --key\n"
	"      --timestamp ntp|ptp format of the timestamps T2 and T3 in the replies\n"
	"                          (default ntp; ptp sets the Z bit, RFC 8762)\n"
	"      --no-tcp            no TCP echo on the same port (it serves udpbench --tcp)\n"
	"      --allow-load        on the TCP port, also sink and source bulk TCP for\n"
	"                          udpbench --load (latency under load); off by default\n"
	"      --load-max-duration D\n"
	"                          end a load connection after D (default 30s)\n"
	"      --load-max-rate R   all load together at most R bit/s (default 200M;\n"
	"                          0: no cap)\n"
	"      --gso               answer a burst to one sender as UDP GSO trains: more\n"
	"                          replies a second, but a capture or firewall on this\n"
	"                          host, or across loopback and veth, sees a train as one\n"
	"                          packet\n"
	"      --name NAME         what it answers `udpbench discover` with (default: the\n"
	"                          host name; at most 63 octets)\n"
	"      --sessions-json FILE\n"
	"                          write per session what arrived of the sender's\n"
	"                          probes (received, lost, reordered, duplicates,\n"
	"                          jitter, first and last heard) at exit and on SIGUSR1\n"
	"      --metrics [ADDR:]PORT  serve the counters to Prometheus at\n"
	"                          http://ADDR:PORT/metrics (OpenMetrics; ADDR 127.0.0.1\n"
	"                          unless given)\n"
	"  -q, --quiet             no start-up line\n"
	"  -h, --help              show this help\n"
	"\n"
	"Discovery queries (udpbench discover) get one answer no larger than the query,\n"
	"only from this host's own subnets (arrived with TTL 255), rate-limited.\n"
	"Replies are never larger than the request (but for --twamp-light); anything else\n"
	"is dropped and counted (short, too long, bad key, replayed, rate capped, sessions\n"
	"refused, twamp-light unanswered, and what could start a reflection loop: a\n"
	"reply, or a datagram from its own address and port). A sender that starts over\n"
	"on the same port and SSID starts a new session.\n"
	"Counters go to stderr on SIGUSR1 and at exit; SIGINT or SIGTERM stops. See\n"
	"SECURITY.md for running it on a shared network.\n";

enum {
	OPT_SESSION_TIMEOUT = 256,
	OPT_NO_TCP,
	OPT_MAX_RATE,
	OPT_MAX_SESSIONS,
	OPT_PER_SOURCE,
	OPT_KEY,
	OPT_GSO,
	OPT_TWAMP_LIGHT,
	OPT_TIMESTAMP,
	OPT_NAME,
	OPT_SESSIONS_JSON,
	OPT_ALLOW_LOAD,
	OPT_LOAD_MAX_DURATION,
	OPT_LOAD_MAX_RATE,
	OPT_METRICS
};

static const struct option reflect_options[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "port", required_argument, NULL, 'p' },
	{ "session-timeout", required_argument, NULL, OPT_SESSION_TIMEOUT },
	{ "no-tcp", no_argument, NULL, OPT_NO_TCP },
	{ "gso", no_argument, NULL, OPT_GSO },
	{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
	{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
	{ "sessions-per-source", required_argument, NULL, OPT_PER_SOURCE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "twamp-light", no_argument, NULL, OPT_TWAMP_LIGHT },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "sessions-json", required_argument, NULL, OPT_SESSIONS_JSON },
	{ "allow-load", no_argument, NULL, OPT_ALLOW_LOAD },
	{ "load-max-duration", required_argument, NULL, OPT_LOAD_MAX_DURATION },
	{ "load-max-rate", required_argument, NULL, OPT_LOAD_MAX_RATE },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int reflect_take(void *state, int opt, const char *name, const char *arg,
			struct ub_err *e)
{
	struct ub_cmd_reflect_state *st = state;
	struct ub_reflector_config *c = &st->refl;

	(void)name;
	switch (opt) {
	case 'b':
		/* An IPv6 address has two colons or more; one colon or a bracket is ADDR:PORT. */
		if (strchr(arg, '[') || (strchr(arg, ':') && strchr(arg, ':') == strrchr(arg, ':')))
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--bind '%s': give the address alone, without brackets or "
					  "a port (the port goes in --port)", arg);
		c->bind_addr = arg;
		return 0;
	case 'p':
		return ub_opt_int("--port", arg, 0, 65535, &c->port, e);
	case OPT_NAME:
		c->name = arg;
		return 0;
	case OPT_NO_TCP:
		c->tcp = 0;
		return 0;
	case OPT_GSO:
		c->gso = 1;
		return 0;
	case OPT_MAX_RATE:
		return ub_opt_count("--max-rate", arg, 0, UB_RATELIMIT_RATE_MAX, &c->max_rate, e);
	case OPT_MAX_SESSIONS:
		return ub_opt_unsigned("--max-sessions", arg, 1, UB_REFLECTOR_SESSIONS_MAX,
				       &c->max_sessions, e);
	case OPT_PER_SOURCE:
		return ub_opt_unsigned("--sessions-per-source", arg, 1, UB_REFLECTOR_SESSIONS_MAX,
				       &c->sessions_per_source, e);
	case OPT_KEY:
		c->key_file = arg;
		return 0;
	case OPT_TWAMP_LIGHT:
		c->twamp_light = 1;
		return 0;
	case OPT_TIMESTAMP:
		if (strcmp(arg, "ntp") != 0 && strcmp(arg, "ptp") != 0)
			return ub_err_set(e, UB_E_INVAL, 0, "--timestamp '%s': ntp or ptp", arg);
		c->ptp = arg[0] == 'p';
		return 0;
	case OPT_SESSIONS_JSON:
#ifdef UB_BOARD_BUILD
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--sessions-json is not in this build (no jansson); run the "
				  "reflector on a PC for it");
#else
		if (!*arg)
			return ub_err_set(e, UB_E_INVAL, 0, "--sessions-json: give a file name");
		st->sessions_json = arg;
		c->seen = 1;
		return 0;
#endif
	case OPT_ALLOW_LOAD:
		c->load.allow = 1;
		return 0;
	case OPT_LOAD_MAX_DURATION:
		return ub_opt_duration("--load-max-duration", arg, 100 * 1000000LL,
				       24 * 3600 * UB_NS_PER_S, &c->load.max_ns, e);
	case OPT_LOAD_MAX_RATE:
		return ub_opt_count("--load-max-rate", arg, 0, UB_LOADSRV_BPS_MAX, &c->load.max_bps, e);
	case OPT_METRICS:
		if (UB_BOARD_LACKS("--metrics", "libmicrohttpd", e))
			return UB_E_INVAL;
		st->metrics = 1;
		return ub_net_split_listen("--metrics", arg, st->metrics_host, sizeof(st->metrics_host),
					   &st->metrics_port, e);
	case OPT_SESSION_TIMEOUT:
		return ub_opt_duration("--session-timeout", arg, 1000 * 1000LL,
				       24 * 3600 * UB_NS_PER_S, &c->session_idle_ns, e);
	}
	return ub_opt_common(opt, &c->family, &c->quiet);
}

static const struct ub_opt_spec reflect_spec = {
	":b:p:q46h", reflect_options, reflect_take,
};

static int reflect_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	struct ub_cmd_reflect_state *st = state;
	struct ub_reflector_config *c = &st->refl;
	int rc;

	ub_reflector_config_init(c);
	st->sessions_json = NULL;
	st->metrics = 0;
	rc = ub_opt_parse(argc, argv, &reflect_spec, st, NULL, e);
	if (rc != UB_CMD_RUN)
		return rc;
	if (c->load.allow && !c->tcp)
		return ub_err_set(e, UB_E_INVAL, 0, "--allow-load serves load on the TCP port: not with --no-tcp");
	if (c->twamp_light && c->key_file)
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--twamp-light answers unauthenticated requests: not with --key");
	return UB_CMD_RUN;
}

/* Writes the per-session figures to path (NULL: none); returns 0, or -1 after one line saying why. */
static int write_sessions(const char *path, const struct ub_reflector *r)
{
#ifdef UB_BOARD_BUILD
	(void)path;
	(void)r;
	return 0;
#else
	struct ub_err e;

	ub_err_clear(&e);
	if (!path || ub_seenjson_write(ub_reflector_seen(r), path, &e) == 0)
		return 0;
	fprintf(stderr, "udpbench reflect: --sessions-json: %s\n", e.msg);
	return -1;
#endif
}

/* On SIGUSR1: the figures so far to the file in ctx (its path); a failure is said, the run goes on. */
static void dump_sessions(void *ctx, const struct ub_reflector *r)
{
	write_sessions(ctx, r);
}

#ifndef UB_BOARD_BUILD
/* --metrics: the server Prometheus scrapes; the reflector hands it its counters every loop turn. */
static int start_metrics(struct ub_cmd_reflect_state *st, struct ub_metrics **m, struct ub_err *e)
{
	struct ub_metrics_config mc;

	*m = NULL;
	if (!st->metrics)
		return 0;
	ub_metrics_config_init(&mc);
	mc.host = st->metrics_host;
	mc.port = st->metrics_port;
	mc.log = st->refl.quiet ? NULL : stderr;
	*m = ub_metrics_start_reflector(&mc, e);
	if (!*m)
		return e->code;
	if (!st->refl.quiet)
		fprintf(stderr, "udpbench reflector: metrics at http://%s/metrics\n", ub_metrics_address(*m));
	st->refl.on_turn = ub_metrics_reflector;
	st->refl.turn_ctx = *m;
	return 0;
}
#endif

/* Reflects until SIGINT/SIGTERM, counters (and the per-session figures) on SIGUSR1 and at exit. */
static int reflect_run(void *state)
{
	struct ub_cmd_reflect_state *st = state;
	struct ub_reflector_config *c = &st->refl;
	struct ub_reflector *r;
	struct ub_err e;
	int rc, wrote;
#ifndef UB_BOARD_BUILD
	struct ub_metrics *m = NULL;
#endif

	ub_err_clear(&e);
	c->stop = &ub_signal_stop;
	c->dump = &ub_signal_dump;
	if (st->sessions_json) {
		c->on_dump = dump_sessions;
		c->dump_ctx = (void *)st->sessions_json;
	}
#ifndef UB_BOARD_BUILD
	if (start_metrics(st, &m, &e) < 0)
		return ub_command_fail("reflect", &e, UB_EXIT_ERROR);
#endif
	r = ub_reflector_new(c, &e);
	if (!r) {
#ifndef UB_BOARD_BUILD
		ub_metrics_stop(m, NULL);
#endif
		return ub_command_fail("reflect", &e,
				       e.code == UB_E_INVAL ? UB_EXIT_USAGE : UB_EXIT_ERROR);
	}
	rc = ub_reflector_run(r, &e);
#ifndef UB_BOARD_BUILD
	if (m) {
		ub_metrics_reflector(m, r);
		ub_metrics_final(m);
		ub_metrics_stop(m, c->stop);
	}
#endif
	ub_reflector_print_counters(r, stderr);
	wrote = write_sessions(st->sessions_json, r);
	ub_reflector_free(r);
	if (rc < 0)
		return ub_command_fail("reflect", &e, UB_EXIT_ERROR);
	return wrote < 0 ? UB_EXIT_ERROR : UB_EXIT_OK;
}

const struct ub_command ub_cmd_reflect = {
	.name = "reflect",
	.usage = reflect_usage,
	.options = reflect_options,
	.state_size = sizeof(struct ub_cmd_reflect_state),
	.parse = reflect_parse,
	.run = reflect_run,
	.signals = 1,
};
