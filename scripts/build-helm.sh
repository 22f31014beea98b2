#!/usr/bin/env bash
# Builds the Helm CLI from the Go module proxy, once, and caches the binary
# (see HELM_BIN in lib.sh). The Helm chart test (internal/deploy) renders
# deploy/helm/civitas with it; no binary download is needed, only Go modules.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -x $HELM_BIN ]]; then
	exit 0
fi

log "building Helm $HELM_VERSION from the Go module proxy (a few minutes on 2 cores, once)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Stamped as helm's Makefile does: the version, and the Kubernetes version
# `helm template` assumes without --kube-version (its client-go's minor,
# v0.37 -> 1.37 for Helm 3.22.0; unstamped it would say 1.20).
pkg=helm.sh/helm/v3
ldflags="-s -w -X $pkg/internal/version.version=v$HELM_VERSION"
for v in pkg/chartutil pkg/lint/rules; do
	ldflags+=" -X $pkg/$v.k8sVersionMajor=1 -X $pkg/$v.k8sVersionMinor=$HELM_K8S_MINOR"
done
GOBIN=$tmp CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$pkg/cmd/helm@v$HELM_VERSION"
mkdir -p "$CACHE"
mv "$tmp/helm" "$HELM_BIN.partial"
mv "$HELM_BIN.partial" "$HELM_BIN" # atomic: a killed build leaves no half binary
log "Helm built: $HELM_BIN"
