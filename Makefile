# udpbench — every build, test, bench, install and demo target.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
BIN      ?= udpbench
VERSION  := 0.1.0

CC       ?= cc
PKGS     := jansson inih libpcap libcrypto libmicrohttpd
# Wi-Fi facts: nl80211 through libnl (bench/lib/wifi.h)
PKGS     += libnl-3.0 libnl-genl-3.0
CPPFLAGS += -D_GNU_SOURCE -DUB_VERSION='"$(VERSION)"' -I. -Ibench -D_FORTIFY_SOURCE=2 \
            -DUB_SCENARIO_DIR='"$(PREFIX)/share/udpbench/scenarios"' \
            -DUB_REPORT_DIR='"$(PREFIX)/share/udpbench/reports"'
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wwrite-strings -Wpointer-arith -fstack-protector-strong -MMD -MP
ifeq ($(CI),true)
WARN     += -Werror
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libpcap and libcrypto are loaded when a capture or a key first needs them
# (bench/lib/dynlib.h), so the program links only these; tests that call libpcap
# or libcrypto themselves link those too.
LDLIBS    += $(shell pkg-config --libs jansson inih libmicrohttpd 2>/dev/null) -lm -ldl -pthread
LDLIBS    += $(shell pkg-config --libs libnl-genl-3.0 libnl-3.0 2>/dev/null)
TEST_LIBS  = $(LDLIBS) $(shell pkg-config --libs libpcap libcrypto 2>/dev/null)

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

# Debian packages each job needs; `make deps-X` installs the missing ones.
DEPS_build := gcc make pkg-config libc6-dev libjansson-dev libinih-dev libpcap-dev libssl-dev \
              libmicrohttpd-dev xxd
DEPS_build += libnl-3-dev libnl-genl-3-dev
DEPS_test  := $(DEPS_build) libcmocka-dev python3 python3-pandas tshark tcpdump nftables iproute2 \
              gnuplot-nox fonts-wqy-zenhei gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static time \
              chromium prometheus
DEPS_demo  := $(DEPS_build) gnuplot-nox fonts-wqy-zenhei nftables iproute2

