#include "cmd/reflect_cmd.h"

#include <getopt.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/clock.h"
#include "lib/exitcode.h"
#include "reflect/ratelimit.h"
#include "lib/signals.h"
#include "lib/units.h"
#include "metrics/words.h"

enum {
	OPT_SESSION_TIMEOUT = 256,
	OPT_NO_TCP,
	OPT_MAX_RATE,
	OPT_MAX_SESSIONS,
	OPT_PER_SOURCE,
	OPT_KEY,
	OPT_GSO,
	OPT_TWAMP_LIGHT,
	OPT_TIMESTAMP
};

const struct option ub_reflect_cmd_options[] = {
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
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void ub_reflect_cmd_usage(FILE *f)
{
	fputs("Usage: udpbench reflect [options]\n"
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
	      "      --gso               answer a burst to one sender as UDP GSO trains: more\n"
	      "                          replies a second, but a capture or firewall on this\n"
	      "                          host, or across loopback and veth, sees a train as one\n"
	      "                          packet\n"
	      "  -q, --quiet             no start-up line\n"
	      "  -h, --help              show this help\n"
	      "\n"
	      "Replies are never larger than the request (but for --twamp-light); anything else\n"
	      "is dropped and counted (short, too long, bad key, replayed, rate capped, sessions\n"
	      "refused, twamp-light unanswered, and what could start a reflection loop: a\n"
	      "reply, or a datagram from its own address and port). A sender that starts over\n"
	      "on the same port and SSID starts a new session.\n"
	      "Counters go to stderr on SIGUSR1 and at exit; SIGINT or SIGTERM stops. See\n"
	      "SECURITY.md for running it on a shared network.\n",
	      f);
}

int ub_reflect_cmd_parse(int argc, char **argv, struct ub_reflector_config *c, struct ub_err *e)
{
	uint64_t v;
	int opt, zh;

	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also forgets where it was inside a "-xyz" group */
	while ((opt = getopt_long(argc, argv, ":b:p:q46h", ub_reflect_cmd_options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			/* An IPv6 address has two colons or more; one colon or a bracket is ADDR:PORT. */
			if (strchr(optarg, '[') ||
			    (strchr(optarg, ':') && strchr(optarg, ':') == strrchr(optarg, ':')))
				return ub_err_set(e, UB_E_INVAL, 0,
						  "--bind '%s': give the address alone, without brackets or "
						  "a port (the port goes in --port)", optarg);
			c->bind_addr = optarg;
			break;
		case 'p':
			if (ub_units_count(optarg, 0, 65535, &v, e) < 0)
				return ub_err_prefix(e, UB_E_INVAL, "--port");
			c->port = (int)v;
			break;
		case OPT_NO_TCP:
			c->tcp = 0;
			break;
		case OPT_GSO:
			c->gso = 1;
			break;
		case OPT_MAX_RATE:
			if (ub_units_count(optarg, 0, UB_RATELIMIT_RATE_MAX, &c->max_rate, e) < 0)
				return ub_err_prefix(e, UB_E_INVAL, "--max-rate");
			break;
		case OPT_MAX_SESSIONS:
			if (ub_units_count(optarg, 1, UB_REFLECTOR_SESSIONS_MAX, &v, e) < 0)
				return ub_err_prefix(e, UB_E_INVAL, "--max-sessions");
			c->max_sessions = (unsigned)v;
			break;
		case OPT_PER_SOURCE:
			if (ub_units_count(optarg, 1, UB_REFLECTOR_SESSIONS_MAX, &v, e) < 0)
				return ub_err_prefix(e, UB_E_INVAL, "--sessions-per-source");
			c->sessions_per_source = (unsigned)v;
			break;
		case OPT_KEY:
			c->key_file = optarg;
			break;
		case OPT_TWAMP_LIGHT:
			c->twamp_light = 1;
			break;
		case OPT_TIMESTAMP:
			if (strcmp(optarg, "ntp") != 0 && strcmp(optarg, "ptp") != 0)
				return ub_err_set(e, UB_E_INVAL, 0,
						  "--timestamp '%s': ntp or ptp", optarg);
			c->ptp = optarg[0] == 'p';
			break;
		case OPT_SESSION_TIMEOUT:
			if (ub_units_duration(optarg, 1000 * 1000LL, 24 * 3600 * UB_NS_PER_S,
					      &c->session_idle_ns, e) < 0)
				return ub_err_prefix(e, UB_E_INVAL, "--session-timeout");
			break;
		case '4':
			c->family = AF_INET;
			break;
		case '6':
			c->family = AF_INET6;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'h':
			return 1;
		case ':':
			return ub_err_set(e, UB_E_INVAL, 0, "%s: needs a value", argv[optind - 1]);
		default:
			zh = ub_words_lang(NULL) == UB_LANG_ZH;
			if (optopt)
				return ub_err_set(e, UB_E_INVAL, 0,
						  UB_TR(zh, "unknown option '-%c'", "没有 '-%c' 这个选项"), optopt);
			return ub_err_set(e, UB_E_INVAL, 0,
					  UB_TR(zh, "unknown option '%s'", "没有 '%s' 这个选项"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ub_err_set(e, UB_E_INVAL, 0, "unexpected argument '%s'", argv[optind]);
	if (c->twamp_light && c->key_file)
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--twamp-light answers unauthenticated requests: not with --key");
	return 0;
}

int ub_reflect_cmd_run(struct ub_reflector_config *c)
{
	struct ub_reflector *r;
	struct ub_err e;
	int rc;

	ub_err_clear(&e);
	c->stop = &ub_signal_stop;
	c->dump = &ub_signal_dump;
	ub_signals_install();
	r = ub_reflector_new(c, &e);
	if (!r) {
		fprintf(stderr, "udpbench reflect: %s\n", e.msg);
		return e.code == UB_E_INVAL ? UB_EXIT_USAGE : UB_EXIT_ERROR;
	}
	rc = ub_reflector_run(r, &e);
	ub_reflector_print_counters(r, stderr);
	ub_reflector_free(r);
	if (rc < 0) {
		fprintf(stderr, "udpbench reflect: %s\n", e.msg);
		return UB_EXIT_ERROR;
	}
	return UB_EXIT_OK;
}
