#include "stamp/proto.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "lib/clock.h"

/*
 * Where each field lies (RFC 8762 §4.2.1 sender, §4.3.1 reflector, SSID per
 * RFC 8972 §3), unauthenticated and authenticated alike:
 *
 *   field                      plain   authenticated
 *   sequence number            0       0
 *   timestamp (T1, T3)         4       16
 *   error estimate             12      24
 *   SSID                       14      26
 *   receive timestamp T2       16      32     (reflector only, from here on)
 *   sender sequence number     24      48
 *   sender timestamp T1        28      64
 *   sender error estimate      36      72
 *   sender TTL                 40      80
 *   HMAC                       -       96..111
 *
 * Between the fields: MBZ. The authenticated HMAC covers octets 0..95
 * (RFC 8762 §4.4: the first six 16-octet blocks); padding follows the HMAC
 * and is not covered.
 */
enum {
	OFF_SEQ = 0, OFF_TS = 4, OFF_ERR = 12, OFF_SSID = 14, OFF_RX_TS = 16,
	OFF_S_SEQ = 24, OFF_S_TS = 28, OFF_S_ERR = 36, OFF_S_TTL = 40
};
enum {
	AOFF_SEQ = 0, AOFF_TS = 16, AOFF_ERR = 24, AOFF_SSID = 26, AOFF_RX_TS = 32,
	AOFF_S_SEQ = 48, AOFF_S_TS = 64, AOFF_S_ERR = 72, AOFF_S_TTL = 80,
	AOFF_HMAC = 96 /* also the number of octets the HMAC covers */
};

/* One layout's offsets, so that both are read and written by the same code. */
struct layout {
	uint8_t seq, ts, err, ssid, rx_ts, s_seq, s_ts, s_err, s_ttl;
};

static const struct layout PLAIN = { OFF_SEQ,	OFF_TS,	   OFF_ERR,   OFF_SSID, OFF_RX_TS,
				     OFF_S_SEQ, OFF_S_TS, OFF_S_ERR, OFF_S_TTL };
static const struct layout AUTH = { AOFF_SEQ,   AOFF_TS,   AOFF_ERR,   AOFF_SSID, AOFF_RX_TS,
				    AOFF_S_SEQ, AOFF_S_TS, AOFF_S_ERR, AOFF_S_TTL };

static void put16(uint8_t *p, uint16_t v)
{
	uint16_t n = htons(v);

	memcpy(p, &n, sizeof(n));
}

