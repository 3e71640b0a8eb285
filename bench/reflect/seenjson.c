#include "reflect/seenjson.h"

#include <errno.h>
#include <jansson.h>

#include "lib/clock.h"
#include "lib/outfile.h"

/* Appends x to the array in ctx; a failed append leaves the array short and is caught by the count. */
static void add_session(void *ctx, const struct ub_seen_session *x)
{
	char host[UB_ADDRSTR_MAX], first[48], last[48];
	const struct ub_peerstats *st = &x->st;

	ub_net_host_str(&x->peer, host, sizeof(host));
	ub_clock_iso8601(st->first_real_ns, first, sizeof(first));
	ub_clock_iso8601(st->last_real_ns, last, sizeof(last));
	json_array_append_new(
		ctx, json_pack("{s:s,s:i,s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:I}", "peer", host,
			       "port", ub_net_addr_port(&x->peer), "ssid", (int)x->ssid, "fate",
			       ub_seen_fate_name((enum ub_seen_fate)x->fate), "received",
			       (json_int_t)st->received, "lost", (json_int_t)ub_peerstats_lost(st),
			       "reordered", (json_int_t)st->reordered, "duplicates",
			       (json_int_t)st->duplicates, "jitter_ns", (json_int_t)(st->jitter_ns + 0.5),
			       "first_heard", first, "last_heard", last, "highest_seq",
			       (json_int_t)(st->highest & 0xffffffff)));
}

int ub_seenjson_write(const struct ub_seen *s, const char *path, struct ub_err *e)
{
	struct ub_outfile of;
	json_t *root = NULL, *arr = json_array();
	char now[48];
	int rc;

	ub_clock_iso8601(ub_clock_real(), now, sizeof(now));
	if (arr)
		ub_seen_each(s, add_session, arr);
	if (arr)
		root = json_pack("{s:o,s:I,s:i,s:i,s:s}", "sessions", arr, "ended_dropped",
				 (json_int_t)ub_seen_dropped(s), "ended_max", UB_SEEN_ENDED_MAX,
				 "window", UB_PEERSTATS_WINDOW, "written", now);
	if (!root)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory for %s", path);
	rc = ub_outfile_open(&of, path, e);
	if (rc < 0)
		goto out;
	errno = 0;
	if (json_dumpf(root, of.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', of.f) == EOF) {
		rc = ub_err_set(e, UB_E_IO, errno ? errno : EIO, "writing %s", path);
		ub_outfile_abort(&of);
		goto out;
	}
	rc = ub_outfile_commit(&of, e);
out:
	json_decref(root);
	return rc;
}
