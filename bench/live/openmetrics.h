/*
 * udpbench: the text that Prometheus scrapes — OpenMetrics 1.0.0
 * (application/openmetrics-text) and the older Prometheus text format
 * 0.0.4 (text/plain), one writer for both: metric families, each with its
 * HELP, TYPE and (OpenMetrics only) UNIT line, then its samples.
 *
 * The two differ only in a few places: OpenMetrics names a counter's family
 * without "_total" and its sample with it (0.0.4 names both with it), has
 * UNIT lines, escapes '"' in HELP, and ends with "# EOF".
 *
 * Label values come from users and the network (board names, run labels):
 * backslash, double quote and line feed are escaped, and bytes that are not
 * UTF-8 become U+FFFD, so no value can end its string early, start a line of
 * its own, or make a scraper refuse the whole text. Names are checked
 * against the format's grammar; a bad one fails the text rather than
 * writing it.
 */
#ifndef UB_OPENMETRICS_H
#define UB_OPENMETRICS_H

#include <stddef.h>
#include <stdint.h>

enum ub_om_format { UB_OM_TEXT = 0, UB_OM_OPENMETRICS };
enum ub_om_type { UB_OM_COUNTER = 0, UB_OM_GAUGE, UB_OM_HISTOGRAM };

struct ub_om_label {
	const char *name;
	const char *value; /* any bytes; NULL or "" leaves the label out */
};

/* One exposition being written. */
struct ub_om {
	enum ub_om_format fmt;
	char *buf;
	size_t len, cap;
	int failed;                /* out of memory, or a name the grammar refuses */
	char family[128];          /* the family its samples belong to */
	enum ub_om_type type;
};

/* Starts an empty text in fmt. */
void ub_om_init(struct ub_om *o, enum ub_om_format fmt);

/* Frees what o holds (after ub_om_finish, nothing). */
void ub_om_free(struct ub_om *o);

/*
 * Starts a family: name (for a counter without "_total"), its type, its
 * unit (NULL: none; the name must then end in "_UNIT") and its help text.
 */
void ub_om_family(struct ub_om *o, const char *name, enum ub_om_type type, const char *unit,
		  const char *help);

/* A counter's sample (NAME_total) with labels l[0..n). */
void ub_om_counter(struct ub_om *o, const struct ub_om_label *l, unsigned n, uint64_t v);

/* A gauge's sample: a count. */
void ub_om_gauge(struct ub_om *o, const struct ub_om_label *l, unsigned n, uint64_t v);

/* A gauge's sample: nanoseconds written as seconds, exactly. */
void ub_om_gauge_ns(struct ub_om *o, const struct ub_om_label *l, unsigned n, int64_t ns);

/*
 * A histogram's samples: NAME_bucket for each bound le[i] (canonical
 * numbers, ascending) with the cumulative count cum[i], then le="+Inf"
 * with count, then NAME_count and NAME_sum (sum_ns as seconds).
 */
void ub_om_histogram(struct ub_om *o, const struct ub_om_label *l, unsigned n,
		     const char *const *le, const uint64_t *cum, unsigned nb, uint64_t count,
		     uint64_t sum_ns);

/*
 * Ends the text ("# EOF" in OpenMetrics) and hands it over: returns the
 * malloc'd text with *len, or NULL when something failed (o is freed either way).
 */
char *ub_om_finish(struct ub_om *o, size_t *len);

/* The Content-Type header for fmt. */
const char *ub_om_content_type(enum ub_om_format fmt);

/*
 * The format an Accept header asks for: OpenMetrics when it names
 * application/openmetrics-text (version 1.0.0 or none) with a q at least
 * that of text/plain (or a wildcard); else, and for NULL, the text format.
 */
enum ub_om_format ub_om_negotiate(const char *accept);

/* 1 when s is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
int ub_om_name_ok(const char *s);

/* 1 when s is a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"). */
int ub_om_label_name_ok(const char *s);

#endif
