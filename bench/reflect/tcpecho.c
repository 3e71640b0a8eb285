#include "reflect/tcpecho.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "reflect/loadsrv.h"

#define SWEEP_NS (100 * 1000 * 1000LL)    /* how often idle connections are looked for */
#define PAUSE_NS (100 * 1000 * 1000LL)    /* listener rest after running out of descriptors */
#define ACCEPTS_PER_TURN 64               /* the UDP side gets its turn during a connect flood */

/* What a connection turned out to be, from its first frame. */
enum conn_kind { KIND_FRESH = 0, KIND_ECHO, KIND_LOAD };

struct conn {
	int fd;
	int kind;       /* enum conn_kind */
	size_t len;     /* octets in buf not yet written back (fresh: read so far) */
	int64_t last;   /* accepted, or last moved a byte */
	struct ub_loadconn lc; /* KIND_LOAD: its load (reflect/loadsrv.h) */
	uint8_t buf[UB_TCPECHO_BUF];
};

struct ub_tcpecho {
	int lfd;
	int spare;             /* a descriptor kept to give up when accept finds none */
	int64_t idle_ns;
	int64_t paused_until;  /* listener rests until then after running out of descriptors */
	int64_t full_until;    /* full: the listener waits until then for one to fall idle */
	int64_t next_sweep;
	int n;
	struct ub_loadsrv *load; /* answers load asks (refuses them unless allowed) */
	struct ub_tcpecho_counters cnt;
	struct conn conns[UB_TCPECHO_MAX_CONNS];
};

