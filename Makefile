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

test: deps
	swift test

bench: build
	.build/release/sluice bench ingest

clean:
	rm -rf .build
