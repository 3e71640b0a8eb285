#include "live/livejson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"

void ub_live_state_init(struct ub_live_state *s, enum ub_lang lang, const char *label,
			int64_t silent_ns)
{
	memset(s, 0, sizeof(*s));
	s->lang = lang;
	s->label = label;
	s->silent_ns = silent_ns;
	s->now_ns = -1;
}

void ub_live_state_free(struct ub_live_state *s)
{
	free(s->boards);
	s->boards = NULL;
	s->n = 0;
}

int ub_live_state_copy(struct ub_live_state *dst, const struct ub_live_state *src)
{
	*dst = *src;
	dst->boards = NULL;
	if (!src->n)
		return 0;
	dst->boards = malloc(src->n * sizeof(*src->boards));
	if (!dst->boards) {
		dst->n = 0;
		return UB_E_NOMEM;
	}
	memcpy(dst->boards, src->boards, src->n * sizeof(*src->boards));
	return 0;
}

/* Copies text into a field of n bytes, cut at a character boundary when it is longer. */
static void copy_text(char *dst, size_t n, const char *src)
{
	size_t len = src ? strlen(src) : 0;

	if (len >= n) {
		len = n - 1;
		/* never leave half of a UTF-8 character: jansson would refuse the string */
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Adds one outcome to the board's ring, dropping the oldest when it is full. */
static void ring_add(struct ub_live_board *lb, const struct ub_outcome *o)
{
	struct ub_live_point *p;

	if (lb->kept == UB_LIVE_POINTS) {
		lb->head = (lb->head + 1) % UB_LIVE_POINTS;
		lb->kept--;
	}
	p = &lb->ring[(lb->head + lb->kept) % UB_LIVE_POINTS];
	p->tx_ns = o->tx_ns;
	p->rtt_ns = o->rtt_ns < 0 ? -1 : o->rtt_ns;
	lb->kept++;
}

/*
 * Keeps at most UB_LIVE_TICK_POINTS of a tick's outcomes on the chart: all
 * of them when they fit, else every lost one (what the class looks for)
 * and evenly spaced replies in the room left.
 */
static void take_fresh(struct ub_live_board *lb, const struct ub_board_now *b)
{
	unsigned i, lost = 0, room, stride, took = 0;

	for (i = 0; i < b->n_fresh; i++)
		lost += b->fresh[i].rtt_ns < 0;
	room = lost < UB_LIVE_TICK_POINTS ? UB_LIVE_TICK_POINTS - lost : 0;
	stride = b->n_fresh - lost > room && room ? (b->n_fresh - lost + room - 1) / room : 1;
	for (i = 0; i < b->n_fresh && took < UB_LIVE_TICK_POINTS; i++) {
		int is_lost = b->fresh[i].rtt_ns < 0;

		if (!is_lost && (!room || i % stride != 0))
			continue;
		ring_add(lb, &b->fresh[i]);
		took++;
	}
	lb->fresh = took;
	lb->fresh_dropped += b->fresh_dropped + (b->n_fresh - took);
}

static void take_board(struct ub_live_board *lb, const struct ub_board_now *b)
{
	lb->has_name = b->name && *b->name;
	copy_text(lb->name, sizeof(lb->name), b->name);
	copy_text(lb->peer, sizeof(lb->peer), b->peer);
	copy_text(lb->addr, sizeof(lb->addr), b->addr);
	lb->sent = b->sent;
	lb->received = b->received;
	lb->lost = b->lost;
	lb->has_split = b->has_split;
	lb->lost_up = b->lost_up;
	lb->lost_down = b->lost_down;
	lb->rtt_now_ns = b->rtt_now_ns;
	lb->rtt_median_ns = b->rtt_median_ns;
	lb->rtt_p99_ns = b->rtt_p99_ns;
	lb->heard_ns = b->heard_ns;
	take_fresh(lb, b);
}

/* "2026-12-06T10:15:00+08:00": when the run began, in local time. */
static void stamp_started(struct ub_live_state *s, int64_t now_ns)
{
	time_t t = (time_t)((ub_clock_real() - (now_ns > 0 ? now_ns : 0)) / UB_NS_PER_S);
	struct tm tm;
	char zone[8];

	if (!localtime_r(&t, &tm) || !strftime(s->started, sizeof(s->started), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    !strftime(zone, sizeof(zone), "%z", &tm) || strlen(zone) != 5) {
		s->started[0] = '\0';
		return;
	}
	snprintf(s->started + strlen(s->started), sizeof(s->started) - strlen(s->started),
		 "%.3s:%.2s", zone, zone + 3);
}

int ub_live_state_tick(struct ub_live_state *s, int64_t now_ns, const struct ub_board_now *b,
		       unsigned n, int final)
{
	unsigned i;

	if (!s->boards && n) {
		s->boards = calloc(n, sizeof(*s->boards));
		if (!s->boards)
			return UB_E_NOMEM;
		s->n = n;
	}
	if (!s->ticks)
		stamp_started(s, now_ns);
	for (i = 0; i < s->n && i < n; i++)
		take_board(&s->boards[i], &b[i]);
	s->now_ns = now_ns;
	s->finished = s->finished || final;
	s->ticks++;
	return 0;
}

void ub_live_state_interval(struct ub_live_state *s, unsigned board, const struct ub_interval *iv)
{
	if (board >= s->n)
		return;
	s->boards[board].last = *iv;
	s->boards[board].has_interval = 1;
}

int ub_live_board_silent(const struct ub_live_state *s, const struct ub_live_board *b)
{
	return b->heard_ns < 0 || s->now_ns - b->heard_ns > s->silent_ns;
}

/* An integer, or null when negative (unknown). */
static json_t *ns_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *interval_json(const struct ub_interval *iv)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "start_ns", (json_int_t)iv->start_ns,
			 "end_ns", (json_int_t)iv->end_ns, "sent", (json_int_t)iv->sent, "received",
			 (json_int_t)iv->received, "lost", (json_int_t)iv->lost, "lost_up",
			 iv->has_split ? json_integer((json_int_t)iv->lost_up) : json_null(), "lost_down",
			 iv->has_split ? json_integer((json_int_t)iv->lost_down) : json_null(),
			 "rtt_median_ns", ns_or_null(iv->rtt_median_ns), "rtt_p90_ns",
			 ns_or_null(iv->rtt_p90_ns), "rtt_max_ns", ns_or_null(iv->rtt_max_ns));
}

/* Loss over the probes decided so far (in-flight ones are not lost yet); null before any. */
static json_t *loss_pct(const struct ub_live_board *b)
{
	uint64_t decided = b->received + b->lost;

	return decided ? json_real(100.0 * (double)b->lost / (double)decided) : json_null();
}

static json_t *board_json(const struct ub_live_state *s, const struct ub_live_board *b)
{
	json_t *split_up = b->has_split ? json_integer((json_int_t)b->lost_up) : json_null();
	json_t *split_down = b->has_split ? json_integer((json_int_t)b->lost_down) : json_null();
	json_t *age = b->heard_ns < 0 || s->now_ns < 0 ? json_null() : json_integer(s->now_ns - b->heard_ns);

	return json_pack("{s:o,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:I}",
			 "name", b->has_name ? json_string(b->name) : json_null(), "address", b->addr,
			 "peer", b->peer, "sent", (json_int_t)b->sent, "received",
			 (json_int_t)b->received, "lost", (json_int_t)b->lost, "lost_up", split_up,
			 "lost_down", split_down, "loss_pct", loss_pct(b), "rtt_now_ns",
			 ns_or_null(b->rtt_now_ns), "rtt_median_ns", ns_or_null(b->rtt_median_ns),
			 "rtt_p99_ns", ns_or_null(b->rtt_p99_ns), "last_heard_ns", ns_or_null(b->heard_ns),
			 "age_ns", age, "silent", ub_live_board_silent(s, b), "interval",
			 b->has_interval ? interval_json(&b->last) : json_null(), "off_chart",
			 (json_int_t)b->fresh_dropped);
}

/* [board, tx_ns, rtt_ns or null] for each point: all kept ones, or the last tick's. */
static int add_points(json_t *points, const struct ub_live_state *s, int history)
{
	unsigned i, k;

	for (i = 0; i < s->n; i++) {
		const struct ub_live_board *b = &s->boards[i];
		unsigned from = history ? 0 : b->kept - b->fresh;

		for (k = from; k < b->kept; k++) {
			const struct ub_live_point *p = &b->ring[(b->head + k) % UB_LIVE_POINTS];

			if (json_array_append_new(points, json_pack("[I,I,o]", (json_int_t)i, (json_int_t)p->tx_ns,
								    ns_or_null(p->rtt_ns))) < 0)
				return UB_E_NOMEM;
		}
	}
	return 0;
}

static json_t *run_json(const struct ub_live_state *s)
{
	return json_pack("{s:o,s:o,s:b,s:s,s:o,s:I,s:I}", "started",
			 s->started[0] ? json_string(s->started) : json_null(), "elapsed_ns",
			 ns_or_null(s->now_ns), "finished", s->finished, "lang",
			 s->lang == UB_LANG_ZH ? "zh" : "en", "label",
			 s->label ? json_string(s->label) : json_null(), "silent_after_ns",
			 (json_int_t)s->silent_ns, "ticks", (json_int_t)s->ticks);
}

json_t *ub_live_json_state(const struct ub_live_state *s, int history)
{
	json_t *root = json_object(), *boards = json_array(), *points = json_array();
	unsigned i;

	if (!root || !boards || !points)
		goto fail;
	for (i = 0; i < s->n; i++)
		if (json_array_append_new(boards, board_json(s, &s->boards[i])) < 0)
			goto fail;
	if (add_points(points, s, history) < 0 || json_object_set_new(root, "run", run_json(s)) < 0 ||
	    json_object_set_new(root, "boards", boards) < 0)
		goto fail;
	boards = NULL;
	if (json_object_set_new(root, "points", points) < 0)
		goto fail;
	points = NULL;
	if (history && json_object_set_new(root, "words", ub_live_json_words(s->lang)) < 0)
		goto fail;
	return root;
fail:
	json_decref(points);
	json_decref(boards);
	json_decref(root);
	return NULL;
}

/*
 * Writes <, > and & as \u escapes. With JSON_ENSURE_ASCII they can stand
 * only inside strings, where the escape means the same character; so the
 * text stays inert even where something reads it as HTML.
 */
static char *escape_markup(char *text)
{
	size_t n = 0, len;
	char *p, *out, *o;

	for (p = text; *p; p++)
		n += *p == '<' || *p == '>' || *p == '&';
	if (!n)
		return text;
	len = (size_t)(p - text);
	out = malloc(len + 5 * n + 1);
	if (out)
		for (p = text, o = out;; p++) {
			if (*p == '<' || *p == '>' || *p == '&')
				o += sprintf(o, "\\u%04x", (unsigned)*p);
			else if (!(*o++ = *p))
				break;
		}
	free(text);
	return out;
}

char *ub_live_json_text(json_t *j)
{
	char *text;

	if (!j)
		return NULL;
	text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	return text ? escape_markup(text) : NULL;
}

/* The page's words: key, English, Chinese. */
static const char *const live_words[][3] = {
	{ "title", "udpbench live", "udpbench 实时测量" },
	{ "running", "measuring", "测量中" },
	{ "finished", "the run has ended: final figures", "测量已结束：最终结果" },
	{ "lost_link", "no connection to udpbench: the figures below are the last it sent",
	  "与 udpbench 的连接已断开：下面是它最后发来的数据" },
	{ "rtt_now", "round-trip time now", "当前往返时延" },
	{ "median", "median", "中位数" },
	{ "p99", "p99", "p99" },
	{ "loss", "loss", "丢包率" },
	{ "lost", "lost", "丢失" },
	{ "up", "there", "去程" },
	{ "down", "back", "回程" },
	{ "heard", "last reply", "上次回复" },
	{ "ago", "s ago", "秒前" },
	{ "no_reply", "no reply", "无应答" },
	{ "silent", "silent", "无应答" },
	{ "sent", "sent", "已发送" },
	{ "received", "received", "已收到" },
	{ "chart", "Round-trip time, last 60 s (× = lost probe)", "最近 60 秒的往返时延（× 为丢失的探测包）" },
	{ "ms", "ms", "毫秒" },
	{ "us", "µs", "微秒" },
	{ "seconds", "s", "秒" },
	{ "boards", "boards", "块板子" },
	{ "elapsed", "running for", "已运行" },
	{ "recent", "last", "最近" },
};

json_t *ub_live_json_words(enum ub_lang lang)
{
	json_t *w = json_object();
	size_t i;

	for (i = 0; w && i < sizeof(live_words) / sizeof(live_words[0]); i++)
		json_object_set_new(w, live_words[i][0],
				    json_string(live_words[i][lang == UB_LANG_ZH ? 2 : 1]));
	return w;
}
