#include "send/sender.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "capture/capture.h"
#include "lib/clock.h"
#include "lib/net.h"
#include "lib/platform.h"
#include "metrics/output.h"
#include "stamp/proto.h"
#include "send/loadrun.h"
#include "send/session.h"

#define UB_LIVE_EVERY_NS (250 * 1000 * 1000LL)
/*
 * How long before a deadline the sender stops sleeping and spins on the
 * clock: a timer wakeup on a busy or virtual machine comes tens of
 * microseconds late, a spin comes within one clock read.
 */
#define UB_SPIN_DEFAULT_NS (200 * 1000LL)
#define UB_FLOOD_BURST 32
/*
 * Behind schedule, one loop turn sends at most this many due slots before
 * it reads replies and looks at the signals again.
 */
#define UB_SEND_BURST 32
/*
 * A slot overdue by more than this (or by two intervals, when that is
 * longer) is skipped, never sent: a sender that cannot keep its interval
 * does not send a backlog in one burst, and counts what it skipped as
 * missed slots of the schedule.
 */
#define UB_BACKLOG_NS (100 * 1000 * 1000LL)
/*
 * After Ctrl-C: replies still in flight are awaited for twice the longest
 * round trip seen, at least this long, never longer than Tmax.
 */
#define UB_STOP_WAIT_NS (500 * 1000 * 1000LL)

struct sender {
	const struct ub_sender_config *cfg;
	struct ub_session **sess;
	struct pollfd *pfd;     /* one per session, the timer, then the capture */
	unsigned n, npfd;
	struct ub_capture *cap;
	int64_t mono_minus_real; /* maps capture stamps (wall clock) to monotonic */
	int tfd;
	uint64_t next;          /* next slot of the shared schedule */
	int64_t start;          /* slot 0, monotonic */
	int64_t stop_at;        /* end of a duration-bounded run; 0 = none */
	unsigned live_lines;    /* lines drawn last time, to redraw in place */
	struct ub_board_now *boards; /* what the watcher gets, one per session */
	struct held *held;      /* interval lines waiting for the other boards' */
	unsigned held_max;      /* room for a board's lines: Tmax's worth of intervals, and some */
	struct ub_wifi_facts *wifi; /* the radio conditions of each peer's route */
	struct ub_loadrun load; /* --load (send/loadrun.h) */
};

/*
 * A board's complete interval records not printed yet: the lines of one
 * interval go out together, in the boards' order, once every board that
 * still sends has its own.
 */
struct held {
	struct ub_interval *r;
	unsigned n;
};

void ub_sender_config_init(struct ub_sender_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = UB_DEFAULT_PORT;
	c->family = AF_UNSPEC;
	c->interval_ns = 10 * 1000 * 1000LL;
	c->size = UB_STAMP_LEN;
	c->timeout_ns = UB_NS_PER_S;
	c->mode = UB_MODE_AUTO;
	c->dscp = -1;
	c->ttl = -1;
	c->spin_ns = UB_SPIN_DEFAULT_NS;
	c->cpu = -1;
	c->report_interval_ns = UB_NS_PER_S;
	ub_load_config_init(&c->load);
	c->link.kind = "real";
}

const char *ub_sender_mode_name(enum ub_mode m)
{
	static const char *const names[UB_MODES] = { "auto", "stamp", "echo", "text", "any" };

	return (unsigned)m < UB_MODES ? names[m] : "?";
}

/* Peer i's name, else its address as given when there are several, else NULL. */
static const char *who(const struct sender *s, unsigned i)
{
	const struct ub_sender_config *c = s->cfg;

	if (c->names && c->names[i])
		return c->names[i];
	return s->n > 1 ? ub_session_peer(s->sess[i]) : NULL;
}

