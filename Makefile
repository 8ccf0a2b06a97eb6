# Build and test entry points. `make test` starts the local services the
# tests need (DynamoDB Local, ...) through infra/teststack, which installs
# them once into a cache outside the repo.

GO ?= go
TESTFLAGS ?= -count=1
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
TESTSTACK = $(GO) run ./infra/teststack

.PHONY: test vet fmt install-test-deps

# Add `-v` or `-run Name` with: make test TESTFLAGS="-count=1 -v -run Name"
test:
	$(TESTSTACK) -- $(GO) test $(TESTFLAGS) ./...

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
