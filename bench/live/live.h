/*
 * udpbench: the live page — while a run goes, a small web server shows it
 * for a projector: one tile per board and a scrolling round-trip chart.
 *
 *   /            the page (reports/live/, built into the program)
 *   /events      server-sent events: the whole state first, then one event
 *                per sender tick with the boards and the fresh outcomes
 *   /state.json  the state as it stands
 *
 * The server runs in threads of its own (libmicrohttpd); the sender's loop
 * only hands the state over under a mutex and appends each event to every
 * viewer's bounded buffer, so a slow viewer never holds up the measurement:
 * one that falls too far behind is dropped.
 */
#ifndef UB_LIVE_H
#define UB_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "metrics/intervals.h"
#include "metrics/words.h"
#include "send/sender.h"

/* Viewers of /events at once, by default; more get 503. */
#define UB_LIVE_VIEWERS_MAX 32
/* Bytes an /events viewer may fall behind before it is dropped, by default. */
#define UB_LIVE_BACKLOG_MAX (1u << 20)

struct ub_live_config {
	const char *host;        /* the address to listen on; NULL or "": 127.0.0.1 */
	int port;                /* 0: the kernel picks one */
	enum ub_lang lang;
	const char *label;       /* the run's --label, shown on the page; NULL none */
	unsigned max_viewers;    /* /events streams at once */
	size_t max_backlog;      /* bytes queued for one viewer before it is dropped */
	int64_t silent_ns;       /* a board not heard for longer is silent (red) */
};

struct ub_live;

/* Sets defaults: 127.0.0.1, a port the kernel picks, English, the caps above, silent after 2 s. */
void ub_live_config_init(struct ub_live_config *c);

/*
 * Listens (through ub_net_listen) and starts serving. Returns the server,
 * owned by the caller (ub_live_stop frees it), or NULL with e filled:
 * "--live: cannot listen on ADDR" when the port is taken.
 */
struct ub_live *ub_live_start(const struct ub_live_config *c, struct ub_err *e);

/* The address it listens on, "127.0.0.1:8080"; the string lives as long as lv. */
const char *ub_live_address(const struct ub_live *lv);

/* The port it listens on. */
int ub_live_port(const struct ub_live *lv);

/* Viewers dropped so far because they fell behind. */
uint64_t ub_live_dropped(struct ub_live *lv);

/* struct ub_sender_watch's tick: the boards as they stand (ctx is the struct ub_live). */
void ub_live_tick(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final);

/* struct ub_sender_watch's interval: a board's interval record is complete. */
void ub_live_interval(void *ctx, unsigned board, const struct ub_interval *iv);

/* Fills w so that the sender calls this server. */
void ub_live_watch(struct ub_live *lv, struct ub_sender_watch *w);

/*
 * Lets the viewers read the last state (up to 2 s), then stops
 * the server and frees it. NULL is accepted.
 */
void ub_live_stop(struct ub_live *lv);

#endif
