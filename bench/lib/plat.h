/*
 * udpbench on Windows: the POSIX and Linux calls the modules make, answered
 * through Winsock and the Win32 API (bench/lib/plat_win32.c). Only the
 * Windows build sees this header: the POSIX-named headers in bench/lib/win32/
 * (first on that build's include path) include it, so a module's socket(),
 * poll(), close() or read() reaches the functions below and the modules keep
 * no #ifdef of their own.
 *
 * - Sockets are Winsock SOCKETs held in an int (Windows hands out handle
 *   values that fit); the ones made here are remembered, so close(), read()
 *   and write() tell a socket from a C runtime file descriptor.
 * - Errors come back in errno with the POSIX numbers (WSAEWOULDBLOCK as
 *   EAGAIN; WSAECONNRESET on a datagram socket, Windows' word for an ICMP
 *   port unreachable, as ECONNREFUSED).
 * - poll() is WSAPoll over the sockets, in slices, so that Ctrl-C (the
 *   console's control handler calls ub_plat_interrupt) ends it with EINTR
 *   as a signal would; the timers of timerfd_create() are deadlines poll
 *   waits for, and pipes are looked at each slice (PeekNamedPipe).
 */
#ifndef UB_PLAT_H
#define UB_PLAT_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <errno.h>
#include <io.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"

/* windef.h's old 16-bit pointer words would swallow variables of those names. */
#undef far
#undef near

/* What mingw-w64's headers leave out. */
#define CPU_SETSIZE 64
#define EHOSTDOWN 1064
/* Every file open() opens is read and written as bytes (no CR LF or ^Z translation). */
#define O_CLOEXEC (_O_NOINHERIT | _O_BINARY)
#define fsync(fd) _commit(fd)
#define realpath(path, resolved) _fullpath((resolved), (path), MAX_PATH)

/* rename: replaces an existing file, as POSIX's does (the C runtime's refuses). */
int ub_w32_rename(const char *from, const char *to);
#define rename ub_w32_rename

/*
 * Starts Winsock, sets the console to UTF-8 (the Chinese text), the
 * system timer to 1 ms (poll's waits) and files to bytes (a result file is
 * the same on Windows as on Linux). Returns 0, or UB_E_SYS saying why.
 */
int ub_plat_init(struct ub_err *e);

/* Makes a poll() in progress, or the next one, return -1 with EINTR (the Ctrl-C handler). */
void ub_plat_interrupt(void);

/*
 * The name of the event each udpbench process waits on (lib/signals.h),
 * with its process id: set by ub_proc_stop, it stops the process as
 * Ctrl-C does (Windows has no SIGTERM to send a child).
 */
#define UB_W32_STOP_EVENT "Local\\udpbench-stop-%lu"

/* pipe2: a pipe of the C runtime (flags: O_CLOEXEC keeps its ends from children). */
#define pipe2(fds, flags) _pipe((fds), 65536, (flags))

/* Linux's flags in socket()'s type and accept4()'s flags; send and receive flags. */
#define SOCK_NONBLOCK 0x4000
#define SOCK_CLOEXEC 0x8000
#define MSG_NOSIGNAL 0
#define MSG_DONTWAIT 0x40000
#ifndef MSG_TRUNC
#define MSG_TRUNC MSG_PARTIAL
#endif
#define SHUT_RD SD_RECEIVE
#define SHUT_WR SD_SEND
#define SHUT_RDWR SD_BOTH

int ub_w32_socket(int family, int type, int proto);
int ub_w32_accept4(int fd, struct sockaddr *a, socklen_t *len, int flags);
int ub_w32_accept(int fd, struct sockaddr *a, socklen_t *len);
int ub_w32_bind(int fd, const struct sockaddr *a, socklen_t len);
int ub_w32_connect(int fd, const struct sockaddr *a, socklen_t len);
int ub_w32_listen(int fd, int backlog);
int ub_w32_shutdown(int fd, int how);
int ub_w32_getsockname(int fd, struct sockaddr *a, socklen_t *len);
int ub_w32_getpeername(int fd, struct sockaddr *a, socklen_t *len);
int ub_w32_setsockopt(int fd, int level, int name, const void *v, socklen_t len);
int ub_w32_getsockopt(int fd, int level, int name, void *v, socklen_t *len);
ssize_t ub_w32_send(int fd, const void *buf, size_t len, int flags);
ssize_t ub_w32_recv(int fd, void *buf, size_t len, int flags);
ssize_t ub_w32_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		      socklen_t tolen);
ssize_t ub_w32_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *fromlen);
int ub_w32_close(int fd);
ssize_t ub_w32_read(int fd, void *buf, size_t len);
ssize_t ub_w32_write(int fd, const void *buf, size_t len);
/*
 * recvfrom that also reads the arriving TTL or hop limit into *ttl (-1 when
 * Windows does not say; the socket asks with IP_RECVTTL or IPV6_HOPLIMIT).
 */
ssize_t ub_w32_recv_ttl(int fd, void *buf, size_t len, struct sockaddr *from, socklen_t *fromlen,
			int *ttl);
typedef unsigned long nfds_t;
int ub_w32_poll(struct pollfd *p, nfds_t n, int timeout_ms);
/* ppoll without a signal mask (the console's control handler is no signal). */
int ub_w32_ppoll(struct pollfd *p, nfds_t n, const struct timespec *ts, const void *sigmask);

