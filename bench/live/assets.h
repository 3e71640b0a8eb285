/*
 * udpbench: the live page's files (reports/live/), built into the program
 * by the Makefile so that the page needs nothing from the internet.
 */
#ifndef UB_LIVE_ASSETS_H
#define UB_LIVE_ASSETS_H

#include <stddef.h>

/* One file as the server sends it. */
struct ub_live_asset {
	const char *path;  /* "/", "/live.js", ... */
	const char *type;  /* its Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Every file of the page, ended by an entry whose path is NULL (generated). */
extern const struct ub_live_asset ub_live_assets[];

#endif
