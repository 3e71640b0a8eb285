#include "lib/clock.h"

#include <stdio.h>
#include <sys/timex.h>

/* RFC 5905 §6: NTP era 0 starts 1900-01-01, 70 years (17 leap days) before Unix time. */
#define NTP_UNIX_OFFSET 2208988800LL
/* With no word from the kernel, claim the worst error NTP allows (RFC 5905 MAXDISP, 16 s). */
#define UNSYNCED_ERR_NS (16 * UB_NS_PER_S)

static int64_t clock_now(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return ub_clock_ts_to_ns(&ts);
}

int64_t ub_clock_mono(void)
{
	return clock_now(CLOCK_MONOTONIC);
}

int64_t ub_clock_real(void)
{
	return clock_now(CLOCK_REALTIME);
}

int64_t ub_clock_mono_minus_real(void)
{
	int64_t r1, m, r2, best = 0, best_gap = INT64_MAX;
	int i;

	/* Three tries are plenty: a gap over 2 us means the pair was split by a preemption. */
	for (i = 0; i < 3; i++) {
		r1 = ub_clock_real();
		m = ub_clock_mono();
		r2 = ub_clock_real();
		if (r2 - r1 < best_gap) {
			best_gap = r2 - r1;
			best = m - (r1 + (r2 - r1) / 2);
		}
		if (best_gap < 2000)
			break;
	}
	return best;
}

uint64_t ub_clock_ns_to_ntp(int64_t unix_ns)
{
	int64_t sec = unix_ns / UB_NS_PER_S;
	int64_t rem = unix_ns % UB_NS_PER_S;
	uint64_t frac;

	if (rem < 0) {
		rem += UB_NS_PER_S;
		sec--;
	}
	/*
	 * Nearest 2^-32 s; rem < 2^30 so the shift stays inside 64 bits, and
	 * rem <= 999999999 rounds to at most 0xfffffffc, so no carry into sec.
	 */
	frac = (((uint64_t)rem << 32) + UB_NS_PER_S / 2) / UB_NS_PER_S;
	/* Only the low 32 bits of the seconds go on the wire: the era is implied (RFC 5905 §6). */
	return (uint64_t)(uint32_t)(sec + NTP_UNIX_OFFSET) << 32 | frac;
}

int64_t ub_clock_ntp_to_ns(uint64_t ntp)
{
	int64_t sec = (int64_t)(ntp >> 32);
	uint64_t frac = ntp & 0xffffffffu;
	int64_t ns;

	/*
	 * RFC 4330 §3: a seconds value with the top bit clear belongs to era 1
	 * (from 2036-02-07), so the mapping covers 1968..2104 without a gap.
	 */
	if (!(sec & 0x80000000LL))
		sec += 0x100000000LL;
	/* Nearest ns; frac * 10^9 < 2^62. */
	ns = (int64_t)((frac * (uint64_t)UB_NS_PER_S + (1ULL << 31)) >> 32);
	return (sec - NTP_UNIX_OFFSET) * UB_NS_PER_S + ns;
}

/* TAI minus UTC in whole seconds as the kernel knows it (0 when no one told it), read once. */
static int64_t tai_offset(void)
{
	static int64_t off = -1;
	struct timex tx = { 0 };

	if (off < 0)
		off = ntp_adjtime(&tx) >= 0 && tx.tai > 0 ? tx.tai : 0;
	return off;
}

uint64_t ub_clock_ns_to_ptp(int64_t unix_ns)
{
	int64_t sec = unix_ns / UB_NS_PER_S, rem = unix_ns % UB_NS_PER_S;

	if (rem < 0) {
		rem += UB_NS_PER_S;
		sec--;
	}
	/* The PTP epoch is 1970 on the TAI scale; the wire keeps the low 32 bits of the seconds. */
	return (uint64_t)(uint32_t)(sec + tai_offset()) << 32 | (uint64_t)rem;
}

int64_t ub_clock_ptp_to_ns(uint64_t ptp)
{
	uint32_t ns = (uint32_t)ptp;

	/* A nanoseconds field of 10^9 or more is no PTP time: read it as the second's end. */
	if (ns >= UB_NS_PER_S)
		ns = UB_NS_PER_S - 1;
	return ((int64_t)(ptp >> 32) - tai_offset()) * UB_NS_PER_S + ns;
}

int64_t ub_clock_ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * UB_NS_PER_S + ts->tv_nsec;
}

struct timespec ub_clock_ns_to_ts(int64_t ns)
{
	struct timespec ts;
	int64_t sec = ns / UB_NS_PER_S;
	int64_t rem = ns % UB_NS_PER_S;

	/* tv_nsec must lie in [0, 10^9) for every consumer, also before 1970. */
	if (rem < 0) {
		rem += UB_NS_PER_S;
		sec--;
	}
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)rem;
	return ts;
}

int ub_clock_synced(int64_t *err_ns)
{
	struct timex tx = { 0 };
	int state;
	int synced;
	long us;

	/* modes = 0 only reads the kernel's NTP state, so no privilege is needed. */
	state = ntp_adjtime(&tx);
	if (state < 0) {
		if (err_ns)
			*err_ns = UNSYNCED_ERR_NS;
		return 0;
	}
	synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	/* esterror is the expected error; unsynchronised, only the maxerror bound means anything. */
	us = synced ? tx.esterror : tx.maxerror;
	if (err_ns)
		*err_ns = us < 0 ? UNSYNCED_ERR_NS : (int64_t)us * 1000;
	return synced;
}

void ub_clock_iso8601(int64_t unix_ns, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ns / UB_NS_PER_S);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06dZ", (int)(unix_ns % UB_NS_PER_S / 1000));
}