static void live_lines(struct sender *s)
{
	FILE *f = s->cfg->live;
	uint64_t rx, lost;
	int64_t last, med;
	unsigned i;

	if (!f)
		return;
	if (s->live_lines > 1)
		fprintf(f, "\033[%uA", s->live_lines - 1);
	for (i = 0; i < s->n; i++) {
		ub_session_live(s->sess[i], &rx, &lost, &last, &med);
		ub_output_live(f, s->cfg->lang, who(s, i), ub_session_sent(s->sess[i]), rx, lost,
			       last, med);
		if (i + 1 < s->n)
			fputc('\n', f);
	}
	fflush(f);
	s->live_lines = s->n;
}

static void live_clear(struct sender *s)
{
	FILE *f = s->cfg->live;
	unsigned i;

	if (!f || !s->live_lines)
		return;
	if (s->live_lines > 1)
		fprintf(f, "\033[%uA", s->live_lines - 1);
	for (i = 0; i < s->live_lines; i++)
		fputs(i + 1 < s->live_lines ? "\r\033[K\n" : "\r\033[K", f);
	if (s->live_lines > 1)
		fprintf(f, "\033[%uA", s->live_lines - 1);
	fflush(f);
	s->live_lines = 0;
}

/* Hands the watcher every session as it stands (watch->tick). */
static void watch_tick(struct sender *s, int64_t now, int final)
{
	const struct ub_sender_watch *w = s->cfg->watch;
	unsigned i;

	if (!w || !w->tick)
		return;
	for (i = 0; i < s->n; i++) {
		ub_session_now(s->sess[i], &s->boards[i]);
		s->boards[i].name = s->cfg->names ? s->cfg->names[i] : NULL;
	}
	w->tick(w->ctx, now - s->start, s->boards, s->n, final);
}

/* The earliest interval some board holds a line of, or INT64_MAX. */
static int64_t held_first(const struct sender *s, int *full)
{
	int64_t first = INT64_MAX;
	unsigned i;

	*full = 0;
	for (i = 0; i < s->n; i++) {
		if (s->held[i].n && s->held[i].r[0].start_ns < first)
			first = s->held[i].r[0].start_ns;
		*full |= s->held[i].n == s->held_max;
	}
	return first;
}

/* Whether every board that still sends has its line of the interval that starts at t. */
static int held_complete(const struct sender *s, int64_t t)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (ub_session_active(s->sess[i]) && (!s->held[i].n || s->held[i].r[0].start_ns != t))
			return 0;
	return 1;
}

/* Prints the intervals every board has its line of (all: every line held). */
static void print_held(struct sender *s, int all)
{
	const struct ub_sender_config *c = s->cfg;
	int printed = 0, full;
	int64_t t;
	unsigned i;

	while ((t = held_first(s, &full)) != INT64_MAX && (all || full || held_complete(s, t))) {
		/* the live lines are drawn over: out of the way first */
		if (!printed)
			live_clear(s);
		printed = 1;
		for (i = 0; i < s->n; i++) {
			struct held *h = &s->held[i];

			if (!h->n || h->r[0].start_ns != t)
				continue;
			ub_output_interval(c->intervals, c->lang, who(s, i), &h->r[0]);
			memmove(&h->r[0], &h->r[1], --h->n * sizeof(h->r[0]));
		}
	}
	if (printed) {
		fflush(c->intervals);
		live_lines(s);
	}
}

/*
 * Hands on the interval records that are complete (as many as there is
 * room to hold), and prints those the boards all have (all: every line
 * held). Returns how many it took.
 */
static unsigned emit_intervals(struct sender *s, int all)
{
	const struct ub_sender_config *c = s->cfg;
	const struct ub_sender_watch *w = c->watch;
	struct ub_interval r;
	unsigned i, taken = 0;

	for (i = 0; i < s->n; i++)
		while (s->held[i].n < s->held_max && ub_session_take_interval(s->sess[i], &r)) {
			taken++;
			if (w && w->interval)
				w->interval(w->ctx, i, &r);
			if (c->intervals)
				s->held[i].r[s->held[i].n++] = r;
		}
	if (c->intervals)
		print_held(s, all);
	return taken;
}

static int more_slots(const struct sender *s, int64_t slot)
{
	if (s->cfg->count && s->next >= s->cfg->count)
		return 0;
	if (s->stop_at && slot >= s->stop_at)
		return 0;
	return 1;
}

