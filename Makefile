# wshub: `make` builds ./wshub; `make run` starts it; `make test` runs every test.
# Quiet unless V=1. Build trees live under build/<variant>/.

.DEFAULT_GOAL := all

CXX      ?= g++
CLANGXX  ?= clang++
PYTEST_ARGS ?=

CXXSTD   := -std=c++20
WARN     := -Wall -Wextra -Werror
DEPFLAGS := -MMD -MP
INCLUDES := -Isrc -Iinclude

OS := $(shell uname -s)
ifeq ($(OS),Linux)
  POLLER := epoll
else
  POLLER := kqueue
endif

LIB_SRCS  := $(sort $(filter-out src/main.cpp src/reactor/poller_%.cpp src/examples/% src/web/embed.cpp,$(shell find src -name '*.cpp')))
# Embedder programs: src/examples/NAME.cpp becomes build/<variant>/wshub-NAME.
EXAMPLES  := $(sort $(basename $(notdir $(wildcard src/examples/*.cpp))))
TEST_SRCS := $(sort $(wildcard tests/*.cpp))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.cpp))

ifeq ($(V),1)
  Q :=
else
  Q := @
endif

# The built-in pages (src/web/): build/tools/embed, a host program, turns the
# files src/web/manifest lists into one generated source, which every variant
# compiles into its library; editing any file there regenerates it.
WEB_FILES := src/web/manifest $(filter-out %.cpp %.h src/web/manifest,$(wildcard src/web/*))
EMBED_SRCS := src/web/embed.cpp src/files/mime.cpp src/http/request.cpp
build/tools/embed: $(EMBED_SRCS) src/files/mime.h src/http/request.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX[tools] $@")
	$(Q)$(CXX) $(CXXSTD) $(WARN) $(INCLUDES) -O1 -o $@ $(EMBED_SRCS)
build/gen/web_assets.cpp: build/tools/embed $(WEB_FILES)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN        $@")
	$(Q)build/tools/embed src/web/manifest $@

# $(call variant,NAME,CXX,FLAGS,LDFLAGS,POLLER,EXTRA_SRCS)
# defines build/NAME/libwshub.a (everything but main.cpp and the examples),
# and linked against it build/NAME/wshub, build/NAME/wshub-EXAMPLE and
# build/NAME/unit_tests.
define variant
$(1)_OBJS := $$(patsubst %.cpp,build/$(1)/%.o,$$(LIB_SRCS) src/reactor/poller_$(5).cpp $(6)) build/$(1)/gen/web_assets.o
$(1)_TEST_OBJS := $$(patsubst %.cpp,build/$(1)/%.o,$$(TEST_SRCS))
build/$(1)/%.o: %.cpp
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CXX[$(1)] $$<")
	$$(Q)$(2) $$(CXXSTD) $$(WARN) $$(DEPFLAGS) $$(INCLUDES) $(3) -c $$< -o $$@
build/$(1)/gen/web_assets.o: build/gen/web_assets.cpp
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CXX[$(1)] $$<")
	$$(Q)$(2) $$(CXXSTD) $$(WARN) $$(DEPFLAGS) $$(INCLUDES) $(3) -c $$< -o $$@
build/$(1)/libwshub.a: $$($(1)_OBJS)
	@$$(if $$(Q),echo "  AR[$(1)]  $$@")
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
build/$(1)/wshub: build/$(1)/src/main.o build/$(1)/libwshub.a
	@$$(if $$(Q),echo "  LD[$(1)]  $$@")
	$$(Q)$(2) $(3) -o $$@ $$^ $(4) -pthread
build/$(1)/wshub-%: build/$(1)/src/examples/%.o build/$(1)/libwshub.a
	@$$(if $$(Q),echo "  LD[$(1)]  $$@")
	$$(Q)$(2) $(3) -o $$@ $$^ $(4) -pthread
.SECONDARY: $$(patsubst %,build/$(1)/src/examples/%.o,$(EXAMPLES))
build/$(1)/unit_tests: $$($(1)_TEST_OBJS) build/$(1)/libwshub.a
	@$$(if $$(Q),echo "  LD[$(1)]  $$@")
	$$(Q)$(2) $(3) -o $$@ $$^ $(4) -pthread
-include $$(shell find build/$(1) -name '*.d' 2>/dev/null)
endef

RELEASE_FLAGS := -O2 -g
ASAN_FLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SHIM_FLAGS    := -O2 -g -Itests/kqueue_shim

# The C++ runtime is linked in, so the binary needs nothing beyond libc at run time.
RELEASE_LDFLAGS := -static-libstdc++ -static-libgcc
$(eval $(call variant,release,$(CXX),$(RELEASE_FLAGS),$(RELEASE_LDFLAGS),$(POLLER),))
$(eval $(call variant,asan,$(CXX),$(ASAN_FLAGS),,$(POLLER),))
# The kqueue backend built on Linux over a test-only kevent-on-epoll shim.
$(eval $(call variant,kqueue,$(CXX),$(SHIM_FLAGS),,kqueue,tests/kqueue_shim/kqueue_shim.cpp))
# A fully static binary (libc included, stripped) for minimal containers such
# as the FROM scratch Dockerfile: `make static` builds build/static/wshub.
$(eval $(call variant,static,$(CXX),$(RELEASE_FLAGS),-static -s,$(POLLER),))

# A test-only LD_PRELOAD library counting allocations (integration/test_allocations.py).
build/release/malloc_count.so: tests/malloc_count/malloc_count.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC[release]  $@")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $<

# wsbench, the load generator: scripts/wsbench/*.cpp plus the client side of
# the library: the upgrade request and the check of the 101 (src/http, with the
# crypto of Sec-WebSocket-Accept), frames, masking and masking keys (src/ws,
# with their ChaCha20), and the inflater for --deflate (src/deflate).
WSBENCH_OBJS := $(patsubst %.cpp,build/release/%.o,$(sort $(wildcard scripts/wsbench/*.cpp)) \
                  src/http/client_handshake.cpp src/http/request.cpp src/http/upgrade.cpp \
                  src/crypto/sha1.cpp src/crypto/base64.cpp src/crypto/chacha20.cpp \
                  src/ws/frame.cpp src/ws/frame_write.cpp src/ws/mask_source.cpp src/ws/utf8.cpp \
                  $(sort $(wildcard src/deflate/*.cpp)))
build/release/wsbench: $(WSBENCH_OBJS)
	@$(if $(Q),echo "  LD[release]  $@")
	$(Q)$(CXX) -O2 -o $@ $^ -pthread

.PHONY: all lib run test unit integration asan fuzz bench clean test-deps install static

EXAMPLE_BINS = $(patsubst %,build/$(1)/wshub-%,$(EXAMPLES))

# ./wshub, the library and the example embedder programs (src/examples/).
all: wshub lib $(call EXAMPLE_BINS,release)

# The library an embedder links (include/wshub/ has its headers).
lib: build/release/libwshub.a

wshub: build/release/wshub
	$(Q)cp $< $@

run: wshub
	./wshub

# The fully static binary (Linux; see the Dockerfile).
static: build/static/wshub

# Unit tests (epoll and kqueue-shim builds), then the integration suites
# against the release binary and the echo suite against the kqueue-shim binary.
# The test dependencies come first: the unit tests use redis-server.
test: build/release/unit_tests build/kqueue/unit_tests build/release/wshub build/kqueue/wshub $(call EXAMPLE_BINS,release) \
      build/static/wshub build/release/malloc_count.so
	$(Q)scripts/test-deps.sh >/dev/null
	@echo "== unit tests ($(POLLER))"
	$(Q)build/release/unit_tests
	@echo "== unit tests (kqueue backend over the test shim)"
	$(Q)build/kqueue/unit_tests
	$(Q)py=$$(scripts/test-deps.sh) && \
	  echo "== integration (kqueue-shim binary, echo suite)" && \
	  WSHUB_BIN=build/kqueue/wshub $$py -m pytest -q -p no:cacheprovider integration/test_echo.py && \
	  echo "== integration (release binary)" && \
	  WSHUB_BIN=build/release/wshub $$py -m pytest -q -p no:cacheprovider integration $(PYTEST_ARGS)

unit: build/release/unit_tests
	$(Q)build/release/unit_tests

asan: build/asan/unit_tests build/asan/wshub $(call EXAMPLE_BINS,asan)
	@echo "== unit tests (ASan+UBSan)"
	$(Q)build/asan/unit_tests
	$(Q)py=$$(scripts/test-deps.sh) && \
	  echo "== integration (ASan+UBSan binary)" && \
	  WSHUB_BIN=build/asan/wshub ASAN_OPTIONS=detect_leaks=1 $$py -m pytest -q -p no:cacheprovider integration $(PYTEST_ARGS)

# libFuzzer targets: each runs FUZZ_SECONDS (default 30) from its seed corpus.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_BINS := $(patsubst tests/fuzz/%.cpp,build/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(patsubst %.cpp,build/fuzzlib/%.o,$(filter src/crypto/% src/http/% src/ws/% src/json/% src/auth/% \
                   src/deflate/% src/redis/% src/bus/% src/files/% src/net/ip.cpp src/net/cidr.cpp src/net/address.cpp \
                   src/net/socket.cpp src/net/dns_message.cpp src/config/redis_url.cpp src/config/route_spec.cpp \
                   src/config/routes.cpp src/config/upstream_url.cpp src/client/client_url.cpp,$(LIB_SRCS)))
build/fuzzlib/%.o: %.cpp
	@mkdir -p $(@D)
	$(Q)$(CLANGXX) $(CXXSTD) $(WARN) $(DEPFLAGS) $(INCLUDES) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
build/fuzz/%: tests/fuzz/%.cpp $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CLANGXX) $(CXXSTD) $(WARN) $(INCLUDES) $(FUZZ_FLAGS) -o $@ $^

.SECONDARY: $(FUZZ_LIB_OBJS)
-include $(shell find build/fuzzlib -name '*.d' 2>/dev/null)

fuzz: $(FUZZ_BINS)
	$(Q)set -e; for f in $(FUZZ_BINS); do \
	  name=$$(basename $$f); corpus=build/fuzz/corpus/$$name; mkdir -p $$corpus; \
	  seeds=tests/fuzz/seeds/$$name; [ -d $$seeds ] || seeds=; \
	  echo "== $$name for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -print_final_stats=0 \
	      -artifact_prefix=build/fuzz/ $$corpus $$seeds 2>build/fuzz/$$name.log \
	    || { tail -40 build/fuzz/$$name.log; exit 1; }; \
	  tail -1 build/fuzz/$$name.log; \
	done

# wshub against the Boost.Beast and WebSocket++ peers (scripts/peers/), every
# case 5 interleaved rounds, about 15 minutes; BENCH_SHORT=1 for the short mode
# (under 2 minutes). Results in bench/. See README.md, Benchmarks.
bench: build/release/wshub build/release/wsbench
	$(Q)scripts/bench.sh

# Installs the binary, the man page, the library and its headers under
# $(DESTDIR)$(PREFIX): an embedder builds with -I$(PREFIX)/include and links
# $(PREFIX)/lib/libwshub.a with -pthread.
PREFIX ?= /usr/local
install: build/release/wshub build/release/libwshub.a
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/wshub
	install -m 0755 build/release/wshub $(DESTDIR)$(PREFIX)/bin/wshub
	install -m 0644 man/wshub.1 $(DESTDIR)$(PREFIX)/share/man/man1/wshub.1
	install -m 0644 build/release/libwshub.a $(DESTDIR)$(PREFIX)/lib/libwshub.a
	install -m 0644 $(wildcard include/wshub/*.h) $(DESTDIR)$(PREFIX)/include/wshub/

test-deps:
	$(Q)scripts/test-deps.sh >/dev/null

clean:
	rm -rf build wshub
