#!/usr/bin/env bash
# Benchmark of one tenant's reads of its findings with other tenants' data beside it (see bench/findings.bench.ts):
# tenant T's 10,000 findings over a quarter, read through the built API server (GET /api/v2/findings, a seeded
# mix of requests one at a time: p50, p95, p99, max) and collected for a report as collectFindings does, first
# with T alone and again once nine other tenants hold 1,000,000 findings (their writes timed too), each phase on
# an API server of its own started fresh. Checks that every answer is right and the same in both phases. Runs on
# a stack of its own, started fresh and stopped afterwards; its database files, gigabytes by the end, are removed
# with it. Prints a table and a one-line JSON summary.
#
#   BENCH_FINDINGS_TENANT_FINDINGS  T's findings (default 10000)
#   BENCH_FINDINGS_OTHER_FINDINGS   the other tenants' findings together (default 1000000)
#   BENCH_FINDINGS_REQUESTS         requests in the mix (default 300); BENCH_FINDINGS_SEED (default 2026)
#   BENCH_FINDINGS_TEMPORAL_PORT (default 27833), BENCH_FINDINGS_TEMPORAL_UI_PORT (28833),
#   BENCH_FINDINGS_TSA_PORT (27853; the time-stamping authority)
#   BENCH_FINDINGS_MONGO_PORT (27817), BENCH_FINDINGS_S3_PORT (29833; SeaweedFS also takes the seven ports after
#   it, when SeaweedFS runs). The API server needs the database and Temporal (its readiness asks both); its
#   artifacts are files, so the stack runs no SeaweedFS.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install.sh" --without-seaweedfs
require_node
npm run build --silent

export STACK_DIR="$REPO_ROOT/.data/bench-findings-stack"
export STACK_HOST=127.0.0.1
export TEMPORAL_PORT="${BENCH_FINDINGS_TEMPORAL_PORT:-27833}"
export TEMPORAL_UI_PORT="${BENCH_FINDINGS_TEMPORAL_UI_PORT:-28833}"
export MONGO_PORT="${BENCH_FINDINGS_MONGO_PORT:-27817}"
export TSA_PORT="${BENCH_FINDINGS_TSA_PORT:-27853}"
export S3_PORT="${BENCH_FINDINGS_S3_PORT:-29833}"
export STACK_S3=false

cleanup() {
  "$REPO_ROOT/scripts/stack.sh" down || true
  # A million findings leave gigabytes in FerretDB's files; the logs stay for a look afterwards.
  rm -rf "$STACK_DIR/ferretdb"
}

"$REPO_ROOT/scripts/stack.sh" down || true
rm -rf "$STACK_DIR"
trap cleanup EXIT
"$REPO_ROOT/scripts/stack.sh" up

log "load average at start: $(uptime)"
MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT" TEMPORAL_ADDRESS="$STACK_HOST:$TEMPORAL_PORT" \
  node dist/bench/findings.bench.js
log "load average at end: $(uptime)"
log "done in $(elapsed)"
