#include "send/load.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "metrics/words.h"
#include "stamp/loadmsg.h"

#define CHUNK 65536
#define TICK_NS (50 * 1000000LL)      /* the thread looks at the clock and the stop at least this often */
#define MARGIN_NS 1000000000LL       /* asked beyond the plan, so the plan's own end comes first */
#define CAP_SLACK_NS (200 * 1000000LL)

struct stream {
	int fd;
	int dir;            /* UB_LOADSUM_UP or _DOWN */
	int open;           /* still carrying load */
	int err;            /* why it ended early: errno, or 0 closed by the reflector */
	int counted;        /* the kernel says what moved (TCP_INFO): counted from it, not by reads */
	uint64_t seen;      /* what the kernel said at the last sample */
};

struct ub_load {
	struct ub_load_config cfg;
	char where[UB_ADDRSTR_MAX];
	char zh[UB_ERR_MSG_MAX];  /* why no load can run, in Chinese (e has it in English) */
	struct stream st[2 * UB_LOAD_STREAMS_MAX];
	unsigned n;
	int64_t grant_ns;
	uint64_t grant_bps;
	int64_t start;       /* slot 0, monotonic */
	pthread_t th;
	int running;
	atomic_int quit;
	struct ub_load_run run;
	uint64_t *up_bin, *down_bin;
	size_t n_bins;
	uint8_t buf[CHUNK];
};

void ub_load_config_init(struct ub_load_config *c)
{
	memset(c, 0, sizeof(*c));
	c->streams = UB_LOAD_STREAMS;
	c->idle_ns = UB_LOAD_IDLE_NS;
	c->loaded_ns = UB_LOAD_TIME_NS;
	c->bin_ns = UB_LOADSUM_BIN_NS;
}

void ub_load_not_run(const struct ub_load_config *c, const char *why, const char *why_zh,
		     struct ub_load_run *run)
{
	memset(run, 0, sizeof(*run));
	run->dir = c->dir;
	run->streams = c->streams;
	run->idle_ns = c->idle_ns;
	run->loaded_ns = c->loaded_ns;
	run->bin_ns = c->bin_ns;
	snprintf(run->error, sizeof(run->error), "%s", why);
	snprintf(run->error_zh, sizeof(run->error_zh), "%s", why_zh ? why_zh : why);
}

/* Waits up to until (monotonic) for events on fd; returns 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t until)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int rc;

	for (;;) {
		left = until - ub_clock_mono();
		if (left <= 0)
			return 0;
		rc = poll(&p, 1, (int)(left / 1000000) + 1);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* Why no load can run, into e in English and l->zh in Chinese; returns code. */
#define REFUSE(code_, en_, zh_, ...)                                               \
	((void)snprintf(l->zh, sizeof(l->zh), zh_, __VA_ARGS__),                     \
	 ub_err_set(e, code_, 0, en_, __VA_ARGS__))

