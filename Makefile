# Two commands on a fresh Debian 12 machine: `make demo` and `make test`. Both install what is
# missing (scripts/setup.sh, sudo when not root), configure a Release build in build/ and build it.
BUILD ?= build
JOBS ?= $(shell nproc)
DEMO_OUT ?= demo-out

.PHONY: setup configure build demo test validate bench clean
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

validate: build
	@$(BUILD)/pmm-validate --full --report $(BUILD)/validation.json

clean:
	rm -rf $(BUILD) $(DEMO_OUT)
