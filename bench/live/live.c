#include "live/live.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "live/assets.h"
#include "live/httpd.h"
#include "live/livejson.h"

#define UB_LIVE_BLOCK 16384             /* bytes MHD takes from a viewer's queue at once */
#define UB_LIVE_WAIT_NS (250 * 1000000LL) /* a viewer's thread looks at the stop flag this often */
#define UB_LIVE_KEEPALIVE_NS (10 * UB_NS_PER_S)
#define UB_LIVE_DRAIN_NS (2 * UB_NS_PER_S) /* at the end, how long viewers get to read the last state */

/* One /events viewer: the bytes queued for it. */
struct viewer {
	struct ub_live *lv;
	char *buf;
	size_t off, len, cap;
	size_t first;       /* the first event's size: queued beyond the backlog cap */
	int dropped;
	struct viewer *next;
};

struct ub_live {
	struct ub_live_config c;
	struct MHD_Daemon *d;
	char addr[UB_ADDRSTR_MAX];
	int port;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* a viewer's queue grew, emptied, or the run ended */
	struct ub_live_state st;
	struct viewer *viewers;
	unsigned n_viewers;
	uint64_t dropped;
	char *last;             /* the last tick's JSON, which /state.json serves */
	int closing;            /* the run ended: viewers read what is queued, then the stream ends */
};

void ub_live_config_init(struct ub_live_config *c)
{
	memset(c, 0, sizeof(*c));
	c->lang = UB_LANG_EN;
	c->max_viewers = UB_LIVE_VIEWERS_MAX;
	c->max_backlog = UB_LIVE_BACKLOG_MAX;
	c->silent_ns = 2 * UB_NS_PER_S;
}

const char *ub_live_address(const struct ub_live *lv)
{
	return lv->addr;
}

int ub_live_port(const struct ub_live *lv)
{
	return lv->port;
}

uint64_t ub_live_dropped(struct ub_live *lv)
{
	uint64_t n;

	pthread_mutex_lock(&lv->mu);
	n = lv->dropped;
	pthread_mutex_unlock(&lv->mu);
	return n;
}

/* An absolute CLOCK_MONOTONIC deadline ns from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(int64_t ns)
{
	return ub_clock_ns_to_ts(ub_clock_mono() + ns);
}

/* Gives up on a viewer: its reader ends the stream with an error. Call with mu held. */
static void viewer_drop(struct viewer *v)
{
	v->dropped = 1;
	v->lv->dropped++;
	free(v->buf);
	v->buf = NULL;
	v->off = v->len = v->cap = 0;
}

/* Appends n bytes to v's queue; a viewer that would fall too far behind is dropped. */
static void viewer_push(struct viewer *v, const char *s, size_t n, size_t max_backlog)
{
	size_t pending = v->len - v->off;

	if (v->dropped)
		return;
	if (pending + n > max_backlog + v->first) {
		viewer_drop(v);
		return;
	}
	if (v->off && v->len + n > v->cap) {
		memmove(v->buf, v->buf + v->off, pending);
		v->off = 0;
		v->len = pending;
	}
	if (v->len + n > v->cap) {
		size_t cap = v->cap ? v->cap : 4096;
		char *b;

		while (cap < v->len + n)
			cap *= 2;
		b = realloc(v->buf, cap);
		if (!b) {
			viewer_drop(v);
			return;
		}
		v->buf = b;
		v->cap = cap;
	}
	memcpy(v->buf + v->len, s, n);
	v->len += n;
}

/* Queues one server-sent event (name, JSON text) for every viewer. Call with mu held. */
static void push_event(struct ub_live *lv, struct viewer *only, const char *name, const char *json)
{
	char head[40];
	struct viewer *v;
	int hn = snprintf(head, sizeof(head), "event: %s\ndata: ", name);

	for (v = only ? only : lv->viewers; v; v = only ? NULL : v->next) {
		size_t before = v->len - v->off;

		viewer_push(v, head, (size_t)hn, lv->c.max_backlog);
		viewer_push(v, json, strlen(json), lv->c.max_backlog);
		viewer_push(v, "\n\n", 2, lv->c.max_backlog);
		if (only)
			v->first = v->len - v->off - before;
	}
	pthread_cond_broadcast(&lv->cv);
}

/* The state as JSON text, built from a copy so the lock is held only to copy. Returns malloc'd text. */
static char *state_text(struct ub_live *lv, int history)
{
	struct ub_live_state copy;
	char *text;
	int rc;

	pthread_mutex_lock(&lv->mu);
	rc = ub_live_state_copy(&copy, &lv->st);
	pthread_mutex_unlock(&lv->mu);
	if (rc < 0)
		return NULL;
	text = ub_live_json_text(ub_live_json_state(&copy, history));
	ub_live_state_free(&copy);
	return text;
}

