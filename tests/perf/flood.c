/*
 * flood: sends STAMP-shaped UDP requests to a reflector as fast as it can
 * for a fixed time and counts the replies, to measure how many packets per
 * second a reflector sends back.
 *
 *   flood HOST PORT SECONDS SIZE [WINDOW]
 *
 * HOST is an IPv4 address (loopback in the bench). Requests go out in
 * batches of 32 with sendmmsg on a nonblocking socket; replies are drained
 * with recvmmsg after every batch. WINDOW > 0 holds back new requests
 * while more than WINDOW are unanswered (a stall of 2 ms forgives them as
 * lost); 0, the default, sends open-loop. After SECONDS it keeps receiving
 * for 200 ms more, then prints one line to stdout:
 *   sent=N received=N seconds=S pps=R send_eagain=N
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define RBATCH 64
#define MAX_SIZE 1472
#define STAMP_MIN 44
#define GRACE_NS 200000000LL
#define STALL_NS 2000000LL

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Replies waiting on fd, received in batches until none is left; returns how many. */
static unsigned long long drain(int fd, struct mmsghdr *rm, unsigned int n)
{
	unsigned long long got = 0;
	int i, r;

	/* bounded: a reflector cannot answer faster than this loop empties the queue for long */
	for (i = 0; i < 1024; i++) {
		r = recvmmsg(fd, rm, n, MSG_DONTWAIT, NULL);
		if (r <= 0)
			break;
		got += (unsigned long long)r;
	}
	return got;
}

int main(int argc, char **argv)
{
	static unsigned char sbuf[BATCH][MAX_SIZE];
	static unsigned char rbuf[RBATCH][MAX_SIZE];
	struct mmsghdr sm[BATCH], rm[RBATCH];
	struct iovec siov[BATCH], riov[RBATCH];
	struct sockaddr_in sin;
	struct sigaction sa;
	unsigned long long sent = 0, received = 0, eagain = 0;
	int64_t start, deadline, end, last_reply;
	double seconds, elapsed;
	long port, size, window = 0;
	uint32_t seq = 0;
	int fd, i, bufsz = 4 << 20;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: flood HOST PORT SECONDS SIZE [WINDOW]\n");
		return 2;
	}
	port = strtol(argv[2], NULL, 10);
	seconds = strtod(argv[3], NULL);
	size = strtol(argv[4], NULL, 10);
	if (argc == 6)
		window = strtol(argv[5], NULL, 10);
	if (port < 1 || port > 65535 || !(seconds > 0 && seconds <= 600) || size < STAMP_MIN ||
	    size > MAX_SIZE || window < 0) {
		fprintf(stderr, "flood: bad port, duration, size or window\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("flood: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "flood: bad address %s\n", argv[1]);
		close(fd);
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("flood: connect");
		close(fd);
		return 1;
	}

	memset(sm, 0, sizeof(sm));
	memset(rm, 0, sizeof(rm));
	for (i = 0; i < BATCH; i++) {
		memset(sbuf[i], 0, (size_t)size);
		sbuf[i][4] = 0xe0; /* a nonzero T1, as a real sender's NTP time would be */
		sbuf[i][14] = 0x51; /* SSID */
		siov[i].iov_base = sbuf[i];
		siov[i].iov_len = (size_t)size;
		sm[i].msg_hdr.msg_iov = &siov[i];
		sm[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < RBATCH; i++) {
		riov[i].iov_base = rbuf[i];
		riov[i].iov_len = MAX_SIZE;
		rm[i].msg_hdr.msg_iov = &riov[i];
		rm[i].msg_hdr.msg_iovlen = 1;
	}

	start = now_ns();
	deadline = start + (int64_t)(seconds * 1e9);
	last_reply = start;
	while (!stop_flag) {
		int64_t now = now_ns();
		unsigned long long got;
		int n;

		if (now >= deadline)
			break;
		if (window > 0 && sent - received >= (unsigned long long)window &&
		    now - last_reply < STALL_NS) {
			got = drain(fd, rm, RBATCH);
			received += got;
			if (got)
				last_reply = now;
			continue;
		}
		if (window > 0 && now - last_reply >= STALL_NS)
			last_reply = now; /* forgive what is outstanding: it was lost */
		for (i = 0; i < BATCH; i++)
			put_be32(sbuf[i], seq + (uint32_t)i);
		n = sendmmsg(fd, sm, BATCH, 0);
		if (n > 0) {
			sent += (unsigned long long)n;
			seq += (uint32_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			eagain++;
		}
		got = drain(fd, rm, RBATCH);
		received += got;
		if (got)
			last_reply = now;
	}
	end = now_ns();
	/* replies still in flight when sending stopped */
	while (!stop_flag && now_ns() < end + GRACE_NS) {
		unsigned long long got = drain(fd, rm, RBATCH);

		received += got;
		if (!got) {
			struct timespec nap = { .tv_sec = 0, .tv_nsec = 1000000 };

			nanosleep(&nap, NULL);
		}
	}
	close(fd);
	elapsed = (double)(end - start) / 1e9;
	printf("sent=%llu received=%llu seconds=%.6f pps=%.0f send_eagain=%llu\n", sent, received,
	       elapsed, elapsed > 0 ? (double)received / elapsed : 0.0, eagain);
	return 0;
}
