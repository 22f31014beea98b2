#!/bin/sh
# Vendors the PDF viewer library (pdf.js) into internal/web/static/pdfjs,
# from the npm package pinned in scripts/pdfjs/package-lock.json (npm ci
# checks the downloaded package against the lock's integrity hash). The
# files are committed, so `go build` works on a clean clone without npm;
# run this to update them after changing the pinned version, or with
# --check to verify that the committed files are exactly the pinned
# package's (CI).
set -eu
cd "$(dirname "$0")/.."
dest=internal/web/static/pdfjs
files="build/pdf.min.mjs build/pdf.worker.min.mjs LICENSE"
(cd scripts/pdfjs && npm ci --ignore-scripts --omit=optional --no-audit --no-fund >/dev/null)
src=scripts/pdfjs/node_modules/pdfjs-dist
version=$(node -p "require('./$src/package.json').version")
if [ "${1:-}" = "--check" ]; then
	for f in $files; do
		cmp -s "$src/$f" "$dest/$(basename "$f")" || { echo "pdfjs.sh: $dest/$(basename "$f") differs from pdfjs-dist $version's $f" >&2; exit 1; }
	done
	grep -qx "$version" "$dest/VERSION" || { echo "pdfjs.sh: $dest/VERSION is not $version" >&2; exit 1; }
	echo "pdfjs.sh: $dest matches pdfjs-dist $version"
	exit 0
fi
mkdir -p "$dest"
for f in $files; do cp "$src/$f" "$dest/$(basename "$f")"; done
echo "$version" >"$dest/VERSION"
echo "pdfjs.sh: vendored pdfjs-dist $version into $dest"
