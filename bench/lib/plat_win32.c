/*
 * The Windows build's answers to the POSIX calls of the modules (lib/plat.h
 * says which and how): Winsock behind socket names, errno from
 * WSAGetLastError, WSAPoll in slices that Ctrl-C can end, timerfd as a
 * deadline of poll's.
 */
#include <winsock2.h>
#include <iphlpapi.h>
#include <mmsystem.h>
#include <mswsock.h>

#include "lib/plat.h"

#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"

/* Here the names mean Winsock's and the C runtime's own functions. */
#undef socket
#undef accept4
#undef accept
#undef bind
#undef connect
#undef listen
#undef shutdown
#undef getsockname
#undef getpeername
#undef setsockopt
#undef getsockopt
#undef send
#undef recv
#undef sendto
#undef recvfrom
#undef close
#undef read
#undef write
#undef poll
#undef ppoll
#undef rename
#undef if_nametoindex
#undef if_indextoname

/* The longest a poll sleeps before it looks at Ctrl-C again. */
#define UB_W32_SLICE_MS 20
/* timerfd descriptors: numbers no socket or C runtime file has. */
#define UB_W32_TIMER_BASE 0x7ff00000
#define UB_W32_TIMERS 8
/* The most descriptors one poll takes (the reflector's TCP echo: 258). */
#define UB_W32_POLL_MAX 1024

static volatile LONG interrupts;     /* Ctrl-C so far */
static LONG interrupts_seen;         /* the count the last poll returned on */
static int64_t timer_at[UB_W32_TIMERS]; /* 0: disarmed */
static int timer_used[UB_W32_TIMERS];

/* The sockets made here (open addressing; -1 empty, -2 a removed one). */
static int *socks;
static size_t socks_cap, socks_n;

static size_t sock_slot(int fd, size_t cap)
{
	return ((size_t)(unsigned)fd >> 2) * 2654435761u % cap;
}

static int sock_add(int fd)
{
	size_t i;

	if ((socks_n + 1) * 2 > socks_cap) {
		size_t cap = socks_cap ? socks_cap * 2 : 256, k;
		int *t = malloc(cap * sizeof(*t));

		if (!t)
			return -1;
		for (k = 0; k < cap; k++)
			t[k] = -1;
		for (k = 0; k < socks_cap; k++)
			if (socks[k] >= 0) {
				for (i = sock_slot(socks[k], cap); t[i] != -1; i = (i + 1) % cap)
					;
				t[i] = socks[k];
			}
		free(socks);
		socks = t;
		socks_cap = cap;
	}
	for (i = sock_slot(fd, socks_cap); socks[i] >= 0; i = (i + 1) % socks_cap)
		;
	socks[i] = fd;
	socks_n++;
	return 0;
}

/* The slot holding fd, or -1. */
static long sock_find(int fd)
{
	size_t i, k;

	if (!socks_cap || fd < 0)
		return -1;
	for (i = sock_slot(fd, socks_cap), k = 0; socks[i] != -1 && k < socks_cap;
	     i = (i + 1) % socks_cap, k++)
		if (socks[i] == fd)
			return (long)i;
	return -1;
}

static int is_timer(int fd)
{
	return fd >= UB_W32_TIMER_BASE && fd < UB_W32_TIMER_BASE + UB_W32_TIMERS &&
	       timer_used[fd - UB_W32_TIMER_BASE];
}

/* errno from Winsock's last error; returns -1. */
static int wsa_fail(int fd)
{
	int w = WSAGetLastError(), type = 0;
	int tl = sizeof(type);

	switch (w) {
	case WSAEWOULDBLOCK: errno = EAGAIN; break;
	case WSAEINPROGRESS:
	case WSAEALREADY: errno = EINPROGRESS; break;
	case WSAEINTR: errno = EINTR; break;
	case WSAEINVAL: errno = EINVAL; break;
	case WSAEBADF:
	case WSAENOTSOCK: errno = EBADF; break;
	case WSAEACCES: errno = EACCES; break;
	case WSAEMSGSIZE: errno = EMSGSIZE; break;
	case WSAENOBUFS: errno = ENOBUFS; break;
	case WSAEADDRINUSE: errno = EADDRINUSE; break;
	case WSAEADDRNOTAVAIL: errno = EADDRNOTAVAIL; break;
	case WSAEAFNOSUPPORT: errno = EAFNOSUPPORT; break;
	case WSAENETDOWN: errno = ENETDOWN; break;
	case WSAENETUNREACH: errno = ENETUNREACH; break;
	case WSAEHOSTUNREACH: errno = EHOSTUNREACH; break;
	case WSAECONNREFUSED: errno = ECONNREFUSED; break;
	case WSAECONNABORTED: errno = ECONNABORTED; break;
	case WSAENOTCONN: errno = ENOTCONN; break;
	case WSAETIMEDOUT: errno = ETIMEDOUT; break;
	case WSAEISCONN: errno = EISCONN; break;
	case WSAENOPROTOOPT: errno = ENOPROTOOPT; break;
	case WSAEMFILE: errno = EMFILE; break;
	case WSAECONNRESET:
		/* On a datagram socket this is the ICMP port unreachable Linux calls ECONNREFUSED. */
		errno = getsockopt((SOCKET)fd, SOL_SOCKET, SO_TYPE, (char *)&type, &tl) == 0 &&
					type == SOCK_DGRAM
				? ECONNREFUSED
				: ECONNRESET;
		break;
	default: errno = EIO; break;
	}
	return -1;
}

