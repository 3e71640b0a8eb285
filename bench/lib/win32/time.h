/* Windows build: mingw-w64's <time.h>, with localtime_r and gmtime_r on the _s functions. */
#ifndef UB_W32_TIME_H
#define UB_W32_TIME_H
#include_next <time.h>

/* t read as local time into tm; returns tm, or NULL when it cannot be. */
static inline struct tm *ub_w32_localtime_r(const time_t *t, struct tm *tm)
{
	return localtime_s(tm, t) == 0 ? tm : NULL;
}

/* t read as UTC into tm; returns tm, or NULL when it cannot be. */
static inline struct tm *ub_w32_gmtime_r(const time_t *t, struct tm *tm)
{
	return gmtime_s(tm, t) == 0 ? tm : NULL;
}

#undef localtime_r
#undef gmtime_r
#define localtime_r ub_w32_localtime_r
#define gmtime_r ub_w32_gmtime_r
#endif
