/*
 * udpbench for the 虚谷号: the STAMP reflector alone, statically linked for
 * aarch64 (`make cross-aarch64`). The sender, relay, capture, scenarios and
 * reports need libpcap, jansson and inih, which have no static arm64 build
 * on the build machine; asked for one of those, this binary says so.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "err.h"
#include "exitcode.h"
#include "reflector.h"
#include "signals.h"
#include "units.h"

#ifndef UB_VERSION
#define UB_VERSION "unknown"
#endif

#define MS (1000 * 1000LL)

enum { OPT_SESSION_TIMEOUT = 256, OPT_NO_TCP };

static const char usage[] =
	"Usage: udpbench reflect [options]\n"
	"This is the reflector-only build of udpbench (static aarch64, for the 虚谷号).\n"
	"It answers STAMP (RFC 8762) and TWAMP-light probes as a stateful session-reflector;\n"
	"measure it from a PC with the full udpbench: udpbench --peer THIS_BOARD.\n"
	"\n"
	"  -b, --bind ADDR         listen on this address (numeric; default: all, IPv4 and IPv6)\n"
	"  -p, --port N            UDP port (default 10000; 0 picks a free one)\n"
	"  -4, -6                  IPv4 or IPv6 only\n"
	"      --session-timeout D forget a session silent this long (default 60s)\n"
	"      --no-tcp            no TCP echo on the same port (it serves udpbench --tcp)\n"
	"  -q, --quiet             no start-up line\n"
	"  -h, --help              show this help\n"
	"  -V, --version           show the version\n"
	"\n"
	"Not in this build: send, relay, analyze, report, scenario (they need\n"
	"libpcap, jansson and inih); run them on the PC.\n"
	"Signals: SIGUSR1 prints the counters; SIGINT/SIGTERM stop (counters at exit).\n";

static const struct option reflect_opts[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "port", required_argument, NULL, 'p' },
	{ "session-timeout", required_argument, NULL, OPT_SESSION_TIMEOUT },
	{ "no-tcp", no_argument, NULL, OPT_NO_TCP },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The commands of the full udpbench that this build leaves out. */
static const char *const missing_cmds[] = { "send", "relay", "analyze", "report", "scenario" };


/* Returns UB_EXIT_ERROR after one line naming what this build lacks. */
static int lacks(const char *what)
{
	fprintf(stderr,
		"udpbench: '%s' is not in this reflector-only build (static aarch64 for the 虚谷号: "
		"no libpcap, jansson or inih); run it on the PC. Here only 'udpbench reflect' works.\n",
		what);
	return UB_EXIT_ERROR;
}

/* Parses `reflect` options into c; returns 0, 1 when help or version was printed, or an exit code < 0. */
static int parse_reflect(int argc, char **argv, struct ub_reflector_config *c)
{
	struct ub_err e;
	char *end;
	long port;
	int opt;

	ub_err_clear(&e);
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":b:p:q46hV", reflect_opts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			c->bind_addr = optarg;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (end == optarg || *end || port < 0 || port > 65535) {
				fprintf(stderr, "udpbench: --port: '%s' must be 0..65535 (see udpbench --help)\n",
					optarg);
				return -UB_EXIT_USAGE;
			}
			c->port = (int)port;
			break;
		case OPT_SESSION_TIMEOUT:
			if (ub_units_duration(optarg, MS, 24 * 3600 * UB_NS_PER_S, &c->session_idle_ns,
					      &e) < 0) {
				fprintf(stderr, "udpbench: --session-timeout: %s (see udpbench --help)\n",
					e.msg);
				return -UB_EXIT_USAGE;
			}
			break;
		case OPT_NO_TCP:
			c->tcp = 0;
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
			fputs(usage, stdout);
			return 1;
		case 'V':
			printf("udpbench %s (reflector-only build)\n", UB_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "udpbench: option '%s' needs a value (see udpbench --help)\n",
				argv[optind - 1]);
			return -UB_EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "udpbench: unknown option '-%c' (see udpbench --help)\n",
					optopt);
			else
				fprintf(stderr, "udpbench: unknown option '%s' (see udpbench --help)\n",
					argv[optind - 1]);
			return -UB_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "udpbench: unexpected argument '%s' (see udpbench --help)\n",
			argv[optind]);
		return -UB_EXIT_USAGE;
	}
	return 0;
}

static int run_reflect(struct ub_reflector_config *c)
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

int main(int argc, char **argv)
{
	struct ub_reflector_config c;
	const char *cmd = argc > 1 ? argv[1] : NULL;
	size_t i;
	int rc;

	if (!cmd) {
		fputs(usage, stderr);
		return UB_EXIT_USAGE;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return UB_EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("udpbench %s (reflector-only build)\n", UB_VERSION);
		return UB_EXIT_OK;
	}
	for (i = 0; i < sizeof(missing_cmds) / sizeof(missing_cmds[0]); i++)
		if (strcmp(cmd, missing_cmds[i]) == 0)
			return lacks(cmd);
	/* Options first means the sender in the full udpbench (`udpbench --peer HOST`). */
	if (cmd[0] == '-')
		return lacks("send");
	if (strcmp(cmd, "reflect") != 0) {
		fprintf(stderr, "udpbench: unknown command '%s' (this build has only 'reflect')\n", cmd);
		return UB_EXIT_USAGE;
	}
	ub_reflector_config_init(&c);
	rc = parse_reflect(argc - 1, argv + 1, &c);
	if (rc < 0)
		return -rc;
	if (rc > 0)
		return UB_EXIT_OK;
	return run_reflect(&c);
}