static int nonblocking(SOCKET s)
{
	u_long on = 1;

	return ioctlsocket(s, FIONBIO, &on) == 0 ? 0 : -1;
}

/* Takes a new SOCKET in: remembered, nonblocking when asked; returns it as an int or -1. */
static int sock_take(SOCKET s, int flags)
{
	if (s == INVALID_SOCKET)
		return wsa_fail(-1);
	if (((flags & SOCK_NONBLOCK) && nonblocking(s) < 0) || sock_add((int)s) < 0) {
		closesocket(s);
		errno = ENOMEM;
		return -1;
	}
	return (int)s;
}

int ub_w32_socket(int family, int type, int proto)
{
	SOCKET s = WSASocketW(family, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), proto, NULL, 0,
			      WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
	int fd = sock_take(s, type);

	if (fd >= 0 && (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_DGRAM) {
		/* A reflector must not stop hearing everyone after one sender's ICMP. */
		BOOL off = FALSE;
		DWORD got;

		if (family != AF_UNSPEC)
			WSAIoctl(s, _WSAIOW(IOC_VENDOR, 12) /* SIO_UDP_CONNRESET */, &off,
				 sizeof(off), NULL, 0, &got, NULL, NULL);
	}
	return fd;
}

int ub_w32_accept4(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	return sock_take(accept((SOCKET)fd, a, len), flags);
}

int ub_w32_accept(int fd, struct sockaddr *a, socklen_t *len)
{
	return ub_w32_accept4(fd, a, len, 0);
}

int ub_w32_bind(int fd, const struct sockaddr *a, socklen_t len)
{
	return bind((SOCKET)fd, a, len) == 0 ? 0 : wsa_fail(fd);
}

int ub_w32_connect(int fd, const struct sockaddr *a, socklen_t len)
{
	if (connect((SOCKET)fd, a, len) == 0)
		return 0;
	/* A nonblocking connect under way: Winsock says "would block", POSIX "in progress". */
	if (WSAGetLastError() == WSAEWOULDBLOCK) {
		errno = EINPROGRESS;
		return -1;
	}
	return wsa_fail(fd);
}

int ub_w32_listen(int fd, int backlog)
{
	return listen((SOCKET)fd, backlog) == 0 ? 0 : wsa_fail(fd);
}

int ub_w32_shutdown(int fd, int how)
{
	return shutdown((SOCKET)fd, how) == 0 ? 0 : wsa_fail(fd);
}

int ub_w32_getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
	return getsockname((SOCKET)fd, a, len) == 0 ? 0 : wsa_fail(fd);
}

int ub_w32_getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
	return getpeername((SOCKET)fd, a, len) == 0 ? 0 : wsa_fail(fd);
}

int ub_w32_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	return setsockopt((SOCKET)fd, level, name, v, len) == 0 ? 0 : wsa_fail(fd);
}

int ub_w32_getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	if (level == IPPROTO_TCP && name == TCP_INFO) {
		errno = ENOPROTOOPT;
		return -1;
	}
	return getsockopt((SOCKET)fd, level, name, v, len) == 0 ? 0 : wsa_fail(fd);
}

/* Winsock takes an int length: one call moves at most INT_MAX bytes. */
static int clamp(size_t len)
{
	return len > 0x7fffffff ? 0x7fffffff : (int)len;
}

ssize_t ub_w32_send(int fd, const void *buf, size_t len, int flags)
{
	int r = send((SOCKET)fd, buf, clamp(len), flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL));

	return r == SOCKET_ERROR ? wsa_fail(fd) : r;
}

