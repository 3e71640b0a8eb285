/*
 * Capture in the static board build: there is no libpcap for arm64 here,
 * so it cannot open (cmd_send refuses --pcap before this).
 */
#include "capture/capture.h"

#include <string.h>

void ub_capture_config_init(struct ub_capture_config *c)
{
	memset(c, 0, sizeof(*c));
}

struct ub_capture *ub_capture_open(const struct ub_capture_config *c, const struct ub_addr *peers,
				   unsigned n, struct ub_err *e)
{
	(void)c, (void)peers, (void)n;
	ub_err_set(e, UB_E_INVAL, 0, "--pcap is not in this build (no libpcap)");
	return NULL;
}

int ub_capture_fd(const struct ub_capture *cap)
{
	(void)cap;
	return -1;
}

const char *ub_capture_iface(const struct ub_capture *cap)
{
	(void)cap;
	return "";
}

int ub_capture_dispatch(struct ub_capture *cap, ub_capture_fn fn, void *ctx, struct ub_err *e)
{
	(void)cap, (void)fn, (void)ctx, (void)e;
	return 0;
}

void ub_capture_flush(struct ub_capture *cap)
{
	(void)cap;
}

void ub_capture_stats(struct ub_capture *cap, struct ub_capture_stats *st)
{
	(void)cap;
	memset(st, 0, sizeof(*st));
}

int ub_capture_close(struct ub_capture *cap, struct ub_err *e)
{
	(void)cap, (void)e;
	return 0;
}
