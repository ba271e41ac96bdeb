#!/usr/bin/env bash
# Benchmark of importing a 100 MB garak report (see bench/import.bench.ts): parse rate with no database
# (attempts/s, MB/s; target 20,000 attempts/s), a whole import into a fresh database with the database writes
# timed apart, and each phase's peak RSS (target 150 MiB); then the same file through the job path, uploaded to
# the built API server and worker (started by the benchmark, one of each) with POST /api/v2/findings/imports and
# followed to its end, timed end to end and by step, with each process's peak RSS during the job. Runs on a stack
# of its own, started fresh and stopped afterwards; the generated report and the staged uploads live under
# .data/bench-import/ and are removed at the end. Prints a table and a one-line JSON summary.
#
#   BENCH_IMPORT_MB          size of the generated report in MB (default 100)
#   BENCH_IMPORT_DB_MB       size of the report the import phase and the job path store (default BENCH_IMPORT_MB)
#   BENCH_IMPORT_RUNS        runs of each parse phase (default 5); BENCH_IMPORT_DB_RUNS imports (default 3)
#   BENCH_IMPORT_JOB_RUNS    uploads through the job path, each into a tenant of its own (default 1; 0 for none)
#   BENCH_IMPORT_JOB_WAIT    the upload POST's wait in seconds (default 300; 0 answers once the upload is staged)
#   BENCH_IMPORT_NODE_ARGS   extra Node options for the measured child processes, API server and worker
#                            (e.g. --cpu-prof)
#   BENCH_IMPORT_TEMPORAL_PORT (default 27433), BENCH_IMPORT_TEMPORAL_UI_PORT (28433),
#   BENCH_IMPORT_TSA_PORT (27453; the time-stamping authority)
#   BENCH_IMPORT_MONGO_PORT (27417), BENCH_IMPORT_S3_PORT (29433; SeaweedFS also takes the seven ports after
#   it, when it runs). The job path needs the database and Temporal; its artifact store is the fs one
#   (ARTIFACT_STORE and S3_* pass through, to a bucket of the caller's), so the stack runs no SeaweedFS.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install.sh" --without-seaweedfs
require_node
npm run build --silent

export STACK_DIR="$REPO_ROOT/.data/bench-import-stack"
export STACK_HOST=127.0.0.1
export TEMPORAL_PORT="${BENCH_IMPORT_TEMPORAL_PORT:-27433}"
export TEMPORAL_UI_PORT="${BENCH_IMPORT_TEMPORAL_UI_PORT:-28433}"
export MONGO_PORT="${BENCH_IMPORT_MONGO_PORT:-27417}"
export TSA_PORT="${BENCH_IMPORT_TSA_PORT:-27453}"
export S3_PORT="${BENCH_IMPORT_S3_PORT:-29433}"
export STACK_S3=false
WORK_DIR="$REPO_ROOT/.data/bench-import"

cleanup() {
  "$REPO_ROOT/scripts/stack.sh" down || true
  # The benchmark removes its report itself; this catches one left by a benchmark that was killed.
  rm -rf "$WORK_DIR"
}

"$REPO_ROOT/scripts/stack.sh" down || true
rm -rf "$STACK_DIR"
trap cleanup EXIT
"$REPO_ROOT/scripts/stack.sh" up

log "load average at start: $(uptime)"
MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT" TEMPORAL_ADDRESS="$STACK_HOST:$TEMPORAL_PORT" node dist/bench/import.bench.js
log "load average at end: $(uptime)"
log "done in $(elapsed)"