static int arm_timer(int tfd, int64_t at)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value = ub_clock_ns_to_ts(at > 0 ? at : 1);
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_captured(void *ctx, const struct ub_udp_view *v, int64_t ts_real_ns)
{
	struct sender *s = ctx;
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (ub_session_wire(s->sess[i], v, ts_real_ns + s->mono_minus_real))
			return;
}

/* Spins on the clock until deadline or a signal; the cheapest wait that is never late. */
static void spin_until(const struct sender *s, int64_t deadline)
{
	while (ub_clock_mono() < deadline && !*s->cfg->stop)
		__asm__ __volatile__("" ::: "memory");
}

/* Flood mode: a batch of probes whenever the ring has room. Returns 1 when it sent some. */
static int flood(struct sender *s, int64_t now)
{
	const struct ub_sender_config *c = s->cfg;
	uint64_t n = UB_FLOOD_BURST;
	unsigned k;

	if (c->count && c->count - s->next < n)
		n = c->count - s->next;
	if (!more_slots(s, now) || !ub_session_active(s->sess[0]))
		return 0;
	k = ub_session_send_flood(s->sess[0], (unsigned)n);
	s->next += k;
	return k > 0;
}

/* The slots the schedule holds (count, or the duration's worth); UINT64_MAX when unbounded. */
static uint64_t schedule_slots(const struct sender *s)
{
	const struct ub_sender_config *c = s->cfg;
	uint64_t n = c->count ? c->count : UINT64_MAX;

	if (c->duration_ns && c->interval_ns > 0) {
		uint64_t d = (uint64_t)((c->duration_ns + c->interval_ns - 1) / c->interval_ns);

		n = d < n ? d : n;
	}
	return n;
}

/*
 * Sends the slots due by now, at most UB_SEND_BURST of them. Slots too far
 * behind are skipped first: each session counts them as missed, unsent.
 * Returns the next slot's time.
 */
static int64_t send_due(struct sender *s, int64_t now)
{
	const struct ub_sender_config *c = s->cfg;
	int64_t backlog = 2 * c->interval_ns > UB_BACKLOG_NS ? 2 * c->interval_ns : UB_BACKLOG_NS;
	int64_t slot = s->start + (int64_t)s->next * c->interval_ns;
	uint64_t keep, end = schedule_slots(s);
	unsigned i, n;

	if (now - backlog > slot) {
		/* the first slot still worth sending: overdue by no more than the backlog */
		keep = (uint64_t)((now - backlog - s->start) / c->interval_ns) + 1;
		keep = keep < end ? keep : end;
		for (i = 0; i < s->n && keep > s->next; i++)
			if (ub_session_active(s->sess[i]))
				ub_session_skip(s->sess[i], keep - s->next);
		s->next = keep > s->next ? keep : s->next;
		slot = s->start + (int64_t)s->next * c->interval_ns;
	}
	for (n = 0; n < UB_SEND_BURST && more_slots(s, slot) && slot <= now; n++) {
		/* Absolute schedule: a late slot goes at once, the next keeps its time. */
		for (i = 0; i < s->n; i++)
			if (ub_session_active(s->sess[i]))
				ub_session_send(s->sess[i], slot);
		s->next++;
		slot = s->start + (int64_t)s->next * c->interval_ns;
		now = ub_clock_mono();
	}
	return slot;
}

/* How long to wait for the replies in flight once a signal stopped the sending. */
static int64_t stop_wait(const struct sender *s)
{
	int64_t w = UB_STOP_WAIT_NS, r, tmax = s->cfg->timeout_ns;
	unsigned i;

	for (i = 0; i < s->n; i++) {
		r = 2 * ub_session_max_rtt(s->sess[i]);
		w = r > w ? r : w;
	}
	if (s->cfg->tcp && tmax < 10 * UB_NS_PER_S)
		tmax = 10 * UB_NS_PER_S; /* TCP's Tmax (see session.c) */
	return w < tmax ? w : tmax;
}

