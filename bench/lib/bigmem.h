/*
 * udpbench: memory for large arrays that grow (the tables of `udpbench
 * analyze` and of a session's exact statistics). From UB_BIG_MIN bytes an
 * array is a mapping of its own that starts on a 2 MB boundary, so that
 * huge pages can back all of it (one TLB entry and one page fault for 2 MB
 * instead of 512), and it grows where it lies or is moved whole by the
 * kernel: nothing is copied, and only what is added is new memory. Below
 * that, and on systems without mremap, it is malloc's. Huge pages are
 * only asked for: the kernel may say no, and nothing changes but the speed.
 *
 * Every block is freed with ub_big_free and the size it was last given.
 */
#ifndef UB_BIGMEM_H
#define UB_BIGMEM_H

#include <stddef.h>

#define UB_BIG_MIN ((size_t)2 << 20)

/* n zeroed bytes, or NULL. */
void *ub_big_alloc(size_t n);

/*
 * The block of n bytes at p (NULL when n is 0) as one of m: the first
 * min(n, m) bytes kept, any added ones zeroed when zero is not 0 (else
 * unset: a page never written is then never touched). NULL when out of
 * memory, and p is then untouched.
 */
void *ub_big_realloc(void *p, size_t n, size_t m, int zero);

/* Frees the block of n bytes at p; accepts NULL. */
void ub_big_free(void *p, size_t n);

/*
 * Bytes asked for in blocks that are mappings of their own (malloc's
 * statistics miss them); each mapping is whole 2 MB pages.
 */
size_t ub_big_mapped(void);

#endif
