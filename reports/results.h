/*
 * udpbench: reports — reading results. A result file (RESULT.json, with one
 * result or one per peer) and the per-probe CSV beside it become struct
 * ub_result, with what the charts show derived from the rows: one entry per
 * probe, the replies' round-trip times sorted, box statistics, and each loss
 * placed on the way there or back.
 */
#ifndef UB_RESULTS_H
#define UB_RESULTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* The status column of a CSV row. */
enum ub_result_status { UB_RESULT_OK, UB_RESULT_LOST, UB_RESULT_LATE, UB_RESULT_DUP };

/* Where a probe was lost: not at all, on the way there (up), on the way back (down). */
enum ub_result_dir { UB_RESULT_DIR_NONE, UB_RESULT_DIR_UP, UB_RESULT_DIR_DOWN };

/* One CSV row. */
struct ub_result_row {
	int64_t seq, tx_ns, rtt_ns, retx, rx_ns;
	uint32_t refl_seq;
	unsigned char status, reordered, has_rtt, has_refl, has_retx, has_rx;
};

/* One probe, from its rows: the first reply in time, or lost (and maybe late). */
struct ub_result_probe {
	int64_t tx_ns, rtt_ns, retx;
	unsigned char seen, ok, lost, late, dir, has_retx;
};

/* Nearest-rank statistics of the replies in time, in ns. */
struct ub_result_box {
	int64_t p5, q1, median, q3, p95, p99, min, max;
};

/* Longest file name stem (slug) of a result: chart and data file names stay short. */
#define UB_RESULT_SLUG_MAX 96

struct ub_result {
	char *json_path, *csv_path, *slug, *label, *dir;
	json_t *root;               /* holds params and summary */
	json_t *params, *summary;
	int tcp, split, have_csv;
	size_t csv_cut_line;        /* the CSV's last line, cut short (no newline) and left out; 0: none */
	int proto_in_label;         /* unique_names added " (UDP)" or " (TCP)" */
	int off_link;               /* its label named a scenario whose link it never crossed */
	struct ub_result_row *rows;
	size_t n_rows;
	struct ub_result_probe *p;  /* by sequence number - base */
	size_t n_p;
	int64_t base;
	int64_t *rtt;               /* replies in time, sorted */
	size_t n_rtt;
	size_t n_lost, n_late, n_up, n_down, n_reord, n_retx;
	struct ub_result_box box;
	int64_t t_end;
};

/*
 * Appends the results of the file at path (one, or one per peer) to the
 * array *rs of *n, which it grows with realloc; the caller frees it with
 * ub_results_free, also after an error. Returns 0, UB_E_IO when the file
 * cannot be read, UB_E_INVAL when it is not a udpbench result, or UB_E_NOMEM.
 */
int ub_results_load(struct ub_result **rs, unsigned *n, const char *path, struct ub_err *e);

/*
 * Reads r's per-probe CSV into r->rows (owned by r); a missing CSV leaves
 * r->have_csv clear. A last line without its newline (the disk filled up
 * while the sender wrote it) is left out and its number put in
 * r->csv_cut_line. Returns 0, UB_E_IO, UB_E_INVAL for a file that is not a
 * udpbench CSV, or UB_E_NOMEM.
 */
int ub_results_load_csv(struct ub_result *r, struct ub_err *e);

/*
 * Derives from r's rows the probes, the sorted RTTs, the box and the
 * counts, all owned by r; returns 0, UB_E_INVAL for sequence numbers out of
 * range, or UB_E_NOMEM.
 */
int ub_results_derive(struct ub_result *r, struct ub_err *e);

/*
 * Makes the labels and file names (slugs) of rs[0..n) unique, replacing
 * those strings in place; returns 0 or UB_E_NOMEM.
 */
int ub_results_unique_names(struct ub_result *rs, unsigned n);

/* Frees rs[0..n), what each holds, and the array; accepts NULL. */
void ub_results_free(struct ub_result *rs, unsigned n);

/* Returns integer field k of object o (a real one rounded), or def when there is none. */
int64_t ub_results_int(json_t *o, const char *k, int64_t def);

/* Returns string field k of object o, owned by o, or NULL when it is missing or empty. */
const char *ub_results_str(json_t *o, const char *k);

/* Returns 1 when field k of object o is a number, else 0. */
int ub_results_has_number(json_t *o, const char *k);

#endif
