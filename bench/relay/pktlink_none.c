/*
 * The packet-level link in the Windows build: it needs TUN devices and
 * network namespaces, so --between is refused; the socket relay works.
 */
#include "relay/pktlink.h"

#include <string.h>

struct ub_pktlink *ub_pktlink_new(const struct ub_relay_config *c, struct ub_err *e)
{
	(void)c;
	ub_err_set(e, UB_E_INVAL, 0,
		   "--between is not in this build (the packet-level link needs Linux); the socket "
		   "relay (--listen, --to) works");
	return NULL;
}

void ub_pktlink_free(struct ub_pktlink *l)
{
	(void)l;
}

uint64_t ub_pktlink_seed(const struct ub_pktlink *l)
{
	(void)l;
	return 0;
}

int ub_pktlink_turn(struct ub_pktlink *l, int64_t max_wait_ns, struct ub_err *e)
{
	(void)l, (void)max_wait_ns, (void)e;
	return 0;
}

void ub_pktlink_counters(const struct ub_pktlink *l, struct ub_truth_dir_counters dir[2],
			 struct ub_pktlink_counters *out)
{
	(void)l;
	memset(dir, 0, 2 * sizeof(*dir));
	memset(out, 0, sizeof(*out));
}

void ub_pktlink_print_counters(const struct ub_pktlink *l, FILE *f)
{
	(void)l, (void)f;
}

int ub_pktlink_write_truth(const struct ub_pktlink *l, const char *path, struct ub_err *e)
{
	(void)l, (void)path, (void)e;
	return 0;
}

int ub_pktlink_plain_offloads(const char *ifname, struct ub_err *e)
{
	(void)ifname;
	return ub_err_set(e, UB_E_INVAL, 0, "not in this build");
}
