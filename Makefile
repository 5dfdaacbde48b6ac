# Two commands on a fresh Debian 12 machine: `make demo` and `make test`. Both install what is
# missing (scripts/setup.sh, sudo when not root), configure a Release build in build/ and build it.
BUILD ?= build
JOBS ?= $(shell nproc)
DEMO_OUT ?= demo-out

.PHONY: setup configure build demo test validate bench clean fuzz check-sanitize
setup:
	@scripts/setup.sh --torch --plot

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null

# The compiler's progress goes to a log (make demo should say what it made, not print forty build lines); the log's
# tail is shown when the build fails. VERBOSE=1 prints it all.
build: configure
ifeq ($(VERBOSE),1)
	@cmake --build $(BUILD) -j $(JOBS)
else
	@echo "building in $(BUILD)/ (log: $(BUILD)/build.log)"
	@cmake --build $(BUILD) -j $(JOBS) >$(BUILD)/build.log 2>&1 || { tail -n 40 $(BUILD)/build.log; echo "build failed: see $(BUILD)/build.log"; exit 1; }
endif

demo: build
	@scripts/demo.sh $(BUILD) $(DEMO_OUT)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# libFuzzer harnesses of every file reader (tests/fuzz, built by clang in $(BUILD)/fuzz): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 300
fuzz: configure
	@JOBS=$(JOBS) tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

# The library, apps and tests under AddressSanitizer and UndefinedBehaviorSanitizer (g++, -O2 as in Release),
# without LibTorch, CUDA, MPI (so the one-process apps/mpi/world_serial.cpp is the one built and tested here), Python
# and benchmarks, then ctest without the tests labelled no-sanitize (docs/reliability.md says which and why).
SAN_BUILD ?= build-sanitize
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
check-sanitize: setup
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Release -DPMM_WITH_TORCH=OFF -DPMM_WITH_CUDA=OFF -DPMM_WITH_MPI=OFF \
	  -DPMM_BUILD_PYTHON=OFF -DPMM_BUILD_BENCHMARKS=OFF -DPMM_FUZZ_SMOKE=OFF \
	  -DCMAKE_CXX_FLAGS="$(SANITIZE_FLAGS)" -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE_FLAGS)" >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE no-sanitize

validate: build
	@$(BUILD)/pmm-validate --full --report $(BUILD)/validation.json

clean:
	rm -rf $(BUILD) $(DEMO_OUT)
