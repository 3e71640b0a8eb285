/*
 * echo_naive: the textbook UDP echo server, the baseline the reflector is
 * measured against. One blocking socket, one datagram at a time:
 * recvfrom, then sendto the same bytes back to whoever sent them.
 *
 *   echo_naive PORT SECONDS [ADDR]
 *
 * Listens on ADDR (default 127.0.0.1) and ends by itself after SECONDS, or
 * on SIGINT/SIGTERM. At the end it prints one line to stderr:
 *   echo_naive: received N, echoed N, send errors N
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

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sigaction sa;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	unsigned char buf[65536];
	unsigned long long received = 0, echoed = 0, send_errors = 0;
	const char *addr = "127.0.0.1";
	int64_t deadline;
	long port;
	double seconds;
	int fd;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: echo_naive PORT SECONDS [ADDR]\n");
		return 2;
	}
	port = strtol(argv[1], NULL, 10);
	seconds = strtod(argv[2], NULL);
	if (argc == 4)
		addr = argv[3];
	if (port < 1 || port > 65535 || !(seconds > 0 && seconds <= 3600)) {
		fprintf(stderr, "echo_naive: bad port or duration\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("echo_naive: socket");
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "echo_naive: bad address %s\n", addr);
		close(fd);
		return 2;
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("echo_naive: bind");
		close(fd);
		return 1;
	}
	/* blocking, but wakes now and then so the deadline holds when nobody sends */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	deadline = now_ns() + (int64_t)(seconds * 1e9);
	while (!stop_flag && now_ns() < deadline) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);

		if (n < 0)
			continue; /* timeout or signal: look at the clock and the flag */
		received++;
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen) == n)
			echoed++;
		else
			send_errors++;
	}
	close(fd);
	fprintf(stderr, "echo_naive: received %llu, echoed %llu, send errors %llu\n", received,
		echoed, send_errors);
	return 0;
}
