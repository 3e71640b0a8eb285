/*
 * udpbench: the writers of what a run leaves behind — the JSON result
 * (jansson), the per-probe CSV streamed as the run goes (rows in probe
 * order, metrics/csvrows.h), and the terminal summary. The result they
 * write is the model in result.h; their words for people come from words.h.
 * The static board build (UB_BOARD_BUILD) has no jansson: there the JSON
 * writers fail, saying so, and nothing reaches them (--json is refused).
 */
#ifndef UB_OUTPUT_H
#define UB_OUTPUT_H

#ifndef UB_BOARD_BUILD
#include <jansson.h>
#endif
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/outfile.h"
#include "metrics/result.h"
#include "metrics/stats.h"
#include "metrics/words.h"

/*
 * Prints one interval record as a line; who (a board's name or address)
 * may be NULL when the run has one peer.
 */
void ub_output_interval(FILE *f, enum ub_lang lang, const char *who, const struct ub_interval *r);

#ifndef UB_BOARD_BUILD
/*
 * Writes document root of results s[0..n) to f (2-space indents), each
 * "intervals": null of a result with records written as its array one
 * record at a time: a day of records costs the memory of one. Returns 0,
 * or -1 (memory or f; errno tells).
 */
int ub_output_json_dump(json_t *root, FILE *f, unsigned n, const struct ub_summary *s);
#endif

/* Prints one line on the Wi-Fi link w's run crossed (SSID, channel, signal, rates); nothing without one. */
void ub_output_wifi_line(FILE *f, enum ub_lang lang, const struct ub_wifi_facts *w);

#ifndef UB_BOARD_BUILD
/* Sets params.wifi and params.wifi_why from f (NULL: not measured); returns 0, or -1 out of memory. */
int ub_output_wifi_json(json_t *params, const struct ub_wifi_facts *f);
/* Sets obj's "wifi" (one reading, f->start, with "iface") and "wifi_why"; returns 0, or -1 out of memory. */
int ub_output_wifi_now_json(json_t *obj, const struct ub_wifi_facts *f);
#endif

/* summary.load (send --load, metrics/loadsum.h) */
struct ub_load_summary;
#ifndef UB_BOARD_BUILD
/* A distribution as summary.rtt_ns has it (null when empty); new reference. */
json_t *ub_output_dist_json(const struct ub_dist *d);
/* summary.load as a JSON object (new reference), or NULL out of memory. */
json_t *ub_output_load_json(const struct ub_load_summary *l);
#endif
/* The terminal summary's lines on latency under load. */
void ub_output_load_summary(FILE *f, enum ub_lang lang, const struct ub_load_summary *l);

/* The reason as one sentence, in English for the JSON or in lang for the terminal. */
const char *ub_output_split_why(enum ub_split_why w, enum ub_lang lang);

/* One CSV row; has_* clear leaves a column empty. */
struct ub_csv_row {
	uint32_t seq;
	int64_t tx_ns;         /* since the run's start */
	int has_rx;
	int64_t rx_ns, rtt_ns;
	enum ub_status status;
	int reordered;
	int has_refl;
	uint32_t refl_seq;
	int64_t refl_rx_ns, refl_tx_ns; /* T2, T3 as Unix ns on the reflector's clock */
	int ttl;               /* -1: unknown */
	int has_tcp;           /* TCP_INFO when the echo arrived */
	uint64_t tcp_retransmits;
	int64_t tcp_rto_ns;
};

/*
 * Opens path ("-" = stdout) and writes the header row, with the columns
 * tcp_retransmits,tcp_rto_ns at the end when tcp. NULL with e filled on failure.
 */
struct ub_csv *ub_csv_open(const char *path, int tcp, struct ub_err *e);
/*
 * From now on rows go out in probe order (metrics/csvrows.h says exactly
 * how), probes numbered from 0, at most window of them in flight. Returns
 * 0 or UB_E_NOMEM; c NULL does nothing.
 */
int ub_csv_order(struct ub_csv *c, uint32_t window, struct ub_err *e);
/* Appends one row (or holds it for its place); errors are kept and reported by ub_csv_close. */
void ub_csv_row(struct ub_csv *c, const struct ub_csv_row *r);
/* Pushes buffered rows to the file (a crash loses at most one flush interval). */
void ub_csv_flush(struct ub_csv *c);
/* Writes the rows held for their place (every probe is decided now) and frees what held them. */
void ub_csv_drain(struct ub_csv *c);
/* Writes the rows still held, in order, and closes (NULL accepted); returns 0 or UB_E_IO naming the file if any write failed. */
int ub_csv_close(struct ub_csv *c, struct ub_err *e);

/*
 * Writes the JSON result of n peers to path ("-" = stdout), atomically for
 * files: {"udpbench", "params", "summary"} for one peer, {"udpbench",
 * "peers": [{"params", "summary"}, ...]} for more.
 */
int ub_output_json(const char *path, unsigned n, const struct ub_params *p,
		   const struct ub_summary *s, const struct ub_run_counters *rc, struct ub_err *e);

/*
 * The same into of, opened by the caller (ub_outfile_open) before the run
 * so that an unwritable path is known before the first probe; commits it
 * (or drops it on failure). Returns 0, UB_E_IO or UB_E_NOMEM.
 */
int ub_output_json_commit(struct ub_outfile *of, unsigned n, const struct ub_params *p,
			  const struct ub_summary *s, const struct ub_run_counters *rc,
			  struct ub_err *e);

/* Prints the ping-like summary of one peer. */
void ub_output_summary(FILE *f, enum ub_lang lang, const struct ub_params *p,
		       const struct ub_summary *s, const struct ub_run_counters *rc);

/* Prints one row per peer: a classroom of boards at a glance. */
void ub_output_table(FILE *f, enum ub_lang lang, unsigned n, const struct ub_params *p,
		     const struct ub_summary *s, const struct ub_run_counters *rc);

/*
 * Draws one live progress line (no newline) over the current one; peer may be
 * NULL. lost counts decided probes only.
 */
void ub_output_live(FILE *f, enum ub_lang lang, const char *peer, uint64_t sent,
		    uint64_t received, uint64_t lost, int64_t last_rtt_ns, int64_t median_rtt_ns);
/* Clears the live line. */
void ub_output_live_end(FILE *f);

/* The longest link spec a result holds (bytes of JSON text). */
#define UB_LINK_SPEC_MAX 4096

/*
 * Checks that text can be params.link.spec: a JSON object of at most
 * UB_LINK_SPEC_MAX bytes. Returns 0, or -1 with why (n bytes, one line)
 * saying what is wrong.
 */
int ub_output_link_spec(const char *text, char *why, size_t n);

/* Returns 1 when s can go into a JSON result as it is (valid UTF-8), else 0. */
int ub_output_text_ok(const char *s);

/*
 * Writes into buf (n bytes) one line saying that nothing measured came
 * back from peers (a list) and, from why, the likely cause.
 */
void ub_output_no_reply(char *buf, size_t n, enum ub_lang lang, const char *peers,
			const struct ub_no_reply *why);

/* Name of a status for the CSV ("ok", "lost", "late", "dup"). */
const char *ub_output_status_name(enum ub_status st);

#endif