ssize_t ub_w32_recv(int fd, void *buf, size_t len, int flags)
{
	int r = recv((SOCKET)fd, buf, clamp(len), flags & ~MSG_DONTWAIT);

	return r == SOCKET_ERROR ? wsa_fail(fd) : r;
}

ssize_t ub_w32_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	int r = sendto((SOCKET)fd, buf, clamp(len), flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL), to,
		       tolen);

	return r == SOCKET_ERROR ? wsa_fail(fd) : r;
}

ssize_t ub_w32_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	int r = recvfrom((SOCKET)fd, buf, clamp(len), flags & ~MSG_DONTWAIT, from, fromlen);

	return r == SOCKET_ERROR ? wsa_fail(fd) : r;
}

/* WSARecvMsg, which Winsock hands out only as a pointer a socket asks for (NULL: none). */
static LPFN_WSARECVMSG recvmsg_fn(SOCKET s)
{
	static LPFN_WSARECVMSG fn;
	static int asked;
	GUID id = WSAID_WSARECVMSG;
	DWORD n;

	if (!asked) {
		if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &fn, sizeof(fn), &n,
			     NULL, NULL) == SOCKET_ERROR)
			fn = NULL;
		asked = 1;
	}
	return fn;
}

ssize_t ub_w32_recv_ttl(int fd, void *buf, size_t len, struct sockaddr *from, socklen_t *fromlen,
			int *ttl)
{
	LPFN_WSARECVMSG fn = recvmsg_fn((SOCKET)fd);
	char control[WSA_CMSG_SPACE(sizeof(INT)) * 2];
	WSABUF data = { .len = clamp(len), .buf = buf };
	WSAMSG m = { .name = from, .namelen = *fromlen, .lpBuffers = &data, .dwBufferCount = 1,
		     .Control = { .len = sizeof(control), .buf = control } };
	WSACMSGHDR *c;
	DWORD n = 0;

	*ttl = -1;
	if (!fn)
		return ub_w32_recvfrom(fd, buf, len, 0, from, fromlen);
	if (fn((SOCKET)fd, &m, &n, NULL, NULL) == SOCKET_ERROR)
		return wsa_fail(fd);
	*fromlen = m.namelen;
	for (c = WSA_CMSG_FIRSTHDR(&m); c; c = WSA_CMSG_NXTHDR(&m, c))
		if ((c->cmsg_level == IPPROTO_IP && (c->cmsg_type == IP_TTL || c->cmsg_type == IP_RECVTTL)) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
			memcpy(ttl, WSA_CMSG_DATA(c), sizeof(*ttl));
	if (m.dwFlags & MSG_TRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	return (ssize_t)n;
}

int ub_w32_close(int fd)
{
	long slot = sock_find(fd);

	if (is_timer(fd)) {
		timer_used[fd - UB_W32_TIMER_BASE] = 0;
		return 0;
	}
	if (slot < 0)
		return _close(fd);
	socks[slot] = -2;
	socks_n--;
	return closesocket((SOCKET)fd) == 0 ? 0 : wsa_fail(fd);
}

ssize_t ub_w32_read(int fd, void *buf, size_t len)
{
	if (is_timer(fd)) {
		/* A timer that went off reads as its expiry count, as Linux's does. */
		uint64_t one = 1;
		int i = fd - UB_W32_TIMER_BASE;

		if (len < sizeof(one) || !timer_at[i] || ub_clock_mono() < timer_at[i]) {
			errno = EAGAIN;
			return -1;
		}
		timer_at[i] = 0;
		memcpy(buf, &one, sizeof(one));
		return sizeof(one);
	}
	if (sock_find(fd) >= 0)
		return ub_w32_recv(fd, buf, len, 0);
	return _read(fd, buf, len > 0x7fffffff ? 0x7fffffff : (unsigned)len);
}

ssize_t ub_w32_write(int fd, const void *buf, size_t len)
{
	if (sock_find(fd) >= 0)
		return ub_w32_send(fd, buf, len, 0);
	return _write(fd, buf, len > 0x7fffffff ? 0x7fffffff : (unsigned)len);
}

void ub_plat_interrupt(void)
{
	InterlockedIncrement(&interrupts);
}

/* Whether a Ctrl-C came since the last poll that said so. */
static int interrupted(void)
{
	LONG now = InterlockedCompareExchange(&interrupts, 0, 0);

	if (now == interrupts_seen)
		return 0;
	interrupts_seen = now;
	return 1;
}

/*
 * A descriptor of the C runtime's (not a socket): a pipe is readable when
 * bytes wait in it, and hung up when its writer has gone; anything else
 * (a file, the console) is always ready, as a regular file is to poll.
 */
static short file_revents(int fd, short events)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	DWORD avail = 0;

	if (h == INVALID_HANDLE_VALUE)
		return POLLNVAL;
	if (GetFileType(h) != FILE_TYPE_PIPE)
		return events & (POLLIN | POLLOUT);
	if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
		return GetLastError() == ERROR_BROKEN_PIPE ? POLLHUP : POLLERR;
	return (short)((avail ? events & POLLIN : 0) | (events & POLLOUT));
}

/* poll and ppoll: waits at most timeout_ns (negative: no limit). */
static int poll_ns(struct pollfd *p, nfds_t n, int64_t timeout_ns)
{
	WSAPOLLFD w[UB_W32_POLL_MAX];
	unsigned long i, k, idx[UB_W32_POLL_MAX];
	int64_t deadline = 0, now = ub_clock_mono();
	int ready = 0;

	if (n > UB_W32_POLL_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (timeout_ns >= 0)
		deadline = now + (timeout_ns ? timeout_ns : 1);
	for (;;) {
		int64_t wait = deadline ? deadline - now : INT64_MAX;
		int ms, r;

		if (interrupted()) {
			errno = EINTR;
			return -1;
		}
		ready = 0;
		for (i = 0, k = 0; i < n; i++) {
			int fd = (int)p[i].fd;

			p[i].revents = 0;
			if (fd < 0 || p[i].fd == INVALID_SOCKET)
				continue;
			if (is_timer(fd)) {
				int64_t at = timer_at[fd - UB_W32_TIMER_BASE];

				if (at && at <= now && (p[i].events & POLLIN)) {
					p[i].revents = POLLIN;
					ready++;
				} else if (at && at - now < wait) {
					wait = at - now;
				}
				continue;
			}
			if (sock_find(fd) < 0) {
				/* WSAPoll takes no pipe: it is looked at each slice */
				p[i].revents = file_revents(fd, p[i].events);
				if (p[i].revents)
					ready++;
				continue;
			}
			w[k].fd = p[i].fd;
			w[k].events = p[i].events & (POLLIN | POLLOUT);
			w[k].revents = 0;
			idx[k++] = i;
		}
		if (ready)
			wait = 0;
		/* Round up: waking before the deadline would only spin. */
		ms = wait <= 0 ? 0 : wait >= (int64_t)UB_W32_SLICE_MS * 1000000
				     ? UB_W32_SLICE_MS
				     : (int)((wait + 999999) / 1000000);
		if (k) {
			r = WSAPoll(w, k, ms);
			if (r == SOCKET_ERROR)
				return wsa_fail(-1);
			for (i = 0; i < k; i++)
				if (w[i].revents) {
					p[idx[i]].revents = w[i].revents;
					ready++;
				}
		} else if (ms > 0) {
			Sleep((DWORD)ms);
		}
		now = ub_clock_mono();
		if (ready || (deadline && now >= deadline))
			return ready;
	}
}

int ub_w32_poll(struct pollfd *p, nfds_t n, int timeout_ms)
{
	return poll_ns(p, n, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000);
}

int ub_w32_ppoll(struct pollfd *p, nfds_t n, const struct timespec *ts, const void *sigmask)
{
	(void)sigmask;
	return poll_ns(p, n, ts ? ub_clock_ts_to_ns(ts) : -1);
}

int ub_w32_timerfd_create(int clockid, int flags)
{
	int i;

	(void)clockid;
	(void)flags;
	for (i = 0; i < UB_W32_TIMERS; i++)
		if (!timer_used[i]) {
			timer_used[i] = 1;
			timer_at[i] = 0;
			return UB_W32_TIMER_BASE + i;
		}
	errno = EMFILE;
	return -1;
}

int ub_w32_timerfd_settime(int fd, int flags, const struct itimerspec *v, struct itimerspec *old)
{
	int64_t at;

	if (!is_timer(fd) || v->it_interval.tv_sec || v->it_interval.tv_nsec) {
		errno = EINVAL;
		return -1;
	}
	if (old)
		memset(old, 0, sizeof(*old));
	at = ub_clock_ts_to_ns(&v->it_value);
	if (at && !(flags & TFD_TIMER_ABSTIME))
		at += ub_clock_mono();
	timer_at[fd - UB_W32_TIMER_BASE] = at;
	return 0;
}

int ub_w32_rename(const char *from, const char *to)
{
	if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		return 0;
	switch (GetLastError()) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND: errno = ENOENT; break;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION: errno = EACCES; break;
	default: errno = EIO; break;
	}
	return -1;
}

int ub_w32_clock_gettime(int id, struct timespec *ts)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER c;
	FILETIME ft;
	int64_t ns;

	if (id == CLOCK_MONOTONIC) {
		if (!freq.QuadPart)
			QueryPerformanceFrequency(&freq);
		QueryPerformanceCounter(&c);
		/* whole seconds and the rest apart: counts * 10^9 would overflow after days */
		ns = c.QuadPart / freq.QuadPart * UB_NS_PER_S +
		     c.QuadPart % freq.QuadPart * UB_NS_PER_S / freq.QuadPart;
	} else {
		/* 100 ns ticks since 1601-01-01; the Unix epoch is 11644473600 s later. */
		GetSystemTimePreciseAsFileTime(&ft);
		ns = (((int64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime) - 116444736000000000LL) * 100;
	}
	*ts = ub_clock_ns_to_ts(ns);
	return 0;
}

int ub_w32_ntp_adjtime(struct timex *tx)
{
	(void)tx;
	errno = ENOSYS;
	return -1;
}

ssize_t ub_w32_getrandom(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	if (len > 0xffffffffu)
		len = 0xffffffffu;
	if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, buf, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)len;
}

