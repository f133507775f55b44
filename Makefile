# The two commands (see README):
#   make run   installs what is missing, builds, and serves on the embedded PostgreSQL
#   make test  installs what is missing and runs the whole test suite
.PHONY: deps build run test bench clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build -c release

run: build
	.build/release/sluice serve

# Swift Testing starts every test case at once unless capped. Over 160 database and HTTP tests
# at once on a small machine starve the in-process servers until their deadlines pass; capped at
# twice the cores, the suite is both reliable and faster (2 vCPUs: 72 s against 112 s).
TEST_WIDTH ?= $(shell echo $$(( 2 * $$(nproc) )))

test: deps
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) swift test

bench: build
	.build/release/sluice bench ingest

clean:
	rm -rf .build
