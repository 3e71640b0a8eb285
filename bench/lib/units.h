/* udpbench: one parser for every number on the command line, with units. */
#ifndef UB_UNITS_H
#define UB_UNITS_H

#include <stdint.h>

#include "lib/err.h"

/*
 * Duration: "250us", "10ms", "2s", "1.5s", "1m" (minute), "1h", "100ns";
 * a bare number is seconds (as ping's -i). Result in ns, within [min_ns, max_ns].
 * Returns 0 or UB_E_INVAL / UB_E_RANGE with a message naming the text.
 */
int ub_units_duration(const char *s, int64_t min_ns, int64_t max_ns, int64_t *out,
		      struct ub_err *e);

/*
 * Count or rate: "100", "1k" (1000), "2.5k", "1M", "1G"; an optional "/s" or
 * "pps" suffix is accepted for rates. Whole result within [min, max].
 */
int ub_units_count(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		   struct ub_err *e);

/* Size in bytes: "44", "1k" (1024), "1KiB", "1kB" (1000), "2M" (MiB). Within [min, max]. */
int ub_units_size(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  struct ub_err *e);

/* Formats ns as a short human duration ("312us", "1.25ms", "2s") into buf; returns buf. */
const char *ub_units_fmt_ns(int64_t ns, char *buf, unsigned len);

#endif
