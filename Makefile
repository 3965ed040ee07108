# Pegasus in Go: build, test, benchmark and demo.
GO      ?= go
BIN     ?= bin
export CGO_ENABLED = 1

.PHONY: all build test vet fmt-check bench pgo demo clean

all: build

## build: every command into bin/
build:
	$(GO) build -o $(BIN)/ ./cmd/...

## test: formatting, vet and every test (real-sample conformance included when ../shared/pegasus-samples exists)
test: fmt-check vet
	$(GO) test ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## bench: time the real commands on generated runs (see BENCHMARKS.md)
bench: build
	scripts/bench.sh

## pgo: refresh pegasus-monitord's profile for profile-guided optimisation
pgo: build
	scripts/pgo.sh

## demo: the main job end to end on a bundled example
demo: build
	scripts/demo.sh

clean:
	rm -rf $(BIN) demo benchdata
