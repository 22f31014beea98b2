# syntax=docker/dockerfile:1

# Civitas container image: both binaries (assistant, ingest) and the prompt
# templates, on a minimal non-root runtime.
#
#   docker build -t civitas:latest .
#   docker run --rm -p 127.0.0.1:8080:8080 -e CIVITAS_DATABASE_URL=... -e CIVITAS_AUTH=oidc \
#     -e CIVITAS_PUBLIC_URL=https://assistant.example -e CIVITAS_OIDC_ISSUER=... civitas:latest
#   docker run --rm -v "$PWD/documents:/documents:ro" -e ... civitas:latest ingest /documents
#
# compose.yaml at the repository root wires it to PostgreSQL and Ollama.

# ---- build ------------------------------------------------------------------
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Module downloads get their own layer so that editing code does not refetch them.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
# CGO_ENABLED=0 gives static binaries that need no libc in the runtime image.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/assistant ./cmd/ingest
# The mount point of uploaded documents, owned by the runtime user, so that a
# named volume mounted there starts out writable for it.
RUN mkdir -p /empty/uploads

# ---- runtime ----------------------------------------------------------------
# distroless/static rather than debian:bookworm-slim: the binaries are static,
# so all they need is CA certificates, tzdata and /etc/passwd, which this image
# has. It has no shell, package manager or curl, so there is far less to patch
# and nothing for an intruder to use, and its ":nonroot" tag already runs as
# uid/gid 65532. The cost is that a Docker HEALTHCHECK cannot shell out to curl;
# compose.yaml says how the assistant's health is checked instead.
FROM gcr.io/distroless/static-debian12:nonroot

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

# No ENTRYPOINT, so that "docker run civitas ingest /documents" runs the other binary.
CMD ["assistant"]
