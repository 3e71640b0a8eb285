/*
 * udpbench: what the live page shows, kept apart from the server that shows
 * it — the boards as the last sender tick left them, the chart points a late
 * viewer still gets, and the JSON of /state.json and /events.
 *
 * Board names and addresses come from a peers file and the network: they
 * reach the page only as JSON strings (jansson escapes them) and the page
 * puts them in with textContent.
 */
#ifndef UB_LIVEJSON_H
#define UB_LIVEJSON_H

#include <jansson.h>
#include <stdint.h>

#include "lib/netaddr.h"
#include "metrics/intervals.h"
#include "metrics/words.h"
#include "send/sender.h"

#define UB_LIVE_NAME_MAX 64      /* a name's bytes with its NUL (the peers file allows 63) */
#define UB_LIVE_PEER_MAX 256
#define UB_LIVE_POINTS 1024      /* chart points kept per board for viewers who come late */
#define UB_LIVE_TICK_POINTS 16   /* points per board and tick, losses first when there are more */

/* One probe on the chart: when it was sent and its round trip, -1 lost. */
struct ub_live_point {
	int64_t tx_ns, rtt_ns;
};

/* One board as the last tick left it. */
struct ub_live_board {
	char name[UB_LIVE_NAME_MAX];
	int has_name;
	char peer[UB_LIVE_PEER_MAX];
	char addr[UB_ADDRSTR_MAX];
	uint64_t sent, received, lost;
	int has_split;
	uint64_t lost_up, lost_down;
	int64_t rtt_now_ns, rtt_median_ns, rtt_p99_ns; /* -1 before the first reply */
	int64_t heard_ns;                              /* -1 never */
	int has_interval;
	struct ub_interval last;                       /* the latest complete interval record */
	struct ub_live_point ring[UB_LIVE_POINTS];     /* the newest points, oldest first from head */
	unsigned head, kept;
	unsigned fresh;                                /* points the last tick added */
	uint64_t fresh_dropped;                        /* outcomes left off the chart so far */
};

/* The run as the page sees it. */
struct ub_live_state {
	enum ub_lang lang;
	const char *label;       /* NULL none; borrowed */
	int64_t silent_ns;       /* silent: not heard for longer than this, or never */
	char started[40];        /* wall clock of the first tick, ISO 8601 with offset */
	int64_t now_ns;          /* run time of the last tick, since slot 0; -1 before the first */
	int finished;
	uint64_t ticks;
	struct ub_live_board *boards;
	unsigned n;
};

/* Sets s empty for lang (boards come with the first tick). */
void ub_live_state_init(struct ub_live_state *s, enum ub_lang lang, const char *label,
			int64_t silent_ns);

/* Takes one tick's boards (the board count fixed by the first). Returns 0 or UB_E_NOMEM. */
int ub_live_state_tick(struct ub_live_state *s, int64_t now_ns, const struct ub_board_now *b,
		       unsigned n, int final);

/* Keeps board's latest interval record; a board out of range is ignored. */
void ub_live_state_interval(struct ub_live_state *s, unsigned board, const struct ub_interval *iv);

/* Makes dst a copy of src, to read without holding the lock. Returns 0 or UB_E_NOMEM. */
int ub_live_state_copy(struct ub_live_state *dst, const struct ub_live_state *src);

/* Frees the boards; s can be set up again. */
void ub_live_state_free(struct ub_live_state *s);

/* Whether board b counts as silent now (red on the page). */
int ub_live_board_silent(const struct ub_live_state *s, const struct ub_live_board *b);

/*
 * The state as JSON: {"run", "boards", "points"[, "words"]}. points are
 * [board, tx_ns, rtt_ns or null (lost)]: every kept one with history set
 * (a viewer's first event, which has the words too), else the last
 * tick's. Returns a new reference; NULL when out of memory.
 */
json_t *ub_live_json_state(const struct ub_live_state *s, int history);

/* The page's words in s's language, {"key": "text"}: a new reference. */
json_t *ub_live_json_words(enum ub_lang lang);

/* Compact ASCII JSON text of j, <, > and & as \u escapes (j is released). Returns malloc'd text or NULL. */
char *ub_live_json_text(json_t *j);

#endif
