# Hark: every set-up step a fresh Debian machine needs, then build, run or test.
#   make demo   installs what is missing, builds in release and transcribes a bundled sample
#   make test   installs what is missing, builds in release and runs the whole test suite

SHELL := /bin/bash
# Debian packages: C libraries we link, and tools the tests and benchmarks call.
APT_PACKAGES := time pkg-config libsndfile1-dev libfftw3-dev libopenblas-dev libsoxr-dev zlib1g-dev espeak-ng librsvg2-bin tmux sox
# Python packages the tests call (the dataset converter, llama.cpp behind the --llm-url tests, OpenAI's client and
# websockets against `hark serve`) and the mini suite; hark itself needs none.
PIP_PACKAGES := pyarrow soundfile numpy openai==3.57.0 websockets==17.4
LLAMA_CPP_PYTHON := llama-cpp-python[server]==0.3.36
# Release build for speed, for this machine's CPU (its AVX2/AVX-512, FMA and F16C: as llama.cpp's GGML_NATIVE);
# `make build PORTABLE=1` builds for any x86-64 instead (slower: no vector FMA or half-precision conversion).
# -enable-testing lets the test targets see internal symbols of the release build.
CPU_FLAGS := $(if $(PORTABLE),,-Xswiftc -target-cpu -Xswiftc native -Xcc -march=native)
SWIFT_FLAGS := -c release -Xswiftc -enable-testing $(CPU_FLAGS)
HARK := .build/release/hark
# References measured on the machine that runs the tests (see machine-references below).
MACHINE_REFERENCES := .build/machine-references
SAMPLE := Audio/jfk.flac
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test kernel-variants test-asan test-tsan deps pydeps models build build-tests machine-references long-recording fixtures bench fuzz clean

demo: deps models build
	$(HARK) info $(SAMPLE)
	$(HARK) features $(SAMPLE) -o /tmp/hark-demo-mel.npy
	$(HARK) tokenize $(SAMPLE) -o /tmp/hark-demo.dmel
	$(HARK) detokenize /tmp/hark-demo.dmel -o /tmp/hark-demo-dmel.npy
	$(HARK) transcribe $(SAMPLE)

test: deps pydeps models build-tests machine-references long-recording
	python3 Tests/Tools/check_module_graph.py
	$(MAKE) --no-print-directory kernel-variants
	swift test $(SWIFT_FLAGS) --disable-swift-testing --skip-build

# CInt8Kernels as compiled for each instruction set this CPU runs (the build's own, AVX2, portable C): the Swift
# tests reach only the build's own.
KERNEL_CHECK := .build/check-int8-kernels
kernel-variants:
	@mkdir -p .build
	@for flags in "-march=native" "-mavx2 -mfma -mf16c" ""; do \
		case "$$flags" in *avx2*) grep -qw avx2 /proc/cpuinfo || continue;; esac; \
		clang -O2 $$flags -ISources/CInt8Kernels/include Tests/Kernels/check_int8_kernels.c \
			Sources/CInt8Kernels/int8_products.c Sources/CInt8Kernels/panel_products.c -lm -o $(KERNEL_CHECK) || exit 1; \
		$(KERNEL_CHECK) > $(KERNEL_CHECK).out; status=$$?; \
		grep -v " ok$$" $(KERNEL_CHECK).out; \
		echo "CInt8Kernels ($${flags:-portable}): $$(grep -c ' ok$$' $(KERNEL_CHECK).out) checks passed"; \
		[ $$status = 0 ] || exit 1; \
	done

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

pydeps:
	@python3 -c "import pyarrow, soundfile, numpy, openai, websockets" 2>/dev/null || python3 -m pip install -q $(PIP_PACKAGES)
	@python3 -c "import llama_cpp.server" 2>/dev/null || { \
		echo "Installing $(LLAMA_CPP_PYTHON): it compiles llama.cpp, about 6 minutes on two cores"; \
		CMAKE_BUILD_PARALLEL_LEVEL=2 CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
			python3 -m pip install -q "$(LLAMA_CPP_PYTHON)"; }

models:
	Models/install.sh

build:
	swift build $(SWIFT_FLAGS)

# The binary and the test bundles in one build: `swift test` building its own after `swift build` compiled the
# server stack's packages (SwiftNIO, Hummingbird) a second time, 4-5 minutes on 2 cores.
build-tests:
	swift build $(SWIFT_FLAGS) --build-tests

