# Berth: the front door. `make demo` and `make test` work on a fresh Debian 12 machine as root.
SWIFT ?= swift
BUILD_FLAGS ?=
BIN_DIR = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)

.PHONY: all deps build demo test soak unit-test integration-test bench bench-quick fresh-check fmt lint clean

all: build

deps:
	@scripts/install-deps.sh test

build:
	@scripts/install-deps.sh build
	$(SWIFT) build $(BUILD_FLAGS)

# Starts berthd in a sandbox network namespace and walks through the notes' commands.
demo: deps build
	@BERTH_BIN_DIR=$(BIN_DIR) scripts/demo.sh
	@BERTH_BIN_DIR=$(BIN_DIR) scripts/demo-overlay.sh

# Every test: unit tests (no root needed) and the sandboxed daemon tests (root). They run as two
# processes: the daemon tests block threads while they drive CLIs, and on 2 cores that would
# starve the async loopback tests (DNS) of the cooperative pool if they shared one; the daemon
# tests also run one at a time, each with its own namespaces.
test: deps
	$(SWIFT) build --build-tests -Xswiftc -warnings-as-errors $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --filter BerthUnitTests
	BERTH_BIN_DIR=$(BIN_DIR) $(SWIFT) test --skip-build --no-parallel --filter BerthIntegrationTests

# The random-kill soak of the crash-consistency issue: berthd SIGKILLed in bursts of concurrent
# calls, 20 rounds (SOAK_ROUNDS=N, SOAK_SEED=S to repeat one); a few minutes, not part of `make test`.
SOAK_ROUNDS ?= 20
soak: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	BERTH_SOAK=1 BERTH_SOAK_ROUNDS=$(SOAK_ROUNDS) BERTH_SOAK_SEED=$(SOAK_SEED) BERTH_BIN_DIR=$(BIN_DIR) \
		$(SWIFT) test --skip-build --no-parallel --filter SoakTests

unit-test:
	$(SWIFT) test --filter BerthUnitTests

integration-test: build
	BERTH_BIN_DIR=$(BIN_DIR) $(SWIFT) test --no-parallel --filter BerthIntegrationTests

bench: deps
	@scripts/install-deps.sh bench
	$(SWIFT) build -c release
	BERTH_BIN_DIR=$$($(SWIFT) build -c release --show-bin-path) bench/run.sh

bench-quick: deps
	$(SWIFT) build -c release
	BERTH_BIN_DIR=$$($(SWIFT) build -c release --show-bin-path) bench/run.sh --quick

# README's two commands in a new Debian 12 root (debootstrap minbase), as on a fresh machine. By hand, not in CI:
# about 10 minutes here. Arguments go through FRESH_ARGS, e.g. make fresh-check FRESH_ARGS="--only test --keep".
fresh-check:
	scripts/fresh-check.sh $(FRESH_ARGS)

lint:
	$(SWIFT) build -Xswiftc -warnings-as-errors

fmt:
	@command -v swift-format >/dev/null && swift-format format -i -r Sources Tests || echo "swift-format is not installed; nothing formatted"

clean:
	rm -rf .build
