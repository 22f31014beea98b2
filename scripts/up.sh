#!/usr/bin/env bash
# Starts the local dev stack in the background, idempotently: PostgreSQL
# with pgvector (PGlite) on 127.0.0.1:$PG_PORT and a real Ollama server on
# 127.0.0.1:$OLLAMA_PORT, then imports the GGUF models of $MODELS_DIR and
# the English embedding model all-MiniLM-L6-v2 (scripts/embedmodel.sh).
# Data lives under $STATE, kept across `make down && make up`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/embedmodel.sh"

start_pglite pglite "$PG_PORT" "$STATE/pglite"

"$ROOT/scripts/build-ollama.sh"
if ! running ollama; then
	port_open "$OLLAMA_PORT" && die "port $OLLAMA_PORT is taken by another program; set CIVITAS_OLLAMA_PORT"
	mkdir -p "$STATE/ollama"
	start ollama "$LOGS/ollama.log" env OLLAMA_HOST="127.0.0.1:$OLLAMA_PORT" \
		OLLAMA_MODELS="$STATE/ollama/models" OLLAMA_NOPRUNE=1 "$OLLAMA_BIN" serve
fi
wait_for "Ollama on $OLLAMA_URL" 60 curl -fsS "$OLLAMA_URL/api/version" ||
	die "Ollama did not start; see $LOGS/ollama.log"

if compgen -G "$MODELS_DIR/*.gguf" >/dev/null; then
	(cd "$ROOT" && go run ./scripts/loadmodels -dir "$MODELS_DIR" -ollama-url "$OLLAMA_URL")
else
	log "no models loaded: no *.gguf files in $MODELS_DIR (set CIVITAS_MODELS_DIR)."
	log "The assistant will run in search mode: passages with citations, no generated text."
fi
import_embed_model

cat <<EOT
Civitas dev stack is up.
  CIVITAS_DATABASE_URL=$DATABASE_URL
  CIVITAS_OLLAMA_URL=$OLLAMA_URL
  state: $STATE   logs: $LOGS
EOT
