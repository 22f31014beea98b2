#!/usr/bin/env bash
# `make run`: from a fresh machine to a running assistant. Starts the dev
# stack, builds both binaries, generates and ingests the sample documents
# (and ../shared/data/docs when present), starts the assistant in the
# background and shows it answering from the terminal.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/up.sh"

log "building bin/assistant and bin/ingest"
make --no-print-directory build >/dev/null

log "generating the sample PDFs (examples/docs → examples/pdf)"
go run ./scripts/genexamples -out examples/pdf

export CIVITAS_DATABASE_URL=$DATABASE_URL CIVITAS_OLLAMA_URL=$OLLAMA_URL
LISTEN=${CIVITAS_LISTEN:-127.0.0.1:8080}

# Without an embedding model (no model files), documents are still ingested
# for full-text search; the assistant then answers in search mode.
ingest_flags=()
EMBED_MODEL=${CIVITAS_EMBED_MODEL:-llama-2-tiny-random}
if ! curl -fsS "$OLLAMA_URL/api/show" -d "{\"model\":\"$EMBED_MODEL\"}" >/dev/null 2>&1; then
	log "embedding model $EMBED_MODEL is not installed: ingesting for full-text search only"
	ingest_flags=(--lexical-only)
fi
log "ingesting the sample documents"
bin/ingest "${ingest_flags[@]}" --collection examples examples/pdf examples/docs || log "some sample files failed (see above)"
SHARED_DOCS=${CIVITAS_DATA_DIR:-$(cd "$ROOT/.." && pwd)/shared/data}/docs
if [[ -d $SHARED_DOCS ]]; then
	log "ingesting $SHARED_DOCS"
	bin/ingest "${ingest_flags[@]}" --collection shared "$SHARED_DOCS" || log "some shared documents failed (see the report above)"
fi

# The shared test models are tiny and slow to read prompts (stories260k
# spends a token per letter): keep the demo's prompts and answers short.
# Real deployments keep the defaults (see README, Configuration).
export CIVITAS_CONTEXT_BUDGET=${CIVITAS_CONTEXT_BUDGET:-400} CIVITAS_MAX_ANSWER_TOKENS=${CIVITAS_MAX_ANSWER_TOKENS:-64}
# The demo runs in development sign-in mode: every request is one user,
# here given every role so that all pages can be tried (documents, admin,
# audit). Cookies without Secure: the demo is plain http on loopback.
# Dev mode starts only on a loopback listen address, and answers only the
# host names of CIVITAS_PUBLIC_URL (here the listen address and localhost),
# so that a DNS-rebinding page cannot drive the demo's admin user.
export CIVITAS_AUTH=dev CIVITAS_DEV_USER=${CIVITAS_DEV_USER:-demo} CIVITAS_DEV_GROUPS=${CIVITAS_DEV_GROUPS:-knowledge-manager,admin,auditor}
export CIVITAS_PUBLIC_URL=${CIVITAS_PUBLIC_URL:-http://$LISTEN,http://localhost:${LISTEN##*:}}

stop assistant
port_open "${LISTEN##*:}" && die "port ${LISTEN##*:} is taken; set CIVITAS_LISTEN=127.0.0.1:PORT"
start assistant "$LOGS/assistant.log" env CIVITAS_LISTEN="$LISTEN" "$ROOT/bin/assistant"
wait_for "assistant on http://$LISTEN" 60 curl -fsS "http://$LISTEN/healthz" ||
	die "the assistant did not start; see $LOGS/assistant.log"

echo
log "readiness (mode: full, lexical or search; on the operator listener, --metrics-listen):"
curl -fsS "http://${CIVITAS_METRICS_LISTEN:-127.0.0.1:9464}/readyz"
log "asking a question about the sample documents (POST /api/chat, Server-Sent Events):"
echo "curl -N http://$LISTEN/api/chat -H 'Content-Type: application/json' -d '{\"question\":\"Was kostet in Erlenbrück ein Bewohnerparkausweis für zwölf Monate?\"}'"
curl -fsS -N "http://$LISTEN/api/chat" -H 'Content-Type: application/json' \
	-d '{"question":"Was kostet in Erlenbrück ein Bewohnerparkausweis für zwölf Monate?","language":"de"}' || true
cat <<EOT

Civitas is running: http://$LISTEN   (log: $LOGS/assistant.log)
  chat: http://$LISTEN/   documents: /documents   admin: /admin   audit: /audit   about: /about
  OpenAI-compatible API: http://$LISTEN/v1 (model "civitas")
Stop everything with: make down
EOT