void ub_live_tick(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final)
{
	struct ub_live *lv = ctx;
	char *text, *old;
	int rc;

	pthread_mutex_lock(&lv->mu);
	rc = ub_live_state_tick(&lv->st, now_ns, b, n, final);
	pthread_mutex_unlock(&lv->mu);
	if (rc < 0)
		return;
	/* Only this thread changes the state: it can read it without the lock. */
	text = ub_live_json_text(ub_live_json_state(&lv->st, 0));
	if (!text)
		return;
	pthread_mutex_lock(&lv->mu);
	push_event(lv, NULL, "tick", text);
	old = lv->last;
	lv->last = text;
	pthread_mutex_unlock(&lv->mu);
	free(old);
}

void ub_live_interval(void *ctx, unsigned board, const struct ub_interval *iv)
{
	struct ub_live *lv = ctx;

	pthread_mutex_lock(&lv->mu);
	ub_live_state_interval(&lv->st, board, iv);
	pthread_mutex_unlock(&lv->mu);
}

void ub_live_watch(struct ub_live *lv, struct ub_sender_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->ctx = lv;
	w->tick = ub_live_tick;
	w->interval = ub_live_interval;
}

/*
 * MHD's reader of an /events stream (the viewer's own thread): waits for
 * queued bytes, a bounded time at once, and ends the stream once the run
 * has ended and everything is read, or with an error once dropped.
 */
static ssize_t viewer_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct viewer *v = cls;
	struct ub_live *lv = v->lv;
	int64_t idle_until = ub_clock_mono() + UB_LIVE_KEEPALIVE_NS;
	ssize_t n;

	(void)pos;
	pthread_mutex_lock(&lv->mu);
	while (!v->dropped && v->len == v->off && !lv->closing && ub_clock_mono() < idle_until) {
		struct timespec ts = deadline_in(UB_LIVE_WAIT_NS);

		pthread_cond_timedwait(&lv->cv, &lv->mu, &ts);
	}
	if (v->dropped) {
		n = MHD_CONTENT_READER_END_WITH_ERROR;
	} else if (v->len > v->off) {
		n = (ssize_t)(v->len - v->off < max ? v->len - v->off : max);
		memcpy(out, v->buf + v->off, (size_t)n);
		v->off += (size_t)n;
	} else if (lv->closing) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		n = max >= 3 ? 3 : 0; /* a comment line keeps an idle stream open through proxies */
		memcpy(out, ":\n\n", (size_t)n);
	}
	pthread_mutex_unlock(&lv->mu);
	return n;
}

/* A viewer's place is free again (ub_live_stop waits for all of them). */
static void viewer_gone(struct ub_live *lv)
{
	pthread_mutex_lock(&lv->mu);
	lv->n_viewers--;
	pthread_cond_broadcast(&lv->cv);
	pthread_mutex_unlock(&lv->mu);
}

static void viewer_free(void *cls)
{
	struct viewer *v = cls, **p;
	struct ub_live *lv = v->lv;

	pthread_mutex_lock(&lv->mu);
	for (p = &lv->viewers; *p; p = &(*p)->next)
		if (*p == v) {
			*p = v->next;
			break;
		}
	pthread_mutex_unlock(&lv->mu);
	viewer_gone(lv);
	free(v->buf);
	free(v);
}

/* /events: the whole state first, then every tick; 503 past the viewer cap. */
static ub_mhd_result serve_events(struct ub_live *lv, struct MHD_Connection *conn)
{
	struct viewer *v = NULL;
	char *first = NULL;
	struct MHD_Response *r;

	/* a place first, so that viewers past the cap cost no copy of the state */
	pthread_mutex_lock(&lv->mu);
	if (lv->n_viewers >= lv->c.max_viewers) {
		pthread_mutex_unlock(&lv->mu);
		return ub_httpd_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "too many viewers\n");
	}
	lv->n_viewers++;
	pthread_mutex_unlock(&lv->mu);
	v = calloc(1, sizeof(*v));
	first = state_text(lv, 1);
	if (v) {
		v->lv = lv;
		pthread_mutex_lock(&lv->mu);
		if (first) {
			/* after the run, a viewer still gets the final state, then the end of the stream */
			viewer_push(v, "retry: 3000\n\n", 13, lv->c.max_backlog);
			push_event(lv, v, "state", first);
		} else {
			viewer_drop(v);
		}
		v->next = lv->viewers;
		lv->viewers = v;
		pthread_mutex_unlock(&lv->mu);
	}
	free(first);
	r = v ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, UB_LIVE_BLOCK, viewer_read, v,
						  viewer_free)
	      : NULL;
	if (!r) {
		if (v)
			viewer_free(v);
		else
			viewer_gone(lv);
		return MHD_NO;
	}
	return ub_httpd_queue(conn, MHD_HTTP_OK, ub_httpd_headers(r, "text/event-stream; charset=utf-8"));
}

