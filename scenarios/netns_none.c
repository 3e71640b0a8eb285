/*
 * The packet-level link's namespaces in the Windows build: network
 * namespaces and netem are Linux's, so a scenario runs UDP through the
 * socket relay there, and its summary says why TCP and load were left out.
 */
#include "scenarios/netns.h"

#include <string.h>

enum ub_netem ub_netns_netem(void)
{
	return UB_NETEM_NO_SYSTEM;
}

int ub_netns_link_up(struct ub_netns_link *k, struct ub_err *e)
{
	memset(k, 0, sizeof(*k));
	k->keep[0] = k->keep[1] = k->keep[2] = k->keep[3] = -1;
	return ub_err_set(e, UB_E_SYS, 0,
			  "the packet-level link needs Linux network namespaces; the Linux build has "
			  "it (under WSL on this PC)");
}

void ub_netns_link_down(struct ub_netns_link *k)
{
	(void)k;
}
