#include "lib/bigmem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <sys/mman.h>
#endif

static atomic_size_t mapped;

#if defined(__linux__) && defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED)
#define HUGE_PAGE ((uintptr_t)2 << 20)

/*
 * The length of the mapping for a block of n bytes: whole 2 MB pages, so
 * that its last part is one huge page too rather than hundreds of small
 * ones (untouched, it costs nothing).
 */
static size_t map_len(size_t n)
{
	return n > SIZE_MAX - HUGE_PAGE ? SIZE_MAX : (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

/* A fresh zeroed mapping of n bytes (map_len) from a 2 MB boundary, or NULL. */
static void *map_new(size_t n)
{
	uint8_t *p, *a;

	if (n >= SIZE_MAX - HUGE_PAGE)
		return NULL;
	p = mmap(NULL, n + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* the spare 2 MB put a boundary inside: what lies either side of the block goes back */
	a = (uint8_t *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	if (a > p)
		(void)munmap(p, (size_t)(a - p));
	(void)munmap(a + n, (size_t)(p + HUGE_PAGE - a));
#ifdef MADV_HUGEPAGE
	(void)madvise(a, n, MADV_HUGEPAGE);
#endif
	return a;
}

/* The mapping of n bytes at p as one of m (map_len both), or NULL. */
static void *map_resize(void *p, size_t n, size_t m)
{
	void *q = m == n ? p : mremap(p, n, m, 0);

	if (q != MAP_FAILED)
		return q;
	/* no room where it lies: moved whole to a fresh block, still on a boundary */
	q = map_new(m);
	if (!q)
		return NULL;
	if (mremap(p, n, n, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
		(void)munmap(q, m);
		return NULL;
	}
	return q;
}

static void map_free(void *p, size_t n)
{
	(void)munmap(p, n);
}

static int is_big(size_t n)
{
	return n >= UB_BIG_MIN;
}
#else
static size_t map_len(size_t n)
{
	return n;
}

static void *map_new(size_t n)
{
	(void)n;
	return NULL;
}

static void *map_resize(void *p, size_t n, size_t m)
{
	(void)p;
	(void)n;
	(void)m;
	return NULL;
}

static void map_free(void *p, size_t n)
{
	(void)p;
	(void)n;
}

static int is_big(size_t n)
{
	(void)n;
	return 0;
}
#endif

void *ub_big_alloc(size_t n)
{
	void *p;

	if (!is_big(n))
		return calloc(1, n ? n : 1);
	p = map_new(map_len(n));
	if (p)
		atomic_fetch_add(&mapped, n);
	return p;
}

void *ub_big_realloc(void *p, size_t n, size_t m, int zero)
{
	uint8_t *q;

	if (!p || n == 0) {
		ub_big_free(p, n);
		return ub_big_alloc(m);
	}
	if (is_big(n) && is_big(m)) {
		q = map_resize(p, map_len(n), map_len(m));
		if (!q)
			return NULL;
		/* the rest of the last page may hold what a larger block had there */
		if (zero && m > n)
			memset(q + n, 0, (m < map_len(n) ? m : map_len(n)) - n);
		atomic_fetch_add(&mapped, m);
		atomic_fetch_sub(&mapped, n);
		return q;
	}
	if (!is_big(n) && !is_big(m)) {
		q = realloc(p, m ? m : 1);
		if (q && zero && m > n)
			memset(q + n, 0, m - n);
		return q;
	}
	/* across UB_BIG_MIN: a copy, once */
	q = ub_big_alloc(m);
	if (!q)
		return NULL;
	memcpy(q, p, n < m ? n : m);
	ub_big_free(p, n);
	return q;
}

void ub_big_free(void *p, size_t n)
{
	if (!p)
		return;
	if (is_big(n)) {
		map_free(p, map_len(n));
		atomic_fetch_sub(&mapped, n);
	} else {
		free(p);
	}
}

size_t ub_big_mapped(void)
{
	return atomic_load(&mapped);
}
