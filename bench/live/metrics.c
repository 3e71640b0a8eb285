#include "live/metrics.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/netaddr.h"
#include "live/httpd.h"
#include "live/openmetrics.h"
#include "metrics/result.h"
#include "metrics/rttbuckets.h"

#define UB_METRICS_WAIT_NS (100 * 1000000LL) /* the wait at the end looks at *stop this often */

/* One peer as the last tick left it. */
struct board {
	char name[UB_NAME_MAX];
	char peer[UB_ADDRSTR_MAX];
	char index[12];          /* set only when another board has the same labels */
	uint64_t sent, received, lost, late, duplicates, reordered;
	int has_split;
	uint64_t lost_up, lost_down;
	struct ub_rtt_buckets rtt;
	int64_t rtt_now_ns, heard_ns; /* -1 none */
};

/* What one scrape shows: copied under the lock, rendered without it. */
struct figures {
	int final;
	int ticked;               /* the sender: a tick came */
	uint64_t ticks;
	int64_t start_real_ns;    /* wall clock of the run's start (the sender's slot 0) */
	int64_t start_mono_ns;
	struct board *boards;     /* the sender's */
	unsigned n;
	int have_refl;            /* the reflector's counters came */
	struct ub_reflector_counters refl;
	int have_tcp;             /* it has a TCP echo */
	struct ub_tcpecho_counters tcp;
};

struct ub_metrics {
	struct ub_metrics_config c;
	int reflector;            /* which figures it serves */
	struct MHD_Daemon *d;
	char addr[UB_ADDRSTR_MAX];
	int port;
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* a scrape was answered */
	struct figures fig;
	uint64_t scrapes;
	int64_t last_scrape_ns, gap_ns; /* monotonic; the time between the last two scrapes */
	int scraped_final;        /* a scrape has been sent the final figures, all of them */
};

/* A request's mark (MHD's per-request pointer): its answer holds the final figures. */
static char final_answer;

void ub_metrics_config_init(struct ub_metrics_config *c)
{
	memset(c, 0, sizeof(*c));
	c->linger_max_ns = UB_METRICS_LINGER_MAX_NS;
	c->lang = UB_LANG_EN;
}

const char *ub_metrics_address(const struct ub_metrics *m)
{
	return m->addr;
}

int ub_metrics_port(const struct ub_metrics *m)
{
	return m->port;
}

uint64_t ub_metrics_scrapes(struct ub_metrics *m)
{
	uint64_t n;

	pthread_mutex_lock(&m->mu);
	n = m->scrapes;
	pthread_mutex_unlock(&m->mu);
	return n;
}

/* ---- the sender's figures ---- */

/* Gives each board that repeats an earlier one's labels an index of its own, so no series is doubled. */
static void mark_repeats(struct board *b, unsigned n)
{
	unsigned i, k;

	for (i = 1; i < n; i++)
		for (k = 0; k < i; k++)
			if (strcmp(b[i].peer, b[k].peer) == 0 && strcmp(b[i].name, b[k].name) == 0) {
				snprintf(b[i].index, sizeof(b[i].index), "%u", i);
				break;
			}
}

/*
 * Takes a tick's figures. Counters only grow: the up/down split of a
 * running count is over the probes decided so far and kept from going
 * back; the final tick's is the summary's, whatever it is.
 */
static void take_board(struct board *mb, const struct ub_board_now *b, int final)
{
	snprintf(mb->name, sizeof(mb->name), "%s", b->name ? b->name : "");
	snprintf(mb->peer, sizeof(mb->peer), "%s", b->addr ? b->addr : "");
	mb->sent = b->sent;
	mb->received = b->received;
	mb->lost = b->lost;
	mb->late = b->late;
	mb->duplicates = b->duplicates;
	mb->reordered = b->reordered;
	if (final || !mb->has_split || b->lost_up > mb->lost_up)
		mb->lost_up = b->lost_up;
	if (final || !mb->has_split || b->lost_down > mb->lost_down)
		mb->lost_down = b->lost_down;
	mb->has_split = b->has_split;
	if (b->rtt)
		mb->rtt = *b->rtt;
	mb->rtt_now_ns = b->rtt_now_ns;
	mb->heard_ns = b->heard_ns;
}

