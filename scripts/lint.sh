#!/usr/bin/env bash
# `make lint`, also the first step of `make test`: gofmt, goimports (our
# own imports grouped last), go vet and staticcheck. The two linters are
# pinned in go.mod's tool block and built from the Go module proxy by
# `go tool`, so every machine runs the same versions.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

files=$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './scripts/pglite/*')
log "gofmt"
unformatted=$(gofmt -l $files)
[[ -z $unformatted ]] || die "not gofmt-formatted (run gofmt -w): $unformatted"
log "goimports"
unimported=$(go tool goimports -l -local github.com/civitas-eu/civitas $files)
[[ -z $unimported ]] || die "imports not grouped as goimports -local github.com/civitas-eu/civitas wants (run it with -w): $unimported"
log "go vet"
go vet ./...
log "staticcheck"
go tool staticcheck ./...
