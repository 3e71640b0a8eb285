/*
 * udpbench discover: finds the reflectors on this host's links (udpbench
 * reflect and the board scripts) with one broadcast query per interface,
 * prints what answered, and writes a --peers file. The wire format is in
 * reflect/discovery.h.
 */
#include "cmd/cmd_discover.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/opt.h"
#include "lib/clock.h"
#include "lib/exitcode.h"
#include "lib/net.h"
#include "lib/outfile.h"
#include "lib/signals.h"
#include "metrics/words.h"
#include "reflect/discovery.h"

#define DISC_TARGETS 64
#define DISC_FOUND_MAX 1024

static const char discover_usage[] =
	"Usage: udpbench discover [options]\n"
	"Find the reflectors on this host's links: udpbench reflect and the board\n"
	"scripts (vvBoard, mPython). One query goes to the broadcast address of each\n"
	"interface (and ff02::1 for IPv6); each reflector answers with its name, kind,\n"
	"version and, when its way to you is Wi-Fi, its signal strength. No router\n"
	"passes the query on.\n"
	"\n"
	"  -p, --port N            the reflectors' UDP port (default 10000)\n"
	"  -o, --output FILE       write a --peers file: one HOST:PORT NAME a line\n"
	"      --wait D            wait this long for answers (default 1s)\n"
	"  -4, -6                  IPv4 or IPv6 only\n"
	"  -q, --quiet             no table, only the file\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit 0 when a reflector answered, 3 when none did.\n";

enum { OPT_WAIT = 256 };

static const struct option discover_options[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct discover_state {
	int port;
	const char *output;
	int64_t wait_ns;
	int family;
	int quiet;
};

/* One reflector that answered. */
struct found {
	struct ub_addr from;
	struct ub_disc_info info;
	char name[UB_DISC_NAME_MAX + 1]; /* made safe and unique */
};

struct discovery {
	struct found *list;
	int n;
	unsigned bad;  /* answers dropped: not to our query, or breaking the rules */
};

static int discover_take(void *state, int opt, const char *name, const char *arg,
			 struct ub_err *e)
{
	struct discover_state *c = state;

	(void)name;
	switch (opt) {
	case 'p':
		return ub_opt_int("--port", arg, 1, 65535, &c->port, e);
	case 'o':
		c->output = arg;
		return 0;
	case OPT_WAIT:
		return ub_opt_duration("--wait", arg, UB_NS_PER_S / 100, 60 * UB_NS_PER_S,
				       &c->wait_ns, e);
	}
	return ub_opt_common(opt, &c->family, &c->quiet);
}

static const struct ub_opt_spec discover_spec = {
	":p:o:q46h", discover_options, discover_take,
};

static int discover_parse(int argc, char **argv, void *state, struct ub_err *e)
{
	struct discover_state *c = state;

	c->port = UB_DEFAULT_PORT;
	c->wait_ns = UB_NS_PER_S;
	c->family = AF_UNSPEC;
	return ub_opt_parse(argc, argv, &discover_spec, c, NULL, e);
}

/* A UDP socket of family that sends queries link-local: TTL (hop limit) 255, broadcast allowed. */
static int query_socket(int family)
{
	int fd, one = 1, ttl = UB_DISC_TTL;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
	}
	return fd;
}

/* Keeps the answer in buf[0..len) from *from, one entry per reflector (its id), IPv4 first. */
static void take_answer(struct discovery *d, const uint8_t *buf, size_t len,
			const struct ub_addr *from, const char *nonce)
{
	struct ub_disc_info info;
	struct ub_err e;
	int i;

	ub_err_clear(&e);
	if (ub_disc_decode_answer(buf, len, nonce, &info, &e) < 0) {
		d->bad++;
		return;
	}
	for (i = 0; i < d->n; i++) {
		if (strcmp(d->list[i].info.id, info.id) != 0)
			continue;
		/* The same reflector by IPv4 and IPv6: the IPv4 address is the one to keep. */
		if (d->list[i].from.ss.ss_family == AF_INET6 && from->ss.ss_family == AF_INET)
			d->list[i].from = *from;
		return;
	}
	if (d->n >= DISC_FOUND_MAX)
		return;
	d->list[d->n].from = *from;
	d->list[d->n].info = info;
	d->n++;
}

