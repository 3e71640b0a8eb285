#include "lib/bigmem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static atomic_size_t mapped;

#if defined(__linux__) && defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED)
#define HUGE_PAGE ((uintptr_t)2 << 20)

/* n rounded up to whole pages. */
static size_t page_round(size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t m = pg > 0 ? (size_t)pg : 4096;

	return (n + m - 1) / m * m;
}

/* A fresh zeroed mapping of n bytes (whole pages) from a 2 MB boundary, or NULL. */
static void *map_new(size_t n)
{
	uint8_t *p, *a;

	if (n > SIZE_MAX - HUGE_PAGE)
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
	atomic_fetch_add(&mapped, n);
	return a;
}

/* The mapping of n bytes at p as one of m (whole pages both), or NULL. */
static void *map_resize(void *p, size_t n, size_t m)
{
	void *q = mremap(p, n, m, 0);

	if (q != MAP_FAILED) {
		atomic_fetch_add(&mapped, m);
		atomic_fetch_sub(&mapped, n);
		return q;
	}
	/* no room where it lies: moved whole to a fresh block, still on a boundary */
	q = map_new(m);
	if (!q)
		return NULL;
	if (mremap(p, n, n, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
		(void)munmap(q, m);
		atomic_fetch_sub(&mapped, m);
		return NULL;
	}
	atomic_fetch_sub(&mapped, n);
	return q;
}

static int is_big(size_t n)
{
	return n >= UB_BIG_MIN;
}
#else
static size_t page_round(size_t n)
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

static int is_big(size_t n)
{
	(void)n;
	return 0;
}
#endif

void *ub_big_alloc(size_t n)
{
	if (is_big(n))
		return map_new(page_round(n));
	return calloc(1, n ? n : 1);
}

void *ub_big_realloc(void *p, size_t n, size_t m, int zero)
{
	uint8_t *q;

	if (!p || n == 0) {
		ub_big_free(p, n);
		return ub_big_alloc(m);
	}
	if (is_big(n) && is_big(m)) {
		q = map_resize(p, page_round(n), page_round(m));
		/* the rest of the last page may hold what a larger block had there */
		if (q && zero && m > n)
			memset(q + n, 0, page_round(n) - n);
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
		(void)munmap(p, page_round(n));
		atomic_fetch_sub(&mapped, page_round(n));
	} else {
		free(p);
	}
}

size_t ub_big_mapped(void)
{
	return atomic_load(&mapped);
}