void ub_metrics_tick(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final)
{
	struct ub_metrics *m = ctx;
	unsigned i;

	pthread_mutex_lock(&m->mu);
	if (!m->fig.ticked) {
		/* the board count is fixed by the first tick (the sender's peers) */
		m->fig.boards = n ? calloc(n, sizeof(*m->fig.boards)) : NULL;
		m->fig.n = m->fig.boards ? n : 0;
		m->fig.start_real_ns = ub_clock_real() - now_ns;
		m->fig.start_mono_ns = ub_clock_mono() - now_ns;
		m->fig.ticked = 1;
	}
	for (i = 0; i < m->fig.n && i < n; i++)
		take_board(&m->fig.boards[i], &b[i], final);
	if (!m->fig.ticks++)
		mark_repeats(m->fig.boards, m->fig.n);
	m->fig.final = m->fig.final || final;
	pthread_mutex_unlock(&m->mu);
}

void ub_metrics_watch(struct ub_metrics *m, struct ub_sender_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->ctx = m;
	w->tick = ub_metrics_tick;
}

/* The labels of board b: peer, name and label (those set), and an index when it repeats another's. */
static unsigned board_labels(const struct ub_metrics *m, const struct board *b, struct ub_om_label *l)
{
	l[0].name = "peer";
	l[0].value = b->peer;
	l[1].name = "name";
	l[1].value = b->name;
	l[2].name = "label";
	l[2].value = m->c.label;
	l[3].name = "index";
	l[3].value = b->index;
	return 4;
}

/* One counter family over every board; split: only boards whose up/down split is known. */
static void board_counter(struct ub_om *o, const struct ub_metrics *m, const struct figures *f,
			  const char *name, const char *help, size_t off, int split)
{
	struct ub_om_label l[4];
	unsigned i, k;

	ub_om_family(o, name, UB_OM_COUNTER, NULL, help);
	for (i = 0; i < f->n; i++) {
		const struct board *b = &f->boards[i];

		if (split && !b->has_split)
			continue;
		k = board_labels(m, b, l);
		ub_om_counter(o, l, k, *(const uint64_t *)(const void *)((const char *)b + off));
	}
}

static void render_sender(struct ub_om *o, const struct ub_metrics *m, const struct figures *f)
{
	const char *le[UB_RTT_BUCKETS];
	uint64_t cum[UB_RTT_BUCKETS];
	struct ub_om_label l[4], run[1] = { { "label", m->c.label } };
	int64_t now = ub_clock_mono();
	unsigned i, k, j;

	board_counter(o, m, f, "udpbench_sent", "Probes sent.", offsetof(struct board, sent), 0);
	board_counter(o, m, f, "udpbench_received",
		      "Probes whose first reply came within the timeout (Tmax).",
		      offsetof(struct board, received), 0);
	board_counter(o, m, f, "udpbench_lost",
		      "Probes written off: no reply within the timeout (late replies included).",
		      offsetof(struct board, lost), 0);
	board_counter(o, m, f, "udpbench_late",
		      "Of the lost probes, those whose first reply came after the timeout.",
		      offsetof(struct board, late), 0);
	board_counter(o, m, f, "udpbench_lost_up",
		      "Of the lost probes, those lost on the way to the reflector (a stateful "
		      "reflector's counter tells), over the probes decided so far.",
		      offsetof(struct board, lost_up), 1);
	board_counter(o, m, f, "udpbench_lost_down",
		      "Of the lost probes, those whose reply was lost on the way back.",
		      offsetof(struct board, lost_down), 1);
	board_counter(o, m, f, "udpbench_duplicates", "Extra copies of replies (RFC 5560).",
		      offsetof(struct board, duplicates), 0);
	board_counter(o, m, f, "udpbench_reordered",
		      "Replies that came after a later probe's (RFC 4737, NextExp).",
		      offsetof(struct board, reordered), 0);

	for (j = 0; j < UB_RTT_BUCKETS; j++)
		le[j] = ub_rtt_bounds[j].le;
	ub_om_family(o, "udpbench_rtt_seconds", UB_OM_HISTOGRAM, "seconds",
		     "Round-trip times of the replies in time (the reflector's own time taken out).");
	for (i = 0; i < f->n; i++) {
		const struct board *b = &f->boards[i];

		for (j = 0; j < UB_RTT_BUCKETS; j++)
			cum[j] = ub_rtt_buckets_upto(&b->rtt, j);
		k = board_labels(m, b, l);
		ub_om_histogram(o, l, k, le, cum, UB_RTT_BUCKETS, b->rtt.count, b->rtt.sum_ns);
	}
	ub_om_family(o, "udpbench_rtt_last_seconds", UB_OM_GAUGE, "seconds",
		     "The latest reply's round-trip time.");
	for (i = 0; i < f->n; i++)
		if (f->boards[i].rtt_now_ns >= 0) {
			k = board_labels(m, &f->boards[i], l);
			ub_om_gauge_ns(o, l, k, f->boards[i].rtt_now_ns);
		}
	ub_om_family(o, "udpbench_last_reply_age_seconds", UB_OM_GAUGE, "seconds",
		     "Time since the latest reply in time came (a silent peer's grows).");
	for (i = 0; i < f->n; i++)
		if (f->boards[i].heard_ns >= 0) {
			k = board_labels(m, &f->boards[i], l);
			ub_om_gauge_ns(o, l, k, now - f->start_mono_ns - f->boards[i].heard_ns);
		}
	ub_om_family(o, "udpbench_start_time_seconds", UB_OM_GAUGE, "seconds",
		     "When the run began (its first probe's slot), seconds since 1970 UTC.");
	if (f->ticked)
		ub_om_gauge_ns(o, run, 1, f->start_real_ns);
	ub_om_family(o, "udpbench_finished", UB_OM_GAUGE, NULL,
		     "1 once the run has ended and the figures are final, else 0.");
	ub_om_gauge(o, run, 1, (uint64_t)f->final);
}

