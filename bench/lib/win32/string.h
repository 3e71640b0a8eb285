/* Windows build: mingw-w64's <string.h>, and explicit_bzero and strcasestr, which it lacks. */
#ifndef UB_W32_STRING_H
#define UB_W32_STRING_H
#include_next <string.h>

/* Clears n bytes at p through a volatile pointer, so the compiler cannot drop it. */
static inline void explicit_bzero(void *p, size_t n)
{
	volatile unsigned char *b = (volatile unsigned char *)p;

	while (n--)
		*b++ = 0;
}

/* The first place in hay where needle is, ASCII letters of either case alike; NULL when nowhere. */
static inline char *strcasestr(const char *hay, const char *needle)
{
	size_t i;

	for (; *hay; hay++) {
		for (i = 0; needle[i] && hay[i] &&
			    (needle[i] | (needle[i] >= 'A' && needle[i] <= 'Z' ? 0x20 : 0)) ==
				    (hay[i] | (hay[i] >= 'A' && hay[i] <= 'Z' ? 0x20 : 0));
		     i++)
			;
		if (!needle[i])
			return (char *)hay;
	}
	return *needle ? NULL : (char *)hay;
}
#endif
