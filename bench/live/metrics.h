/*
 * udpbench: --metrics — while the sender or the reflector runs, a small web
 * server answers Prometheus' scrapes of /metrics with the figures so far
 * (live/openmetrics.h writes them: OpenMetrics 1.0.0 when the scraper asks
 * for it, else the text format 0.0.4).
 *
 * The sender's figures are per peer (labels peer, name, label): counters of
 * probes sent, replies received, lost (and lost on the way up and down where
 * a stateful reflector tells), duplicates and reordered replies, and a
 * histogram of the round trips. They are counted as each probe is decided,
 * so that at the end they equal the summary's. The reflector's are its
 * counters: what came in, what went out, and what was dropped and why.
 *
 * The producer (the sender's tick, the reflector's loop) only copies its
 * figures under a mutex; the scrape renders from a copy in the server's
 * thread, so a slow scraper never holds up the measurement.
 *
 * At the end the last figures stay up until a scrape has read them: when
 * something has scraped twice or more, the server waits for its next
 * scrape, about one interval as those scrapes came (at most 10 s; Ctrl-C
 * ends the wait).
 */
#ifndef UB_METRICS_H
#define UB_METRICS_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "metrics/words.h"
#include "reflect/reflector.h"
#include "send/sender.h"

/* The longest wait at the end for a scrape of the last figures, by default. */
#define UB_METRICS_LINGER_MAX_NS (10 * 1000000000LL)

struct ub_metrics_config {
	const char *host;        /* the address to listen on; NULL or "": 127.0.0.1 */
	int port;                /* 0: the kernel picks one */
	const char *label;       /* the run's --label: a label on every series; NULL none */
	int64_t linger_max_ns;   /* the longest wait at the end for the last scrape; 0: none */
	FILE *log;               /* where the wait at the end is said; NULL: nowhere */
	enum ub_lang lang;       /* of that line */
};

struct ub_metrics;

/* Sets defaults: 127.0.0.1, a port the kernel picks, no label, UB_METRICS_LINGER_MAX_NS, no log, English. */
void ub_metrics_config_init(struct ub_metrics_config *c);

/*
 * Listens (through ub_net_listen) and starts serving the sender's figures
 * (ub_metrics_watch) or the reflector's (ub_metrics_reflector). Returns the
 * server, owned by the caller (ub_metrics_stop frees it), or NULL with e
 * filled: "--metrics: cannot listen on ADDR" when the port is taken.
 */
struct ub_metrics *ub_metrics_start_sender(const struct ub_metrics_config *c, struct ub_err *e);
struct ub_metrics *ub_metrics_start_reflector(const struct ub_metrics_config *c, struct ub_err *e);

/* The address it listens on, "127.0.0.1:9100"; the string lives as long as m. */
const char *ub_metrics_address(const struct ub_metrics *m);

/* The port it listens on. */
int ub_metrics_port(const struct ub_metrics *m);

/* Scrapes answered so far. */
uint64_t ub_metrics_scrapes(struct ub_metrics *m);

/* Fills w so that the sender hands its ticks to this server (started with ub_metrics_start_sender). */
void ub_metrics_watch(struct ub_metrics *m, struct ub_sender_watch *w);

/* struct ub_sender_watch's tick (ctx is the struct ub_metrics): the boards as they stand. */
void ub_metrics_tick(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final);

/*
 * The reflector's figures as they stand (ctx is the struct ub_metrics, started
 * with ub_metrics_start_reflector); struct ub_reflector_config's on_turn.
 */
void ub_metrics_reflector(void *ctx, const struct ub_reflector *r);

/* The figures are final (the reflector stopped); the sender's final tick says so itself. */
void ub_metrics_final(struct ub_metrics *m);

/*
 * Waits for a scrape of the final figures (see above; a change of *stop,
 * when given, ends the wait), then stops the server and frees it. NULL is
 * accepted.
 */
void ub_metrics_stop(struct ub_metrics *m, volatile sig_atomic_t *stop);

#endif
