/*
 * udpbench: the pairing rules of `udpbench analyze`, one flow at a time.
 * Each end's datagrams are scored as requests the other end answers: as a
 * STAMP reflector does (RFC 8762 §4.3.1: the reply carries the request's
 * sequence number and T1) or as an echo (the same bytes). The most answers
 * decides who asks and how; then each request becomes a probe of its
 * session (by SSID for STAMP) and each reply is paired with the request it
 * answers, or counted foreign.
 */
#ifndef UB_PAIRING_H
#define UB_PAIRING_H

#include "capture/flows.h"

/*
 * Finds the sessions of every flow of f, pairs their replies with requests
 * and frees the datagrams; the sessions are then in the order their first
 * request was seen. Returns 0, UB_E_RANGE (too many sessions or probes)
 * or UB_E_NOMEM.
 */
int ub_flows_pair(struct ub_flows *f);

#endif
