#!/usr/bin/env bash
# The API contract, tested from outside: starts the assistant (dev sign-in
# on loopback, as a member of the admin, auditor and knowledge-manager
# groups, so the role routes are exercised) and runs schemathesis (pinned,
# from PyPI, in a venv cached under ~/.cache/civitas) against the OpenAPI
# document it serves, with two checks: no 5xx on any generated input
# (not_a_server_error) and every reply valid against the document
# (response_schema_conformance). scripts/test.sh runs it after the Go
# tests, against the throw-away test database; CIVITAS_DATABASE_URL and
# CIVITAS_OLLAMA_URL must name a database and an Ollama.
#
# Left out, so the run cannot damage the shared Ollama or need the
# internet: DELETE /api/admin/models/{name} (a generated name could be an
# installed model) and POST /api/admin/models/pull (a download).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5
VENV=$CACHE/venv-schemathesis
ST=$VENV/bin/st
if [[ ! -x $ST ]] || [[ $("$ST" --version 2>/dev/null) != *" $SCHEMATHESIS_VERSION" ]]; then
	log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
	python3 -m venv "$VENV" || die "python3 -m venv failed: schemathesis needs Python 3.9+ with venv"
	"$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" || die "could not install schemathesis $SCHEMATHESIS_VERSION from PyPI"
fi

: "${CIVITAS_DATABASE_URL:?the database the assistant under test uses}" "${CIVITAS_OLLAMA_URL:?the Ollama it uses}"
PORT=${CIVITAS_SCHEMATHESIS_PORT:-18089}
port_open "$PORT" && die "port $PORT is taken; set CIVITAS_SCHEMATHESIS_PORT"
WORK=$STATE/schemathesis
rm -rf "$WORK"
mkdir -p "$WORK/uploads" "$RUN" "$LOGS"
go build -o "$WORK/assistant" ./cmd/assistant

# Host check: schemathesis sends Host 127.0.0.1:PORT, the public URL.
export CIVITAS_LISTEN=127.0.0.1:$PORT CIVITAS_PUBLIC_URL=http://127.0.0.1:$PORT CIVITAS_METRICS_LISTEN=off \
	CIVITAS_AUTH=dev CIVITAS_DEV_USER=schemathesis CIVITAS_DEV_GROUPS=admin,auditor,knowledge-manager \
	CIVITAS_UPLOAD_DIR=$WORK/uploads CIVITAS_RATE_LIMIT=0 CIVITAS_MAX_ANSWERS_PER_USER=0 \
	CIVITAS_MAX_ANSWER_TOKENS=16 CIVITAS_CONTEXT_BUDGET=200 CIVITAS_SHUTDOWN_DELAY=0 CIVITAS_SHUTDOWN_GRACE=5s \
	CIVITAS_CHAT_MODEL=${CIVITAS_CHAT_MODEL:-stories260k} CIVITAS_EMBED_MODEL=${CIVITAS_EMBED_MODEL:-llama-2-tiny-random}
stop assistant-schemathesis
trap 'stop assistant-schemathesis' EXIT
start assistant-schemathesis "$LOGS/assistant-schemathesis.log" "$WORK/assistant"
wait_for "assistant (schemathesis)" 120 curl -fsS "http://127.0.0.1:$PORT/readyz" ||
	{ tail -20 "$LOGS/assistant-schemathesis.log"; die "the assistant did not start (log: $LOGS/assistant-schemathesis.log)"; }

log "schemathesis $SCHEMATHESIS_VERSION against http://127.0.0.1:$PORT/api/openapi.json"
start_s=$SECONDS
"$ST" --config-file "$ROOT/scripts/schemathesis.toml" run "http://127.0.0.1:$PORT/api/openapi.json" \
	--checks not_a_server_error,response_schema_conformance \
	--max-examples "${CIVITAS_SCHEMATHESIS_EXAMPLES:-20}" --phases examples,coverage,fuzzing --seed "${CIVITAS_SCHEMATHESIS_SEED:-1}" \
	--request-timeout 60 --workers 1 \
	--exclude-operation-id removeModel --exclude-operation-id pullModel \
	--report junit --report-junit-path "$LOGS/schemathesis-junit.xml" ||
	{ tail -30 "$LOGS/assistant-schemathesis.log"; die "schemathesis found 5xx replies or replies that do not match the OpenAPI document (above; assistant log: $LOGS/assistant-schemathesis.log)"; }
log "schemathesis passed in $((SECONDS - start_s))s"
