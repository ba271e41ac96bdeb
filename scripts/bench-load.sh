#!/usr/bin/env bash
# Load benchmark of the whole service (see bench/load.bench.ts): N small reports created concurrently through the
# API, every one checked to be ready exactly once, then API polls at a fixed rate. Runs on a stack of its own,
# started fresh and stopped afterwards; the benchmark starts the built API server and worker itself. Prints a
# table and a one-line JSON summary; `top` snapshots taken during the run go to the stack's log folder.
#
#   N (default 1000) reports; BENCH_LOAD_CONCURRENCY, BENCH_LOAD_POLL_RATE, BENCH_LOAD_POLL_SECONDS,
#   BENCH_LOAD_POLL_ROUNDS, BENCH_LOAD_WAIT_RATE, BENCH_LOAD_TIMEOUT_SECONDS as described in bench/load.bench.ts
#   BENCH_LOAD_TSA_PORT (27753; the time-stamping authority)
#   BENCH_LOAD_TEMPORAL_PORT (default 27933), BENCH_LOAD_TEMPORAL_UI_PORT (28933), BENCH_LOAD_MONGO_PORT (27717),
#   BENCH_LOAD_S3_PORT (29733; SeaweedFS also takes the seven ports after it)
#   BENCH_LOAD_ARTIFACT_STORE (default s3, as deployed: the stack's SeaweedFS; or fs)
#   BENCH_LOAD_TOP_EVERY (default 30): seconds between `top` snapshots
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
# The stack runs SeaweedFS only for the s3 store, and only then is it built.
case "${BENCH_LOAD_ARTIFACT_STORE:-s3}" in
  s3) STACK_S3=true ;;
  fs) STACK_S3=false ;;
  *) die "BENCH_LOAD_ARTIFACT_STORE must be s3 or fs" ;;
esac
export STACK_S3
if [[ $STACK_S3 == true ]]; then
  "$REPO_ROOT/scripts/install.sh"
else
  "$REPO_ROOT/scripts/install.sh" --without-seaweedfs
fi
require_node
npm run build --silent

export STACK_DIR="$REPO_ROOT/.data/bench-load"
export STACK_HOST=127.0.0.1
export TEMPORAL_PORT="${BENCH_LOAD_TEMPORAL_PORT:-27933}"
export TEMPORAL_UI_PORT="${BENCH_LOAD_TEMPORAL_UI_PORT:-28933}"
export MONGO_PORT="${BENCH_LOAD_MONGO_PORT:-27717}"
export TSA_PORT="${BENCH_LOAD_TSA_PORT:-27753}"
export S3_PORT="${BENCH_LOAD_S3_PORT:-29733}"
stack_env

top_pid=''
cleanup() {
  if [[ -n $top_pid ]]; then kill "$top_pid" 2>/dev/null || true; fi
  "$REPO_ROOT/scripts/stack.sh" down || true
}

"$REPO_ROOT/scripts/stack.sh" down || true
rm -rf "$STACK_DIR"
trap cleanup EXIT
"$REPO_ROOT/scripts/stack.sh" up

export MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT"
export TEMPORAL_ADDRESS="$STACK_HOST:$TEMPORAL_PORT"
export BENCH_LOAD_RUN_DIR="$RUN_DIR"
BENCH_LOAD_CLK_TCK="$(getconf CLK_TCK)"
export BENCH_LOAD_CLK_TCK
case "${BENCH_LOAD_ARTIFACT_STORE:-s3}" in
  s3)
    s3_credentials || die "seaweedfs: no credentials in $(s3_credentials_file)"
    export ARTIFACT_STORE=s3 S3_ENDPOINT="http://$STACK_HOST:$S3_PORT" S3_BUCKET="$STACK_S3_BUCKET"
    export S3_REGION="$STACK_S3_REGION" S3_ACCESS_KEY_ID="$S3_KEY_ID" S3_SECRET_ACCESS_KEY="$S3_SECRET"
    export S3_FORCE_PATH_STYLE=true
    ;;
  fs) export ARTIFACT_STORE=fs ;;
esac

top_log="$LOG_DIR/top.log"
(
  while sleep "${BENCH_LOAD_TOP_EVERY:-30}"; do
    printf '\n=== %s\n' "$(date -Is)"
    top -b -n1 -w 200 | head -n 25
  done
) >"$top_log" 2>&1 &
top_pid=$!

log "load average at start: $(uptime)"
log "running the load benchmark (N=${N:-1000}, artifact store $ARTIFACT_STORE; top snapshots in $top_log)"
node dist/bench/load.bench.js
log "load average at end: $(uptime)"
log "done in $(elapsed)"