/* Reads every datagram waiting on fd. */
static void drain(int fd, struct discovery *d, const char *nonce)
{
	uint8_t buf[UB_DISC_QUERY_LEN + 1];
	struct ub_addr from;
	ssize_t n;

	for (;;) {
		from.len = sizeof(from.ss);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from.ss, &from.len);
		if (n < 0)
			return;
		/* Larger than the query: no answer may be (MSG_TRUNC gives the real length). */
		if ((size_t)n > UB_DISC_QUERY_LEN) {
			d->bad++;
			continue;
		}
		take_answer(d, buf, (size_t)n, &from, nonce);
	}
}

/*
 * HOST:PORT of an answer as --peer reads it; an IPv6 link-local address
 * carries its interface ("[fe80::1%eth0]:10000"), without which no
 * packet could reach it. Returns buf.
 */
static const char *addr_text(const struct ub_addr *a, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
	char host[UB_ADDRSTR_MAX], ifname[IF_NAMESIZE];

	if (a->ss.ss_family != AF_INET6 || !s6->sin6_scope_id ||
	    !if_indextoname(s6->sin6_scope_id, ifname))
		return ub_net_addr_str(a, buf, len);
	snprintf(buf, len, "[%s%%%s]:%d", ub_net_host_str(a, host, sizeof(host)), ifname,
		 ub_net_addr_port(a));
	return buf;
}

/* Orders answers by address: IPv4 first, then by the address's octets. */
static int by_address(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	uint8_t kx[UB_ADDR_KEY_MAX], ky[UB_ADDR_KEY_MAX];
	size_t lx = ub_net_addr_key(&x->from, kx), ly = ub_net_addr_key(&y->from, ky);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return memcmp(kx, ky, lx);
}

/* Gives each answer a name fit for a --peers file, unique: "NAME", "NAME-2", ... */
static void name_all(struct discovery *d)
{
	char base[UB_DISC_NAME_MAX + 1], suffix[16];
	int i, j, k, clash;
	size_t cut;

	for (i = 0; i < d->n; i++) {
		ub_disc_clean_name(base, d->list[i].info.name);
		if (!base[0])
			snprintf(base, sizeof(base), "%s", d->list[i].info.kind);
		for (k = 1;; k++) {
			if (k == 1) {
				snprintf(d->list[i].name, sizeof(d->list[i].name), "%s", base);
			} else {
				snprintf(suffix, sizeof(suffix), "-%d", k);
				cut = strlen(base);
				/* Room for the suffix, cut at a character's start. */
				while (cut + strlen(suffix) > UB_DISC_NAME_MAX ||
				       (cut > 0 && ((uint8_t)base[cut] & 0xc0) == 0x80))
					cut--;
				snprintf(d->list[i].name, sizeof(d->list[i].name), "%.*s%s", (int)cut,
					 base, suffix);
			}
			for (clash = 0, j = 0; j < i && !clash; j++)
				clash = strcmp(d->list[j].name, d->list[i].name) == 0;
			if (!clash)
				break;
		}
	}
}

static int write_peers(const struct discovery *d, const char *path, struct ub_err *e)
{
	struct ub_outfile o;
	char host[UB_ADDRSTR_MAX + IF_NAMESIZE];
	int i;

	if (ub_outfile_open(&o, path, e) < 0)
		return e->code;
	fprintf(o.f, "# udpbench discover: HOST:PORT NAME; use with udpbench --peers %s\n", path);
	for (i = 0; i < d->n; i++)
		fprintf(o.f, "%s %s\n", addr_text(&d->list[i].from, host, sizeof(host)),
			d->list[i].name);
	return ub_outfile_commit(&o, e);
}