# llama.cpp's logits for the Gemma tests, from this machine's llama.cpp: logits move in their last bits with the
# CPU's kernels (Hark's and llama.cpp's alike), so a bound from another machine's run does not hold here.
# They are made again when the CPU (its model and instruction set) differs from the one they were made on.
machine-references: $(MACHINE_REFERENCES)/llama-reference.json

$(MACHINE_REFERENCES)/cpu: FORCE
	@mkdir -p $(@D)
	@grep -m2 -E '^(model name|flags)' /proc/cpuinfo > $@.new; cmp -s $@.new $@ && rm $@.new || mv $@.new $@

$(MACHINE_REFERENCES)/llama-reference.json: Tests/Fixtures/make_llm_fixtures.py $(MACHINE_REFERENCES)/cpu | pydeps models
	python3 Tests/Fixtures/make_llm_fixtures.py --llama-reference $@.tmp && mv $@.tmp $@

FORCE:

# A 10-minute recording for the long-form tests: the bundled English recordings with silence, room noise and tones
# between them, made the same on any machine (numpy's PCG64, sox); the references made from it are committed.
LONG_RECORDING := .build/long-recording/long.flac
long-recording: $(LONG_RECORDING)
$(LONG_RECORDING): Tests/Fixtures/make_long_recording.py | deps pydeps
	python3 Tests/Fixtures/make_long_recording.py $(dir $@)

# Reference outputs from the Python implementations (needs pip packages; run once, outputs are committed).
fixtures: long-recording
	for script in Tests/Fixtures/make_*_fixtures.py; do python3 $$script || exit 1; done

# The suite with AddressSanitizer (every test, and every hark process the tests start, is the instrumented build),
# and with ThreadSanitizer over the code that runs threads: the thread pool and its parallel products, and the
# stream (its audio pump thread and recognizer, through the CLI). Each in its own build folder. LeakSanitizer
# ignores one swift-foundation leak (Tests/Fuzz/lsan.supp says which). Leaks are the fuzzers' to find (input by
# input); the suite checks none at exit, where a process that ends from a thread (`hark stream` on a closed pipe)
# still holds its model in a suspended task and LeakSanitizer would report all of it.
SANITIZER_ENV := SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Fuzz/lsan.supp:print_suppressions=0
test-asan: deps pydeps models machine-references long-recording
	swift build $(SWIFT_FLAGS) --scratch-path .build/asan --sanitize=address --build-tests
	$(SANITIZER_ENV) ASAN_OPTIONS=detect_leaks=0 swift test $(SWIFT_FLAGS) --scratch-path .build/asan --sanitize=address --disable-swift-testing --skip-build

# The stream keeps up with its input as it arrives: slowed several times by the instrumentation it commits words
# early, so the tests of its transcript's words only hold for an uninstrumented build (under ThreadSanitizer the
# mid-sample test lost "ask what you can do for your" in one of two runs).
TSAN_TESTS := KernelTests|StreamCommandTests|StreamRecognizerTests|VoiceActivityDetectorTests
TSAN_TIMING_TESTS := testSpeechPipedFasterThanRealTimeMatchesBatchWithinTwoPoints|testInputEndingMidSampleFlushesTheTextAndWarns
test-tsan: deps pydeps models machine-references
	swift build $(SWIFT_FLAGS) --scratch-path .build/tsan --sanitize=thread --build-tests
	$(SANITIZER_ENV) TSAN_OPTIONS=halt_on_error=1 swift test $(SWIFT_FLAGS) --scratch-path .build/tsan --sanitize=thread \
		--disable-swift-testing --skip-build --filter '$(TSAN_TESTS)' --skip '$(TSAN_TIMING_TESTS)'

# Every parser under libFuzzer with AddressSanitizer, FUZZ_SECONDS each (Tests/Fuzz/run.sh); fails on any crash,
# leak or hang. A separate build folder, as the instrumented build is slower.
FUZZ_SECONDS ?= 60
fuzz: deps models
	swift build -c release --scratch-path .build/fuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --product hark-fuzz
	Tests/Fuzz/run.sh $(FUZZ_SECONDS)

# The SLU mini suite end to end (espeak-ng audio, Whisper base, Gemma 3 270M); report in Benchmarks/results/slu-mini/.
bench: deps pydeps models build
	Benchmarks/slu-mini/run.sh

clean:
	rm -rf .build
