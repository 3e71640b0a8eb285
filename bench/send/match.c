#include "send/match.h"

#include <arpa/inet.h>
#include <string.h>

void ub_match_init(struct ub_matcher *m, const struct ub_sender_config *c, uint16_t ssid,
		   uint16_t err_est)
{
	memset(m, 0, sizeof(*m));
	m->cfg = c;
	m->ssid = ssid;
	m->err_est = err_est;
	/* A TCP echo answers with the bytes it got: binary probes, matched as an echo. */
	m->mode = c->tcp && c->mode == UB_MODE_AUTO ? UB_MODE_ECHO : c->mode;
	/* Until the peer shows it is a STAMP reflector, nothing a script would choke on. */
	m->text = !c->tcp && !c->key &&
		  (c->mode == UB_MODE_AUTO || c->mode == UB_MODE_TEXT || c->mode == UB_MODE_ANY);
}

size_t ub_match_encode(struct ub_matcher *m, uint8_t *buf, uint32_t seq, int64_t t1_real, int text)
{
	const struct ub_sender_config *c = m->cfg;
	struct ub_stamp_req req;

	if (text) {
		ub_proto_encode_text((char *)buf, c->size, seq, t1_real, m->ssid);
		return c->size;
	}
	req.seq = seq;
	req.ts = ub_proto_ts(t1_real, c->ptp);
	req.err_est = m->err_est;
	req.ssid = m->ssid;
	if (c->key)
		ub_proto_encode_req_auth(buf, c->size, &req, c->key);
	else
		ub_proto_encode_req(buf, c->size, &req);
	return c->size;
}

/*
 * The probe a reply's octets 24..35 name: a STAMP or TWAMP-light reflector
 * copies the request's sequence number and T1 there (RFC 8762 §4.3.1, RFC
 * 5357 §4.2.1): a binary probe's, or a text probe's first 12 octets.
 */
static const struct ub_match_probe *stamp_probe(struct ub_matcher *m,
						const struct ub_match_probes *ps,
						const uint8_t *buf, size_t len,
						const struct ub_stamp_reply *rep)
{
	const struct ub_match_probe *p;
	uint32_t seq;

	/*
	 * A text probe's first 12 octets, copied as they came: its number's six
	 * digits and the magic, which ub_proto_text_head reads exactly (one
	 * spelling per number), so they are the octets that probe left with.
	 */
	if (ub_proto_reply_text_head(buf, len, &seq) == 0) {
		p = ps->by_seq(ps->ctx, seq);
		if (p && p->text)
			return p;
	}
	p = ps->by_seq(ps->ctx, rep->sender_seq);
	if (p && !p->text && rep->sender_ts == ub_proto_ts(p->t1_real, m->cfg->ptp))
		return p;
	return NULL;
}

/* A verbatim echo: exactly the bytes a probe left with. */
static const struct ub_match_probe *echo_probe(struct ub_matcher *m,
					       const struct ub_match_probes *ps,
					       const uint8_t *buf, size_t len)
{
	const struct ub_match_probe *p = NULL;
	uint32_t be, seq;

	if (len != m->cfg->size)
		return NULL;
	if (ub_proto_decode_text((const char *)buf, len, &seq, NULL, NULL) == 0) {
		p = ps->by_seq(ps->ctx, seq);
	} else if (len >= 4) {
		memcpy(&be, buf, 4);
		p = ps->by_seq(ps->ctx, ntohl(be));
	}
	if (p && ub_match_encode(m, m->cmpbuf, p->seq, p->t1_real, p->text) == len &&
	    memcmp(m->cmpbuf, buf, len) == 0)
		return p;
	return NULL;
}

/* A changed echo: the text probe's fields found inside, any letter case ("收到: " + it). */
static const struct ub_match_probe *text_probe(struct ub_matcher *m,
					       const struct ub_match_probes *ps,
					       const uint8_t *buf, size_t len)
{
	const struct ub_match_probe *p;
	uint32_t seq;
	int64_t t1;
	uint16_t ssid;

	if (ub_proto_find_text((const char *)buf, len, &seq, &t1, &ssid) < 0 || ssid != m->ssid)
		return NULL;
	p = ps->by_seq(ps->ctx, seq);
	return p && p->text && p->t1_real == t1 ? p : NULL;
}

/*
 * Auto mode settles on what the first matched reply showed. A text probe's
 * octets 0..3 rise as a STAMP reflector's sequence numbers should and 14..15
 * are the SSID, so a reflector that answered one has a session for it; the
 * binary requests that follow keep that session (ub_match_reply).
 */
void ub_match_settle(struct ub_matcher *m, enum ub_mode mode)
{
	if (m->mode == UB_MODE_AUTO)
		m->mode = mode;
}

