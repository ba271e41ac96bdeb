#!/usr/bin/env bash
# Benchmark of the report model step (see bench/report-model.bench.ts) on a database stack of its own,
# started fresh and stopped afterwards. Prints medians and maxima at 1k, 10k and 100k findings.
#
#   BENCH_TSA_PORT (27353; the time-stamping authority)
#   BENCH_TEMPORAL_PORT (default 27333), BENCH_TEMPORAL_UI_PORT (28333), BENCH_MONGO_PORT (27117),
#   BENCH_S3_PORT (29333, and the seven ports after it: the stack's own, though it runs no SeaweedFS, so that
#   turning it on never meets the dev stack's 8333)
#   BENCH_SIZES         findings in scope per round, comma-separated (default 1000,10000,100000)
#   BENCH_SHAPES        how references are drawn, comma-separated (default scanner,stress; see the bench)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
# The model step reads only the database: no SeaweedFS to build or start.
"$REPO_ROOT/scripts/install.sh" --without-seaweedfs
require_node
npm run build --silent

export STACK_DIR="$REPO_ROOT/.data/bench"
export STACK_HOST=127.0.0.1
export TEMPORAL_PORT="${BENCH_TEMPORAL_PORT:-27333}"
export TEMPORAL_UI_PORT="${BENCH_TEMPORAL_UI_PORT:-28333}"
export MONGO_PORT="${BENCH_MONGO_PORT:-27117}"
export TSA_PORT="${BENCH_TSA_PORT:-27353}"
export S3_PORT="${BENCH_S3_PORT:-29333}"
export STACK_S3=false

"$REPO_ROOT/scripts/stack.sh" down || true
rm -rf "$STACK_DIR"
trap '"$REPO_ROOT/scripts/stack.sh" down || true' EXIT
"$REPO_ROOT/scripts/stack.sh" up

# A process per shape, so that each one's peak RSS is its own.
IFS=, read -r -a shapes <<<"${BENCH_SHAPES:-scanner,stress}"
for shape in "${shapes[@]}"; do
  BENCH_SHAPES="$shape" MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT" node dist/bench/report-model.bench.js
done
