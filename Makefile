# udpbench — every build, test, bench, install and demo target.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
BIN      ?= udpbench
VERSION  := 0.1.0

CC       ?= cc
PKGS     := jansson
CPPFLAGS += -D_GNU_SOURCE -DUB_VERSION='"$(VERSION)"' -Ibench -D_FORTIFY_SOURCE=2
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wwrite-strings -Wpointer-arith -fstack-protector-strong -MMD -MP
ifeq ($(CI),true)
WARN     += -Werror
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS    += $(PKG_LIBS) -lm

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

# Debian packages each job needs; `make deps-X` installs the missing ones.
DEPS_build := gcc make pkg-config libc6-dev libjansson-dev
DEPS_test  := $(DEPS_build) libcmocka-dev python3 tshark tcpdump nftables iproute2
DEPS_demo  := $(DEPS_build)

LIB_SRC  := $(filter-out bench/main.c,$(wildcard bench/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libudpbench.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test check unit demo install uninstall clean asan deps-build deps-test deps-demo

all: $(BIN)

$(BIN): $(BUILD)/bench/main.o $(LIB)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIB_OBJ)
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) $$(pkg-config --cflags cmocka) \
		-o $@ $< $(LIB) $(LDLIBS) $$(pkg-config --libs cmocka)

unit: $(UNIT_BIN)

# The README's test command: installs what is missing, builds, runs every test.
test: deps-test
	$(Q)$(MAKE) --no-print-directory check

check: $(BIN) unit
	$(Q)BUILD=$(BUILD) UDPBENCH=$(abspath $(BIN)) sh tests/run.sh

# Every test again with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps-test
	$(Q)$(MAKE) --no-print-directory check BUILD=build/asan BIN=build/asan/udpbench \
		CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" ASAN_OPTIONS=detect_leaks=1

# The main job on a built-in default: a reflector on loopback, 1000 probes, results.
DEMO_DIR   ?= results/demo
DEMO_COUNT ?= 1000
demo: deps-demo
	$(Q)$(MAKE) --no-print-directory udpbench
	@mkdir -p $(DEMO_DIR); \
	./udpbench reflect --bind 127.0.0.1 --port 0 2>$(DEMO_DIR)/reflector.log & rpid=$$!; \
	trap 'kill $$rpid 2>/dev/null; wait $$rpid 2>/dev/null' EXIT INT TERM; \
	port=""; i=0; \
	while [ -z "$$port" ] && [ $$i -lt 50 ]; do \
		port=$$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) .*/\1/p' $(DEMO_DIR)/reflector.log); \
		[ -n "$$port" ] || sleep 0.1; i=$$((i + 1)); \
	done; \
	[ -n "$$port" ] || { echo "udpbench: the demo reflector did not start:"; cat $(DEMO_DIR)/reflector.log; exit 1; }; \
	echo "udpbench demo: reflector on 127.0.0.1:$$port, $(DEMO_COUNT) probes every 10 ms"; \
	./udpbench --peer 127.0.0.1:$$port --count $(DEMO_COUNT) --interval 10ms --label demo \
		--json $(DEMO_DIR)/demo.json --csv $(DEMO_DIR)/demo.csv; rc=$$?; \
	echo "results: $(DEMO_DIR)/demo.json $(DEMO_DIR)/demo.csv"; exit $$rc

install: udpbench
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 udpbench $(DESTDIR)$(PREFIX)/bin/udpbench
	install -m 0644 bench/udpbench.1 $(DESTDIR)$(PREFIX)/share/man/man1/udpbench.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/udpbench $(DESTDIR)$(PREFIX)/share/man/man1/udpbench.1

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

-include $(LIB_OBJ:.o=.d) $(BUILD)/bench/main.d $(UNIT_BIN:=.d)
