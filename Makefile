# SCRMS developer commands. The two that matter most are in the README:
#   go run ./cmd/scrms        and        go test ./...

PG_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
SQLC ?= $(shell go env GOPATH)/bin/sqlc

.PHONY: run test test-postgres e2e bench lint generate verify build

run:
	go run ./cmd/scrms

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o scrms ./cmd/scrms

test:
	go test ./...

# The store conformance suite and everything else, on PostgreSQL as well.
test-postgres:
	SCRMS_TEST_POSTGRES_URL="$(PG_URL)" go test -count=1 ./...

# Browser tests in headless Chromium (apt-get install chromium); fails instead of skipping.
e2e:
	SCRMS_E2E=1 go test -count=1 -run 'Browser' -v ./internal/e2e/...

# Benchmark harness: prints a table. SCALE=10000|100000|1000000, ENGINE=sqlite|postgres.
SCALE ?= 100000
ENGINE ?= sqlite
bench:
	go run ./cmd/scrms-bench -customers $(SCALE) -engine $(ENGINE) -pg "$(PG_URL)"

lint:
	gofmt -l cmd internal
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Regenerates templ components and the sqlc query package.
generate:
	go tool templ generate -path internal/web
	cd internal/store && $(SQLC) generate

# Proves every shared query also type-checks against the PostgreSQL schema.
# Needs sqlc: go install github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1
verify:
	cd internal/store && $(SQLC) generate -f sqlc.verify.yaml
	go vet ./.verify/pgverify
	rm -rf .verify
