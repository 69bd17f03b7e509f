# statusphere — `make run` runs the app, `make test` runs every test.
GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK ?= golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB ?= https://vuln.go.dev

.PHONY: run dev build test deps lint generate check-generated vulncheck bench image

run:
	$(GO) run ./cmd/statusphere serve

# dev runs the app on a local PDS + PLC with demo accounts (statusphere dev);
# DATA=dir keeps them between runs.
dev:
	@scripts/install-atnet.sh
	$(GO) run ./cmd/statusphere dev $(if $(DATA),-data $(DATA))

build:
	$(GO) build -o statusphere ./cmd/statusphere

# deps installs what the tests need (Debian packages, the pinned PDS + PLC).
deps:
	@scripts/install-debs.sh
	@scripts/install-atnet.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needs to run on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

generate:
	$(GO) generate ./...

# check-generated fails when the committed generated code is not fresh.
check-generated: generate
	@if [ -n "$$(git status --porcelain -- internal/gen)" ]; then git status --short -- internal/gen; git diff -- internal/gen | head -50; echo "generated code is stale: run make generate and commit"; exit 1; fi

# vulncheck fails on a known vulnerability in code the build calls. When the
# database cannot be reached (an offline machine) it prints one line and
# passes: no answer is not a finding.
vulncheck:
	@if why=$$(curl -fsS -o /dev/null --max-time 10 $(VULNDB)/index/modules.json.gz 2>&1); then \
		$(GO) run $(GOVULNCHECK) -db $(VULNDB) ./...; \
	else \
		echo "vulncheck: skipped, $(VULNDB) is unreachable ($$(echo "$$why" | head -n 1))"; \
	fi

test: deps lint check-generated vulncheck
	$(GO) test -race -count=1 -timeout 20m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

# image builds the container image of deploy/Containerfile (a static binary
# on scratch, with the host's CA certificates and tzdata) with podman or
# buildah; no base image is pulled.
IMAGE ?= statusphere:latest
image:
	deploy/build-image.sh $(IMAGE)
