/*
 * udpbench: reports — summary.csv, one row per result (a board of a
 * classroom, a run), for a spreadsheet: times in milliseconds, the start
 * in local time, the Wi-Fi facts as the run began (params.wifi.start:
 * SSID, channel, signal), an empty cell for what is not known (the round-trip
 * figures of a board that never answered among them). UTF-8 with a byte
 * order mark, so that Excel and WPS read Chinese names as Chinese; fields
 * quoted as RFC 4180 says, and text that a spreadsheet would run as a
 * formula (= + - @ first) kept as text by a leading apostrophe.
 */
#ifndef UB_SUMCSV_H
#define UB_SUMCSV_H

#include <stdio.h>

#include "lib/err.h"
#include "reports/report_int.h"

/* The header row (without its line break). */
extern const char ub_sumcsv_header[];

/*
 * Writes text s to f as one CSV field: a formula start (= + - @, tab,
 * carriage return) gets a leading apostrophe, and a field with a comma,
 * quote or line break is quoted, its quotes
 * doubled (RFC 4180). NULL writes an empty field.
 */
void ub_sumcsv_field(FILE *f, const char *s);

/* Writes result r's row (with its line break, CRLF as RFC 4180 has it) to f. */
void ub_sumcsv_row(const struct ub_report_ctx *R, const struct ub_result *r, FILE *f);

/* Writes R->out/summary.csv whole or not at all; returns 0 or UB_E_IO. */
int ub_sumcsv_write(const struct ub_report_ctx *R, struct ub_err *e);

#endif
