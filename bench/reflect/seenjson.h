/*
 * udpbench: the reflector's per-session figures as JSON (--sessions-json),
 * written whole or not at all (lib/outfile.h):
 *
 *   {"sessions": [{"peer", "port", "ssid", "fate", "received", "lost",
 *                  "reordered", "duplicates", "jitter_ns", "first_heard",
 *                  "last_heard", "highest_seq", "wifi", "wifi_why"}, ...],
 *    "ended_dropped": N, "ended_max": N, "window": N, "written": ISO 8601}
 *
 * "wifi" is this host's interface towards the session's peer as the file is
 * written (metrics/output.h: ub_output_wifi_now_json), or null with
 * "wifi_why" saying why.
 */
#ifndef UB_SEENJSON_H
#define UB_SEENJSON_H

#include "lib/err.h"
#include "reflect/seen.h"

/* Writes the figures of s to path; returns 0, or a negative code with e naming path. */
int ub_seenjson_write(const struct ub_seen *s, const char *path, struct ub_err *e);

#endif
