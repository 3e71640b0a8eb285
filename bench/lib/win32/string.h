/* Windows build: mingw-w64's <string.h>, and explicit_bzero, which it lacks. */
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
#endif
