# Quick start (see README.md):
#   make run    installs what is missing, builds, ingests samples/ and prints the TLS table
#   make test   installs what is missing, builds, and runs every test
# Plain CMake works too once the packages are installed:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian 12 packages: to build, to run the tests (compressors for generated archives,
# chromium for the HTML report test, clang/libFuzzer for the fuzz targets).
BUILD_DEPS := g++ cmake ninja-build pkg-config libre2-dev libsqlite3-dev libcli11-dev \
  libboost-iostreams-dev catch2 libtomlplusplus-dev nlohmann-json3-dev zlib1g-dev \
  libisal-dev
TEST_DEPS := sqlite3 python3 gzip bzip2 xz-utils zstd tar chromium clang libclang-rt-14-dev libfuzzer-14-dev

FUZZ_SECONDS ?= 60

.PHONY: all deps test-deps build run test sanitize tsan fuzz bench clean

all: build

deps:
	@missing=$$(for p in $(BUILD_DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test-deps: deps
	@missing=$$(for p in $(TEST_DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# ccache, where installed, shortens rebuilds; nothing needs it.
LAUNCHER := $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(LAUNCHER)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	rm -f $(BUILD)/samples.db
	$(BUILD)/mailtls ingest --db $(BUILD)/samples.db --progress 0 samples/
	$(BUILD)/mailtls summary --db $(BUILD)/samples.db --direction both

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole test suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer,
# on generated inputs a quarter of the size (MAILTLS_TEST_SCALE): the instrumented binaries
# run several times slower, and CI has 90 minutes on 2 cores for everything.
sanitize: test-deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILTLS_SANITIZE=ON $(LAUNCHER)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && MAILTLS_TEST_SCALE=0.25 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# The tests that run threads (parse lanes, the reader's decompression threads, whole
# ingests of several inputs at once), built with ThreadSanitizer. A race makes the
# instrumented binary exit with status 66, which fails the test that ran it.
TSAN_TESTS := [lane],[write_queue],[ingest],[bad-input],[reader],[reliability],[localized]
tsan: test-deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILTLS_TSAN=ON $(LAUNCHER)
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && MAILTLS_TEST_SCALE=0.25 TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
	  tests/mailtls_tests '$(TSAN_TESTS)'

# Each libFuzzer target for FUZZ_SECONDS, seeded from samples/ and tests/fuzz/corpus/.
fuzz: test-deps
	CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DMAILTLS_FUZZ=ON -DMAILTLS_TESTS=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz_framer fuzz_transcript fuzz_reader fuzz_tar
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
