#!/usr/bin/env bash
# Stops exactly what up.sh and run.sh started, by their recorded PIDs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for name in assistant ollama pglite; do
	stop "$name"
done