/* ---- the reflector's figures ---- */

void ub_metrics_reflector(void *ctx, const struct ub_reflector *r)
{
	struct ub_metrics *m = ctx;
	struct ub_reflector_counters c;
	struct ub_tcpecho_counters tc;
	int tcp;

	ub_reflector_counters(r, &c);
	tcp = ub_reflector_tcp_counters(r, &tc) == 0;
	pthread_mutex_lock(&m->mu);
	m->fig.refl = c;
	m->fig.have_refl = 1;
	m->fig.tcp = tc;
	m->fig.have_tcp = tcp;
	pthread_mutex_unlock(&m->mu);
}

static void refl_counter(struct ub_om *o, const char *name, const char *help, uint64_t v)
{
	ub_om_family(o, name, UB_OM_COUNTER, NULL, help);
	ub_om_counter(o, NULL, 0, v);
}

/* The TCP echo's counters (the --tcp probes' far end). */
static void render_tcp(struct ub_om *o, const struct ub_tcpecho_counters *t)
{
	refl_counter(o, "udpbench_reflector_tcp_connections", "TCP echo: connections accepted.",
		     t->connections);
	ub_om_family(o, "udpbench_reflector_tcp_open", UB_OM_GAUGE, NULL,
		     "TCP echo: connections open now.");
	ub_om_gauge(o, NULL, 0, t->open);
	ub_om_family(o, "udpbench_reflector_tcp_echoed_bytes", UB_OM_COUNTER, "bytes",
		     "TCP echo: bytes echoed.");
	ub_om_counter(o, NULL, 0, t->bytes);
	refl_counter(o, "udpbench_reflector_tcp_refused",
		     "TCP echo: connections closed at once (no file descriptor, none idle to close).",
		     t->refused);
	refl_counter(o, "udpbench_reflector_tcp_evicted",
		     "TCP echo: idle connections closed to make room for a newcomer.", t->evicted);
	refl_counter(o, "udpbench_reflector_tcp_timed_out",
		     "TCP echo: connections closed after moving nothing for the idle time.",
		     t->timed_out);
	refl_counter(o, "udpbench_reflector_tcp_accept_failed",
		     "TCP echo: accepts that found no file descriptor or memory.", t->accept_failed);
}

