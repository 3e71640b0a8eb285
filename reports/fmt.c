#include "reports/fmt.h"

#include <math.h>
#include <stdio.h>

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

void ub_report_fmt_dur(const struct ub_report_ctx *R, char *b, size_t n, int64_t ns)
{
	double v = (double)ns, mag = fabs(v);

	if (mag < 1e6)
		snprintf(b, n, "%.3g %s", v / 1e3, TX(R, "µs", "微秒"));
	else if (mag < 1e9)
		snprintf(b, n, "%.3g %s", v / 1e6, TX(R, "ms", "毫秒"));
	else
		snprintf(b, n, "%.3g %s", v / 1e9, TX(R, "s", "秒"));
}

double ub_report_ms(int64_t ns)
{
	return (double)ns / 1e6;
}
