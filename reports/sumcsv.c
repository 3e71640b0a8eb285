/*
 * udpbench: reports — summary.csv (sumcsv.h): one row per result from its
 * JSON summary (not from the per-probe CSV, which a result may lack).
 */
#include "reports/sumcsv.h"

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lib/outfile.h"
#include "lib/platform.h"
#include "metrics/words.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

const char ub_sumcsv_header[] =
	"label,name,peer,protocol,start_local_time,sent,received,lost,loss_pct,lost_up,lost_down,"
	"rtt_min_ms,rtt_median_ms,rtt_p90_ms,rtt_p99_ms,rtt_max_ms,status,"
	"wifi_ssid,wifi_channel,wifi_signal_dbm";

void ub_sumcsv_field(FILE *f, const char *s)
{
	int formula, quote;

	if (!s)
		return;
	/* what Excel, WPS and LibreOffice would start a formula with */
	formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

/* ",N" for integer field k of o, "," when it is null or missing. */
static void int_cell(FILE *f, json_t *o, const char *k)
{
	fputc(',', f);
	if (json_is_integer(json_object_get(o, k)))
		fprintf(f, "%" PRId64, ub_results_int(o, k, 0));
}

/* ",X.XXX" for the time field k of o in ms, "," when it is unknown. */
static void ms_cell(FILE *f, json_t *o, const char *k)
{
	fputc(',', f);
	if (ub_results_has_number(o, k))
		fprintf(f, "%.3f", (double)ub_results_int(o, k, 0) / 1e6);
}

void ub_sumcsv_row(const struct ub_report_ctx *R, const struct ub_result *r, FILE *f)
{
	static const char *const rtt_keys[] = { "min", "median", "p90", "p99", "max" };
	json_t *p = r->params, *s = r->summary, *rtt = json_object_get(s, "rtt_ns");
	const char *peer = ub_results_str(p, "peer_addr");
	char when[64] = "";
	json_t *lp = json_object_get(s, "loss_pct"), *wifi;
	struct tm tm;
	time_t t;
	size_t i;

	if (ub_results_has_number(p, "start_time_ns")) {
		t = (time_t)(ub_results_int(p, "start_time_ns", 0) / 1000000000);
		if (localtime_r(&t, &tm) && !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
			when[0] = '\0';
	}
	ub_sumcsv_field(f, ub_results_str(p, "label"));
	fputc(',', f);
	ub_sumcsv_field(f, r->name);
	fputc(',', f);
	ub_sumcsv_field(f, peer ? peer : ub_results_str(p, "peer"));
	fputc(',', f);
	ub_sumcsv_field(f, r->tcp ? "tcp" : "udp");
	fprintf(f, ",%s", when);
	int_cell(f, s, "sent");
	int_cell(f, s, "received");
	int_cell(f, s, "lost");
	fputc(',', f);
	if (json_is_number(lp))
		fprintf(f, "%.3f", json_number_value(lp));
	int_cell(f, s, "lost_up");
	int_cell(f, s, "lost_down");
	/* a board that never answered has no round-trip time: empty, never 0 */
	for (i = 0; i < sizeof(rtt_keys) / sizeof(rtt_keys[0]); i++)
		if (r->dead || ub_results_int(rtt, "n", 1) <= 0)
			fputc(',', f);
		else
			ms_cell(f, rtt, rtt_keys[i]);
	fputc(',', f);
	if (r->dead)
		ub_sumcsv_field(f, TX(R, "no reply", UB_ZH_NO_REPLY));
	/* the radio as the run began (params.wifi.start); empty without one */
	wifi = json_object_get(json_object_get(p, "wifi"), "start");
	fputc(',', f);
	ub_sumcsv_field(f, ub_results_str(wifi, "ssid"));
	int_cell(f, wifi, "channel");
	int_cell(f, wifi, "signal_dbm");
	fputs("\r\n", f);
}

int ub_sumcsv_write(const struct ub_report_ctx *R, struct ub_err *e)
{
	struct ub_outfile o;
	char path[PATH_MAX];
	unsigned k;
	int rc;

	ub_path_join(path, sizeof(path), R->out, "summary.csv");
	rc = ub_outfile_open(&o, path, e);
	if (rc < 0)
		return rc;
	/* the byte order mark: Excel and WPS take the file for UTF-8 only with it */
	fprintf(o.f, "\xEF\xBB\xBF%s\r\n", ub_sumcsv_header);
	for (k = 0; k < R->n; k++)
		ub_sumcsv_row(R, &R->r[k], o.f);
	rc = ub_outfile_commit(&o, e);
	ub_outfile_abort(&o);
	return rc;
}
