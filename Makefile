# statusphere — `make run` runs the app, `make test` runs every test.
GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run dev build test deps lint generate check-generated bench image

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

test: deps lint check-generated
	$(GO) test -race -count=1 -timeout 20m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

# image builds the container image of deploy/Containerfile (a static binary
# on scratch, with the host's CA certificates and tzdata) with podman or
# buildah; no base image is pulled.
IMAGE ?= statusphere:latest
image:
	deploy/build-image.sh $(IMAGE)
