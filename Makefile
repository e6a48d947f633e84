# zonefall: thin wrapper over meson. `make demo` and `make test` are the two commands a
# user types on a fresh Debian 12 machine; both install what is missing first (make deps).
# The Debian package list lives here and only here.

BUILD       ?= build
BUILD_SAN   ?= build-san
BUILD_BENCH ?= build-bench
BUILD_FUZZ  ?= build-fuzz
FUZZ_TIME   ?= 300
DEMO_OUT    ?= out/demo

# Build and run: compiler, meson, the linked libraries, gnuplot (run as a program).
DEPS_BUILD = gcc pkg-config meson ninja-build libuv1-dev libgsl-dev libjansson-dev \
             libcriterion-dev libhttp-parser-dev libssl-dev libpq-dev gnuplot-nox
# Tests and benchmarks: real servers and load tools on loopback, sanitizer runtimes.
DEPS_TEST  = libclang-rt-14-dev clang haproxy nginx wrk python3 iproute2 iptables \
             postgresql patroni etcd-server etcd-client socat curl openssl \
             python3-etcd
# Browser check of the HTML report (optional: tests skip with a message without it).
DEPS_BROWSER = chromium nodejs

APT_INSTALL = DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "zonefall: installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && $$SUDO $(APT_INSTALL) $$missing $(2); \
	fi
endef

.PHONY: all deps deps-test deps-browser build demo test e2e bench fuzz clean help

all: build

help:
	@echo "make demo   install, build, run the demo scenario, write a report"
	@echo "make test   install, build with ASan+UBSan, run every test"
	@echo "make e2e    the test bed end to end (root, 4-5 min): replay its scenarios with"
	@echo "            faults, read every write back, sync vs async, sim vs real table"
	@echo "make bench  optimised build, benchmarks as JSON lines"
	@echo "make fuzz   libFuzzer (clang) on the HTTP response parser, FUZZ_TIME seconds"
	@echo "make deps   install missing Debian packages (build and run)"

deps:
	$(call install_missing,$(DEPS_BUILD))

deps-test: deps
	$(call install_missing,$(DEPS_TEST))

deps-browser:
	$(call install_missing,$(DEPS_BROWSER), || echo "zonefall: chromium could not be installed; browser checks will be skipped")

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Dtests=false

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

demo: build
	@./scripts/demo.sh $(BUILD)/cli/zonefall $(DEMO_OUT)

$(BUILD_SAN)/build.ninja:
	meson setup $(BUILD_SAN) --buildtype=debugoptimized --werror \
	  -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dc_args=-fno-sanitize-recover=all -Dbench=false

test: deps-test deps-browser $(BUILD_SAN)/build.ninja
	meson compile -C $(BUILD_SAN)
	meson test -C $(BUILD_SAN) --print-errorlogs --num-processes 2

# The test bed end to end (docs/testbed.md, "The end-to-end check"): needs root and
# network namespaces; exits 77 with a message (skipped) without them. Results, reports and
# the sim-vs-real table in results/e2e-testbed/.
e2e: deps-test build
	@./tests/e2e/testbed_replay.sh $(BUILD)/cli/zonefall results/e2e-testbed

$(BUILD_BENCH)/build.ninja:
	meson setup $(BUILD_BENCH) --buildtype=release -Db_ndebug=true -Dtests=false \
	  -Dc_args='-O3 -march=native'

bench: deps-test $(BUILD_BENCH)/build.ninja
	meson compile -C $(BUILD_BENCH)
	@./bench/run.sh $(BUILD_BENCH)

# libFuzzer on the load engine's response parser glue (clang, ASan+UBSan, its own build
# dir); the corpus grows in $(BUILD_FUZZ)/corpus, crashes land in $(BUILD_FUZZ)/artifacts.
$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) --buildtype=debugoptimized -Dbench=false \
	  -Db_sanitize=address,undefined -Db_lundef=false

fuzz: deps-test $(BUILD_FUZZ)/build.ninja
	meson compile -C $(BUILD_FUZZ) fuzz_response
	mkdir -p $(BUILD_FUZZ)/corpus $(BUILD_FUZZ)/artifacts
	cp -n tests/fuzz/corpus/response/* $(BUILD_FUZZ)/corpus/
	$(BUILD_FUZZ)/tests/fuzz/fuzz_response -max_total_time=$(FUZZ_TIME) -timeout=5 \
	  -rss_limit_mb=1024 -max_len=4096 -print_final_stats=1 \
	  -artifact_prefix=$(BUILD_FUZZ)/artifacts/ $(BUILD_FUZZ)/corpus

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_BENCH) $(BUILD_FUZZ)
