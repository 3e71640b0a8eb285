/*
 * udpbench: the small web servers that show a running job (the live page,
 * the metrics): one listen through ub_net_listen, libmicrohttpd's threads,
 * and the headers every answer carries.
 */
#ifndef UB_HTTPD_H
#define UB_HTTPD_H

#include <microhttpd.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/netaddr.h"

#if MHD_VERSION < 0x00097002
typedef int ub_mhd_result;
#else
typedef enum MHD_Result ub_mhd_result;
#endif

/* Where to listen and how to serve. */
struct ub_httpd_config {
	const char *host;     /* the address to listen on; NULL or "": 127.0.0.1 */
	int port;             /* 0: the kernel picks one */
	const char *opt;      /* the option that asked for it, for messages: "--live" */
	const char *who;      /* what listens, for messages: "--live: the live page" */
	int thread_per_conn;  /* a thread per connection (an answer may wait); else one thread */
	unsigned max_conns;   /* connections at once */
	unsigned timeout_s;   /* an idle connection is closed after this */
	MHD_AccessHandlerCallback serve;
	void *cls;
	/* called once a request is over (its answer sent, or the connection lost); NULL: none */
	MHD_RequestCompletedCallback completed;
};

/* Sets c to loopback, a port the kernel picks, one thread, 16 connections, 30 s. */
void ub_httpd_config_init(struct ub_httpd_config *c);

/*
 * Listens and starts serving. Returns the daemon (MHD_stop_daemon stops
 * it and closes the socket), with addr ("127.0.0.1:8080", n bytes) and
 * *port filled, or NULL with e filled ("OPT: cannot listen on ADDR").
 */
struct MHD_Daemon *ub_httpd_start(const struct ub_httpd_config *c, char *addr, size_t n, int *port,
				  struct ub_err *e);

/* Adds the headers every answer carries (type, no sniffing, no caching, a strict CSP); returns r. */
struct MHD_Response *ub_httpd_headers(struct MHD_Response *r, const char *type);

/* Queues r (NULL: fails the connection) and lets it go. */
ub_mhd_result ub_httpd_queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r);

/* Answers with a fixed text/plain message. */
ub_mhd_result ub_httpd_text(struct MHD_Connection *conn, unsigned status, const char *text);

/* Answers with malloc'd bytes of type (taken over, freed by MHD or here); NULL: 500. */
ub_mhd_result ub_httpd_owned(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
			     const char *type);

/*
 * The requests these servers refuse: another method than GET or HEAD (405)
 * or one with a body (400). Returns 1 after answering such a request in *ret.
 */
int ub_httpd_refused(struct MHD_Connection *conn, const char *method, size_t upload_len,
		     ub_mhd_result *ret);

#endif
