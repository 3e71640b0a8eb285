/*
 * udpbench: writing a result file whole or not at all. A regular file is
 * written beside its target and renamed over it, so a reader never sees
 * half of it; a target that exists and is not a regular file (a FIFO,
 * /dev/stdout, a device) is written in place.
 */
#ifndef UB_OUTFILE_H
#define UB_OUTFILE_H

#include <stdio.h>

#include "lib/err.h"

struct ub_outfile {
	FILE *f;    /* write here between open and commit */
	char *tmp;  /* the temporary file; NULL when writing in place */
	char *path;
};

/* Opens a writer for path. Returns 0, or UB_E_IO/UB_E_NOMEM with e naming path. */
int ub_outfile_open(struct ub_outfile *o, const char *path, struct ub_err *e);

/* Flushes, syncs and puts the file in place. Returns 0 or UB_E_IO naming the path. */
int ub_outfile_commit(struct ub_outfile *o, struct ub_err *e);

/* Drops a file not committed (a zeroed or committed o is accepted). */
void ub_outfile_abort(struct ub_outfile *o);

/* Makes folder path, and the folders above it that are missing. Returns 0 or UB_E_IO naming the one that failed. */
int ub_outfile_mkdirs(const char *path, struct ub_err *e);

/*
 * Returns 1 when paths a and b name the same file (both "-" for stdout, the
 * same existing file, or the same name in the same folder), else 0.
 */
int ub_outfile_same(const char *a, const char *b);

/*
 * Writes into buf (n bytes) path as seen from the folder of the file from
 * ("../x/truth.json"); from NULL or "-" means the current folder. Both
 * folders must exist (symbolic links in them are followed). Returns 0, or
 * UB_E_INVAL with e naming path when a folder cannot be found or buf is
 * too small.
 */
int ub_outfile_relative(const char *path, const char *from, char *buf, size_t n,
			struct ub_err *e);

#endif
