# Build and test entry points. `make test` starts the local services the
# tests need (DynamoDB Local, ...) through infra/teststack, which installs
# them once into a cache outside the repo.

GO ?= go
TESTFLAGS ?= -count=1
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
TESTSTACK = $(GO) run ./infra/teststack
TESTREPORT = $(GO) run ./infra/testreport

.PHONY: test test-verbose vet fmt install-test-deps

# `make test` prints a short report (infra/testreport): each package's
# result, the store contract suite's cases per adapter, the PAGECOST/FIGURE
# figures, skips, and the whole output of failed tests, then
# "N passed, N failed, N skipped". testreport runs go test itself, so a
# failing go test (build errors too) fails the target; no pipe to mask it.
# Narrow with: make test TESTFLAGS="-count=1 -run Name"
test:
	$(TESTSTACK) -- $(TESTREPORT) -- $(GO) test -json $(TESTFLAGS) ./...

# Everything the tests print, for debugging: make test-verbose TESTFLAGS="-count=1 -run Name"
test-verbose:
	$(TESTSTACK) -- $(GO) test -v $(TESTFLAGS) ./...

vet:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

fmt:
	gofmt -w .

# Pre-fetch DynamoDB Local & co. (e.g. before going offline).
install-test-deps:
	$(TESTSTACK) -only-install

# More targets go below: build (the Lambda bootstrap binaries), bench.
