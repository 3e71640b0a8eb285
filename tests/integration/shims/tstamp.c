/*
 * LD_PRELOAD shim for the integration tests: a kernel that refuses
 * SO_TIMESTAMPING (UB_TEST_TSTAMP=refuse) or gives only receive stamps
 * (UB_TEST_TSTAMP=rx_only), as some kernels, containers and emulation
 * layers do. Every other socket option goes through untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/net_tstamp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static setsockopt_fn real;
	const char *mode = getenv("UB_TEST_TSTAMP");
	int flags;

	if (!real)
		real = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
	if (level != SOL_SOCKET || name != SO_TIMESTAMPING || !mode || len < (socklen_t)sizeof(int))
		return real(fd, level, name, val, len);
	if (strcmp(mode, "refuse") == 0) {
		errno = ENOPROTOOPT;
		return -1;
	}
	memcpy(&flags, val, sizeof(flags));
	flags &= ~(SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_SCHED |
		   SOF_TIMESTAMPING_TX_HARDWARE);
	return real(fd, level, name, &flags, sizeof(flags));
}
