# mcxlab -- build, test, demo, bench, fuzz. See README.md.
#   make demo            run mcxd on the embedded deployment and check it
#   make check           every unit, integration and conformance test
#   make check SANITIZE=1 CC=clang   the same under ASan+UBSan
#   make fuzz-smoke      a short run of every libFuzzer target (clang)
#   make bench           benchmarks against named peers (bench/RESULTS.md)
#   make install PREFIX=/usr/local DESTDIR=
CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
SANITIZE ?= 0
PKGS := libevent libevent_openssl openssl libxml-2.0 jansson libcurl ldns libpcap

ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -D_GNU_SOURCE \
	-Iinclude -Irefimpl -Iconformance $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lhttp_parser -lm
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)

LIB_SRC := $(wildcard lib/*.c)
MCXD_SRC := $(filter-out refimpl/mcxd_main.c refimpl/mcxdns_main.c,$(wildcard refimpl/*.c)) \
	$(wildcard refimpl/mobility/*.c)
CHECK_SRC := $(filter-out conformance/mcxcheck_main.c,$(wildcard conformance/*.c))
UNIT_SRC := $(wildcard lib/test/test_*.c refimpl/test/test_*.c conformance/test/test_*.c)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)

EMBED_SRC := $(wildcard lib/*.xsd lib/*.xml)
EMBED_OBJ := $(patsubst lib/%,$(BUILD)/gen/embed_%.o,$(basename $(EMBED_SRC)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(EMBED_OBJ)
MCXD_OBJ := $(MCXD_SRC:%.c=$(BUILD)/%.o)
CHECK_OBJ := $(CHECK_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)

LIBMCX := $(BUILD)/libmcx.a
LIBMCXD := $(BUILD)/libmcxd.a
LIBCHECK := $(BUILD)/libmcxcheck.a
MCXD := $(BUILD)/mcxd
MCXDNS := $(if $(wildcard refimpl/mcxdns_main.c),$(BUILD)/mcxdns)
MCXCHECK := $(BUILD)/mcxcheck

.PHONY: all deps demo check unit integration fuzz fuzz-smoke bench install clean format
all: $(MCXD) $(MCXDNS) $(MCXCHECK) $(UNIT_BIN)

deps:
	@sh ci/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Data files compiled in: lib/NAME.xsd|xml -> mcx_embed_NAME (ci/embed.sh).
# Keep the generated C files: as intermediates make would delete them and
# rebuild (and relink everything) on every run.
.PRECIOUS: $(BUILD)/gen/embed_%.c build-fuzz/gen/embed_%.c
$(BUILD)/gen/embed_%.c: lib/%.xsd ci/embed.sh
	@mkdir -p $(dir $@)
	sh ci/embed.sh $< $@ mcx_embed_$*
$(BUILD)/gen/embed_%.c: lib/%.xml ci/embed.sh
	@mkdir -p $(dir $@)
	sh ci/embed.sh $< $@ mcx_embed_$*
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

-include $(LIB_OBJ:.o=.d) $(MCXD_OBJ:.o=.d) $(CHECK_OBJ:.o=.d)

$(LIBMCX): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBMCXD): $(MCXD_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBCHECK): $(CHECK_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MCXD): $(BUILD)/refimpl/mcxd_main.o $(LIBMCXD) $(LIBMCX)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/mcxdns: $(BUILD)/refimpl/mcxdns_main.o $(LIBMCXD) $(LIBMCX)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(MCXCHECK): $(BUILD)/conformance/mcxcheck_main.o $(LIBCHECK) $(LIBMCXD) $(LIBMCX)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(UNIT_BIN): $(BUILD)/%: %.c $(LIBCHECK) $(LIBMCXD) $(LIBMCX)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_ALL) -o $@ $< $(LIBCHECK) $(LIBMCXD) $(LIBMCX) \
		$(LDLIBS_ALL) -lcmocka

# Targets that need the Debian packages run make again after `make deps`:
# the pkg-config flags above are expanded when make reads this file, which on
# a bare machine is before deps has installed the -dev packages.
demo: deps
	@$(MAKE) --no-print-directory $(MCXD) $(MCXDNS) $(MCXCHECK)
	@sh ci/demo.sh $(BUILD)

check: deps
	@$(MAKE) --no-print-directory all
	@sh ci/run-tests.sh $(BUILD)

# libFuzzer targets: clang only, separate build tree.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -DMCX_FUZZING -Iinclude -Irefimpl -Iconformance \
	$(PKG_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB_SRC := $(LIB_SRC) $(MCXD_SRC) $(CHECK_SRC)
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=build-fuzz/%.o) \
	$(patsubst lib/%,build-fuzz/gen/embed_%.o,$(basename $(EMBED_SRC)))
build-fuzz/gen/embed_%.c: lib/%.xsd ci/embed.sh
	@mkdir -p $(dir $@)
	sh ci/embed.sh $< $@ mcx_embed_$*
build-fuzz/gen/embed_%.c: lib/%.xml ci/embed.sh
	@mkdir -p $(dir $@)
	sh ci/embed.sh $< $@ mcx_embed_$*
build-fuzz/gen/%.o: build-fuzz/gen/%.c
	clang $(FUZZ_CFLAGS) -c $< -o $@
build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
-include $(FUZZ_LIB_OBJ:.o=.d)
# Built by pattern rules only, they would count as intermediates and be
# deleted after every link (and rebuilt by the next make fuzz).
.SECONDARY: $(FUZZ_LIB_OBJ)
build-fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_ALL)
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
fuzz-smoke: fuzz
	@sh ci/fuzz-smoke.sh $(FUZZ_BIN)

bench: deps
	@$(MAKE) --no-print-directory $(MCXD) $(MCXDNS) $(MCXCHECK)
	@sh bench/run.sh $(BUILD)

install: $(MCXD) $(MCXDNS) $(MCXCHECK)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(MCXCHECK) $(DESTDIR)$(PREFIX)/bin/mcxcheck
	install -m 0755 $(MCXD) $(DESTDIR)$(PREFIX)/sbin/mcxd
	install -m 0644 man/mcxcheck.1 $(DESTDIR)$(PREFIX)/share/man/man1/mcxcheck.1
	install -m 0644 man/mcxd.8 $(DESTDIR)$(PREFIX)/share/man/man8/mcxd.8
	install -d $(DESTDIR)$(PREFIX)/share/mcxlab/vectors/recorded
	install -m 0644 vectors/*.xml vectors/README.md $(DESTDIR)$(PREFIX)/share/mcxlab/vectors/
	install -m 0644 vectors/recorded/*.http $(DESTDIR)$(PREFIX)/share/mcxlab/vectors/recorded/
	$(if $(MCXDNS),install -m 0755 $(MCXDNS) $(DESTDIR)$(PREFIX)/sbin/mcxdns)
	install -m 0644 man/mcxdns.8 $(DESTDIR)$(PREFIX)/share/man/man8/mcxdns.8

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-fuzz
