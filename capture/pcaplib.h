/*
 * udpbench: libpcap's functions, loaded the first time a capture or a
 * capture file needs them (bench/dynlib.h): a run without --pcap never
 * loads libpcap and the libraries it brings (D-Bus, systemd, gcrypt, ...).
 * Call them through the table: ub_pcaplib(e)->open_live(...).
 */
#ifndef UB_PCAPLIB_H
#define UB_PCAPLIB_H

#include <pcap/pcap.h>
#include <stdio.h>

#include "lib/err.h"

/* Every libpcap function udpbench calls: return type, name without "pcap_", arguments. */
#define UB_PCAPLIB_FUNCS(X)                                                          \
	X(pcap_t *, create, (const char *, char *))                                  \
	X(int, set_snaplen, (pcap_t *, int))                                         \
	X(int, set_promisc, (pcap_t *, int))                                         \
	X(int, set_immediate_mode, (pcap_t *, int))                                  \
	X(int, set_buffer_size, (pcap_t *, int))                                     \
	X(int, set_tstamp_precision, (pcap_t *, int))                                \
	X(int, activate, (pcap_t *))                                                 \
	X(char *, geterr, (pcap_t *))                                                \
	X(int, datalink, (pcap_t *))                                                 \
	X(int, compile, (pcap_t *, struct bpf_program *, const char *, int, bpf_u_int32)) \
	X(int, setfilter, (pcap_t *, struct bpf_program *))                          \
	X(void, freecode, (struct bpf_program *))                                    \
	X(int, setnonblock, (pcap_t *, int, char *))                                 \
	X(int, get_selectable_fd, (pcap_t *))                                        \
	X(int, dispatch, (pcap_t *, int, pcap_handler, u_char *))                    \
	X(int, stats, (pcap_t *, struct pcap_stat *))                                \
	X(void, close, (pcap_t *))                                                   \
	X(pcap_dumper_t *, dump_open, (pcap_t *, const char *))                      \
	X(void, dump, (u_char *, const struct pcap_pkthdr *, const u_char *))        \
	X(int, dump_flush, (pcap_dumper_t *))                                        \
	X(FILE *, dump_file, (pcap_dumper_t *))                                      \
	X(void, dump_close, (pcap_dumper_t *))                                       \
	X(pcap_t *, fopen_offline_with_tstamp_precision, (FILE *, u_int, char *))    \
	X(int, next_ex, (pcap_t *, struct pcap_pkthdr **, const u_char **))          \
	X(int, get_tstamp_precision, (pcap_t *))                                     \
	X(int, snapshot, (pcap_t *))

struct ub_pcaplib {
#define UB_PCAPLIB_FIELD(ret, name, args) ret(*name) args;
	UB_PCAPLIB_FUNCS(UB_PCAPLIB_FIELD)
#undef UB_PCAPLIB_FIELD
};

/* Returns libpcap's functions, loaded at the first call; NULL with e naming the package to install. */
const struct ub_pcaplib *ub_pcaplib(struct ub_err *e);

#endif