/* Reads everything that came back: capture records first (a reply's wire time is there before it). */
static int read_all(struct sender *s, struct ub_err *e)
{
	unsigned i;
	int rc;

	if (s->cap) {
		s->mono_minus_real = ub_clock_mono_minus_real();
		if (ub_capture_dispatch(s->cap, on_captured, s, e) < 0)
			return e->code;
	}
	for (i = 0; i < s->n; i++) {
		rc = ub_session_drain(s->sess[i], e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Writes off what Tmax has passed for, lowers *deadline to the next one,
 * and returns whether every probe sent has its row; *active says whether
 * any session still takes probes.
 */
static int settle_all(struct sender *s, int64_t now, int64_t *deadline, int *active)
{
	int settled = 1;
	int64_t d;
	unsigned i;

	*active = 0;
	for (i = 0; i < s->n; i++) {
		ub_session_expire(s->sess[i], now, 0);
		settled &= ub_session_settled(s->sess[i]);
		*active |= ub_session_active(s->sess[i]);
		d = ub_session_deadline(s->sess[i]);
		if (d < *deadline)
			*deadline = d;
	}
	return settled;
}

/* Waits until deadline (or a reply, or a signal): the last stretch spun, the rest asleep in poll. */
static int wait_until(struct sender *s, int64_t now, int64_t deadline, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	uint64_t junk;
	unsigned i;
	int rc;

	if (deadline - now <= c->spin_ns) {
		spin_until(s, deadline);
		return 0;
	}
	if (arm_timer(s->tfd, deadline - c->spin_ns) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "timerfd_settime");
	for (i = 0; i < s->n; i++)
		s->pfd[i].events = ub_session_events(s->sess[i]);
	rc = poll(s->pfd, s->npfd, -1);
	if (rc < 0 && errno != EINTR)
		return ub_err_set(e, UB_E_SYS, errno, "poll");
	if (rc > 0 && (s->pfd[s->n].revents & POLLIN))
		(void)!read(s->tfd, &junk, sizeof(junk));
	return 0;
}

static int run_loop(struct sender *s, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	int64_t now, slot, next_live = s->start, deadline, stop_by = 0;
	int sending = 1, settled, rc, flooded, active;

	for (;;) {
		/* fping's habit: read the clock once, derive every wait from it. */
		now = ub_clock_mono();
		if (*c->stop >= 2)
			return 0;
		if (*c->stop && !stop_by) {
			/* Ctrl-C: no more probes; the replies in flight get a short while. */
			sending = 0;
			stop_by = now + stop_wait(s);
		}
		if (stop_by && now >= stop_by)
			return 0;
		/* Due probes go first, before any reading: a wakeup is spent on its slot. */
		slot = s->start + (int64_t)s->next * c->interval_ns;
		flooded = 0;
		if (c->flood) {
			slot = now;
			flooded = sending && flood(s, now);
		} else if (sending) {
			slot = send_due(s, now);
		}
		if ((rc = read_all(s, e)) < 0)
			return rc;
		now = ub_clock_mono();
		deadline = next_live;
		settled = settle_all(s, now, &deadline, &active);
		emit_intervals(s, 0);
		sending = sending && more_slots(s, slot) && active;
		if (!sending && settled)
			return 0;
		if (now >= next_live) {
			live_lines(s);
			watch_tick(s, now, 0);
			ub_capture_flush(s->cap);
			next_live = now + UB_LIVE_EVERY_NS;
		}
		if (next_live < deadline)
			deadline = next_live;
		if (sending && slot < deadline)
			deadline = slot;
		if (stop_by && stop_by < deadline)
			deadline = stop_by;
		if (c->busy_poll || flooded)
			continue;
		if ((rc = wait_until(s, now, deadline, e)) < 0)
			return rc;
	}
}

/*
 * "r.csv" for peer "10.0.0.7:10000" becomes "r-10.0.0.7_10000.csv", for a
 * board named "小明" "r-小明.csv": what could leave the folder or hide the
 * file becomes _.
 */
static char *peer_csv_path(const char *path, const char *peer)
{
	const char *dot = strrchr(path, '.'), *slash = ub_path_last_sep(path);
	size_t stem, n = strlen(path) + strlen(peer) + 2;
	char *out = malloc(n), *q;

	if (!out)
		return NULL;
	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	stem = (size_t)(dot - path);
	snprintf(out, n, "%.*s-%s%s", (int)stem, path, peer, dot);
	for (q = out + stem + 1; *q && q < out + stem + 1 + strlen(peer); q++)
		if (*q == ':' || *q == '/' || *q == '[' || *q == ']' || *q == '\\' || *q == ' ' ||
		    (q == out + stem + 1 && *q == '.'))
			*q = '_';
	return out;
}

static int open_sessions(struct sender *s, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	char *csv = NULL;
	unsigned i;

	s->sess = calloc(c->n_peers, sizeof(*s->sess));
	s->pfd = calloc(c->n_peers + 2, sizeof(*s->pfd));
	if (!s->sess || !s->pfd)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (i = 0; i < c->n_peers; i++) {
		if (c->csv_path && c->n_peers > 1 && strcmp(c->csv_path, "-") != 0) {
			csv = peer_csv_path(c->csv_path, c->names && c->names[i] ? c->names[i]
										 : c->peers[i]);
			if (!csv)
				return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		}
		s->sess[i] = ub_session_new(c, c->peers[i], csv ? csv : c->csv_path, e);
		free(csv);
		csv = NULL;
		if (!s->sess[i])
			return e->code;
		s->n++;
		s->pfd[i].fd = ub_session_fd(s->sess[i]);
		s->pfd[i].events = POLLIN;
	}
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->tfd < 0)
		return ub_err_set(e, UB_E_SYS, errno, "timerfd_create");
	s->pfd[s->n].fd = s->tfd;
	s->pfd[s->n].events = POLLIN;
	s->npfd = s->n + 1;
	return 0;
}

/* Starts the capture before any probe leaves, so a refusal costs nothing. */
static int open_capture(struct sender *s, struct ub_err *e)
{
	struct ub_capture_config cc;
	struct ub_addr *peers;
	unsigned i;

	peers = calloc(s->n, sizeof(*peers));
	if (!peers)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (i = 0; i < s->n; i++)
		peers[i] = *ub_session_addr(s->sess[i]);
	ub_capture_config_init(&cc);
	cc.path = s->cfg->pcap_path;
	cc.iface = s->cfg->iface;
	s->cap = ub_capture_open(&cc, peers, s->n, e);
	free(peers);
	if (!s->cap)
		return e->code;
	s->pfd[s->npfd].fd = ub_capture_fd(s->cap);
	s->pfd[s->npfd].events = POLLIN;
	s->npfd++;
	return 0;
}

static void capture_counters(struct sender *s, struct ub_run_counters *rc)
{
	struct ub_capture_stats st;

	ub_capture_stats(s->cap, &st);
	rc->has_capture = 1;
	snprintf(rc->capture_file, sizeof(rc->capture_file), "%s", s->cfg->pcap_path);
	snprintf(rc->capture_iface, sizeof(rc->capture_iface), "%s", ub_capture_iface(s->cap));
	rc->cap_received = st.received;
	rc->cap_dropped = st.dropped;
	rc->cap_if_dropped = st.if_dropped;
	rc->cap_written = st.written;
}

/* Names the peers whose probes got no matching reply, and why that may be; returns how many. */
static unsigned silent_peers(struct sender *s, struct ub_err *e)
{
	char list[UB_ERR_MSG_MAX] = "", msg[UB_ERR_MSG_MAX];
	struct ub_no_reply why, one;
	unsigned i, silent = 0;
	size_t len = 0;

	memset(&why, 0, sizeof(why));
	for (i = 0; i < s->n; i++) {
		if (!ub_session_silent(s->sess[i], &one))
			continue;
		/* several peers: one line for all, its cause only when each shows it */
		why = silent ? (struct ub_no_reply){ 0 } : one;
		if (len < sizeof(list) && s->cfg->names && s->cfg->names[i])
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s (%s)",
						silent ? ", " : "", s->cfg->names[i],
						ub_session_peer(s->sess[i]));
		else if (len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						silent ? ", " : "", ub_session_peer(s->sess[i]));
		silent++;
	}
	if (silent) {
		ub_output_no_reply(msg, sizeof(msg), s->cfg->lang, list, &why);
		ub_err_set(e, UB_E_NOREPLY, 0, "%s", msg);
	}
	return silent;
}

/* What the sessions measured, one entry per peer. */
struct results {
	struct ub_params *params;
	struct ub_summary *sum;
	struct ub_run_counters *rc;
};

/*
 * Everything before the first probe: the sessions, the capture, the CPU,
 * and the result arrays. Returns 0 or a negative code with e filled.
 */
static int prepare(struct sender *s, struct results *r, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	unsigned i;
	int ret;

	ret = open_sessions(s, e);
	if (ret < 0)
		return ret;
	if (c->pcap_path && (ret = open_capture(s, e)) < 0)
		return ret;
	r->params = calloc(s->n, sizeof(*r->params));
	r->sum = calloc(s->n, sizeof(*r->sum));
	r->rc = calloc(s->n, sizeof(*r->rc));
	s->boards = calloc(s->n, sizeof(*s->boards));
	s->held = calloc(s->n, sizeof(*s->held));
	s->wifi = calloc(s->n, sizeof(*s->wifi));
	if (!r->params || !r->sum || !r->rc || !s->boards || !s->held || !s->wifi)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	/* the route to each peer and, when it is a wireless one, its link as the run starts */
	for (i = 0; i < s->n; i++)
		ub_wifi_probe(ub_session_addr(s->sess[i]), &s->wifi[i]);
	/* a silent board's line comes a Tmax after the others' */
	s->held_max = 4;
	if (c->report_interval_ns > 0 && c->timeout_ns / c->report_interval_ns < 1000)
		s->held_max += (unsigned)(c->timeout_ns / c->report_interval_ns);
	for (i = 0; i < s->n; i++)
		if (!(s->held[i].r = calloc(s->held_max, sizeof(*s->held[i].r))))
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	/* Timer slack would blur every wakeup by 50 us. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (c->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(c->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			return ub_err_set(e, UB_E_INVAL, errno, "--cpu: cannot run on CPU %d", c->cpu);
	}
	return 0;
}

/*
 * Finishes every session and writes what was measured: the summary, the
 * capture, the JSON (into json_of when it is a file). Returns 0, or the
 * first failure's code with werr saying it; the rest is written all the same.
 */
static int write_results(struct sender *s, struct results *r, int64_t start_real, int interrupted,
			 struct ub_outfile *json_of, struct ub_err *werr)
{
	const struct ub_sender_config *c = s->cfg;
	int wrc = 0, rc = 0;
	unsigned i;

	ub_err_clear(werr);
	for (i = 0; i < s->n; i++) {
		if (ub_session_finish(s->sess[i], start_real, interrupted, &r->params[i], &r->sum[i],
				      &r->rc[i], wrc ? NULL : werr) < 0 && !wrc)
			wrc = werr->code;
		if (c->names && c->names[i])
			snprintf(r->params[i].name, sizeof(r->params[i].name), "%s", c->names[i]);
		ub_wifi_probe_end(&s->wifi[i]);
		r->params[i].wifi = &s->wifi[i];
	}
	if (s->n == 1)
		r->sum[0].load = ub_loadrun_summary(&s->load);
	/* the last records, complete now, before the summary */
	while (emit_intervals(s, 1))
		;
	live_clear(s);
	watch_tick(s, ub_clock_mono(), 1);
	if (s->cap) {
		for (i = 0; i < s->n; i++)
			capture_counters(s, &r->rc[i]);
		if (ub_capture_close(s->cap, wrc ? NULL : werr) < 0 && !wrc)
			wrc = werr->code;
		s->cap = NULL;
	}
	if (c->summary) {
		if (s->n == 1)
			ub_output_summary(c->summary, c->lang, &r->params[0], &r->sum[0], &r->rc[0]);
		else
			ub_output_table(c->summary, c->lang, s->n, r->params, r->sum, r->rc);
	}
	/* a file was opened before the run; "-" is stdout */
	if (json_of->f)
		rc = ub_output_json_commit(json_of, s->n, r->params, r->sum, r->rc, wrc ? NULL : werr);
	else if (c->json_path)
		rc = ub_output_json(c->json_path, s->n, r->params, r->sum, r->rc, wrc ? NULL : werr);
	if (rc < 0 && !wrc)
		wrc = werr->code;
	return wrc;
}

int ub_sender_run(const struct ub_sender_config *c, struct ub_err *e)
{
	struct results r = { NULL, NULL, NULL };
	struct sender s;
	struct ub_err werr;
	struct ub_outfile json_of;
	int64_t start_real;
	int ret, wrc, interrupted;
	unsigned i, silent;

	memset(&s, 0, sizeof(s));
	memset(&json_of, 0, sizeof(json_of));
	s.cfg = c;
	s.tfd = -1;
	if (c->n_peers == 0) {
		ret = ub_err_set(e, UB_E_INVAL, 0, "no peer to measure");
		goto out;
	}
	/* Every output is opened before the first probe: a bad path costs no measurement. */
	if (c->json_path && strcmp(c->json_path, "-") != 0 &&
	    (ret = ub_outfile_open(&json_of, c->json_path, e)) < 0) {
		ub_err_prefix(e, ret, "--json");
		goto out;
	}
	ret = prepare(&s, &r, e);
	if (ret < 0)
		goto out;
	/* --load takes one peer (cmd_send checks); a refusal is said and the probes go on */
	if ((ret = ub_loadrun_begin(&s.load, &c->load, s.sess[0], stderr, c->lang, e)) < 0)
		goto out;
	s.start = ub_clock_mono() + 1000 * 1000; /* 1 ms to settle before slot 0 */
	start_real = ub_clock_real() + 1000 * 1000;
	if (c->duration_ns)
		s.stop_at = s.start + c->duration_ns;
	for (i = 0; i < s.n; i++)
		ub_session_start(s.sess[i], s.start);
	if ((ret = ub_loadrun_start(&s.load, s.start, e)) < 0)
		goto out;

	ret = run_loop(&s, e);
	ub_loadrun_stop(&s.load, &c->load);
	interrupted = *c->stop != 0;
	live_clear(&s);
	if (s.cap) {
		/* The last replies' records may still wait in the capture buffer. */
		s.mono_minus_real = ub_clock_mono_minus_real();
		ub_capture_dispatch(s.cap, on_captured, &s, NULL);
	}
	/* What was measured is written even when the run failed part-way. */
	wrc = write_results(&s, &r, start_real, interrupted, &json_of, &werr);
	if (ret < 0)
		goto out;
	if (wrc < 0) {
		*e = werr;
		ret = wrc;
		goto out;
	}
	if (interrupted && s.next == 0)
		ret = ub_err_set(e, UB_E_NOREPLY, 0, "%s",
				 UB_TR(c->lang == UB_LANG_ZH, "stopped before the first probe left",
				       "在发出第一个探测包之前就停止了"));
	else if ((silent = silent_peers(&s, e)) && silent == s.n)
		ret = UB_E_NOREPLY;
	else if (s.load.refused && !silent)
		/* said when it happened: the probes ran, the load did not */
		ub_err_set(e, UB_E_PERM, 0, "%s", s.load.run.error);
out:
	ub_loadrun_free(&s.load);
	ub_outfile_abort(&json_of);
	ub_capture_close(s.cap, NULL);
	for (i = 0; i < s.n; i++)
		ub_session_free(s.sess[i]);
	free(s.sess);
	free(s.pfd);
	if (s.tfd >= 0)
		close(s.tfd);
	free(s.boards);
	for (i = 0; s.held && i < s.n; i++)
		free(s.held[i].r);
	free(s.held);
	free(s.wifi);
	free(r.params);
	free(r.sum);
	free(r.rc);
	return ret;
}