static void render_reflector(struct ub_om *o, const struct figures *f)
{
	const struct ub_reflector_counters *c = &f->refl;
	const struct {
		const char *reason;
		uint64_t n;
	} drops[] = {
		{ "short", c->short_dropped },
		{ "too_long", c->too_long },
		{ "from_itself", c->from_itself },
		{ "looks_like_reply", c->looks_like_reply },
		{ "bad_key", c->bad_key },
		{ "replayed", c->replayed },
		{ "rate_capped", c->rate_capped },
		{ "sessions_refused", c->sessions_refused },
		{ "send_error", c->send_errors },
		{ "twamp_light_unanswered", c->twamp_light_unanswered },
		{ "discovery_refused", c->discovery_refused },
	};
	struct ub_om_label l[1];
	size_t i;

	refl_counter(o, "udpbench_reflector_received", "Datagrams received.", c->received);
	refl_counter(o, "udpbench_reflector_reflected", "Replies sent (STAMP and TWAMP-light).",
		     c->reflected);
	ub_om_family(o, "udpbench_reflector_dropped", UB_OM_COUNTER, NULL,
		     "Datagrams received and not answered, by reason.");
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		l[0].name = "reason";
		l[0].value = drops[i].reason;
		ub_om_counter(o, l, 1, drops[i].n);
	}
	refl_counter(o, "udpbench_reflector_twamp_light_replies",
		     "Of the replies, those to short TWAMP-light requests.", c->twamp_light);
	refl_counter(o, "udpbench_reflector_discovery_answered",
		     "Discovery queries (udpbench discover) answered.", c->discovery_answered);
	ub_om_family(o, "udpbench_reflector_sessions", UB_OM_GAUGE, NULL, "Sessions open now.");
	ub_om_gauge(o, NULL, 0, c->sessions);
	refl_counter(o, "udpbench_reflector_sessions_started", "Sessions begun since the start.",
		     c->sessions_total);
	refl_counter(o, "udpbench_reflector_sessions_evicted",
		     "Sessions pushed out for a newcomer before their timeout.", c->sessions_evicted);
	refl_counter(o, "udpbench_reflector_sessions_restarted",
		     "Senders that started over on a session (a new run).", c->sessions_restarted);
	ub_om_family(o, "udpbench_reflector_start_time_seconds", UB_OM_GAUGE, "seconds",
		     "When the reflector started, seconds since 1970 UTC.");
	ub_om_gauge_ns(o, NULL, 0, f->start_real_ns);
	if (f->have_tcp)
		render_tcp(o, &f->tcp);
}

/* ---- the server ---- */

/* Copies the figures to render; returns 0 or UB_E_NOMEM. Call with mu held. */
static int copy_figures(struct figures *dst, const struct figures *src)
{
	*dst = *src;
	dst->boards = NULL;
	if (!src->n)
		return 0;
	dst->boards = malloc(src->n * sizeof(*src->boards));
	if (!dst->boards)
		return UB_E_NOMEM;
	memcpy(dst->boards, src->boards, src->n * sizeof(*src->boards));
	return 0;
}

/*
 * /metrics: the figures as they stand, in the format the scraper asks for.
 * An answer with the final figures marks its request (*req): the wait at
 * the end is over only once such an answer has gone out whole.
 */
