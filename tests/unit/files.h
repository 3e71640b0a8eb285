/*
 * Shared by the unit tests that write files into a folder of their own:
 * reading a file whole and removing the folder with what it holds.
 */
#ifndef UB_TEST_FILES_H
#define UB_TEST_FILES_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static int files_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes folder dir and everything below it. */
static void files_rm_tree(const char *dir)
{
	nftw(dir, files_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Returns the contents of path, NUL-terminated and malloc'd, or NULL when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

#endif