int ub_w32_prctl(int option, ...)
{
	(void)option;
	errno = EINVAL;
	return -1;
}

int ub_w32_sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set)
{
	(void)pid;
	(void)size;
	if (!set->bits || !SetThreadAffinityMask(GetCurrentThread(), (DWORD_PTR)set->bits)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int ub_w32_getrlimit(int res, struct rlimit *rl)
{
	(void)res;
	rl->rlim_cur = rl->rlim_max = RLIM_INFINITY;
	return 0;
}

int ub_w32_setrlimit(int res, const struct rlimit *rl)
{
	(void)res;
	(void)rl;
	return 0;
}

/* One interface address with room for its name and addresses, freed as one block. */
struct w32_ifaddr {
	struct ifaddrs ifa;
	struct sockaddr_storage addr, mask, brd;
	char name[IF_MAX_STRING_SIZE + 1];
};

/* The prefix of len bits as a netmask in m (family fam). */
static void prefix_mask(int fam, unsigned len, struct sockaddr_storage *m)
{
	uint8_t *b;
	unsigned i, n;

	memset(m, 0, sizeof(*m));
	m->ss_family = (ADDRESS_FAMILY)fam;
	if (fam == AF_INET) {
		b = (uint8_t *)&((struct sockaddr_in *)m)->sin_addr;
		n = 4;
	} else {
		b = ((struct sockaddr_in6 *)m)->sin6_addr.s6_addr;
		n = 16;
	}
	for (i = 0; i < n; i++, len = len > 8 ? len - 8 : 0)
		b[i] = len >= 8 ? 0xff : (uint8_t)(0xff00 >> len);
}

/* An entry for unicast address u of adapter a, or NULL when out of memory. */
static struct ifaddrs *ifaddr_new(const IP_ADAPTER_ADDRESSES *a, const IP_ADAPTER_UNICAST_ADDRESS *u)
{
	struct w32_ifaddr *w = calloc(1, sizeof(*w));
	int fam = u->Address.lpSockaddr->sa_family, i;
	uint8_t *b, *m;

	if (!w)
		return NULL;
	memcpy(&w->addr, u->Address.lpSockaddr,
	       (size_t)u->Address.iSockaddrLength < sizeof(w->addr) ? (size_t)u->Address.iSockaddrLength
								    : sizeof(w->addr));
	prefix_mask(fam, u->OnLinkPrefixLength, &w->mask);
	/* the name Windows' if_nametoindex takes ("ethernet_32768") */
	if (ConvertInterfaceLuidToNameA(&a->Luid, w->name, sizeof(w->name)) != NO_ERROR)
		snprintf(w->name, sizeof(w->name), "if%lu", (unsigned long)a->IfIndex);
	w->ifa.ifa_name = w->name;
	w->ifa.ifa_addr = (struct sockaddr *)&w->addr;
	w->ifa.ifa_netmask = (struct sockaddr *)&w->mask;
	w->ifa.ifa_flags = a->OperStatus == IfOperStatusUp ? IFF_UP : 0;
	if (a->IfType == IF_TYPE_SOFTWARE_LOOPBACK)
		w->ifa.ifa_flags |= IFF_LOOPBACK;
	if (!(a->Flags & IP_ADAPTER_NO_MULTICAST))
		w->ifa.ifa_flags |= IFF_MULTICAST;
	if (fam == AF_INET && !(w->ifa.ifa_flags & IFF_LOOPBACK)) {
		/* the subnet's broadcast address: the host bits all ones */
		w->brd = w->addr;
		b = (uint8_t *)&((struct sockaddr_in *)&w->brd)->sin_addr;
		m = (uint8_t *)&((struct sockaddr_in *)&w->mask)->sin_addr;
		for (i = 0; i < 4; i++)
			b[i] |= (uint8_t)~m[i];
		w->ifa.ifa_broadaddr = (struct sockaddr *)&w->brd;
		w->ifa.ifa_flags |= IFF_BROADCAST;
	}
	return &w->ifa;
}

unsigned ub_w32_if_nametoindex(const char *name)
{
	return (unsigned)if_nametoindex(name);
}

char *ub_w32_if_indextoname(unsigned index, char *name)
{
	return if_indextoname(index, name);
}

int ub_w32_getifaddrs(struct ifaddrs **out)
{
	ULONG flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
	ULONG len = 16384, rc = ERROR_BUFFER_OVERFLOW;
	IP_ADAPTER_ADDRESSES *list = NULL, *a;
	IP_ADAPTER_UNICAST_ADDRESS *u;
	struct ifaddrs *head = NULL, **tail = &head, *n;
	int tries;

	*out = NULL;
	/* the list can grow between asking its size and reading it */
	for (tries = 0; tries < 4 && rc == ERROR_BUFFER_OVERFLOW; tries++) {
		free(list);
		list = malloc(len);
		if (!list) {
			errno = ENOMEM;
			return -1;
		}
		rc = GetAdaptersAddresses(AF_UNSPEC, flags, NULL, list, &len);
	}
	if (rc == ERROR_NO_DATA) {
		free(list);
		return 0;
	}
	if (rc != NO_ERROR) {
		free(list);
		errno = rc == ERROR_NOT_ENOUGH_MEMORY ? ENOMEM : EIO;
		return -1;
	}
	for (a = list; a; a = a->Next)
		for (u = a->FirstUnicastAddress; u; u = u->Next) {
			if (!u->Address.lpSockaddr || (u->Address.lpSockaddr->sa_family != AF_INET &&
						       u->Address.lpSockaddr->sa_family != AF_INET6))
				continue;
			n = ifaddr_new(a, u);
			if (!n) {
				ub_w32_freeifaddrs(head);
				free(list);
				errno = ENOMEM;
				return -1;
			}
			*tail = n;
			tail = &n->ifa_next;
		}
	free(list);
	*out = head;
	return 0;
}

void ub_w32_freeifaddrs(struct ifaddrs *ifa)
{
	struct ifaddrs *next;

	/* each entry is the head of its w32_ifaddr */
	for (; ifa; ifa = next) {
		next = ifa->ifa_next;
		free(ifa);
	}
}

int ub_plat_init(struct ub_err *e)
{
	WSADATA wsa;
	int rc = WSAStartup(MAKEWORD(2, 2), &wsa);

	if (rc != 0)
		return ub_err_set(e, UB_E_SYS, 0, "cannot start Winsock (error %d)", rc);
	SetConsoleOutputCP(CP_UTF8);
	timeBeginPeriod(1);
	/* files fopen opens hold the same bytes as on Linux: LF, no CR */
	_fmode = _O_BINARY;
	return 0;
}

/* ---- what mingw-w64's C library lacks (win32/stdio.h) ---- */

int ub_w32_vasprintf(char **out, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	*out = n < 0 ? NULL : malloc((size_t)n + 1);
	if (!*out)
		return -1;
	return vsnprintf(*out, (size_t)n + 1, fmt, ap);
}

int ub_w32_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ub_w32_vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

ssize_t ub_w32_getline(char **line, size_t *cap, FILE *f)
{
	size_t n = 0;
	char *grown;
	int ch;

	while ((ch = getc(f)) != EOF) {
		if (n + 2 > *cap || !*line) {
			size_t want = *cap < 128 ? 128 : *cap * 2;

			if (!(grown = realloc(*line, want)))
				return -1;
			*line = grown;
			*cap = want;
		}
		(*line)[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (n == 0)
		return -1;
	(*line)[n] = '\0';
	return (ssize_t)n;
}
