#include "live/httpd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/net.h"

/* The server's own files only; a browser may load nothing from elsewhere. */
#define UB_HTTPD_CSP                                                                         \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "          \
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

void ub_httpd_config_init(struct ub_httpd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->opt = "--http";
	c->who = "the web server";
	c->max_conns = 16;
	c->timeout_s = 30;
}

struct MHD_Daemon *ub_httpd_start(const struct ub_httpd_config *c, char *addr, size_t n, int *port,
				  struct ub_err *e)
{
	struct ub_net_listen_config lc;
	struct ub_addr bound;
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	int fd;

	ub_net_listen_config_init(&lc);
	lc.host = c->host && *c->host ? c->host : "127.0.0.1";
	lc.port = c->port;
	lc.stream = 1;
	lc.opt = c->opt;
	lc.who = c->who;
	fd = ub_net_listen(&lc, &bound, NULL, e);
	if (fd < 0)
		return NULL;
	ub_net_addr_str(&bound, addr, n);
	*port = ub_net_addr_port(&bound);
	flags |= c->thread_per_conn ? MHD_USE_THREAD_PER_CONNECTION : MHD_USE_POLL;
	d = MHD_start_daemon(flags, 0, NULL, NULL, c->serve, c->cls, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_LIMIT, c->max_conns, MHD_OPTION_CONNECTION_TIMEOUT,
			     c->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, c->completed, c->cls,
			     MHD_OPTION_END);
	if (!d) {
		ub_err_set(e, UB_E_SYS, errno, "%s: the web server did not start on %s", c->opt, addr);
		close(fd);
	}
	return d;
}

struct MHD_Response *ub_httpd_headers(struct MHD_Response *r, const char *type)
{
	if (!r)
		return NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "Content-Security-Policy", UB_HTTPD_CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return r;
}

ub_mhd_result ub_httpd_queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r)
{
	ub_mhd_result ret;

	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

ub_mhd_result ub_httpd_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);

	return ub_httpd_queue(conn, status, ub_httpd_headers(r, "text/plain; charset=utf-8"));
}

ub_mhd_result ub_httpd_owned(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
			     const char *type)
{
	struct MHD_Response *r;

	if (!body)
		return ub_httpd_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(body);
	return ub_httpd_queue(conn, status, ub_httpd_headers(r, type));
}

int ub_httpd_refused(struct MHD_Connection *conn, const char *method, size_t upload_len,
		     ub_mhd_result *ret)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		*ret = ub_httpd_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	else if (upload_len)
		*ret = ub_httpd_text(conn, MHD_HTTP_BAD_REQUEST, "no body\n");
	else
		return 0;
	return 1;
}
