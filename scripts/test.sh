#!/usr/bin/env bash
# `make test`: starts what the tests need (the dev stack's Ollama with the
# shared models, and a throw-away in-memory PGlite), checks formatting and
# vet, then runs every test against the real services. Service-backed tests
# fail instead of skipping here (CIVITAS_TEST_REQUIRE_SERVICES=1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/up.sh"

TEST_PG_PORT=${CIVITAS_TEST_PG_PORT:-55433}
stop pglite-test
trap 'stop pglite-test' EXIT
start_pglite pglite-test "$TEST_PG_PORT" ""

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './scripts/pglite/*'))
[[ -z $unformatted ]] || die "not gofmt-formatted: $unformatted"
log "go vet"
go vet ./...

export CIVITAS_TEST_DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$TEST_PG_PORT/postgres?sslmode=disable&default_query_exec_mode=simple_protocol"
export CIVITAS_TEST_OLLAMA_URL=$OLLAMA_URL
export CIVITAS_MODELS_DIR=$MODELS_DIR
export CIVITAS_TEST_REQUIRE_SERVICES=1
export CIVITAS_PGLITE_SERVER=$ROOT/scripts/pglite/node_modules/.bin/pglite-server
log "go test (race detector on)"
go test -race -count=1 -timeout 20m "$@" ./...
