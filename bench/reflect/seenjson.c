#include "reflect/seenjson.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/outfile.h"
#include "lib/wifi.h"
#include "metrics/output.h"

/* Peers whose Wi-Fi facts one write keeps, so many sessions of one host ask the kernel once. */
#define WIFI_CACHE 32

struct sessions_out {
	json_t *arr;
	unsigned n_cached;
	struct {
		char host[UB_ADDRSTR_MAX];
		struct ub_wifi_facts f;
	} cache[WIFI_CACHE];
};

/* The facts of this host's interface towards peer (host is its text), from the cache when there. */
static const struct ub_wifi_facts *wifi_towards(struct sessions_out *o, const struct ub_addr *peer,
						const char *host)
{
	static struct ub_wifi_facts spare;
	unsigned i;

	for (i = 0; i < o->n_cached; i++)
		if (strcmp(o->cache[i].host, host) == 0)
			return &o->cache[i].f;
	if (o->n_cached == WIFI_CACHE) {
		ub_wifi_probe(peer, &spare);
		return &spare;
	}
	i = o->n_cached++;
	snprintf(o->cache[i].host, sizeof(o->cache[i].host), "%s", host);
	ub_wifi_probe(peer, &o->cache[i].f);
	return &o->cache[i].f;
}

/* Appends x to the array in ctx; a failed append leaves the array short and is caught by the count. */
static void add_session(void *ctx, const struct ub_seen_session *x)
{
	struct sessions_out *o = ctx;
	char host[UB_ADDRSTR_MAX], first[48], last[48];
	const struct ub_peerstats *st = &x->st;
	json_t *one;

	ub_net_host_str(&x->peer, host, sizeof(host));
	ub_clock_iso8601(st->first_real_ns, first, sizeof(first));
	ub_clock_iso8601(st->last_real_ns, last, sizeof(last));
	one = json_pack("{s:s,s:i,s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:I}", "peer", host,
			       "port", ub_net_addr_port(&x->peer), "ssid", (int)x->ssid, "fate",
			       ub_seen_fate_name((enum ub_seen_fate)x->fate), "received",
			       (json_int_t)st->received, "lost", (json_int_t)ub_peerstats_lost(st),
			       "reordered", (json_int_t)st->reordered, "duplicates",
			       (json_int_t)st->duplicates, "jitter_ns", (json_int_t)(st->jitter_ns + 0.5),
			       "first_heard", first, "last_heard", last, "highest_seq",
			       (json_int_t)(st->highest & 0xffffffff));
	if (one && ub_output_wifi_now_json(one, wifi_towards(o, &x->peer, host)) < 0) {
		json_decref(one);
		one = NULL;
	}
	json_array_append_new(o->arr, one);
}

int ub_seenjson_write(const struct ub_seen *s, const char *path, struct ub_err *e)
{
	struct ub_outfile of;
	struct sessions_out *o = calloc(1, sizeof(*o));
	json_t *root = NULL, *arr = json_array();
	char now[48];
	int rc;

	ub_clock_iso8601(ub_clock_real(), now, sizeof(now));
	if (arr && o) {
		o->arr = arr;
		ub_seen_each(s, add_session, o);
	}
	free(o);
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
