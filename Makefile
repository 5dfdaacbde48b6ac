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

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD) $(DEMO_OUT)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

validate: build
	@$(BUILD)/pmm-validate --full --report $(BUILD)/validation.json

clean:
	rm -rf $(BUILD) $(DEMO_OUT)
