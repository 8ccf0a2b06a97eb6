# Build and test entry points. `make test` starts the local services the
# tests need (DynamoDB Local, ...) through infra/teststack, which installs
# them once into a cache outside the repo.

GO ?= go
TESTFLAGS ?= -count=1 -timeout 30m
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

# `make soak` is the crash test at length: the local run killed with SIGKILL
# at a random point of a burst, SOAK_ROUNDS times, restarted on the same data
# folder each time; it prints the outbox's count (lost, duplicated) and the
# crash window's figures. make test runs one round.
.PHONY: soak
SOAK_ROUNDS ?= 10
SOAK_PRATICHE ?= 60
soak:
	SUAPCDS_CRASH_ROUNDS=$(SOAK_ROUNDS) SUAPCDS_CRASH_PRATICHE=$(SOAK_PRATICHE) \
		$(GO) test -count=1 -timeout 30m -run '^TestCrashLosesNoMail$$' -v ./infra/local/

# More targets go below: build (the Lambda bootstrap binaries), bench.

# `make bench` prints the figures table (infra/bench; README "Figures"):
# cold starts and zips against a hello world, DynamoDB calls per API
# operation, list-page reads at 100 and 10,000 requests, gateway throughput,
# notify's 100-record batch. Not part of `make test`. BENCHFLAGS: e.g.
# BENCHFLAGS="-runs 5 -fill 1000" for a quick run.
.PHONY: bench
BENCHFLAGS ?=
bench:
	$(TESTSTACK) -- $(GO) run ./infra/bench $(BENCHFLAGS)

# --- Lambda binaries ---------------------------------------------------------
# Every folder functions/<name>/ with a bootstrap/main.go is a Lambda. The flags are the
# ones the provided.al2023 runtime wants (see DESIGN.md "Build"): a static
# binary named bootstrap, without the RPC mode (lambda.norpc), paths and
# symbols stripped. `make build` builds them all for Lambda (linux/arm64) into
# dist/<name>/bootstrap, `make build-host` for this machine into
# dist/host/<name>/bootstrap (what aws-lambda-rie runs in tests).
FUNCTIONS := $(patsubst functions/%/bootstrap/main.go,%,$(wildcard functions/*/bootstrap/main.go))
LAMBDA_BUILDFLAGS = -tags lambda.norpc -trimpath -ldflags='-s -w'
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_BUILDFLAGS)
HOST_GOOS = $(shell $(GO) env GOOS)
HOST_GOARCH = $(shell $(GO) env GOARCH)

.PHONY: build build-host clean-build lint-template

build:
	@set -e; for f in $(FUNCTIONS); do \
		$(LAMBDA_BUILD) -o dist/$$f/bootstrap ./functions/$$f/bootstrap; \
		printf '%-12s linux/arm64  %6.2f MiB  dist/%s/bootstrap\n' "$$f" \
			"$$(wc -c < dist/$$f/bootstrap | awk '{print $$1/1048576}')" "$$f"; \
	done

build-host:
	@set -e; for f in $(FUNCTIONS); do \
		CGO_ENABLED=0 GOOS=$(HOST_GOOS) GOARCH=$(HOST_GOARCH) $(GO) build $(LAMBDA_BUILDFLAGS) \
			-o dist/host/$$f/bootstrap ./functions/$$f/bootstrap; \
		printf '%-12s %s/%s  %6.2f MiB  dist/host/%s/bootstrap\n' "$$f" $(HOST_GOOS) $(HOST_GOARCH) \
			"$$(wc -c < dist/host/$$f/bootstrap | awk '{print $$1/1048576}')" "$$f"; \
	done

clean-build:
	rm -rf dist

# `sam build` (Metadata BuildMethod: makefile) runs `make build-<LogicalId>`
# with ARTIFACTS_DIR set: one target per AWS::Serverless::Function of
# template.yaml, building its folder under functions/. A new function needs
# its folder and one target here (functions/template_test.go checks).
ARTIFACTS_CHECK = $(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: run through `sam build`, or use `make build`))

build-PraticheFunction:
	$(ARTIFACTS_CHECK)
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/pratiche/bootstrap

build-BookingsFunction:
	$(ARTIFACTS_CHECK)
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/bookings/bootstrap

build-NotifyFunction:
	$(ARTIFACTS_CHECK)
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/notify/bootstrap

build-ManagerFunction:
	$(ARTIFACTS_CHECK)
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/manager/bootstrap

build-LeadtimeFunction:
	$(ARTIFACTS_CHECK)
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/leadtime/bootstrap

build-RecordingsFunction:
	$(ARTIFACTS_CHECK)
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/recordings/bootstrap

build-ConsoleFunction:
	$(ARTIFACTS_CHECK)
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/console/bootstrap

# Lint template.yaml (SAM transform included) with cfn-lint, where installed.
lint-template:
	cfn-lint template.yaml
