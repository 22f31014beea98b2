#!/usr/bin/env bash
# `make test`: starts what the tests need (the dev stack's Ollama with the
# shared models, and a throw-away in-memory PGlite), checks formatting and
# vet, then runs every test against the real services. Service-backed tests
# fail instead of skipping here (CIVITAS_TEST_REQUIRE_SERVICES=1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

# install_as_root WHY NOTE PACKAGE...: as root (CI), installs the Debian
# packages (WHY says what for); otherwise only logs NOTE. A failed
# apt-get update leaves them out, as if not root; a failed install stops.
install_as_root() {
	local why=$1 note=$2
	shift 2
	if ((EUID == 0)); then
		log "installing $* ($why)"
		if apt-get update -qq; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; fi
	else
		log "not root: $note"
	fi
}

# The PDF loader's OCR path and the pdftotext comparison are tested for
# real when these Debian packages are there; as root (CI) we install them.
ocr_pkgs=(poppler-utils tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra)
missing=()
for pkg in "${ocr_pkgs[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if ((${#missing[@]})); then
	install_as_root "OCR and pdftotext for the PDF tests" \
		"${missing[*]} missing, so the OCR tests will check the no-OCR path only" "${missing[@]}"
fi

# The browser test drives Debian's chromium and checks accessibility with
# axe-core (pinned in scripts/e2e/package-lock.json). As root (CI) we
# install chromium; elsewhere the browser test fails under
# CIVITAS_TEST_REQUIRE_SERVICES=1 below, saying what is missing.
if [[ ! -x ${CIVITAS_CHROMIUM:-/usr/bin/chromium} ]]; then
	install_as_root "browser end-to-end test" \
		"chromium is missing, so the browser test will fail; apt-get install chromium" chromium
fi
ensure_npm_packages "$ROOT/scripts/e2e" axe-core/axe.min.js "axe-core (accessibility check of the browser test)"
# Screenshots and accessibility reports of the browser test; CI keeps them.
export CIVITAS_ARTIFACTS_DIR=${CIVITAS_ARTIFACTS_DIR:-$STATE/artifacts}
mkdir -p "$CIVITAS_ARTIFACTS_DIR"

# The Helm chart test (internal/deploy) renders deploy/helm/civitas with a
# helm built once from the Go module proxy.
"$ROOT/scripts/build-helm.sh"
export CIVITAS_HELM=$HELM_BIN

# Leave the dev stack as we found it: stop it afterwards only if this run
# started it.
stack_was_up=false
running pglite && running ollama && stack_was_up=true
"$ROOT/scripts/up.sh"

TEST_PG_PORT=${CIVITAS_TEST_PG_PORT:-55433}
stop pglite-test
cleanup() {
	stop pglite-test
	$stack_was_up || "$ROOT/scripts/down.sh"
}
trap cleanup EXIT
start_pglite pglite-test "$TEST_PG_PORT" ""

"$ROOT/scripts/lint.sh"

export CIVITAS_TEST_DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$TEST_PG_PORT/postgres?sslmode=disable&default_query_exec_mode=simple_protocol"
export CIVITAS_TEST_OLLAMA_URL=$OLLAMA_URL
export CIVITAS_MODELS_DIR=$MODELS_DIR
# Tests that start Ollama servers of their own (several hosts, one stopped).
export CIVITAS_OLLAMA_BIN=$OLLAMA_BIN
export CIVITAS_TEST_REQUIRE_SERVICES=1
export CIVITAS_PGLITE_SERVER=$ROOT/scripts/pglite/node_modules/.bin/pglite-server
# Every fuzz target fuzzes for a short while (their seeds also run as unit
# tests below): loaders must not panic or hang on inputs nobody wrote.
# The budget is a count of executions, not a duration: a duration makes Go's
# fuzz coordinator (go1.26) race its own deadline and fail a target with a
# bare "context deadline exceeded" and no crasher (golang/go#75804, fixed in
# go1.27). A count has no deadline, so a failure here is a real finding.
FUZZTIME=${CIVITAS_FUZZTIME:-20000x}
for pkg in $(grep -rl --include='*_test.go' '^func Fuzz' internal | xargs -n1 dirname | sort -u); do
	for target in $(grep -h '^func Fuzz' "$pkg"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
		log "fuzz $target in ./$pkg ($FUZZTIME)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2000x "./$pkg" >"$LOGS/fuzz-$target.log" 2>&1 || {
			cat "$LOGS/fuzz-$target.log"
			crashers=$(ls "$pkg/testdata/fuzz/$target" 2>/dev/null | head -3)
			die "fuzz target $target failed${crashers:+ (input saved under ./$pkg/testdata/fuzz/$target: $crashers)}"
		}
	done
done
log "all fuzz targets passed"

# The parser sandbox's limits are checked once without the race detector,
# whose shadow memory counts against a child's data limit (a stack
# overflow under -race is refused as memory before it overflows).
log "go test: parser sandbox without the race detector"
go test -count=1 -run 'Sandbox' ./internal/extract

log "go test (race detector on)"
go test -race -count=1 -timeout 20m "$@" ./...

# The API contract from outside: schemathesis against a running assistant
# on the test database (scripts/schemathesis.sh; it fails, never skips,
# when it cannot install or run). CIVITAS_SCHEMATHESIS=0 leaves it out
# outside CI.
if [[ ${CIVITAS_SCHEMATHESIS:-1} != 0 || -n ${CI:-} ]]; then
	CIVITAS_DATABASE_URL=$CIVITAS_TEST_DATABASE_URL CIVITAS_OLLAMA_URL=$OLLAMA_URL "$ROOT/scripts/schemathesis.sh"
fi
log "browser test artefacts (screenshots, axe-core reports): $CIVITAS_ARTIFACTS_DIR"