# *_win32.c and *_none.c belong to the Windows build (cross-windows below).
LIB_SRC  := $(filter-out bench/cmd/main.c %_win32.c %_none.c,$(wildcard bench/*/*.c capture/*.c \
            reports/*.c scenarios/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/live_assets.o
LIB      := $(BUILD)/libudpbench.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OBJ := $(FUZZ_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/fuzz/driver.o
FUZZ_DRV := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/driver_%)
FUZZ_SECONDS ?= 60

# deps-% stay out of .PHONY: make skips pattern rules for phony targets.
.PHONY: all test check unit demo install uninstall clean asan fuzz fuzz-smoke fuzz-seeds layers

all: $(BIN)

$(BIN): $(BUILD)/bench/cmd/main.o $(LIB)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIB_OBJ)
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) $$(pkg-config --cflags cmocka) \
		-o $@ $< $(LIB) $(TEST_LIBS) $$(pkg-config --libs cmocka)

unit: $(UNIT_BIN)

# The live page's files (reports/live/) go into the program as byte arrays,
# so that the page needs nothing but udpbench: bench/live/assets.h.
LIVE_FILES := reports/live/index.html reports/live/live.js reports/live/live.css
$(BUILD)/gen/live_assets.c: $(LIVE_FILES) Makefile
	@mkdir -p $(dir $@)
	$(call say,GEN,$@){ echo '#include "live/assets.h"'; \
	for f in $(LIVE_FILES); do n=$$(basename $$f | tr . _); \
		echo "static const unsigned char $$n[] = {"; xxd -i < $$f || exit 1; echo "};"; done; \
	echo 'const struct ub_live_asset ub_live_assets[] = {'; \
	for f in $(LIVE_FILES); do n=$$(basename $$f | tr . _); p=/$$(basename $$f); \
		case $$f in *.html) t="text/html; charset=utf-8"; p=/ ;; \
		*.js) t="text/javascript; charset=utf-8" ;; *.css) t="text/css; charset=utf-8" ;; esac; \
		echo "	{ \"$$p\", \"$$t\", $$n, sizeof($$n) },"; done; \
	echo '	{ 0, 0, 0, 0 },'; echo '};'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

# Fuzz targets: every tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/.
# A standalone driver (gcc) runs each over its seeds and mutations of them,
# FUZZ_SMOKE bounding the runs and seconds per target (tests/run.sh, so
# `make check`, does the same); `make fuzz` runs them under clang's libFuzzer
# for FUZZ_SECONDS each (FUZZ_TARGETS="units text" picks some).
FUZZ_SMOKE ?= -m 200000 -t 3
.SECONDARY: $(FUZZ_OBJ)

$(BUILD)/fuzz/driver_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/driver.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS)

fuzz-smoke: $(FUZZ_DRV)
	$(Q)for d in $(FUZZ_DRV); do t=$${d##*driver_}; \
		printf 'fuzz-smoke %s: ' $$t; \
		$$d $(FUZZ_SMOKE) -o $(BUILD)/fuzz/crash-$$t tests/fuzz/corpus/$$t || exit 1; done

# Rewrites the generated seeds (packets from the encoders, unit strings,
# frames of the capture seeds) and copies the shipped scenarios beside the
# hand-written scenario seeds (regressions: error lines, long lines); the
# nl80211 seeds are the recorded messages of tests/data/wifi as binary.
fuzz-seeds: $(BUILD)/fuzz/mkseeds
	$(BUILD)/fuzz/mkseeds tests/fuzz/corpus
	mkdir -p tests/fuzz/corpus/scenario && cp scenarios/*.ini tests/fuzz/corpus/scenario/
	mkdir -p tests/fuzz/corpus/wifi_nl && for f in tests/data/wifi/*.hex; do \
		sed 's/#.*//' $$f | xxd -r -p > tests/fuzz/corpus/wifi_nl/$$(basename $$f .hex) || exit 1; done

$(BUILD)/fuzz/mkseeds: $(BUILD)/tests/fuzz/mkseeds.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS)

# libFuzzer: the library and targets built by clang into build/fuzzer, each
# target run over a working corpus (build/fuzzer/corpus/NAME) seeded from
# tests/fuzz/corpus/NAME, with tests/fuzz/NAME.dict when there is one.
# A crash or sanitizer report stops `make fuzz`; the input that caused it
# is left in build/fuzzer/crashes/.
DEPS_fuzz    := clang libclang-rt-14-dev
FUZZ_CC      ?= clang
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz: deps-fuzz
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzzer CC=$(FUZZ_CC) \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		$(FUZZ_TARGETS:%=build/fuzzer/fuzz/libfuzzer_%)
	$(Q)mkdir -p build/fuzzer/crashes
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzzer/corpus/$$t; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
		build/fuzzer/fuzz/libfuzzer_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build/fuzzer/crashes/$$t- $$dict \
			build/fuzzer/corpus/$$t tests/fuzz/corpus/$$t || exit 1; done

$(BUILD)/fuzz/libfuzzer_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(TEST_LIBS)

# The README's test command: installs what is missing, builds, runs every test.
test: deps-test
	$(Q)$(MAKE) --no-print-directory check

# Each folder includes only folders below it (DESIGN.md's layers); a violating include fails here.
layers:
	$(Q)python3 tests/layers.py

# the bench's own helpers: a naive echo, a flood sender, the libpcap floor, a capture writer
PERF_BIN   := $(BUILD)/perf/echo_naive $(BUILD)/perf/flood $(BUILD)/perf/pcap_loop $(BUILD)/perf/pcap_gen

# Integration test files run this many at once (tests/integration/run.py -j).
TEST_JOBS ?= 2
check: layers $(BIN) unit $(FUZZ_DRV) $(PERF_BIN)
	$(Q)BUILD=$(BUILD) UDPBENCH=$(abspath $(BIN)) FUZZ_SMOKE="$(FUZZ_SMOKE)" UB_TEST_JOBS=$(TEST_JOBS) sh tests/run.sh

# Every test again with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps-test
	$(Q)$(MAKE) --no-print-directory check BUILD=build/asan BIN=build/asan/udpbench \
		CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" ASAN_OPTIONS=detect_leaks=1 \
		UDPBENCH_SCENARIOS=$(CURDIR)/scenarios UDPBENCH_REPORTS=$(CURDIR)/reports

# The main job on a built-in default: the crowded-classroom scenario, a
# reflector behind the link emulator on this machine, results in DEMO_DIR.
DEMO_DIR ?= results/demo
demo: deps-demo
	$(Q)$(MAKE) --no-print-directory udpbench
	./udpbench scenario run crowded-classroom -o $(DEMO_DIR)

# Side-by-side performance benchmark on loopback (tests/perf/): udpbench
# against irtt, sockperf, a naive C echo and tshark, interleaved rounds,
# medians; prints the table and writes tests/perf/RESULTS.md. A peer that
# cannot be installed shows as missing in the table and the rest goes on.
# Rows that regressed against the previous RESULTS.md beyond the noise of
# either run are flagged; BENCH_ARGS=--fail-on-regression makes that exit 1.
DEPS_bench := $(DEPS_build) python3 irtt sockperf tshark valgrind util-linux time
BENCH_ARGS ?=
.PHONY: bench
bench:
	$(Q)$(MAKE) --no-print-directory deps-bench || echo "udpbench: bench goes on without what could not be installed"
	$(Q)$(MAKE) --no-print-directory $(BIN) $(PERF_BIN)
	$(Q)python3 tests/perf/bench.py --udpbench $(abspath $(BIN)) --helpers $(abspath $(BUILD)/perf) \
		--results tests/perf/RESULTS.md $(BENCH_ARGS)

$(BUILD)/perf/%: tests/perf/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $<

# the bare libpcap read loop analyze is measured against
$(BUILD)/perf/pcap_loop: tests/perf/pcap_loop.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< \
		$$(pkg-config --libs libpcap)

install: udpbench
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/udpbench/scenarios
	install -m 0755 udpbench $(DESTDIR)$(PREFIX)/bin/udpbench
	install -m 0644 bench/udpbench.1 $(DESTDIR)$(PREFIX)/share/man/man1/udpbench.1
	install -m 0644 scenarios/*.ini $(DESTDIR)$(PREFIX)/share/udpbench/scenarios/
	install -d $(DESTDIR)$(PREFIX)/share/udpbench/reports
	install -m 0644 reports/*.gp $(DESTDIR)$(PREFIX)/share/udpbench/reports/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/udpbench $(DESTDIR)$(PREFIX)/share/man/man1/udpbench.1
	rm -rf $(DESTDIR)$(PREFIX)/share/udpbench

clean:
	rm -rf $(BUILD) udpbench

deps-%:
	@missing=""; \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "udpbench: not a Debian system; make sure these are installed: $(DEPS_$*)"; exit 0; fi; \
	for p in $(DEPS_$*); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "udpbench: missing Debian packages:$$missing — run as root, or: sudo apt-get install$$missing"; exit 1; fi; \
	echo "udpbench: installing Debian packages:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } || \
		{ echo "udpbench: apt-get could not install:$$missing"; exit 1; }

-include $(LIB_OBJ:.o=.d) $(BUILD)/bench/cmd/main.d $(UNIT_BIN:=.d) $(FUZZ_OBJ:.o=.d)

# The 虚谷号 (aarch64, Ubuntu 16.04, glibc 2.23) runs a statically linked
# reflector and sender built with Debian's cross compiler. libpcap, jansson,
# inih and libmicrohttpd exist for arm64 only as foreign-architecture
# packages, so this build (UB_BOARD_BUILD) holds only the modules reflect and
# send need: mk/sources.sh walks from peers/vvboard/board_main.c, every X.h a
# source includes (as the compiler sees it, the board's conditional includes
# resolved) bringing in X.c and X_*.c (session_int.h: the transports), until
# nothing new comes in. The binary names the commands and options it lacks.
# Stand-ins: bench/stamp/auth_none.c for auth.c (no arm64 libcrypto: --key is
# refused), peers/vvboard/live_none.c and capture_none.c for the live page
# and capture (--live, --pcap refused); without jansson the sender prints its
# summary and refuses --json.
# Running it on this machine needs qemu-user: `make deps-qemu`.
DEPS_cross   := gcc-aarch64-linux-gnu libc6-dev-arm64-cross
DEPS_qemu    := qemu-user-static
CROSS_CC     ?= aarch64-linux-gnu-gcc
CROSS_BUILD  ?= build-aarch64
CROSS_MAIN   := peers/vvboard/board_main.c
CROSS_CPPFLAGS = $(CPPFLAGS) -DUB_BOARD_BUILD
CROSS_SRC    ?= $(CROSS_MAIN)
CROSS_OBJ     = $(CROSS_SRC:%.c=$(CROSS_BUILD)/obj/%.o)

.PHONY: cross-aarch64 clean-cross

# What both cross builds' walks (mk/sources.sh -m) take instead of X.c: the
# live page and capture are not in them; session_int.h is the transports'.
CROSS_STANDINS := -m bench/live/live.c=peers/vvboard/live_none.c \
                  -m capture/capture.c=peers/vvboard/capture_none.c \
                  -m "bench/send/session_int.c=bench/send/transport_udp.c bench/send/transport_tcp.c"

cross-aarch64: deps-cross
	$(Q)src=$$(sh mk/sources.sh -c "$(CROSS_CC) $(CROSS_CPPFLAGS)" $(CROSS_STANDINS) \
		-m bench/stamp/auth.c=bench/stamp/auth_none.c $(CROSS_MAIN)) && \
	$(MAKE) --no-print-directory $(CROSS_BUILD)/udpbench CROSS_SRC="$$src"

$(CROSS_BUILD)/udpbench: $(CROSS_OBJ)
	$(call say,LD,$@)$(CROSS_CC) -static $(CFLAGS) -o $@ $^ -lm

$(CROSS_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CROSS_CC) $(CROSS_CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

clean-cross:
	rm -rf $(CROSS_BUILD)

-include $(wildcard $(CROSS_BUILD)/obj/*/*.d $(CROSS_BUILD)/obj/*/*/*.d $(CROSS_BUILD)/obj/*/*/*/*.d)

# Windows: a native udpbench.exe cross-built with Debian's mingw-w64
# (`make cross-windows` -> build-win64/udpbench.exe; `make dist-windows`
# zips it with what goes beside it), run under Debian's wine by the tests
# (`make deps-wine`). The build has its own platform layer (bench/lib/plat.h,
# bench/lib/*_win32.c, and bench/lib/win32/: POSIX-named headers that map
# onto Winsock for this build alone). Its dependencies: jansson and
# libpcap built for mingw from Debian's own source packages (fetched with
# `apt-get source` through a deb-src list of its own beside the build, made
# from the system's binary sources of Debian's or Ubuntu's archive; the
# system's apt configuration is left alone), libpcap without live capture;
# HMAC from Windows' CNG (bcrypt.dll) instead of OpenSSL. report starts
# gnuplot for Windows through CreateProcessW (bench/lib/proc_win32.c) and
# without it writes the tables alone. Not in this build: live capture
# (--pcap: Npcap), the live page and metrics (libmicrohttpd), Wi-Fi facts
# (netlink), the packet-level link (TUN: scenarios run UDP through the
# socket relay). Scenario files are read by bench/lib/win32/ini.c, libinih's
# format as Debian's libinih 55 reads it (tests/unit/test_ini_win32.c holds
# them alike): libinih's Debian source package is listed in the archive, but
# its tarballs cannot be fetched from it.
DEPS_windows := gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev \
                dpkg-dev bison flex zip
DEPS_wine    := wine wine64
# tests/integration/test_windows.py builds the exe and runs it under wine
DEPS_test    += $(DEPS_windows) $(DEPS_wine)
WIN_CC       ?= x86_64-w64-mingw32-gcc
WIN_AR       ?= x86_64-w64-mingw32-ar
WIN_WINDRES  ?= x86_64-w64-mingw32-windres
WIN_BUILD    ?= build-win64
WIN_DEPS     := $(WIN_BUILD)/deps
WIN_APT       = -o Dir::Etc::SourceList=$(abspath $(WIN_DEPS))/apt/sources.list \
                -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$(abspath $(WIN_DEPS))/apt/lists
# mingw's own printf (C99 %zu, %lld) rather than the old msvcrt one; Windows 8 and
# later (WSAPoll). Formats are checked by the Linux build: mingw's checker reads
# format(printf) as msvcrt's. struct pollfd's fd is Winsock's unsigned SOCKET.
WIN_CPPFLAGS  = -DUB_VERSION='"$(VERSION)"' -I. -Ibench -D__USE_MINGW_ANSI_STDIO=1 \
                -D_WIN32_WINNT=0x0602 -DWIN32_LEAN_AND_MEAN
WIN_WARN      = $(WARN) -Wno-format -Wno-sign-compare

# Debian's source packages come through a deb-src list of the build's own,
# made from the system's binary sources of Debian's or Ubuntu's archive.
# $(call win_source,PKG) fetches PKG's source into $(WIN_DEPS)/PKG, with
# Debian's patches applied; the unpacked tree is $(WIN_DEPS)/PKG/src.
$(WIN_DEPS)/apt/sources.list:
	$(Q)rm -rf $(WIN_DEPS)/apt && mkdir -p $(WIN_DEPS)/apt/lists/partial
	$(Q)for o in Debian Ubuntu; do \
		apt-get indextargets --format 'deb-src $$(REPO_URI) $$(CODENAME) $$(COMPONENT)' \
			'Identifier: Packages' "Origin: $$o"; done | sort -u > $@
	$(call say,APT,deb-src)apt-get $(WIN_APT) update -qq >$(WIN_DEPS)/apt/update.log 2>&1 || \
		{ echo "udpbench: cannot read the archive's source lists (apt-get update):"; \
		  cat $(WIN_DEPS)/apt/update.log; rm -f $@; exit 1; }

define win_source
	$(Q)rm -rf $(WIN_DEPS)/$(1) && mkdir -p $(WIN_DEPS)/$(1)
	$(call say,APT,$(1))cd $(WIN_DEPS)/$(1) && apt-get $(WIN_APT) source -qq $(1) >/dev/null 2>apt.log || \
		{ echo "udpbench: cannot fetch Debian's $(1) source (apt-get source $(1)):"; \
		  cat apt.log; exit 1; }
	$(Q)cd $(WIN_DEPS)/$(1) && ln -sfn $$(ls -d $(1)-*/ | head -1) src
