#!/usr/bin/env bash
# Builds the real Ollama server from the Go module proxy, once, and caches
# the binary (see OLLAMA_BIN in lib.sh). No model hub or binary download is
# needed: only Go modules and two Debian header packages.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -x $OLLAMA_BIN ]]; then
	exit 0
fi

# llama.cpp's sources include nlohmann/json and stb_image from the system.
missing=()
for pkg in nlohmann-json3-dev libstb-dev; do
	dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
	((EUID == 0)) || die "install ${missing[*]} first: sudo apt-get install -y ${missing[*]}"
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log "building Ollama $OLLAMA_VERSION from the Go module proxy (several minutes on 2 cores, once)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The module zip drops llama.cpp's vendored miniaudio header; scripts/include
# holds a stand-in whose audio calls fail (we never send audio).
GOBIN=$tmp CGO_ENABLED=1 CGO_CPPFLAGS="-I$ROOT/scripts/include" \
	go install -ldflags "-X github.com/ollama/ollama/version.Version=$OLLAMA_VERSION" \
	"github.com/ollama/ollama@v$OLLAMA_VERSION"
mkdir -p "$CACHE"
mv "$tmp/ollama" "$OLLAMA_BIN.partial"
mv "$OLLAMA_BIN.partial" "$OLLAMA_BIN" # atomic: a killed build leaves no half binary
log "Ollama built: $OLLAMA_BIN"