static ub_mhd_result serve_metrics(struct ub_metrics *m, struct MHD_Connection *conn, void **req)
{
	enum ub_om_format fmt =
		ub_om_negotiate(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept"));
	struct figures f;
	struct ub_om o;
	char *text = NULL;
	size_t len = 0;
	int rc;

	pthread_mutex_lock(&m->mu);
	rc = copy_figures(&f, &m->fig);
	pthread_mutex_unlock(&m->mu);
	if (rc == 0) {
		ub_om_init(&o, fmt);
		if (m->reflector)
			render_reflector(&o, &f);
		else
			render_sender(&o, m, &f);
		text = ub_om_finish(&o, &len);
		free(f.boards);
	}
	if (text) {
		int64_t now = ub_clock_mono();

		pthread_mutex_lock(&m->mu);
		if (m->scrapes)
			m->gap_ns = now - m->last_scrape_ns;
		m->last_scrape_ns = now;
		m->scrapes++;
		pthread_mutex_unlock(&m->mu);
		if (f.final)
			*req = &final_answer;
	}
	return ub_httpd_owned(conn, MHD_HTTP_OK, text, len, ub_om_content_type(fmt));
}

static ub_mhd_result serve(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version, const char *upload, size_t *upload_len,
			   void **req)
{
	struct ub_metrics *m = cls;
	ub_mhd_result ret;

	(void)version;
	(void)upload;
	if (ub_httpd_refused(conn, method, *upload_len, &ret))
		return ret;
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(m, conn, req);
	if (strcmp(url, "/") == 0)
		return ub_httpd_text(conn, MHD_HTTP_OK, "udpbench: the metrics are at /metrics\n");
	return ub_httpd_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* MHD: a request is over; one that carried the final figures and went out whole ends the wait. */
static void completed(void *cls, struct MHD_Connection *conn, void **req,
		      enum MHD_RequestTerminationCode why)
{
	struct ub_metrics *m = cls;

	(void)conn;
	if (*req != &final_answer || why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		return;
	pthread_mutex_lock(&m->mu);
	m->scraped_final = 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

static struct ub_metrics *start(const struct ub_metrics_config *c, int reflector, struct ub_err *e)
{
	struct ub_metrics *m = calloc(1, sizeof(*m));
	struct ub_httpd_config hc;
	pthread_condattr_t ca;

	if (!m) {
		ub_err_set(e, UB_E_NOMEM, 0, "--metrics: out of memory");
		return NULL;
	}
	m->c = *c;
	m->reflector = reflector;
	m->fig.start_real_ns = ub_clock_real();
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	ub_httpd_config_init(&hc);
	hc.host = c->host;
	hc.port = c->port;
	hc.opt = "--metrics";
	hc.who = "--metrics: the metrics";
	hc.serve = serve;
	hc.completed = completed;
	hc.cls = m;
	m->d = ub_httpd_start(&hc, m->addr, sizeof(m->addr), &m->port, e);
	if (!m->d) {
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
		free(m);
		return NULL;
	}
	return m;
}

struct ub_metrics *ub_metrics_start_sender(const struct ub_metrics_config *c, struct ub_err *e)
{
	return start(c, 0, e);
}

struct ub_metrics *ub_metrics_start_reflector(const struct ub_metrics_config *c, struct ub_err *e)
{
	return start(c, 1, e);
}

void ub_metrics_final(struct ub_metrics *m)
{
	pthread_mutex_lock(&m->mu);
	m->fig.final = 1;
	pthread_mutex_unlock(&m->mu);
}

/*
 * How long to wait at the end for a scrape of the final figures: none
 * unless something scrapes again and again (twice at least: a look by
 * hand is no scraper), else a scrape interval and a half (the last gap
 * seen) and a second from the last scrape, capped.
 */
static int64_t linger_ns(const struct ub_metrics *m)
{
	int64_t wait;

	if (m->scrapes < 2 || m->scraped_final || !m->fig.final)
		return 0;
	wait = m->gap_ns + m->gap_ns / 2 + UB_NS_PER_S - (ub_clock_mono() - m->last_scrape_ns);
	if (wait > m->c.linger_max_ns)
		wait = m->c.linger_max_ns;
	return wait > 0 ? wait : 0;
}

void ub_metrics_stop(struct ub_metrics *m, volatile sig_atomic_t *stop)
{
	sig_atomic_t stop0 = stop ? *stop : 0;
	int64_t wait, until;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	wait = linger_ns(m);
	if (wait > 0 && m->c.log)
		fprintf(m->c.log,
			UB_TR(m->c.lang == UB_LANG_ZH,
			      "udpbench: --metrics: waiting up to %.1f s for the last scrape (Ctrl-C ends "
			      "the wait)\n",
			      "udpbench: --metrics: 等待 Prometheus 最后一次抓取，最多 %.1f 秒（按 Ctrl-C "
			      "不再等待）\n"),
			(double)wait / 1e9);
	until = ub_clock_mono() + wait;
	while (wait > 0 && !m->scraped_final && ub_clock_mono() < until && (!stop || *stop == stop0)) {
		struct timespec ts = ub_clock_ns_to_ts(ub_clock_mono() + UB_METRICS_WAIT_NS);

		pthread_cond_timedwait(&m->cv, &m->mu, &ts);
	}
	pthread_mutex_unlock(&m->mu);
	MHD_stop_daemon(m->d);
	free(m->fig.boards);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
