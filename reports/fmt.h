/*
 * udpbench: reports — figures written for people in the report's language,
 * shared by the charts (charts.c) and the pages (pages.c).
 */
#ifndef UB_REPORT_FMT_H
#define UB_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "reports/report_int.h"

/*
 * Writes duration ns for people into b (n bytes), three digits in the
 * report's language: 350 µs, 2.31 ms, 23.1 ms, 423 ms, 1.5 s.
 */
void ub_report_fmt_dur(const struct ub_report_ctx *R, char *b, size_t n, int64_t ns);

/* ns in milliseconds, as the charts' data files and axes hold times. */
double ub_report_ms(int64_t ns);

#endif
