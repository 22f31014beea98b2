# Civitas — the two commands a newcomer needs are `make run` and `make test`.
# Each target is a thin wrapper over a script in scripts/.

GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: help up down clean run test bench build lint examples

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

up: ## start PostgreSQL+pgvector (PGlite) and Ollama with the shared models, in the background
	@scripts/up.sh

down: ## stop what `make up` and `make run` started
	@scripts/down.sh

clean: down ## stop everything and delete the local state (database, models, logs)
	rm -rf .state bin examples/pdf

run: ## fresh machine to answering assistant: stack, sample documents ingested, assistant started
	@scripts/run.sh

test: ## all tests against the real database and Ollama (starts what they need)
	@scripts/test.sh

bench: ## every benchmark with a target, at its documented scale, as one table (long: about an hour)
	@scripts/bench.sh

build: ## build bin/assistant and bin/ingest
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/assistant ./cmd/ingest

lint: ## gofmt, goimports, go vet and staticcheck (the linters pinned in go.mod's tool block)
	@scripts/lint.sh

examples: ## generate the sample PDFs in examples/pdf from examples/docs
	$(GO) run ./scripts/genexamples -out examples/pdf