/* /state.json: the last tick's state as it was sent to the viewers (before the first, the empty state). */
static ub_mhd_result serve_state(struct ub_live *lv, struct MHD_Connection *conn)
{
	char *text = NULL;
	int ticked;

	pthread_mutex_lock(&lv->mu);
	ticked = lv->last != NULL;
	if (ticked)
		text = strdup(lv->last);
	pthread_mutex_unlock(&lv->mu);
	if (!ticked)
		text = state_text(lv, 0);

	return ub_httpd_owned(conn, MHD_HTTP_OK, text, text ? strlen(text) : 0, "application/json");
}

static ub_mhd_result serve(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version, const char *upload, size_t *upload_len,
			   void **req)
{
	struct ub_live *lv = cls;
	const struct ub_live_asset *a;
	ub_mhd_result ret;

	(void)version;
	(void)upload;
	(void)req;
	if (ub_httpd_refused(conn, method, *upload_len, &ret))
		return ret;
	if (strcmp(url, "/events") == 0)
		return serve_events(lv, conn);
	if (strcmp(url, "/state.json") == 0)
		return serve_state(lv, conn);
	for (a = ub_live_assets; a->path; a++)
		if (strcmp(url, a->path) == 0) {
			struct MHD_Response *r = MHD_create_response_from_buffer(
				a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);

			return ub_httpd_queue(conn, MHD_HTTP_OK, ub_httpd_headers(r, a->type));
		}
	return ub_httpd_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* A mutex and a condition variable that waits on CLOCK_MONOTONIC. Returns 0 or UB_E_SYS. */
static int init_sync(struct ub_live *lv, struct ub_err *e)
{
	pthread_condattr_t ca;
	int rc;

	if ((rc = pthread_mutex_init(&lv->mu, NULL)) != 0)
		return ub_err_set(e, UB_E_SYS, rc, "--live: mutex");
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&lv->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		pthread_mutex_destroy(&lv->mu);
		return ub_err_set(e, UB_E_SYS, rc, "--live: condition variable");
	}
	return 0;
}

struct ub_live *ub_live_start(const struct ub_live_config *c, struct ub_err *e)
{
	struct ub_live *lv = calloc(1, sizeof(*lv));
	struct ub_httpd_config hc;

	if (!lv) {
		ub_err_set(e, UB_E_NOMEM, 0, "--live: out of memory");
		return NULL;
	}
	lv->c = *c;
	if (init_sync(lv, e) < 0) {
		free(lv);
		return NULL;
	}
	ub_live_state_init(&lv->st, c->lang, c->label, c->silent_ns);
	ub_httpd_config_init(&hc);
	hc.host = c->host;
	hc.port = c->port;
	hc.opt = "--live";
	hc.who = "--live: the live page";
	/* A thread per connection: a viewer's reader may wait for the next tick. */
	hc.thread_per_conn = 1;
	hc.max_conns = c->max_viewers + 8;
	hc.serve = serve;
	hc.cls = lv;
	lv->d = ub_httpd_start(&hc, lv->addr, sizeof(lv->addr), &lv->port, e);
	if (!lv->d)
		goto fail;
	return lv;
fail:
	pthread_cond_destroy(&lv->cv);
	pthread_mutex_destroy(&lv->mu);
	free(lv);
	return NULL;
}

void ub_live_stop(struct ub_live *lv)
{
	int64_t until;

	if (!lv)
		return;
	until = ub_clock_mono() + UB_LIVE_DRAIN_NS;
	pthread_mutex_lock(&lv->mu);
	lv->closing = 1;
	pthread_cond_broadcast(&lv->cv);
	/*
	 * A stream is done once MHD has sent its end and let the response go
	 * (viewer_free); stopping before that would cut off the last figures.
	 */
	while (lv->n_viewers && ub_clock_mono() < until) {
		struct timespec ts = deadline_in(UB_LIVE_WAIT_NS);

		pthread_cond_timedwait(&lv->cv, &lv->mu, &ts);
	}
	pthread_mutex_unlock(&lv->mu);
	MHD_stop_daemon(lv->d);
	ub_live_state_free(&lv->st);
	free(lv->last);
	pthread_cond_destroy(&lv->cv);
	pthread_mutex_destroy(&lv->mu);
	free(lv);
}
