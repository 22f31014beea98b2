# Shared settings and helpers of the dev-stack scripts. Sourced, not run.
# Everything a script starts is recorded by PID under $STATE/run so that
# `make down` stops exactly what `make up` started and nothing else.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${CIVITAS_STATE_DIR:-$ROOT/.state}
RUN=$STATE/run
LOGS=$STATE/log
mkdir -p "$RUN" "$LOGS"

OLLAMA_VERSION=0.17.4
# The Ollama build is cached outside the repository so that a fresh clone
# (CI) on the same machine reuses it: building takes minutes on 2 cores.
CACHE=${CIVITAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civitas}
OLLAMA_BIN=$CACHE/ollama-$OLLAMA_VERSION
# Helm renders the chart in the deploy tests (scripts/build-helm.sh).
HELM_VERSION=3.22.0
HELM_K8S_MINOR=37
HELM_BIN=$CACHE/helm-$HELM_VERSION

PG_PORT=${CIVITAS_PG_PORT:-55432}
OLLAMA_PORT=${CIVITAS_OLLAMA_PORT:-11435}
DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable&default_query_exec_mode=simple_protocol"
OLLAMA_URL="http://127.0.0.1:$OLLAMA_PORT"

# The models folder: $CIVITAS_MODELS_DIR, else ../shared/models beside the repo.
MODELS_DIR=${CIVITAS_MODELS_DIR:-$(cd "$ROOT/.." && pwd)/shared/models}

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# running NAME: true when the PID recorded for NAME is alive.
running() {
	local pidfile=$RUN/$1.pid
	[[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds or
# the deadline passes.
wait_for() {
	local what=$1 secs=$2
	shift 2
	local deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
	log "$what is ready"
}

# port_open PORT: true when something accepts TCP connections on it.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop NAME: SIGTERM the recorded process group, wait, then SIGKILL.
stop() {
	local name=$1 pidfile=$RUN/$1.pid pid
	[[ -f $pidfile ]] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		log "stopped $name (pid $pid)"
	fi
	rm -f "$pidfile"
}

# start NAME LOGFILE COMMAND...: runs COMMAND in the background in its own
# session (so stop can end its whole process group) and records its PID.
start() {
	local name=$1 logfile=$2
	shift 2
	setsid "$@" >>"$logfile" 2>&1 </dev/null &
	echo $! >"$RUN/$name.pid"
}

# ensure_npm_packages DIR FILE WHAT: installs DIR's npm packages, pinned by
# its package-lock.json, when DIR/node_modules/FILE is missing or the lock
# file changed since the last install (a copy of it is kept as the stamp).
# WHAT names the packages in messages.
ensure_npm_packages() {
	local dir=$1 file=$2 what=$3
	if [[ ! -e $dir/node_modules/$file ]] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.src" 2>/dev/null; then
		command -v npm >/dev/null || die "npm is needed for $what; install Node.js 20"
		log "installing $what from npm"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.src"
	fi
}

# start_pglite NAME PORT DATADIR: DATADIR "" keeps the database in memory.
start_pglite() {
	local name=$1 port=$2 data=$3 args=()
	if running "$name"; then return 0; fi
	port_open "$port" && die "port $port is taken by another program; set CIVITAS_PG_PORT"
	ensure_npm_packages "$ROOT/scripts/pglite" .bin/pglite-server "PGlite (PostgreSQL + pgvector in WASM, the local database)"
	[[ -n $data ]] && mkdir -p "$data" && args=(-d "$data")
	# -m 64: PGlite serves every connection on one backend, serialising their
	# transactions, so sockets are cheap; the assistant's pool (16) plus an
	# ingest run and the tests' own pools would overrun 16 and be refused.
	start "$name" "$LOGS/$name.log" "$ROOT/scripts/pglite/node_modules/.bin/pglite-server" \
		-h 127.0.0.1 -p "$port" -e @electric-sql/pglite-pgvector:vector -m 64 "${args[@]}"
	wait_for "PostgreSQL (PGlite) on 127.0.0.1:$port" 120 port_open "$port" ||
		die "PGlite did not start; see $LOGS/$name.log"
}