#define socket ub_w32_socket
#define accept4 ub_w32_accept4
#define accept ub_w32_accept
#define bind ub_w32_bind
#define connect ub_w32_connect
#define listen ub_w32_listen
#define shutdown ub_w32_shutdown
#define getsockname ub_w32_getsockname
#define getpeername ub_w32_getpeername
#define setsockopt ub_w32_setsockopt
#define getsockopt ub_w32_getsockopt
#define send ub_w32_send
#define recv ub_w32_recv
#define sendto ub_w32_sendto
#define recvfrom ub_w32_recvfrom
#define close ub_w32_close
#define read ub_w32_read
#define write ub_w32_write
#define poll ub_w32_poll
#define ppoll ub_w32_ppoll

/*
 * clock_gettime: CLOCK_MONOTONIC from QueryPerformanceCounter, CLOCK_REALTIME
 * from GetSystemTimePreciseAsFileTime.
 */
#ifndef CLOCK_REALTIME
#define CLOCK_REALTIME 0
#endif
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC 1
#endif
int ub_w32_clock_gettime(int id, struct timespec *ts);
#define clock_gettime ub_w32_clock_gettime

/* ntp_adjtime: Windows tells no NTP state here, so the clock counts as unsynchronised. */
#define STA_UNSYNC 0x0040
#define TIME_ERROR 5
struct timex {
	int modes, status, tai;
	long esterror, maxerror;
};
int ub_w32_ntp_adjtime(struct timex *tx);
#define ntp_adjtime ub_w32_ntp_adjtime

/* getaddrinfo: Windows says "no address of that family" as EAI_NODATA. */
#define EAI_ADDRFAMILY EAI_NODATA

/*
 * TCP_INFO: Linux's; getsockopt answers ENOPROTOOPT, so no retransmission
 * counts are read, and a load's upload has no figure (its download is counted by reads).
 */
#define TCP_INFO 0x7f01
struct tcp_info {
	uint32_t tcpi_rto, tcpi_snd_mss, tcpi_sacked, tcpi_total_retrans;
	uint64_t tcpi_bytes_acked, tcpi_bytes_received;
};

/* timerfd: a deadline on the monotonic clock that poll() waits for. */
#define TFD_NONBLOCK 1
#define TFD_CLOEXEC 2
#define TFD_TIMER_ABSTIME 1
int ub_w32_timerfd_create(int clockid, int flags);
int ub_w32_timerfd_settime(int fd, int flags, const struct itimerspec *v, struct itimerspec *old);
#define timerfd_create ub_w32_timerfd_create
#define timerfd_settime ub_w32_timerfd_settime

/* getrandom: the system's generator (BCryptGenRandom). */
#define GRND_NONBLOCK 1
ssize_t ub_w32_getrandom(void *buf, size_t len, unsigned flags);
#define getrandom ub_w32_getrandom

/* prctl: no timer slack to set on Windows (the 1 ms timer is set at start). */
#define PR_SET_TIMERSLACK 29
int ub_w32_prctl(int option, ...);
#define prctl ub_w32_prctl

/* sched_setaffinity: the calling thread's affinity mask (CPUs 0..63). */
typedef struct {
	uint64_t bits;
} cpu_set_t;
#define CPU_ZERO(s) ((s)->bits = 0)
#define CPU_SET(c, s) ((s)->bits |= (c) < 64 ? (uint64_t)1 << (c) : 0)
#define CPU_ISSET(c, s) ((c) < 64 && ((s)->bits >> (c)) & 1)
int ub_w32_sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set);
#define sched_setaffinity ub_w32_sched_setaffinity

/* getrlimit/setrlimit(RLIMIT_NOFILE): Winsock has no per-process socket limit to raise. */
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~(uint64_t)0)
typedef uint64_t rlim_t;
struct rlimit {
	rlim_t rlim_cur, rlim_max;
};
int ub_w32_getrlimit(int res, struct rlimit *rl);
int ub_w32_setrlimit(int res, const struct rlimit *rl);
#define getrlimit ub_w32_getrlimit
#define setrlimit ub_w32_setrlimit

/*
 * getifaddrs from GetAdaptersAddresses: an entry per unicast address, named
 * as Windows' if_nametoindex takes it, its netmask from the on-link prefix
 * and, for IPv4, the subnet's broadcast address.
 */
struct ifaddrs {
	struct ifaddrs *ifa_next;
	char *ifa_name;
	unsigned ifa_flags;
	struct sockaddr *ifa_addr, *ifa_netmask, *ifa_broadaddr;
};
int ub_w32_getifaddrs(struct ifaddrs **out);
void ub_w32_freeifaddrs(struct ifaddrs *ifa);
#define getifaddrs ub_w32_getifaddrs
#define freeifaddrs ub_w32_freeifaddrs

/*
 * if_nametoindex and if_indextoname, Windows' own (iphlpapi.dll) behind
 * names of ours: iphlpapi.h would double what every source here parses.
 */
#ifndef IF_NAMESIZE
#define IF_NAMESIZE 257
#endif
unsigned ub_w32_if_nametoindex(const char *name);
char *ub_w32_if_indextoname(unsigned index, char *name);
#define if_nametoindex ub_w32_if_nametoindex
#define if_indextoname ub_w32_if_indextoname

#endif
