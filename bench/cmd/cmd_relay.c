/* udpbench relay: the link emulator between sender and reflector, and its truth log. */
#include "cmd/cmd_relay.h"

#include <stdio.h>

#include "cmd/opt.h"
#include "lib/exitcode.h"
#include "lib/signals.h"
#include "relay/relay.h"

static const char relay_usage[] =
	"Usage: udpbench relay --listen [ADDR:]PORT --to HOST:PORT [impairments] [options]\n"
	"       udpbench relay --between IFACE_A,IFACE_B [impairments] [options]\n"
	"A link emulator between sender and reflector: it relays UDP both ways,\n"
	"impairs each direction, and writes down everything it did (the truth log).\n"
	"With --between it is a packet-level link instead: every frame that arrives\n"
	"on IFACE_A (the sender's side: up) leaves by IFACE_B and back (down), and\n"
	"every IP packet, UDP and TCP alike, meets the same impairments; ARP passes\n"
	"at once. It needs CAP_NET_RAW where the interfaces are (root, or a user\n"
	"namespace of its own, as `udpbench scenario run` sets up).\n"
	"Each impairment applies to both directions, or to one with -up (toward the\n"
	"reflector) or -down: --loss-up 5%, --delay-down 20ms, ...\n"
	"Each client is a flow with a socket of its own: the start-up line says how\n"
	"many fit the open files limit (raise it with ulimit -n); past them, flows\n"
	"silent for 1 s make room, and clients that find none are refused and counted.\n"
	"Each flow has its own impairments and --rate queue: senders never wait behind\n"
	"each other here; with --between every flow of a direction shares one queue.\n"
	"\n"
	"      --listen [ADDR:]PORT  where senders send (PORT 0 picks a free one)\n"
	"      --to HOST:PORT        the reflector\n"
	"      --between A,B         carry every packet between interfaces A and B\n"
	"      --loss P%             random (Bernoulli) loss\n"
	"      --loss-burst p,r[,1-h[,1-k]]  Gilbert-Elliott bursts, as tc-netem's gemodel\n"
	"      --delay D             added one-way delay\n"
	"      --jitter D            delay variation, --jitter-dist uniform|normal|pareto\n"
	"      --delay-model M       independent (default, as tc-netem): each packet's\n"
	"                            delay is its own, so jitter alone reorders;\n"
	"                            fifo (a Wi-Fi station's queue): a packet waits\n"
	"                            behind the one before it, so only --reorder reorders\n"
	"      --reorder P%          packets held back past later ones\n"
	"      --duplicate P%        packets sent twice\n"
	"      --rate R              link rate (1mbit, 500kbit) with --queue N packets\n"
	"      --seed N              the same seed and input give the same decisions\n"
	"      --truth FILE          write the truth log (JSON) at exit\n"
	"  -d, --duration D         stop after this long (default: at SIGINT/SIGTERM)\n"
	"  -4, -6                   IPv4 or IPv6 only\n"
	"  -q, --quiet              no start-up line\n"
	"  -h, --help               show this help\n";

enum {
	OPT_TRUTH = 256,
	OPT_RELAY_SET, /* handed to ub_relay_config_set by its long name */
};

#define RELAY_OPT(name) { name, required_argument, NULL, OPT_RELAY_SET }
#define RELAY_IMPAIR(name) RELAY_OPT(name), RELAY_OPT(name "-up"), RELAY_OPT(name "-down")

static const struct option relay_options[] = {
	RELAY_OPT("listen"),
	RELAY_OPT("to"),
	RELAY_OPT("between"),
	RELAY_OPT("seed"),
	RELAY_IMPAIR("loss"),
	RELAY_IMPAIR("loss-burst"),
	RELAY_IMPAIR("delay"),
	RELAY_IMPAIR("jitter"),
	RELAY_IMPAIR("jitter-dist"),
	RELAY_IMPAIR("delay-model"),
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

static int relay_take(void *state, int opt, const char *name, const char *arg, struct ub_err *e)
{
	struct ub_relay_config *c = state;

	switch (opt) {
	case OPT_RELAY_SET:
		return ub_relay_config_set(c, name, arg, e) < 0 ? e->code : 0;
	case 'd':
		return ub_relay_config_set(c, "duration", arg, e) < 0 ? e->code : 0;
	case OPT_TRUTH:
		c->truth_path = arg;
		return 0;
	}
	return ub_opt_common(opt, &c->family, &c->quiet);
}

static const struct ub_opt_spec relay_spec = {
	":d:q46h", relay_options, relay_take,
};

static int relay_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	struct ub_relay_config *c = state;
	int rc;

	ub_relay_config_init(c);
	rc = ub_opt_parse(argc, argv, &relay_spec, c, NULL, e);
	if (rc != UB_CMD_RUN)
		return rc;
	if (c->between) {
		if (c->listen || c->target)
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--between: a packet-level link takes no --listen or --to");
		return UB_CMD_RUN;
	}
	if (!c->listen)
		return ub_err_set(e, UB_E_INVAL, 0, "--listen: where should the relay listen?");
	if (!c->target)
		return ub_err_set(e, UB_E_INVAL, 0, "--to: which reflector should it relay to?");
	return UB_CMD_RUN;
}

static int relay_run(void *state)
{
	struct ub_relay_config *c = state;
	struct ub_relay *r;
	struct ub_err e;
	int rc, wrc = 0;

	ub_err_clear(&e);
	c->stop = &ub_signal_stop;
	c->dump = &ub_signal_dump;
	r = ub_relay_new(c, &e);
	if (!r)
		return ub_command_fail("relay", &e,
				       e.code == UB_E_INVAL ? UB_EXIT_USAGE : UB_EXIT_ERROR);
	rc = ub_relay_run(r, &e);
	if (rc < 0)
		ub_command_fail("relay", &e, UB_EXIT_ERROR);
	/* The truth log is written however the relay ended. */
	if (c->truth_path && ub_relay_write_truth(r, c->truth_path, &e) < 0)
		wrc = ub_command_fail("relay", &e, UB_EXIT_ERROR);
	if (!c->quiet)
		ub_relay_print_counters(r, stderr);
	ub_relay_free(r);
	return rc < 0 || wrc ? UB_EXIT_ERROR : UB_EXIT_OK;
}

const struct ub_command ub_cmd_relay = {
	.name = "relay",
	.usage = relay_usage,
	.options = relay_options,
	.state_size = sizeof(struct ub_relay_config),
	.parse = relay_parse,
	.run = relay_run,
	.signals = 1,
};