/* Notes what a STAMP reply's counter says of its reflector: its own counter, or a copy of ours. */
static void note_counter(struct ub_matcher *m, const struct ub_stamp_reply *rep,
			 const struct ub_match_probe *p)
{
	uint32_t sent_as;

	/* The number as the reflector read it: octets 0..3 of what left (also a text probe's). */
	sent_as = p->seq;
	if (p->text) {
		ub_match_encode(m, m->cmpbuf, p->seq, p->t1_real, 1);
		memcpy(&sent_as, m->cmpbuf, 4);
		sent_as = ntohl(sent_as);
	}
	if (rep->seq == sent_as)
		m->refl_copy++;
	else
		m->refl_own++;
	if (p->text)
		m->refl_text = 1;
	m->refl_ptp = (rep->err_est & UB_PROTO_EE_Z) != 0;
}

enum ub_match_kind ub_match_reply(struct ub_matcher *m, const struct ub_match_probes *ps,
				  const uint8_t *buf, size_t len, struct ub_match *out)
{
	memset(out, 0, sizeof(*out));
	if (m->cfg->key) {
		/* A keyed session takes only replies that carry our key's HMAC. */
		if (ub_proto_decode_reply_auth(buf, len, m->cfg->key, &out->rep) < 0)
			return out->kind = UB_MATCH_AUTH_FAILED;
		out->probe = stamp_probe(m, ps, buf, len, &out->rep);
		out->kind = out->probe ? UB_MATCH_STAMP : UB_MATCH_NONE;
	} else if (m->mode != UB_MODE_ANY && m->mode != UB_MODE_STAMP &&
		   (out->probe = echo_probe(m, ps, buf, len))) {
		/* Verbatim: an echo (a STAMP session wants more, and its replies are no copies). */
		out->kind = UB_MATCH_ECHO;
		ub_match_settle(m, UB_MODE_ECHO);
	} else if (m->mode != UB_MODE_ECHO && m->mode != UB_MODE_ANY &&
		   ub_proto_decode_reply(buf, len, &out->rep) == 0 &&
		   /* TWAMP-light reflectors leave the SSID octets zero (RFC 8972 §3). */
		   (out->rep.ssid == m->ssid || out->rep.ssid == 0) &&
		   (out->probe = stamp_probe(m, ps, buf, len, &out->rep))) {
		out->kind = UB_MATCH_STAMP;
	} else if ((m->mode == UB_MODE_AUTO || m->mode == UB_MODE_TEXT) &&
		   (out->probe = text_probe(m, ps, buf, len))) {
		out->kind = UB_MATCH_TEXT;
		ub_match_settle(m, UB_MODE_TEXT);
	} else if (m->mode == UB_MODE_ANY && (out->probe = ps->oldest(ps->ctx))) {
		/* A reply that carries nothing of any probe answers the oldest one waiting. */
		out->kind = UB_MATCH_ANY;
	}
	if (out->kind == UB_MATCH_STAMP) {
		ub_match_settle(m, UB_MODE_STAMP);
		note_counter(m, &out->rep, out->probe);
		/*
		 * A STAMP reflector answered a text probe: its counter has shown
		 * stateful or stateless already, and a binary request costs it and
		 * us less than text from here on (auto mode only: text and any
		 * were asked for).
		 */
		if (m->text && out->probe->text && m->cfg->mode == UB_MODE_AUTO)
			m->text = 0;
	}
	return out->kind;
}

/*
 * What the replies showed of the peer (params.reflector), and why there is
 * no up/down split when there is none. A stateless reflector copies the
 * number it answers (RFC 8762 §4.3); a stateful one counts what reached it
 * from 0 — the same numbers as ours until a probe is lost on the way there,
 * except for text probes, whose octets 0..3 no counter reaches.
 */
void ub_match_describe(const struct ub_matcher *m, int tcp, uint64_t answered, struct ub_params *p)
{
	if (tcp) {
		p->reflector = answered ? "echo" : NULL;
		p->split_why = UB_SPLIT_TCP;
	} else if (m->refl_own) {
		p->reflector = "stateful";
	} else if (m->refl_copy) {
		p->reflector = m->refl_text ? "stateless" : "undecided";
		p->split_why = m->refl_text ? UB_SPLIT_STATELESS : UB_SPLIT_UNDECIDED;
	} else if (answered) {
		p->reflector = m->mode == UB_MODE_ECHO ? "echo" : m->mode == UB_MODE_TEXT ? "text" : "any";
		p->split_why = UB_SPLIT_NO_COUNTER;
	} else {
		p->split_why = UB_SPLIT_NO_REPLY;
	}
	if (m->refl_own || m->refl_copy)
		p->refl_ts = m->refl_ptp ? 2 : 1;
}
