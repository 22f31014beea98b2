# syntax=docker/dockerfile:1

# Civitas container images, two runtime targets built from one source:
#
#   assistant (the default, last stage): distroless, both binaries, serves
#             HTTP. No shell, no OCR tools.
#   worker:   Debian bookworm-slim with tesseract (deu, fra, eng) and
#             poppler-utils: runs `assistant worker`, the job queue that
#             parses uploads (OCR of scanned PDFs), re-embeds and applies
#             retention. Run servers with CIVITAS_JOBS=false next to it.
#
#   docker build --build-arg VERSION=0.1.0 -t civitas:0.1.0 .
#   docker build --build-arg VERSION=0.1.0 --target worker -t civitas-worker:0.1.0 .
#   docker run --rm civitas:0.1.0 assistant --version
#
# compose.yaml at the repository root wires both to PostgreSQL and Ollama.
#
# Base images are pinned by digest (the tag says what it is, the digest
# which bytes run). Refresh a pin deliberately, as a reviewed commit:
#   docker buildx imagetools inspect debian:bookworm-slim --format '{{json .Manifest.Digest}}'

# The version stamped into both binaries (`--version`) and the image label.
ARG VERSION=dev

# ---- build ------------------------------------------------------------------
FROM golang:1.26-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d AS build
ARG VERSION
WORKDIR /src

# Module downloads get their own layer so that editing code does not refetch them.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
# CGO_ENABLED=0 gives static binaries that need no libc in the runtime image.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/ ./cmd/assistant ./cmd/ingest
# The mount point of uploaded documents, owned by the runtime user, so that a
# named volume mounted there starts out writable for it.
RUN mkdir -p /empty/uploads

# ---- worker -----------------------------------------------------------------
# The job runner with OCR: tesseract and its German, French and English
# language data, and poppler-utils' pdftoppm to render PDF pages for it.
# Larger than the assistant image and with a shell, which is why servers stay
# on distroless and only this process gets the tools.
FROM debian:bookworm-slim@sha256:7b140f374b289a7c2befc338f42ebe6441b7ea838a042bbd5acbfca6ec875818 AS worker
ARG VERSION
LABEL org.opencontainers.image.title="civitas-worker" \
      org.opencontainers.image.description="Civitas background jobs (uploads with OCR, re-embedding, retention)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="EUPL-1.2"
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates tzdata \
      tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-eng \
      poppler-utils \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot

COPY --from=build /out/assistant /out/ingest /usr/local/bin/
COPY prompts/ /etc/civitas/prompts/
COPY --from=build --chown=65532:65532 /empty/uploads /var/lib/civitas/uploads

# The root file system is meant to be read-only (compose read_only, Helm
# readOnlyRootFilesystem): OCR's page images and every other temporary file
# go to TMPDIR, which compose mounts as a tmpfs and Helm as an emptyDir.
ENV CIVITAS_LISTEN=0.0.0.0:8080 \
    CIVITAS_PROMPTS_DIR=/etc/civitas/prompts \
    CIVITAS_UPLOAD_DIR=/var/lib/civitas/uploads \
    TMPDIR=/tmp

USER 65532:65532

# The worker serves no public API; its operator listener
# (CIVITAS_METRICS_LISTEN, loopback by default) answers /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/assistant", "healthcheck", "--operator"]

CMD ["assistant", "worker"]

# ---- assistant (default runtime) ----------------------------------------------
# distroless/static rather than debian:bookworm-slim: the binaries are static,
# so all they need is CA certificates, tzdata and /etc/passwd, which this image
# has. It has no shell, package manager or curl, so there is far less to patch
# and nothing for an intruder to use, and its ":nonroot" tag already runs as
# uid/gid 65532. Its health check is the binary itself (`assistant healthcheck`).
# It stays the last stage, so that a plain `docker build` builds it.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639 AS assistant
ARG VERSION
LABEL org.opencontainers.image.title="civitas" \
      org.opencontainers.image.description="Civitas assistant: local RAG over public-administration documents" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="EUPL-1.2"

COPY --from=build /out/assistant /out/ingest /usr/local/bin/
COPY prompts/ /etc/civitas/prompts/
COPY --from=build --chown=65532:65532 /empty/uploads /var/lib/civitas/uploads

# No CIVITAS_AUTH: the operator must choose oidc or proxy (and CIVITAS_PUBLIC_URL).
# Left empty on this non-loopback listen address, the assistant refuses to start
# and names CIVITAS_AUTH; development sign-in (one user for all) is loopback-only.
ENV CIVITAS_LISTEN=0.0.0.0:8080 \
    CIVITAS_PROMPTS_DIR=/etc/civitas/prompts \
    CIVITAS_UPLOAD_DIR=/var/lib/civitas/uploads

# uid 65532 is "nonroot", already the default of the :nonroot tag. It is stated
# here, numerically, so that readers and runtimes that check runAsNonRoot see it.
USER 65532:65532

EXPOSE 8080

# GET /healthz on the port of CIVITAS_LISTEN; no shell needed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/assistant", "healthcheck"]

# No ENTRYPOINT, so that "docker run civitas ingest /documents" runs the other binary.
CMD ["assistant"]
