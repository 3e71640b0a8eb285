/*
 * udpbench: reports — the Wi-Fi facts of a result (params.wifi) as the
 * short note charts comparing setups write under each box: the network's
 * name, its channel and the signal, e.g. "教室-5G · ch 36 · -52 dBm", or
 * "-52→-61 dBm" when the signal changed during the run. Nothing when the
 * result has no facts.
 */
#ifndef UB_WIFINOTE_H
#define UB_WIFINOTE_H

#include <stddef.h>

#include "reports/report_int.h"

/* The note's forms: with the SSID, or only channel and signal (many boxes, narrow rows). */
enum ub_wifinote_form { UB_WIFINOTE_FULL, UB_WIFINOTE_SHORT };

/*
 * Writes r's note into out (n bytes): printable UTF-8 only, no line break;
 * returns its length, 0 when r carries no Wi-Fi facts.
 */
size_t ub_wifinote(const struct ub_report_ctx *R, const struct ub_result *r, enum ub_wifinote_form form,
		   char *out, size_t n);

#endif