static void put32(uint8_t *p, uint32_t v)
{
	uint32_t n = htonl(v);

	memcpy(p, &n, sizeof(n));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t n;

	memcpy(&n, p, sizeof(n));
	return ntohs(n);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t n;

	memcpy(&n, p, sizeof(n));
	return ntohl(n);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* The octets sender and reflector packets share: seq, timestamp, error estimate, SSID. */
static void put_head(uint8_t *buf, const struct layout *l, uint32_t seq, uint64_t ts,
		     uint16_t err, uint16_t ssid)
{
	put32(buf + l->seq, seq);
	put64(buf + l->ts, ts);
	put16(buf + l->err, err);
	put16(buf + l->ssid, ssid);
}

static void get_head(const uint8_t *buf, const struct layout *l, uint32_t *seq, uint64_t *ts,
		     uint16_t *err)
{
	*seq = get32(buf + l->seq);
	*ts = get64(buf + l->ts);
	*err = get16(buf + l->err);
}

/* Writes a reflector packet's fields at l's offsets; the rest of buf must be zero. */
static void put_reply(uint8_t *buf, const struct layout *l, const struct ub_stamp_reply *r)
{
	put_head(buf, l, r->seq, r->ts, r->err_est, r->ssid);
	put64(buf + l->rx_ts, r->rx_ts);
	put32(buf + l->s_seq, r->sender_seq);
	put64(buf + l->s_ts, r->sender_ts);
	put16(buf + l->s_err, r->sender_err_est);
	buf[l->s_ttl] = r->sender_ttl;
}

/* Reads a reflector packet's fields up to the sender's error estimate at l's offsets. */
static void get_reply(const uint8_t *buf, const struct layout *l, struct ub_stamp_reply *r)
{
	get_head(buf, l, &r->seq, &r->ts, &r->err_est);
	r->ssid = get16(buf + l->ssid);
	r->rx_ts = get64(buf + l->rx_ts);
	r->sender_seq = get32(buf + l->s_seq);
	r->sender_ts = get64(buf + l->s_ts);
	r->sender_err_est = get16(buf + l->s_err);
}

int ub_proto_encode_req(uint8_t *buf, size_t len, const struct ub_stamp_req *r)
{
	if (!buf || !r || len < UB_STAMP_LEN)
		return UB_E_INVAL;
	/* RFC 8762 §4.2.1: MBZ octets are zeroed on transmission; zero padding leaks nothing. */
	memset(buf, 0, len);
	put_head(buf, &PLAIN, r->seq, r->ts, r->err_est, r->ssid);
	return 0;
}

/* Reads a sender packet of min octets or more; the SSID only from a STAMP one (min 44). */
static int decode_req(const uint8_t *buf, size_t len, size_t min, struct ub_stamp_req *r)
{
	if (!r)
		return UB_E_INVAL;
	if (!buf || len < min)
		return UB_E_PROTO;
	get_head(buf, &PLAIN, &r->seq, &r->ts, &r->err_est);
	r->ssid = min >= UB_STAMP_LEN ? get16(buf + PLAIN.ssid) : 0;
	return 0;
}

int ub_proto_decode_req(const uint8_t *buf, size_t len, struct ub_stamp_req *r)
{
	return decode_req(buf, len, UB_STAMP_LEN, r);
}

int ub_proto_decode_req_twl(const uint8_t *buf, size_t len, struct ub_stamp_req *r)
{
	/* RFC 5357 §4.1.2: padding follows the error estimate, no SSID */
	return decode_req(buf, len, UB_TWL_REQ_MIN, r);
}

int ub_proto_encode_reply(uint8_t *buf, size_t len, const struct ub_stamp_reply *r)
{
	if (!buf || !r || len < UB_TWL_REPLY_LEN)
		return UB_E_INVAL;
	/* RFC 8762 §4.3.1: MBZ at 38-39 and 41-43, and the padding, are zero. */
	memset(buf, 0, len);
	put_reply(buf, &PLAIN, r);
	return 0;
}

int ub_proto_decode_reply(const uint8_t *buf, size_t len, struct ub_stamp_reply *r)
{
	if (!r)
		return UB_E_INVAL;
	if (!buf || len < UB_TWAMP_REPLY_MIN)
		return UB_E_PROTO;
	get_reply(buf, &PLAIN, r);
	r->has_ttl = len >= UB_TWAMP_REPLY_TTL;
	r->sender_ttl = r->has_ttl ? buf[PLAIN.s_ttl] : 0;
	return 0;
}

/* Returns 1 when k can key an HMAC (what ub_auth_key_load accepts). */
static int key_ok(const struct ub_auth_key *k)
{
	return k && k->len >= UB_AUTH_KEY_MIN && k->len <= UB_AUTH_KEY_MAX;
}

/* Returns 0 when buf is a whole authenticated packet whose HMAC matches k, else a code. */
static int auth_check(const uint8_t *buf, size_t len, const struct ub_auth_key *k, const void *r)
{
	if (!r || !key_ok(k))
		return UB_E_INVAL;
	if (!buf || len < UB_STAMP_AUTH_LEN)
		return UB_E_PROTO;
	if (!ub_auth_verify(k, buf, AOFF_HMAC, buf + AOFF_HMAC))
		return UB_E_AUTH;
	return 0;
}

int ub_proto_encode_req_auth(uint8_t *buf, size_t len, const struct ub_stamp_req *r,
			     const struct ub_auth_key *k)
{
	if (!buf || !r || !key_ok(k) || len < UB_STAMP_AUTH_LEN)
		return UB_E_INVAL;
	memset(buf, 0, len);
	put_head(buf, &AUTH, r->seq, r->ts, r->err_est, r->ssid);
	return ub_auth_hmac(k, buf, AOFF_HMAC, buf + AOFF_HMAC);
}

int ub_proto_decode_req_auth(const uint8_t *buf, size_t len, const struct ub_auth_key *k,
			     struct ub_stamp_req *r)
{
	int rc = auth_check(buf, len, k, r);

	if (rc == 0) {
		get_head(buf, &AUTH, &r->seq, &r->ts, &r->err_est);
		r->ssid = get16(buf + AUTH.ssid);
	}
	return rc;
}

int ub_proto_encode_reply_auth(uint8_t *buf, size_t len, const struct ub_stamp_reply *r,
			       const struct ub_auth_key *k)
{
	if (!buf || !r || !key_ok(k) || len < UB_STAMP_AUTH_LEN)
		return UB_E_INVAL;
	memset(buf, 0, len);
	put_reply(buf, &AUTH, r);
	return ub_auth_hmac(k, buf, AOFF_HMAC, buf + AOFF_HMAC);
}

int ub_proto_decode_reply_auth(const uint8_t *buf, size_t len, const struct ub_auth_key *k,
			       struct ub_stamp_reply *r)
{
	int rc = auth_check(buf, len, k, r);

	if (rc)
		return rc;
	get_reply(buf, &AUTH, r);
	r->sender_ttl = buf[AUTH.s_ttl];
	r->has_ttl = 1;
	return 0;
}

int ub_proto_looks_like_reply(const uint8_t *buf, size_t len, int authenticated)
{
	const struct layout *l = authenticated ? &AUTH : &PLAIN;
	uint32_t late;

	if (!buf || len < (authenticated ? UB_STAMP_AUTH_LEN : OFF_RX_TS + 8))
		return 0;
	if (get64(buf + l->rx_ts) == 0)
		return 0;
	/* T3's seconds minus T2's, modulo 2^32: -1 (a clock stepped) up to 2. */
	late = get32(buf + l->ts) - get32(buf + l->rx_ts);
	return late + 1 <= 3;
}

const uint8_t *ub_proto_auth_tag(const uint8_t *buf, size_t len)
{
	return buf && len >= UB_STAMP_AUTH_LEN ? buf + AOFF_HMAC : NULL;
}

int ub_proto_is_auth(const uint8_t *buf, size_t caplen, size_t len)
{
	size_t i;

	if (!buf || len < UB_STAMP_AUTH_LEN || caplen < AOFF_TS + 8)
		return 0;
	for (i = OFF_TS; i < AOFF_TS; i++)
		if (buf[i])
			return 0;
	return get64(buf + AOFF_TS) != 0;
}

size_t ub_proto_auth_to_plain(const uint8_t *buf, size_t caplen, uint8_t out[UB_STAMP_LEN])
{
	/* Each field's authenticated offset, its unauthenticated one and its size, in order. */
	static const uint8_t map[][3] = {
		{ AOFF_SEQ, OFF_SEQ, 4 },     { AOFF_TS, OFF_TS, 8 },
		{ AOFF_ERR, OFF_ERR, 2 },     { AOFF_SSID, OFF_SSID, 2 },
		{ AOFF_RX_TS, OFF_RX_TS, 8 }, { AOFF_S_SEQ, OFF_S_SEQ, 4 },
		{ AOFF_S_TS, OFF_S_TS, 8 },   { AOFF_S_ERR, OFF_S_ERR, 2 },
		{ AOFF_S_TTL, OFF_S_TTL, 1 },
	};
	size_t i, whole = 0;

	memset(out, 0, UB_STAMP_LEN);
	for (i = 0; buf && i < sizeof(map) / sizeof(map[0]); i++) {
		if ((size_t)map[i][0] + map[i][2] > caplen)
			break;
		memcpy(out + map[i][1], buf + map[i][0], map[i][2]);
		whole = (size_t)map[i][1] + map[i][2];
	}
	/* Past the TTL there is only MBZ: a packet that holds it holds them all. */
	return whole > OFF_S_TTL ? UB_STAMP_LEN : whole;
}

/* ---- fields read one at a time ---- */

int ub_proto_seq(const uint8_t *buf, size_t len, uint32_t *seq)
{
	if (!buf || len < OFF_SEQ + 4)
		return UB_E_PROTO;
	*seq = get32(buf + OFF_SEQ);
	return 0;
}

int ub_proto_number(const uint8_t *buf, size_t len, uint32_t *seq)
{
	return ub_proto_text_head(buf, len, seq) == 0 ? 0 : ub_proto_seq(buf, len, seq);
}

int ub_proto_req_t1(const uint8_t *buf, size_t len, uint64_t *t1)
{
	if (!buf || len < OFF_TS + 8)
		return UB_E_PROTO;
	*t1 = get64(buf + OFF_TS);
	return 0;
}

int ub_proto_req_ssid(const uint8_t *buf, size_t len, uint16_t *ssid)
{
	if (!buf || len < OFF_SSID + 2)
		return UB_E_PROTO;
	*ssid = get16(buf + OFF_SSID);
	return 0;
}

int ub_proto_reply_sender_seq(const uint8_t *buf, size_t len, int authenticated, uint32_t *seq)
{
	const struct layout *l = authenticated ? &AUTH : &PLAIN;

	if (!buf || len < (size_t)l->s_seq + 4)
		return UB_E_PROTO;
	*seq = get32(buf + l->s_seq);
	return 0;
}

int ub_proto_reply_sender_ts(const uint8_t *buf, size_t len, int authenticated, uint64_t *t1)
{
	const struct layout *l = authenticated ? &AUTH : &PLAIN;

	if (!buf || len < (size_t)l->s_ts + 8)
		return UB_E_PROTO;
	*t1 = get64(buf + l->s_ts);
	return 0;
}

const uint8_t *ub_proto_reply_copied(const uint8_t *buf, size_t len)
{
	return buf && len >= OFF_S_SEQ + UB_TEXT_HEAD_LEN ? buf + OFF_S_SEQ : NULL;
}

int ub_proto_reply_text_head(const uint8_t *buf, size_t len, uint32_t *seq)
{
	const uint8_t *head = ub_proto_reply_copied(buf, len);

	return head ? ub_proto_text_head(head, UB_TEXT_HEAD_LEN, seq) : UB_E_PROTO;
}

/*
 * Error estimate, RFC 4656 §4.1.2 as used by RFC 8762 §4.2.1:
 *   S(1) Z(1) Scale(6) Multiplier(8), value = Multiplier * 2^(Scale - 32) s.
 * Z = 0 says the timestamps are NTP format (RFC 8762 §4.2.1).
 * One step at a given Scale is 10^9 * 2^(Scale-32) ns = 1953125 * 2^(Scale-23) ns,
 * since 10^9 = 2^9 * 1953125; working with that odd factor keeps the arithmetic
 * exact in 64 bits.
 */
#define EE_S 0x8000u
#define EE_SCALE_SHIFT 8
#define EE_SCALE_MASK 0x3fu
#define EE_MULT_MASK 0xffu
#define EE_ODD 1953125ULL /* 10^9 / 2^9 */

uint16_t ub_proto_err_est(int synced, int64_t err_ns)
{
	uint16_t s = synced ? EE_S : 0;
	uint64_t err, mult, step;
	unsigned scale;

	/* The field cannot say "no error": its least value is 2^-32 s (Multiplier 1, Scale 0). */
	err = err_ns > 0 ? (uint64_t)err_ns : 0;
	/*
	 * Every grid point of a coarser Scale is also one of a finer Scale, so the
	 * first Scale whose Multiplier fits gives the smallest value >= err.
	 */
	for (scale = 0; scale <= EE_SCALE_MASK; scale++) {
		if (scale < 23) {
			/*
			 * Below Scale 23 no Multiplier reaches past 255 * 1953125 ns, and
			 * anything under that (< 2^29) can be shifted by 23 without overflow.
			 */
			if (err > 255ULL * EE_ODD)
				continue;
			mult = ((err << (23 - scale)) + EE_ODD - 1) / EE_ODD;
		} else {
			step = EE_ODD << (scale - 23);
			mult = err / step + (err % step != 0);
		}
		if (mult <= EE_MULT_MASK) {
			/* RFC 4656 §4.1.2: the Multiplier MUST NOT be zero. */
			if (mult == 0)
				mult = 1;
			return (uint16_t)(s | scale << EE_SCALE_SHIFT | mult);
		}
	}
	/* Unreachable for int64 input (Scale 63 spans 2^39 s); clamp to the largest value. */
	return (uint16_t)(s | EE_SCALE_MASK << EE_SCALE_SHIFT | EE_MULT_MASK);
}

uint64_t ub_proto_ts(int64_t unix_ns, int ptp)
{
	return ptp ? ub_clock_ns_to_ptp(unix_ns) : ub_clock_ns_to_ntp(unix_ns);
}

int64_t ub_proto_ts_ns(uint64_t ts, uint16_t ee)
{
	return ee & UB_PROTO_EE_Z ? ub_clock_ptp_to_ns(ts) : ub_clock_ntp_to_ns(ts);
}

int64_t ub_proto_err_est_ns(uint16_t ee, int *synced)
{
	unsigned scale = (ee >> EE_SCALE_SHIFT) & EE_SCALE_MASK;
	uint64_t mult = ee & EE_MULT_MASK;
	uint64_t v, shift;

	if (synced)
		*synced = (ee & EE_S) != 0;
	if (scale < 23) {
		/* Rounded up: a stated error bound is never understated. */
		shift = 23 - scale;
		v = mult * EE_ODD;
		return (int64_t)((v + ((1ULL << shift) - 1)) >> shift);
	}
	shift = scale - 23;
	v = mult * EE_ODD;
	if (v > (uint64_t)INT64_MAX >> shift)
		return INT64_MAX;
	return (int64_t)(v << shift);
}

/*
 * Text probes: printable ASCII, so that a script that does
 * data.decode('utf-8'), perhaps .upper() or .lower(), and prints or answers
 * it never meets a byte it chokes on.
 *
 *   0             4             6        11    14     16   17
 *   | seq, low 24 | seq, high 8 | "=udpb" | 3 sp | SSID | sp | T1 ns | sp | '.' ... '\n'
 *     4 digits      2 digits
 *
 * The digits are base 64, the characters 0x21..0x60 ('!' to '`') in their
 * order, the most significant first: no lower-case letter among them, so
 * .upper() changes none and .lower() is undone when reading.
 *
 * A STAMP or TWAMP-light reflector takes a text probe for a request: its
 * sequence number is octets 0..3, T1 is 4..11, the SSID 14..15 (RFC 8972).
 * So the sequence number's low 24 bits come first and rise with every probe
 * (for 16,777,216 of them), as a reflector expects a sender's numbers to
 * (one that sees them go back may take the sender for restarted). Octets
 * 0..11 differ from probe to probe, and a reflector copies them to octets
 * 24..35 of its reply, which is how its reply is matched. The magic is in
 * lower case and the SSID in capitals, so that a script's .upper() or
 * .lower() changes the probe and shows in what comes back. The session's
 * SSID is two printable characters; octets 12..13, read as an error
 * estimate, say NTP, unsynchronised. The space at 16 keeps a probe from ever
 * looking like a reply (ub_proto_looks_like_reply): T3's seconds at 4 start
 * with a digit (0x21 or more), T2's at 16 with a space (0x20).
 */
#define TEXT_MAGIC "=udpb   " /* octets 6..13; lower case, so that .upper() shows */
#define TEXT_MAGIC_AT 6
#define TEXT_HEAD 17 /* up to and with the space before T1 */
#define TEXT_SSID 14
#define TEXT_DIGIT0 0x21 /* '!': digit 0 of base 64; '`' (0x60) is 63 */

/* The characters a text probe's SSID is made of: digits and capitals survive .upper(). */
static const char ssid_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

uint16_t ub_proto_text_ssid(uint16_t any)
{
	unsigned n = sizeof(ssid_chars) - 1;

	return (uint16_t)((uint8_t)ssid_chars[(any >> 8) % n] << 8 | (uint8_t)ssid_chars[(any & 0xff) % n]);
}

int ub_proto_text_ssid_ok(uint16_t ssid)
{
	return strchr(ssid_chars, ssid >> 8) && strchr(ssid_chars, ssid & 0xff) && (ssid >> 8) &&
	       (ssid & 0xff);
}

/* Writes v in decimal at p ("-" first when negative, no leading zero); returns the length. */
static size_t put_decimal(char *p, int64_t v)
{
	char tmp[20];
	/* INT64_MIN's magnitude only fits unsigned */
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		p[k++] = '-';
	while (n)
		p[k++] = tmp[--n];
	return k;
}

int ub_proto_encode_text(char *buf, size_t len, uint32_t seq, int64_t t1_ns, uint16_t ssid)
{
	size_t n;
	int i;

	if (!buf || len < UB_STAMP_LEN || !ub_proto_text_ssid_ok(ssid))
		return UB_E_INVAL;
	for (i = 0; i < 4; i++)
		buf[i] = (char)(TEXT_DIGIT0 + ((seq >> (18 - 6 * i)) & 63));
	for (i = 0; i < 2; i++)
		buf[4 + i] = (char)(TEXT_DIGIT0 + ((seq >> (30 - 6 * i)) & 63));
	memcpy(buf + TEXT_MAGIC_AT, TEXT_MAGIC, sizeof(TEXT_MAGIC) - 1);
	buf[TEXT_SSID] = (char)(ssid >> 8);
	buf[TEXT_SSID + 1] = (char)(ssid & 0xff);
	buf[TEXT_HEAD - 1] = ' ';
	/* The header and the final newline always fit in 44 octets (at most 38 + 1). */
	n = TEXT_HEAD + put_decimal(buf + TEXT_HEAD, t1_ns);
	buf[n++] = ' ';
	memset(buf + n, '.', len - 1 - n);
	buf[len - 1] = '\n';
	return 0;
}

/* The value of base-64 digit c (a lower-case letter read as its capital), or -1. */
static int text_digit(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	return c >= TEXT_DIGIT0 && c <= TEXT_DIGIT0 + 63 ? c - TEXT_DIGIT0 : -1;
}

/* The sequence number the six digits at p spell (low 24 bits, then high 8); -1 when they do not. */
static int64_t text_seq(const char *p)
{
	uint64_t s = 0;
	int i, d;

	for (i = 0; i < 6; i++) {
		if ((d = text_digit(p[i])) < 0)
			return -1;
		s |= (uint64_t)d << (i < 4 ? 18 - 6 * i : 30 - 6 * (i - 4));
	}
	return s > UINT32_MAX ? -1 : (int64_t)s;
}

/* The SSID character c stands for, in either letter case; 0 when it is none. */
static uint8_t ssid_char(char c)
{
	char u = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;

	return u && strchr(ssid_chars, u) ? (uint8_t)u : 0;
}

/*
 * Parses a text probe's fields at p (end bounds it), in any letter case.
 * Returns the position after T1, or NULL when p holds no probe head.
 */
static const char *parse_text(const char *p, const char *end, uint32_t *seq, int64_t *t1_ns,
			      uint16_t *ssid)
{
	int64_t s;
	uint64_t t = 0;
	int neg = 0, digits = 0;
	uint8_t a, b;

	if (end - p < TEXT_HEAD + 1 || (s = text_seq(p)) < 0 ||
	    strncasecmp(p + TEXT_MAGIC_AT, TEXT_MAGIC, sizeof(TEXT_MAGIC) - 1) != 0 || p[16] != ' ')
		return NULL;
	a = ssid_char(p[TEXT_SSID]);
	b = ssid_char(p[TEXT_SSID + 1]);
	if (!a || !b)
		return NULL;
	p += TEXT_HEAD;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	/* As the encoder writes it: no leading zero, no "-0". */
	if (p < end && *p == '0' && (neg || (p + 1 < end && p[1] >= '0' && p[1] <= '9')))
		return NULL;
	/* INT64_MIN's magnitude is one more than INT64_MAX's. */
	for (; p < end && *p >= '0' && *p <= '9' && digits < 19; p++, digits++)
		t = t * 10 + (uint64_t)(*p - '0');
	if (!digits || (p < end && *p >= '0' && *p <= '9') ||
	    t > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return NULL;
	if (seq)
		*seq = (uint32_t)s;
	if (t1_ns)
		*t1_ns = neg && t ? -(int64_t)(t - 1) - 1 : (int64_t)t;
	if (ssid)
		*ssid = (uint16_t)(a << 8 | b);
	return p;
}

int ub_proto_text_head(const uint8_t *buf, size_t len, uint32_t *seq)
{
	int64_t s;
	int i;

	/* A reflector copies octets as they came: the magic and digits exactly, no letter case changed. */
	if (!buf || len < UB_TEXT_HEAD_LEN ||
	    memcmp(buf + TEXT_MAGIC_AT, TEXT_MAGIC, UB_TEXT_HEAD_LEN - TEXT_MAGIC_AT) != 0)
		return UB_E_PROTO;
	for (i = 0; i < TEXT_MAGIC_AT; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			return UB_E_PROTO;
	if ((s = text_seq((const char *)buf)) < 0)
		return UB_E_PROTO;
	if (seq)
		*seq = (uint32_t)s;
	return 0;
}

int ub_proto_decode_text(const char *buf, size_t len, uint32_t *seq, int64_t *t1_ns,
			 uint16_t *ssid)
{
	const char *p, *end;
	uint32_t s;
	int64_t t;
	uint16_t id;

	if (!buf)
		return UB_E_PROTO;
	/* Echo scripts may add "\r\n" (or strip the newline); the content is what matters. */
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	end = buf + len;
	p = parse_text(buf, end, &s, &t, &id);
	if (!p || (p < end && *p++ != ' '))
		return UB_E_PROTO;
	/* Nothing but the padding after the fields: binary data is refused here. */
	for (; p < end; p++)
		if (*p != '.')
			return UB_E_PROTO;
	if (seq)
		*seq = s;
	if (t1_ns)
		*t1_ns = t;
	if (ssid)
		*ssid = id;
	return 0;
}

/* Whether the fields of a text probe start at p (before end). */
static int text_here(const char *p, const char *end, uint32_t *seq, int64_t *t1_ns,
		     uint16_t *ssid)
{
	/* Anchored on the magic: the fields start seven octets before it. */
	return end - p > TEXT_HEAD && p[TEXT_MAGIC_AT] == TEXT_MAGIC[0] &&
	       parse_text(p, end, seq, t1_ns, ssid);
}

int ub_proto_find_text(const char *buf, size_t len, uint32_t *seq, int64_t *t1_ns,
		       uint16_t *ssid)
{
	const char *p, *end = buf ? buf + len : NULL;

	for (p = buf; p && end - p > TEXT_HEAD; p++)
		if (text_here(p, end, seq, t1_ns, ssid))
			return (int)(p - buf);
	return UB_E_PROTO;
}

int ub_proto_text_at_start(const char *buf, size_t len, uint32_t *seq, int64_t *t1_ns,
			   uint16_t *ssid)
{
	return buf && text_here(buf, buf + len, seq, t1_ns, ssid) ? 0 : UB_E_PROTO;
}