/* Connects one stream and asks for its load; returns 0 or a negative code with e saying why. */
static int ask(struct ub_load *l, struct stream *st, const struct ub_addr *peer, uint16_t idx,
	       uint64_t runid, int64_t until, struct ub_err *e)
{
	uint8_t q[UB_LOADMSG_FRAME], a[UB_LOADMSG_FRAME];
	struct ub_loadmsg m;
	socklen_t sl = sizeof(int);
	size_t got = 0;
	ssize_t r;
	int err = 0;

	st->fd = socket(peer->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (st->fd < 0)
		return REFUSE(UB_E_SYS, "TCP socket: %s", "TCP 套接字：%s", strerror(errno));
	if (connect(st->fd, (const struct sockaddr *)&peer->ss, peer->len) < 0) {
		if (errno != EINPROGRESS)
			err = errno;
		else if (wait_fd(st->fd, POLLOUT, until) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
	}
	if (err)
		return REFUSE(UB_E_NOREPLY, "no TCP at %s (%s)", UB_ZH_REFLECTOR " %s 没有 TCP 服务（%s）",
			      l->where, strerror(err));
	memset(&m, 0, sizeof(m));
	m.version = UB_LOADMSG_VERSION;
	m.dir = (uint8_t)st->dir;
	m.stream = idx;
	m.ms = (uint32_t)((l->cfg.loaded_ns + MARGIN_NS) / 1000000);
	m.run = runid;
	ub_loadmsg_encode(&m, q);
	/* a fresh connection's send buffer takes 34 octets at once */
	if (send(st->fd, q, sizeof(q), MSG_NOSIGNAL) != (ssize_t)sizeof(q))
		return REFUSE(UB_E_SYS, "%s: the load ask did not leave", "负载请求没能发往 %s",
			      l->where);
	while (got < sizeof(a)) {
		if (wait_fd(st->fd, POLLIN, until) <= 0)
			return REFUSE(UB_E_NOREPLY,
				      "%s gave no answer to the load ask within %lld s "
				      "(not a udpbench reflector?)",
				      UB_ZH_REFLECTOR " %s 在 %lld 秒内没有回答负载请求（不是 udpbench 反射端？）",
				      l->where, (long long)(UB_LOAD_ASK_NS / UB_NS_PER_S));
		r = recv(st->fd, a + got, sizeof(a) - got, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return REFUSE(UB_E_PROTO,
				      "%s closed the connection at the load ask (not a "
				      "udpbench reflector?)",
				      UB_ZH_REFLECTOR " %s 一收到负载请求就断开了连接（不是 udpbench 反射端？）",
				      l->where);
		if (r > 0)
			got += (size_t)r;
	}
	if (memcmp(a, q, sizeof(q)) == 0)
		return REFUSE(UB_E_PROTO,
			      "%s only echoes TCP, it cannot carry load (it needs "
			      "`udpbench reflect --allow-load`)",
			      UB_ZH_REFLECTOR " %s 只会 TCP 回显，不能提供负载（需要 "
			      "`udpbench reflect --allow-load`）",
			      l->where);
	if (ub_loadmsg_decode(a, sizeof(a), &m) < 0 || !m.answer)
		return REFUSE(UB_E_PROTO,
			      "%s answered the load ask with something else (not a udpbench "
			      "reflector?)",
			      UB_ZH_REFLECTOR " %s 对负载请求的回答无法识别（不是 udpbench 反射端？）",
			      l->where);
	if (m.status == UB_LOAD_NOT_ALLOWED)
		return REFUSE(UB_E_PERM,
			      "the reflector at %s does not allow load (start it with "
			      "`udpbench reflect --allow-load`)",
			      UB_ZH_REFLECTOR " %s 不允许负载（请用 `udpbench reflect --allow-load` 启动它）",
			      l->where);
	if (m.status != UB_LOAD_OK)
		return REFUSE(UB_E_PERM, "the reflector at %s refused: %s",
			      UB_ZH_REFLECTOR " %s 拒绝了负载：%s", l->where,
			      m.status == UB_LOAD_BUSY ? UB_TR(1, "", "负载连接已满")
						       : UB_TR(1, "", "请求无法识别"));
	l->grant_ns = (int64_t)m.ms * 1000000;
	l->grant_bps = m.rate * 8;
	return 0;
}

struct ub_load *ub_load_new(const struct ub_load_config *c, const struct ub_addr *peer,
			    struct ub_err *e, char *zh, size_t zh_len)
{
	int64_t until = ub_clock_mono() + UB_LOAD_ASK_NS;
	struct ub_load *l;
	uint64_t runid;
	unsigned i, d;

	l = calloc(1, sizeof(*l));
	if (!l) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	l->cfg = *c;
	ub_net_addr_str(peer, l->where, sizeof(l->where));
	runid = (uint64_t)ub_clock_real() ^ ((uint64_t)getpid() << 32);
	for (d = UB_LOADSUM_UP; d <= UB_LOADSUM_DOWN; d <<= 1) {
		if (!(c->dir & (int)d))
			continue;
		for (i = 0; i < c->streams; i++) {
			struct stream *st = &l->st[l->n];

			st->dir = (int)d;
			st->fd = -1;
			l->n++;
			if (ask(l, st, peer, (uint16_t)(l->n - 1), runid, until, e) < 0) {
				if (zh)
					snprintf(zh, zh_len, "%s", l->zh);
				ub_load_free(l);
				return NULL;
			}
		}
	}
	return l;
}

int64_t ub_load_granted_ns(const struct ub_load *l)
{
	return l->grant_ns;
}

/*
 * What a stream carried so far, as the kernel counts it; returns 0, or -1
 * where the system does not say (no TCP_INFO). Upload: the octets the
 * reflector has, acknowledged (tcpi_bytes_acked) and those it holds beyond a
 * gap, selectively acknowledged (tcpi_sacked segments of tcpi_snd_mss);
 * without these a step after a loss would get at once what arrived during
 * the steps before it. Download: the octets that arrived in order
 * (tcpi_bytes_received), read by the load thread or not yet.
 */
static int kernel_count(const struct stream *st, uint64_t *out)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(st->fd, IPPROTO_TCP, TCP_INFO, &ti, &sl) < 0)
		return -1;
	*out = st->dir == UB_LOADSUM_UP
		       ? ti.tcpi_bytes_acked + (uint64_t)ti.tcpi_sacked * ti.tcpi_snd_mss
		       : ti.tcpi_bytes_received;
	return 0;
}

static size_t bin_of(const struct ub_load *l, int64_t now)
{
	size_t k = now > l->start ? (size_t)((now - l->start) / l->cfg.bin_ns) : 0;

	return k < l->n_bins ? k : l->n_bins - 1;
}

/* Octets one way: into bin k and the phase's total. */
static void add(struct ub_load *l, int dir, size_t k, uint64_t v)
{
	if (dir == UB_LOADSUM_UP) {
		l->up_bin[k] += v;
		l->run.up_bytes += v;
	} else {
		l->down_bin[k] += v;
		l->run.down_bytes += v;
	}
}

/* What the kernel counted on each stream since the last sample goes to bin k. */
static void sample(struct ub_load *l, size_t k)
{
	uint64_t v;
	unsigned i;

	for (i = 0; i < l->n; i++) {
		struct stream *st = &l->st[i];

		if (st->counted && kernel_count(st, &v) == 0 && v > st->seen) {
			add(l, st->dir, k, v - st->seen);
			st->seen = v;
		}
	}
}

/* Moves what one stream can move now; returns 0, or -1 once it ended. */
static int pump(struct ub_load *l, struct stream *st, size_t k)
{
	ssize_t r;
	int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		if (st->dir == UB_LOADSUM_UP)
			r = send(st->fd, l->buf, sizeof(l->buf), MSG_NOSIGNAL | MSG_DONTWAIT);
		else
			r = recv(st->fd, l->buf, sizeof(l->buf), MSG_DONTWAIT);
		if (r == 0 && st->dir == UB_LOADSUM_DOWN) {
			st->err = 0;
			return -1;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			st->err = errno;
			return -1;
		}
		if (st->dir == UB_LOADSUM_DOWN && !st->counted)
			add(l, st->dir, k, (uint64_t)r);
	}
	return 0;
}

