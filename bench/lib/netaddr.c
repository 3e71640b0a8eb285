/* udpbench: addresses (netaddr.h). */
#include "lib/netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- addresses as people write them ---------------------------------- */

/* The pieces of a written address; host is not NUL-terminated. */
struct hostport {
	const char *host;
	size_t hostlen;
	const char *port; /* NULL: none given */
	int bracketed;    /* "[ADDR]" */
	int bare_v6;      /* several ':' and no brackets: an IPv6 literal alone */
};

enum { HP_OK, HP_NO_CLOSE, HP_JUNK };

/*
 * Splits s (not empty): "[ADDR]:PORT", "[ADDR]", "HOST:PORT", an IPv6
 * literal, or one word: a host, or a port when lone_is_port. Returns HP_OK,
 * or what is wrong with the brackets.
 */
static int hostport_split(const char *s, int lone_is_port, struct hostport *h)
{
	const char *end, *colon;

	memset(h, 0, sizeof(*h));
	h->host = s;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return HP_NO_CLOSE;
		if (end[1] == ':')
			h->port = end + 2;
		else if (end[1] != '\0')
			return HP_JUNK;
		h->host = s + 1;
		h->hostlen = (size_t)(end - s - 1);
		h->bracketed = 1;
		return HP_OK;
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) {
		h->bare_v6 = 1;
		h->hostlen = strlen(s);
	} else if (colon) {
		h->hostlen = (size_t)(colon - s);
		h->port = colon + 1;
	} else if (lone_is_port) {
		h->port = s;
	} else {
		h->hostlen = strlen(s);
	}
	return HP_OK;
}

/*
 * Reads port text p into *port: decimal, min..65535, nothing after it.
 * Returns 0, -1 when p does not start with a digit, -2 when it is out of
 * range or followed by something else.
 */
static int hostport_port(const char *p, long min, int *port)
{
	char *ep;
	long v;

	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtol(p, &ep, 10);
	if (*ep || errno || v < min || v > 65535)
		return -2;
	*port = (int)v;
	return 0;
}

int ub_net_split_hostport(const char *s, char *host, size_t hostlen, int *port, struct ub_err *e)
{
	struct hostport h;
	int rc, p = 0;

	if (!s || !*s)
		return ub_err_set(e, UB_E_INVAL, 0, "empty address");
	rc = hostport_split(s, 0, &h);
	if (rc == HP_NO_CLOSE)
		return ub_err_set(e, UB_E_INVAL, 0, "'%s': missing ']'", s);
	if (rc == HP_JUNK)
		return ub_err_set(e, UB_E_INVAL, 0, "'%s': junk after ']'", s);
	if (h.hostlen == 0 || h.hostlen >= hostlen)
		return ub_err_set(e, UB_E_INVAL, 0, "'%s': bad host", s);
	if (h.port) {
		rc = hostport_port(h.port, 1, &p);
		if (rc == -1)
			return ub_err_set(e, UB_E_INVAL, 0, "'%s': port must be a number", h.port);
		if (rc < 0)
			return ub_err_set(e, UB_E_RANGE, 0, "'%s': port must be 1..65535", h.port);
	}
	memcpy(host, h.host, h.hostlen);
	host[h.hostlen] = '\0';
	if (h.port)
		*port = p;
	return 0;
}

int ub_net_split_listen(const char *opt, const char *s, char *host, size_t hostlen, int *port,
			struct ub_err *e)
{
	struct hostport h;
	int rc;

	host[0] = '\0';
	if (!s || !*s)
		return ub_err_set(e, UB_E_INVAL, 0, "%s: give [ADDR:]PORT", opt);
	rc = hostport_split(s, 1, &h);
	if (rc != HP_OK || (h.bracketed && !h.port))
		return ub_err_set(e, UB_E_INVAL, 0, "%s '%s': expected [ADDR]:PORT", opt, s);
	if (h.bare_v6)
		return ub_err_set(e, UB_E_INVAL, 0, "%s '%s': write an IPv6 address as [ADDR]:PORT",
				  opt, s);
	/* ":PORT" is every address; "[]:PORT" says nothing */
	if ((h.bracketed && h.hostlen == 0) || h.hostlen >= hostlen)
		return ub_err_set(e, UB_E_INVAL, 0, "%s '%s': bad address", opt, s);
	if (hostport_port(h.port, 0, port) < 0)
		return ub_err_set(e, UB_E_INVAL, 0, "%s '%s': port must be 0..65535", opt, s);
	memcpy(host, h.host, h.hostlen);
	host[h.hostlen] = '\0';
	return 0;
}

int ub_net_resolve(const char *host, int port, int family, int passive, struct ub_addr *out,
		   struct ub_err *e)
{
	struct addrinfo hints, *res = NULL;
	char pbuf[16];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG | (passive ? AI_PASSIVE : 0);
	snprintf(pbuf, sizeof(pbuf), "%d", port);
	rc = getaddrinfo(host, pbuf, &hints, &res);
	if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback IPv6. */
		hints.ai_flags &= ~AI_ADDRCONFIG;
		rc = getaddrinfo(host, pbuf, &hints, &res);
	}
	if (rc != 0)
		return ub_err_set(e, UB_E_INVAL, 0, "cannot resolve '%s': %s", host,
				  gai_strerror(rc));
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int ub_net_addr_port(const struct ub_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void ub_net_addr_set_port(struct ub_addr *a, int port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
}

const char *ub_net_host_str(const struct ub_addr *a, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6;

	buf[0] = '\0';
	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, buf,
			  (socklen_t)len);
	} else if (a->ss.ss_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)len);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
	}
	return buf;
}

const char *ub_net_addr_str(const struct ub_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

	ub_net_host_str(a, host, sizeof(host));
	if (a->ss.ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		snprintf(buf, len, "[%s]:%d", host, ub_net_addr_port(a));
	else
		snprintf(buf, len, "%s:%d", host, ub_net_addr_port(a));
	return buf;
}

size_t ub_net_addr_key(const struct ub_addr *a, uint8_t key[UB_ADDR_KEY_MAX])
{
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

		memcpy(key, &s6->sin6_addr, 16);
		memcpy(key + 16, &s6->sin6_port, 2);
		return 18;
	}
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;

	memcpy(key, &s4->sin_addr, 4);
	memcpy(key + 4, &s4->sin_port, 2);
	return 6;
}

uint32_t ub_net_hash(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u; /* the FNV prime */
	return h;
}
