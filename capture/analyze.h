/*
 * udpbench: offline analysis of a capture file (pcap or pcapng, whoever
 * wrote it). Finds the STAMP / TWAMP-light and verbatim echo sessions in
 * it, pairs requests with replies, and reports each session with the
 * metrics and JSON schema of a live run, seen from the capture point:
 *
 * - A session is (client addr:port, server addr:port) and, for STAMP, the
 *   SSID of the requests. Flows on port 10000, 862 or the configured port
 *   are looked at, and any other flow whose replies have the shape of STAMP
 *   (payload >= 44 octets, same size as a request, offsets 24..35 repeating
 *   a request's sequence number and T1) or of a verbatim echo.
 * - Mode per session from its replies: "stamp" when replies carry the
 *   request's seq and T1 (STAMP, or TWAMP-light: requests from 14 octets,
 *   replies of 41 or 38), "echo" when they are byte-identical to a request
 *   ("text" when those requests are udpbench text probes, also answered
 *   with the probe's text inside a changed reply). A session on a session
 *   port with no reply at all counts as STAMP, every probe lost.
 * - Authenticated mode (RFC 8762 §4.2.2, §4.3.2, 112 octets and more) is
 *   read whoever wrote it: the timing fields are in the clear. With a key,
 *   packets whose HMAC does not match are left out and counted.
 * - Every timestamp is read in the format its error estimate's Z bit names
 *   (NTP or PTP); replies of another size than their request are counted.
 * - sent = requests seen (a sequence number seen twice counts once), fed
 *   to ub_stats as consecutive indexes in the order seen; received = first
 *   replies within Tmax. RTT = (T4 - T1) at the capture point minus the
 *   reflector's T3 - T2 (echo: T4 - T1). Up/down loss from the reflector's
 *   counter, lined up with the first reply when the capture starts after
 *   the session's first request (wire seq != 0).
 */
#ifndef UB_ANALYZE_H
#define UB_ANALYZE_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

#include "stamp/auth.h"
#include "lib/err.h"
#include "metrics/result.h"
#include "metrics/words.h"

#define UB_STAMP_PORT 862       /* IANA's STAMP port (RFC 8762 §4.1) */
#define UB_ANALYZE_TABLE_MIN 5  /* this many sessions or more: one table, not a summary each */

/* The sessions found in one capture, with their results. */
struct ub_analysis;

struct ub_analyze_config {
	const char *path;      /* capture file; "-" reads standard input */
	int port;              /* a session port besides 10000 and 862; 0 = none */
	int64_t timeout_ns;    /* Tmax: a later first reply counts as lost (late) */
	const char *json_path; /* NULL = none, "-" = stdout */
	const char *csv_path;  /* NULL = none; several sessions: FILE-HOST_PORT.csv each */
	const char *label;     /* params.label; NULL = the capture's file name */
	const struct ub_auth_key *key; /* check authenticated packets' HMAC; NULL = none */
	int summary_only;      /* constant memory: no CSV, percentiles from histograms */
	int no_csv;            /* the CSV will not be asked for: replies are not kept for it */
	int quiet;             /* no summary on out (notes still go to msg) */
	enum ub_lang lang;
	FILE *out;             /* summaries; NULL = none */
	FILE *msg;             /* one-line notes: truncated file, cut packets; NULL = none */
};

/* What reading the file met. */
struct ub_capture_info {
	int linktype;            /* DLT_ value of the file */
	int snaplen;
	uint64_t packets;        /* records read */
	uint64_t udp;            /* UDP datagrams among them (fragments left out) */
	uint64_t cut;            /* records shorter than the packet was (snap length) */
	uint64_t cut_unused;     /* session datagrams too short in the file to be used */
	uint64_t undecodable;    /* whole records whose headers did not decode */
	uint64_t auth_failed;    /* authenticated datagrams whose HMAC did not match the key */
	int truncated;           /* reading stopped early: the file is cut or damaged */
	char error[PCAP_ERRBUF_SIZE]; /* libpcap's words when truncated */
};

/* Sets defaults: Tmax 1 s, English, summaries to stdout, notes to stderr. */
void ub_analyze_config_init(struct ub_analyze_config *c);

/*
 * Reads every record of p (opened with nanosecond precision, or its
 * microsecond stamps are taken as nanoseconds) and finds the sessions;
 * c->path only names the capture. Returns 0 with *out set (caller frees
 * with ub_analysis_free) even when the file ends early or holds no
 * session; UB_E_NOMEM or UB_E_INVAL otherwise, *out NULL.
 */
int ub_analyze_pcap(pcap_t *p, const struct ub_analyze_config *c, struct ub_analysis **out,
		    struct ub_err *e);

void ub_analysis_free(struct ub_analysis *a);

/* Number of sessions found, in the order their first request was seen. */
unsigned ub_analysis_count(const struct ub_analysis *a);

/* Arrays of ub_analysis_count() entries, owned by a: ready for ub_output_*. */
const struct ub_params *ub_analysis_params(const struct ub_analysis *a);
const struct ub_summary *ub_analysis_summaries(const struct ub_analysis *a);
const struct ub_run_counters *ub_analysis_counters(const struct ub_analysis *a);

/* Session i's client as "1.2.3.4:5678" (owned by a), or NULL past the end. */
const char *ub_analysis_client(const struct ub_analysis *a, unsigned i);

/* Requests of session i seen more than once (counted once in sent). */
uint64_t ub_analysis_dup_requests(const struct ub_analysis *a, unsigned i);

const struct ub_capture_info *ub_analysis_info(const struct ub_analysis *a);

/*
 * Prints the notes and the summaries (unless c->quiet) and writes the JSON
 * and CSV files c names. Returns 0 or UB_E_IO / UB_E_NOMEM naming the file.
 */
int ub_analysis_write(const struct ub_analysis *a, const struct ub_analyze_config *c,
		      struct ub_err *e);

/*
 * udpbench analyze: opens c->path, analyzes it and writes the results.
 * Returns 0; UB_E_IO for a file that cannot be read, UB_E_INVAL for one
 * that is no capture libpcap knows; UB_E_NOREPLY when the capture holds no
 * STAMP or echo session (main maps it to exit 1); e holds one line naming
 * the file.
 */
int ub_analyze_run(const struct ub_analyze_config *c, struct ub_err *e);

#endif