/* Waits until t or a stop; returns 0 at t, -1 stopped. */
static int sleep_until(struct ub_load *l, int64_t t)
{
	struct timespec ts;
	int64_t now;

	while ((now = ub_clock_mono()) < t) {
		if (atomic_load(&l->quit))
			return -1;
		ts = ub_clock_ns_to_ts(now + (t - now < TICK_NS ? t - now : TICK_NS));
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return 0;
}

static void *load_main(void *arg)
{
	struct ub_load *l = arg;
	struct pollfd pfd[2 * UB_LOAD_STREAMS_MAX];
	int idx[2 * UB_LOAD_STREAMS_MAX];
	int64_t go = l->start + l->cfg.idle_ns, end = go + l->cfg.loaded_ns, now, wake, last_end = 0;
	size_t k, kprev;
	unsigned i, np, open = l->n;
	uint8_t one = 'g';
	int rc;

	l->run.ended = UB_LOAD_END_PLAN;
	if (sleep_until(l, go) < 0) {
		l->run.ended = UB_LOAD_END_STOP;
		return NULL;
	}
	now = ub_clock_mono();
	for (i = 0; i < l->n; i++) {
		l->st[i].open = 1;
		l->st[i].counted = kernel_count(&l->st[i], &l->st[i].seen) == 0;
		/* an upload is what the reflector acknowledged: without it, no figure */
		if (l->st[i].dir == UB_LOADSUM_UP && !l->st[i].counted)
			l->run.up_uncounted = 1;
		if (l->st[i].dir == UB_LOADSUM_DOWN &&
		    send(l->st[i].fd, &one, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
			l->st[i].open = 0;
			l->st[i].err = errno;
			last_end = now;
			open--;
		}
	}
	l->run.ran = 1;
	l->run.start_ns = now - l->start;
	kprev = bin_of(l, now);
	while (open > 0) {
		now = ub_clock_mono();
		if (now >= end || atomic_load(&l->quit))
			break;
		k = bin_of(l, now);
		if (k != kprev) {
			sample(l, kprev);
			kprev = k;
		}
		for (i = 0, np = 0; i < l->n; i++) {
			if (!l->st[i].open)
				continue;
			pfd[np].fd = l->st[i].fd;
			pfd[np].events = l->st[i].dir == UB_LOADSUM_UP ? POLLOUT : POLLIN;
			idx[np++] = (int)i;
		}
		wake = l->start + (int64_t)(k + 1) * l->cfg.bin_ns;
		if (wake > end)
			wake = end;
		if (wake > now + TICK_NS)
			wake = now + TICK_NS;
		rc = poll(pfd, np, (int)((wake - now + 999999) / 1000000));
		if (rc <= 0)
			continue;
		now = ub_clock_mono();
		k = bin_of(l, now);
		for (i = 0; i < np; i++) {
			if (!pfd[i].revents || pump(l, &l->st[idx[i]], k) == 0)
				continue;
			l->st[idx[i]].open = 0;
			last_end = now;
			open--;
		}
	}
	now = ub_clock_mono();
	/* the last sample belongs to the bin the phase ended in, not the one after */
	sample(l, bin_of(l, (now < end ? now : end) - 1));
	if (atomic_load(&l->quit) && now < end) {
		l->run.ended = UB_LOAD_END_STOP;
	} else if (open == 0 && last_end < end) {
		now = last_end;
		/* the reflector ends a connection when the time it granted is over */
		l->run.ended = now - go >= l->grant_ns - CAP_SLACK_NS ? UB_LOAD_END_CAP
								   : UB_LOAD_END_BROKEN;
		for (i = 0; i < l->n && l->run.ended == UB_LOAD_END_BROKEN; i++)
			if (l->st[i].err) {
				snprintf(l->run.error, sizeof(l->run.error), "load connection: %s",
					 strerror(l->st[i].err));
				break;
			}
		if (l->run.ended == UB_LOAD_END_BROKEN && !l->run.error[0])
			snprintf(l->run.error, sizeof(l->run.error),
				 "the reflector closed the load connections");
	}
	l->run.end_ns = now - l->start;
	/*
	 * The phase ends here: a reset, not a close, or what waits in the send
	 * buffers would go on loading the link through the idle phase after.
	 */
	for (i = 0; i < l->n; i++) {
		struct linger abort_now = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(l->st[i].fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof(abort_now));
		close(l->st[i].fd);
		l->st[i].fd = -1;
	}
	return NULL;
}

int ub_load_start(struct ub_load *l, int64_t start_mono, struct ub_err *e)
{
	int rc;

	l->start = start_mono;
	l->n_bins = (size_t)((2 * l->cfg.idle_ns + l->cfg.loaded_ns) / l->cfg.bin_ns) + 2;
	l->up_bin = calloc(l->n_bins, sizeof(*l->up_bin));
	l->down_bin = calloc(l->n_bins, sizeof(*l->down_bin));
	if (!l->up_bin || !l->down_bin)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	ub_load_not_run(&l->cfg, "", "", &l->run);
	l->run.grant_ns = l->grant_ns;
	l->run.grant_bps = l->grant_bps;
	rc = pthread_create(&l->th, NULL, load_main, l);
	if (rc)
		return ub_err_set(e, UB_E_SYS, rc, "load: cannot start its thread");
	l->running = 1;
	return 0;
}

void ub_load_stop(struct ub_load *l, struct ub_load_run *run)
{
	if (l->running) {
		atomic_store(&l->quit, 1);
		pthread_join(l->th, NULL);
		l->running = 0;
	}
	*run = l->run;
	run->bin_ns = l->cfg.bin_ns;
	run->n_bins = l->n_bins;
	run->up_bin = l->up_bin;
	run->down_bin = l->down_bin;
}

void ub_load_free(struct ub_load *l)
{
	unsigned i;

	if (!l)
		return;
	if (l->running) {
		atomic_store(&l->quit, 1);
		pthread_join(l->th, NULL);
	}
	for (i = 0; i < l->n; i++)
		if (l->st[i].fd >= 0)
			close(l->st[i].fd);
	free(l->up_bin);
	free(l->down_bin);
	free(l);
}
