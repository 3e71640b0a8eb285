/* udpbench: time. Everything is int64_t nanoseconds. */
#ifndef UB_CLOCK_H
#define UB_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UB_NS_PER_S 1000000000LL

/* Monotonic now in ns: every measurement uses this clock. */
int64_t ub_clock_mono(void);
/* Wall clock now in ns since the Unix epoch: labels and wire timestamps only. */
int64_t ub_clock_real(void);
/*
 * Returns monotonic minus wall-clock time, read as a tight pair: the wall
 * clock on both sides of the monotonic read, again when a preemption came
 * between them. Maps the kernel's wall-clock packet stamps to monotonic.
 */
int64_t ub_clock_mono_minus_real(void);

/* NTP 64-bit timestamp (RFC 5905: seconds since 1900 . 2^-32 fraction) from Unix ns. */
uint64_t ub_clock_ns_to_ntp(int64_t unix_ns);
/* Unix ns from an NTP 64-bit timestamp. */
int64_t ub_clock_ntp_to_ns(uint64_t ntp);

/*
 * PTP truncated timestamp (IEEE 1588: seconds since 1970 on the TAI scale,
 * low 32 bits . nanoseconds, as RFC 8762 §4.2.1 uses it) from Unix ns, and
 * back; TAI - UTC is what the kernel says (0 when no one set it).
 */
uint64_t ub_clock_ns_to_ptp(int64_t unix_ns);
int64_t ub_clock_ptp_to_ns(uint64_t ptp);

/* Writes Unix ns as ISO 8601 UTC with microseconds ("2026-12-06T10:49:21.123456Z") into buf. */
void ub_clock_iso8601(int64_t unix_ns, char *buf, size_t len);

int64_t ub_clock_ts_to_ns(const struct timespec *ts);
struct timespec ub_clock_ns_to_ts(int64_t ns);

/* Asks the kernel (ntp_adjtime) whether the wall clock is synchronised; *err_ns gets its estimated error. */
int ub_clock_synced(int64_t *err_ns);

/* Injectable clock for code that must be tested without sleeping. */
typedef int64_t (*ub_clock_fn)(void *ctx);

#endif