endef

# jansson, built as a static library.
$(WIN_DEPS)/jansson/libjansson.a: | $(WIN_DEPS)/apt/sources.list
	$(call win_source,jansson)
	$(Q)cd $(WIN_DEPS)/jansson && s=src/src && \
		sed -e 's/@json_inline@/inline/' -e 's/@json_have_long_long@/1/' \
		    -e 's/@json_have_localeconv@/1/' -e 's/@json_have_atomic_builtins@/1/' \
		    -e 's/@json_have_sync_builtins@/1/' $$s/jansson_config.h.in > jansson_config.h && \
		printf '%s\n' '#define HAVE_STDINT_H 1' '#define HAVE_SYS_TYPES_H 1' '#define HAVE_UNISTD_H 1' \
			'#define HAVE_ATOMIC_BUILTINS 1' '#define USE_WINDOWS_CRYPTOAPI 1' \
			> jansson_private_config.h && cp $$s/jansson.h . && \
		for c in $$s/*.c; do o=$$(basename $$c .c).o; \
			$(WIN_CC) -O2 -DHAVE_CONFIG_H -D__USE_MINGW_ANSI_STDIO=1 -I. -c -o $$o $$c || exit 1; done && \
		$(WIN_AR) rcs libjansson.a *.o
	$(call say,AR,$@)test -f $@

# libpcap without live capture (pcap-null.c): capture files, pcap and
# pcapng, and the filter compiler (its grammar through bison and flex).
# Its autoconf build has no Windows target, and its CMake one wants
# Npcap's SDK for live capture, which this build leaves out.
WIN_PCAP_SRC := pcap.c savefile.c sf-pcap.c sf-pcapng.c pcap-common.c fmtutils.c charconv.c \
                bpf_filter.c optimize.c gencode.c nametoaddr.c etherent.c pcap-null.c pcap-util.c \
                pcap-usb-linux-common.c
$(WIN_DEPS)/libpcap/libpcap.a: | $(WIN_DEPS)/apt/sources.list
	$(call win_source,libpcap)
	$(Q)cd $(WIN_DEPS)/libpcap && v=$$(cat src/VERSION) && \
		printf '%s\n' '#define HAVE_STDINT_H 1' '#define HAVE_INTTYPES_H 1' '#define HAVE_STRING_H 1' \
			'#define HAVE_LIMITS_H 1' '#define HAVE_SNPRINTF 1' '#define HAVE_VSNPRINTF 1' \
			'#define HAVE_STRERROR 1' '#define INET6 1' "#define PACKAGE_VERSION \"$$v\"" \
			> config.h && \
		sed 's/@REENTRANT_PARSER@/%define api.pure/' src/grammar.y.in > grammar.y && \
		bison -p pcap_ -o grammar.c -d grammar.y && \
		flex -P pcap_ --header-file=scanner.h --nounput -o scanner.c src/scanner.l && \
		for c in $(WIN_PCAP_SRC:%=src/%) grammar.c scanner.c; do o=$$(basename $$c .c).o; \
			$(WIN_CC) -O2 -DHAVE_CONFIG_H -DBUILDING_PCAP -I. -Isrc -c -o $$o $$c || exit 1; done && \
		$(WIN_AR) rcs libpcap.a $(WIN_PCAP_SRC:.c=.o) grammar.o scanner.o
	$(call say,AR,$@)test -f $@

# The sources: mk/sources.sh walks from bench/cmd/main.c, every X.h that a
# source or a header names in an #include (found in the tree, bench/ or
# bench/lib/win32/; the modules include nothing conditionally) bringing in
# X.c and X_*.c, each replaced by its *_win32.c variant where there is one,
# until nothing new comes in; the stand-ins below say "not in this build"
# when asked for what they replace.
# The list is kept in $(WIN_BUILD)/sources.txt until a source or the Makefile changes.
WIN_MAIN     := bench/cmd/main.c
WIN_SRC      ?= $(WIN_MAIN)
WIN_OBJ       = $(WIN_SRC:%.c=$(WIN_BUILD)/obj/%.o)
WIN_INC       = -Ibench/lib/win32 -I$(WIN_DEPS)/jansson -idirafter $(WIN_DEPS)/libpcap/src
WIN_LIBS     := -lpthread -lssp -lws2_32 -liphlpapi -lbcrypt -ladvapi32 -lwinmm

.PHONY: cross-windows clean-windows

cross-windows: deps-windows
	$(Q)$(MAKE) --no-print-directory $(WIN_DEPS)/jansson/libjansson.a $(WIN_DEPS)/libpcap/libpcap.a
	$(Q)list=$(WIN_BUILD)/sources.txt; \
	if [ -f $$list ] && [ -z "$$(find Makefile mk bench capture peers reports scenarios -newer $$list \
		\( -name '*.[ch]' -o -name Makefile -o -name '*.sh' \) | head -n 1)" ]; then src=$$(cat $$list); else \
	src=$$(sh mk/sources.sh -I ". bench bench/lib/win32" -w win32 $(CROSS_STANDINS) \
		-m bench/live/metrics.c=bench/live/metrics_none.c \
		-m bench/relay/pktlink.c=bench/relay/pktlink_none.c \
		-m scenarios/netns.c=scenarios/netns_none.c \
		-m "scenarios/scenario.c=scenarios/scenario.c scenarios/runner.c" \
		-m "bench/lib/wifi.c=bench/lib/wifi.c bench/lib/wifi_query.c" \
		$(WIN_MAIN)) && echo "$$src" > $$list || exit 1; fi; \
	$(MAKE) --no-print-directory $(WIN_BUILD)/udpbench.exe WIN_SRC="$$src"

# The manifest makes UTF-8 the process's code page: arguments and file names in Chinese.
$(WIN_BUILD)/obj/udpbench.res.o: bench/lib/win32/udpbench.rc bench/lib/win32/udpbench.manifest
	@mkdir -p $(dir $@)
	$(call say,RES,$<)$(WIN_WINDRES) -I bench/lib/win32 -O coff -o $@ $<

$(WIN_BUILD)/udpbench.exe: $(WIN_OBJ) $(WIN_BUILD)/obj/udpbench.res.o $(WIN_DEPS)/jansson/libjansson.a \
                           $(WIN_DEPS)/libpcap/libpcap.a
	$(call say,LD,$@)$(WIN_CC) -static $(CFLAGS) -o $@ $^ $(WIN_LIBS)

$(WIN_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_INC) $(WIN_WARN) $(CFLAGS) -c -o $@ $<

# One zip for a Windows PC: the exe, the README (Chinese and English), the
# report templates in reports\ beside the exe, where its report finds them,
# and the scenarios (for the Linux build's scenario command, under WSL).
WIN_ZIP := $(WIN_BUILD)/udpbench-$(VERSION)-windows-x86_64.zip
.PHONY: dist-windows
dist-windows: cross-windows
	$(Q)rm -rf $(WIN_BUILD)/dist && mkdir -p $(WIN_BUILD)/dist/udpbench/scenarios $(WIN_BUILD)/dist/udpbench/reports
	$(Q)cp $(WIN_BUILD)/udpbench.exe README.md $(WIN_BUILD)/dist/udpbench/ && \
		cp scenarios/*.ini $(WIN_BUILD)/dist/udpbench/scenarios/ && \
		cp reports/*.gp $(WIN_BUILD)/dist/udpbench/reports/
	$(call say,ZIP,$(WIN_ZIP))rm -f $(WIN_ZIP) && cd $(WIN_BUILD)/dist && zip -qr $(abspath $(WIN_ZIP)) udpbench

clean-windows:
	rm -rf $(WIN_BUILD)

-include $(wildcard $(WIN_BUILD)/obj/*/*.d $(WIN_BUILD)/obj/*/*/*.d $(WIN_BUILD)/obj/*/*/*/*.d)