static int open_spare(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

struct ub_tcpecho *ub_tcpecho_new(const struct ub_addr *addr, int64_t idle_ns, struct ub_err *e)
{
	struct ub_net_listen_config lc;
	struct ub_tcpecho *t;

	t = calloc(1, sizeof(*t));
	if (!t) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	t->idle_ns = idle_ns;
	t->spare = -1;
	if (ub_tcpecho_set_load(t, NULL) < 0) {
		free(t);
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	ub_net_listen_config_init(&lc);
	lc.addr = addr;
	lc.stream = 1;
	lc.who = "TCP echo";
	t->lfd = ub_net_listen(&lc, NULL, NULL, e);
	if (t->lfd < 0) {
		ub_loadsrv_free(t->load);
		free(t);
		return NULL;
	}
	/* Without one (no /dev/null) running out of descriptors pauses the listener instead. */
	t->spare = open_spare();
	return t;
}

int ub_tcpecho_set_load(struct ub_tcpecho *t, const struct ub_loadsrv_config *c)
{
	struct ub_loadsrv_config none;
	struct ub_loadsrv *ls;

	ub_loadsrv_config_init(&none);
	ls = ub_loadsrv_new(c ? c : &none);
	if (!ls)
		return -1;
	ub_loadsrv_free(t->load);
	t->load = ls;
	return 0;
}

static void conn_close(struct ub_tcpecho *t, int i)
{
	if (t->conns[i].kind == KIND_LOAD)
		ub_loadsrv_closed(t->load, &t->conns[i].lc, ub_clock_mono());
	close(t->conns[i].fd);
	if (i != t->n - 1) {
		t->conns[i].fd = t->conns[t->n - 1].fd;
		t->conns[i].kind = t->conns[t->n - 1].kind;
		t->conns[i].lc = t->conns[t->n - 1].lc;
		t->conns[i].len = t->conns[t->n - 1].len;
		t->conns[i].last = t->conns[t->n - 1].last;
		memcpy(t->conns[i].buf, t->conns[t->n - 1].buf, t->conns[i].len);
	}
	t->n--;
	t->cnt.open--;
}

void ub_tcpecho_free(struct ub_tcpecho *t)
{
	if (!t)
		return;
	while (t->n)
		conn_close(t, t->n - 1);
	close(t->lfd);
	if (t->spare >= 0)
		close(t->spare);
	ub_loadsrv_free(t->load);
	free(t);
}

/* Returns the index of the connection silent longest, or -1 when there is none. */
static int oldest(const struct ub_tcpecho *t)
{
	int i, o = -1;

	for (i = 0; i < t->n; i++) {
		if (o < 0 || t->conns[i].last < t->conns[o].last)
			o = i;
	}
	return o;
}

/* Closes the connection silent longest if it has been for UB_TCPECHO_ACTIVE_NS; returns 1 if it did. */
static int evict_idle(struct ub_tcpecho *t, int64_t now)
{
	int o = oldest(t);

	if (o < 0 || now - t->conns[o].last < UB_TCPECHO_ACTIVE_NS)
		return 0;
	conn_close(t, o);
	t->cnt.evicted++;
	return 1;
}

int ub_tcpecho_pollfds(struct ub_tcpecho *t, struct pollfd *pfd, int64_t now)
{
	int i, k = 0, listen = now >= t->paused_until;

	t->full_until = 0;
	if (listen && t->n == UB_TCPECHO_MAX_CONNS) {
		/* Full: a newcomer waits in the backlog until the one silent longest has been idle enough. */
		t->full_until = t->conns[oldest(t)].last + UB_TCPECHO_ACTIVE_NS;
		listen = now >= t->full_until;
	}
	if (listen) {
		pfd[k].fd = t->lfd;
		pfd[k].events = POLLIN;
		pfd[k].revents = 0;
		k++;
	}
	for (i = 0; i < t->n; i++, k++) {
		pfd[k].fd = t->conns[i].fd;
		/* Backpressure: read more only once what was read went back out. */
		pfd[k].events = t->conns[i].len && t->conns[i].kind != KIND_FRESH ? POLLOUT : POLLIN;
		if (t->conns[i].kind == KIND_LOAD && !t->conns[i].len)
			pfd[k].events = ub_loadsrv_events(t->load, &t->conns[i].lc, now);
		pfd[k].revents = 0;
	}
	return k;
}

int ub_tcpecho_wait_ms(const struct ub_tcpecho *t, int64_t now, int max_ms)
{
	int64_t due = now + (int64_t)max_ms * 1000000;
	int i;

	if (t->paused_until > now && t->paused_until < due)
		due = t->paused_until;
	if (t->full_until > now && t->full_until < due)
		due = t->full_until;
	if (t->n && t->next_sweep < due)
		due = t->next_sweep;
	for (i = 0; i < t->n; i++)
		if (t->conns[i].kind == KIND_LOAD && ub_loadsrv_due(t->load, &t->conns[i].lc) < due)
			due = ub_loadsrv_due(t->load, &t->conns[i].lc);
	if (due <= now)
		return 0;
	/* Rounded up: waking a little late is harmless, waking early spins. */
	return (int)((due - now + 999999) / 1000000);
}

/* Takes what is waiting for a descriptor with the spare one and closes it; returns 0 or -1 (none spare). */
static int refuse_one(struct ub_tcpecho *t)
{
	int fd;

	if (t->spare < 0)
		return -1;
	close(t->spare);
	fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		t->cnt.refused++;
	}
	t->spare = open_spare();
	return fd >= 0 && t->spare >= 0 ? 0 : -1;
}

/* Whether a connection waits to be accepted (a look at the listener that does not block). */
static int listener_ready(const struct ub_tcpecho *t)
{
	struct pollfd pfd = { .fd = t->lfd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

static void accept_some(struct ub_tcpecho *t, int64_t now)
{
	int fd, one = 1, k;

	for (k = 0; k < ACCEPTS_PER_TURN; k++) {
		/* Full: an idle connection makes room only for a newcomer that is really waiting. */
		if (t->n == UB_TCPECHO_MAX_CONNS && (!listener_ready(t) || !evict_idle(t, now)))
			return; /* the rest wait in the backlog; pollfds leaves the listener out */
		fd = accept4(t->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM)
				return; /* EAGAIN: nothing more waiting */
			/*
			 * Out of descriptors: the listener stays readable, so doing
			 * nothing would spin. Free one by closing an idle connection, else
			 * take the newcomer with the spare one and close it, else rest.
			 */
			t->cnt.accept_failed++;
			if (evict_idle(t, now))
				continue;
			if (refuse_one(t) < 0) {
				t->paused_until = now + PAUSE_NS;
				return;
			}
			continue;
		}
		/* Each echo leaves at once: the sender measures TCP, not Nagle. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		t->conns[t->n].fd = fd;
		t->conns[t->n].kind = KIND_FRESH;
		t->conns[t->n].len = 0;
		t->conns[t->n].last = now;
		t->n++;
		t->cnt.open++;
		t->cnt.connections++;
	}
}

/*
 * A fresh connection's first octets: a load ask (stamp/loadmsg.h) is
 * answered by the load side, anything else is echoed. A probe's frame is
 * never as short as an ask's, so only the length needs waiting for.
 * Returns -1 when the connection is done.
 */
static int first_frame(struct ub_tcpecho *t, struct conn *c)
{
	struct ub_loadmsg ask;
	ssize_t r;

	r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (r == 0)
		return -1;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	c->len += (size_t)r;
	if (c->len < 2 || (ub_loadmsg_length_is(c->buf, c->len) && c->len < UB_LOADMSG_FRAME))
		return 0;
	if (ub_loadmsg_decode(c->buf, c->len, &ask) < 0 || ask.answer) {
		c->kind = KIND_ECHO;
		return 0;
	}
	/* the asker waits for the answer: nothing may follow the ask yet */
	c->kind = KIND_LOAD;
	ub_loadsrv_answer(t->load, &ask, &c->lc, c->buf);
	c->len = UB_LOADMSG_FRAME;
	return 0;
}

/* Reads what is there and writes it straight back; returns -1 when the connection is done. */
static int echo(struct ub_tcpecho *t, struct conn *c, int64_t now)
{
	ssize_t r, w;
	long moved;

	if (c->kind == KIND_FRESH) {
		c->last = now;
		if (first_frame(t, c) < 0)
			return -1;
		if (c->kind == KIND_FRESH)
			return 0;
	} else if (c->kind == KIND_LOAD && c->len == 0) {
		/* the answer is out: refused ones end, granted ones sink or source */
		if (c->lc.status != UB_LOAD_OK)
			return -1;
		moved = ub_loadsrv_io(t->load, &c->lc, c->fd, now);
		if (moved > 0)
			c->last = now;
		return moved < 0 ? -1 : 0;
	} else if (c->len == 0) {
		r = read(c->fd, c->buf, sizeof(c->buf));
		if (r == 0)
			return -1;
		if (r < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->len = (size_t)r;
		c->last = now;
	}
	w = send(c->fd, c->buf, c->len, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (w > 0)
		c->last = now;
	if (c->kind == KIND_ECHO)
		t->cnt.bytes += (uint64_t)w;
	memmove(c->buf, c->buf + w, c->len - (size_t)w);
	c->len -= (size_t)w;
	/* a refusal, once out, ends the connection */
	return c->kind == KIND_LOAD && !c->len && c->lc.status != UB_LOAD_OK ? -1 : 0;
}

/* Closes the connections that moved no byte for the idle time (a client gone, or one that never reads). */
static void sweep(struct ub_tcpecho *t, int64_t now)
{
	int i;

	if (now < t->next_sweep)
		return;
	t->next_sweep = now + SWEEP_NS;
	for (i = t->n - 1; i >= 0; i--) {
		if (now - t->conns[i].last > t->idle_ns) {
			conn_close(t, i);
			t->cnt.timed_out++;
		}
	}
}

void ub_tcpecho_serve(struct ub_tcpecho *t, const struct pollfd *pfd, int n, int64_t now)
{
	int i, k;

	/* Walk backwards: closing moves the last connection into the freed slot. */
	for (k = n - 1; k >= 0; k--) {
		if (!pfd[k].revents || pfd[k].fd == t->lfd)
			continue;
		for (i = 0; i < t->n && t->conns[i].fd != pfd[k].fd; i++)
			;
		if (i == t->n)
			continue;
		if ((pfd[k].revents & (POLLERR | POLLNVAL)) || echo(t, &t->conns[i], now) < 0)
			conn_close(t, i);
	}
	/* load whose granted time is over ends now, whatever the asker wanted (the cap) */
	for (i = t->n - 1; i >= 0; i--)
		if (t->conns[i].kind == KIND_LOAD && ub_loadsrv_expired(&t->conns[i].lc, now))
			conn_close(t, i);
	sweep(t, now);
	if (n > 0 && pfd[0].fd == t->lfd && (pfd[0].revents & POLLIN))
		accept_some(t, now);
}

void ub_tcpecho_counters(const struct ub_tcpecho *t, struct ub_tcpecho_counters *out)
{
	*out = t->cnt;
}

void ub_tcpecho_load_counters(const struct ub_tcpecho *t, struct ub_loadsrv_counters *out)
{
	ub_loadsrv_counters(t->load, out);
}
