#include "stamp/loadmsg.h"

#include <string.h>

static const uint8_t magic[6] = { 'U', 'B', 'L', 'O', 'A', 'D' };

static void put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

void ub_loadmsg_encode(const struct ub_loadmsg *m, uint8_t *out)
{
	uint8_t *b = out + 2;

	memset(out, 0, UB_LOADMSG_FRAME);
	put_be(out, UB_LOADMSG_LEN, 2);
	memcpy(b, magic, sizeof(magic));
	b[6] = m->version;
	b[7] = m->answer ? 'A' : 'Q';
	b[8] = m->answer ? m->status : m->dir;
	put_be(b + 10, m->stream, 2);
	put_be(b + 12, m->ms, 4);
	put_be(b + 16, m->rate, 8);
	put_be(b + 24, m->run, 8);
}

int ub_loadmsg_length_is(const uint8_t *buf, size_t len)
{
	return len >= 2 && get_be(buf, 2) == UB_LOADMSG_LEN;
}

int ub_loadmsg_decode(const uint8_t *buf, size_t len, struct ub_loadmsg *m)
{
	const uint8_t *b = buf + 2;

	memset(m, 0, sizeof(*m));
	if (len < UB_LOADMSG_FRAME || !ub_loadmsg_length_is(buf, len) ||
	    memcmp(b, magic, sizeof(magic)) != 0 || (b[7] != 'Q' && b[7] != 'A'))
		return -1;
	m->version = b[6];
	m->answer = b[7] == 'A';
	if (m->answer)
		m->status = b[8];
	else
		m->dir = b[8];
	m->stream = (uint16_t)get_be(b + 10, 2);
	m->ms = (uint32_t)get_be(b + 12, 4);
	m->rate = get_be(b + 16, 8);
	m->run = get_be(b + 24, 8);
	return 0;
}

const char *ub_loadmsg_status_name(int status)
{
	switch (status) {
	case UB_LOAD_OK:
		return "ok";
	case UB_LOAD_NOT_ALLOWED:
		return "not allowed";
	case UB_LOAD_BUSY:
		return "busy";
	default:
		return "bad ask";
	}
}
