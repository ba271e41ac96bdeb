#!/usr/bin/env bash
# Benchmark of one tenant's wait behind another tenant's backlog of large PDF reports, with Temporal's task-queue
# fairness on and off (see bench/fairness.bench.ts): tenant B's 1-row PDF alone, tenant A's 2,000-row PDF alone,
# then floods of six 2,000-row PDFs from A with B's 1-row PDF created once the worker is rendering two of them and
# the other four wait behind. The built API server and one worker (RENDER_CONCURRENCY, default 2) run on a stack of
# its own, started fresh for each setting (STACK_FAIRNESS=true, then false) with the same data, and stopped
# afterwards. Prints a table and a one-line JSON summary; each setting's result and its stack's logs are kept in
# .data/bench-fairness-results.
#
#   BENCH_FAIRNESS_SETTINGS (default "on off"): the settings to run, in that order
#   BENCH_FAIRNESS_FLOODS (3), BENCH_FAIRNESS_BASELINE_RUNS (3), BENCH_FAIRNESS_FLOOD_REPORTS (6),
#   BENCH_FAIRNESS_ROWS (2000), BENCH_FAIRNESS_TIMEOUT_SECONDS (1800) as described in bench/fairness.bench.ts
#   STACK_TASKQUEUE_PARTITIONS (default 1) reaches scripts/stack.sh: the partitions of every task queue. Fairness
#   orders tasks only within a partition; with Temporal's default of 4 it did not shorten B's wait.
#   BENCH_FAIRNESS_TEMPORAL_PORT (default 26233), BENCH_FAIRNESS_TEMPORAL_UI_PORT (26234),
#   BENCH_FAIRNESS_TSA_PORT (26433; the time-stamping authority)
#   BENCH_FAIRNESS_MONGO_PORT (26017), BENCH_FAIRNESS_S3_PORT (26333; SeaweedFS also takes the seven ports after
#   it, when SeaweedFS runs). The API server needs the database and Temporal (its readiness asks both); its
#   artifacts are files, so the stack runs no SeaweedFS.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install.sh" --without-seaweedfs
require_node
npm run build --silent

export STACK_DIR="$REPO_ROOT/.data/bench-fairness-stack"
export STACK_HOST=127.0.0.1
export TEMPORAL_PORT="${BENCH_FAIRNESS_TEMPORAL_PORT:-26233}"
export TEMPORAL_UI_PORT="${BENCH_FAIRNESS_TEMPORAL_UI_PORT:-26234}"
export MONGO_PORT="${BENCH_FAIRNESS_MONGO_PORT:-26017}"
export TSA_PORT="${BENCH_FAIRNESS_TSA_PORT:-26433}"
export S3_PORT="${BENCH_FAIRNESS_S3_PORT:-26333}"
export STACK_S3=false
RESULTS_DIR="$REPO_ROOT/.data/bench-fairness-results"

cleanup() { "$REPO_ROOT/scripts/stack.sh" down || true; }

read -ra settings <<<"${BENCH_FAIRNESS_SETTINGS:-on off}"
for setting in "${settings[@]}"; do
  [[ $setting == on || $setting == off ]] || die "BENCH_FAIRNESS_SETTINGS takes on and off, got \"$setting\""
done
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
trap cleanup EXIT

results=()
for setting in "${settings[@]}"; do
  fairness=true
  [[ $setting == on ]] || fairness=false
  "$REPO_ROOT/scripts/stack.sh" down || true
  rm -rf "$STACK_DIR"
  log "fairness $setting: a fresh stack with STACK_FAIRNESS=$fairness"
  STACK_FAIRNESS="$fairness" "$REPO_ROOT/scripts/stack.sh" up
  log "load average at start: $(uptime)"
  MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT" TEMPORAL_ADDRESS="$STACK_HOST:$TEMPORAL_PORT" \
    BENCH_FAIRNESS_SETTING="$setting" BENCH_FAIRNESS_OUT="$RESULTS_DIR/$setting.json" \
    node dist/bench/fairness.bench.js measure
  "$REPO_ROOT/scripts/stack.sh" down
  cp -R "$STACK_DIR/logs" "$RESULTS_DIR/$setting-logs"
  results+=("$RESULTS_DIR/$setting.json")
done

node dist/bench/fairness.bench.js report "${results[@]}"
log "load average at end: $(uptime)"
log "done in $(elapsed)"