static void print_table(const struct discovery *d)
{
	char host[UB_ADDRSTR_MAX + IF_NAMESIZE], rssi[16];
	int i, w = 4;

	for (i = 0; i < d->n; i++)
		if ((int)ub_words_width(d->list[i].name) > w)
			w = (int)ub_words_width(d->list[i].name);
	ub_words_pad(stdout, "name", -w);
	printf("  %-9s %-24s %-12s %s\n", "kind", "address", "version", "RSSI");
	for (i = 0; i < d->n; i++) {
		const struct found *f = &d->list[i];

		if (f->info.has_rssi)
			snprintf(rssi, sizeof(rssi), "%d dBm", f->info.rssi);
		else
			snprintf(rssi, sizeof(rssi), "-");
		ub_words_pad(stdout, f->name, -w);
		printf("  %-9s %-24s %-12s %s\n", f->info.kind,
		       addr_text(&f->from, host, sizeof(host)), f->info.version, rssi);
	}
}

/* Sends the query to every target; returns how many left. */
static int send_queries(const int fd[2], const char *nonce, const struct ub_addr *t, int nt)
{
	uint8_t q[UB_DISC_QUERY_LEN];
	int i, sent = 0, s;

	ub_disc_encode_query(q, nonce);
	for (i = 0; i < nt; i++) {
		s = fd[t[i].ss.ss_family == AF_INET6];
		if (s >= 0 && sendto(s, q, sizeof(q), 0, (const struct sockaddr *)&t[i].ss,
				     t[i].len) == (ssize_t)sizeof(q))
			sent++;
	}
	return sent;
}

static int discover_run(void *state)
{
	struct discover_state *c = state;
	struct ub_addr targets[DISC_TARGETS];
	char nonce[UB_DISC_NONCE_LEN + 1];
	struct discovery d = { 0 };
	struct pollfd pfd[2];
	int fd[2] = { -1, -1 }, nt, i, rc = UB_EXIT_ERROR;
	int64_t deadline, left;
	struct ub_err e;

	ub_err_clear(&e);
	nt = ub_disc_targets(c->family, c->port, targets, DISC_TARGETS, &e);
	if (nt < 0)
		return ub_command_fail("discover", &e, UB_EXIT_ERROR);
	d.list = calloc(DISC_FOUND_MAX, sizeof(*d.list));
	if (!d.list) {
		ub_err_set(&e, UB_E_NOMEM, 0, "out of memory");
		return ub_command_fail("discover", &e, UB_EXIT_ERROR);
	}
	if (c->family != AF_INET6)
		fd[0] = query_socket(AF_INET);
	if (c->family != AF_INET)
		fd[1] = query_socket(AF_INET6);
	ub_disc_nonce(nonce);
	if (nt == 0 || send_queries(fd, nonce, targets, nt) == 0) {
		ub_err_set(&e, UB_E_IO, errno,
			   "no interface took the query (is a network interface up?)");
		ub_command_fail("discover", &e, UB_EXIT_ERROR);
		goto out;
	}
	deadline = ub_clock_mono() + c->wait_ns;
	while (!ub_signal_stop && (left = deadline - ub_clock_mono()) > 0) {
		for (i = 0; i < 2; i++) {
			pfd[i].fd = fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, 2, (int)((left + 999999) / 1000000)) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++)
			if (fd[i] >= 0 && (pfd[i].revents & POLLIN))
				drain(fd[i], &d, nonce);
	}
	qsort(d.list, (size_t)d.n, sizeof(*d.list), by_address);
	name_all(&d);
	if (!c->quiet)
		print_table(&d);
	if (d.bad)
		fprintf(stderr, "udpbench discover: %u answers dropped (malformed or not ours)\n",
			d.bad);
	if (d.n == 0) {
		fprintf(stderr, "udpbench discover: no reflector answered on port %d\n", c->port);
		rc = UB_EXIT_NOREPLY;
		goto out;
	}
	if (c->output && write_peers(&d, c->output, &e) < 0) {
		ub_command_fail("discover", &e, UB_EXIT_ERROR);
		goto out;
	}
	rc = UB_EXIT_OK;
out:
	for (i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	free(d.list);
	return rc;
}

const struct ub_command ub_cmd_discover = {
	.name = "discover",
	.usage = discover_usage,
	.options = discover_options,
	.state_size = sizeof(struct discover_state),
	.parse = discover_parse,
	.run = discover_run,
	.signals = 1,
};
