#!/usr/bin/env bash
# The whole test suite: static checks, the build, then every jest project (unit, integration, e2e)
# against a test stack of its own, started fresh and stopped afterwards whatever happens.
# Arguments are passed on to jest, e.g. `scripts/test.sh --selectProjects unit`.
#
#   TEST_TEMPORAL_PORT     (default 17233)
#   TEST_TEMPORAL_UI_PORT  (default 18233)
#   TEST_MONGO_PORT        (default 17017)
#   TEST_TSA_PORT          (default 18433; the time-stamping authority)
#   TEST_S3_PORT           (default 18333; SeaweedFS also takes the seven ports after it)
# The test stack has ports of its own, so it runs beside a dev stack started by scripts/up.sh and every other
# script's stack (test/unit/stack-ports.test.ts checks that no two share a port). It always runs SeaweedFS: the S3
# store's tests need it.
# Every default port of every stack lies below the kernel's range for outgoing connections (32768 and up), so
# no client connection of the moment can hold one when a service starts and binds it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"

"$REPO_ROOT/scripts/install.sh"
require_node

log "typecheck"
npm run typecheck --silent
log "lint"
npm run lint --silent
log "build"
npm run build --silent
log "openapi lint"
# The committed document (openapi/openapi.json) against the OpenAPI linter's recommended rules, as redocly.yaml sets
# them; the unit tests check that it is what the schemas build.
npm run openapi:lint --silent

export STACK_DIR="$REPO_ROOT/.data/test"
export STACK_HOST=127.0.0.1
export TEMPORAL_PORT="${TEST_TEMPORAL_PORT:-17233}"
export TEMPORAL_UI_PORT="${TEST_TEMPORAL_UI_PORT:-18233}"
export MONGO_PORT="${TEST_MONGO_PORT:-17017}"
export TSA_PORT="${TEST_TSA_PORT:-18433}"
export S3_PORT="${TEST_S3_PORT:-18333}"
export STACK_S3=true

stop_test_stack() {
  "$REPO_ROOT/scripts/stack.sh" down || log "warning: the test stack did not stop cleanly"
}

# A run that was interrupted may have left its stack running; it is stopped before its files go,
# and every run starts from empty databases.
stop_test_stack
rm -rf "$STACK_DIR"
# The exit status stays jest's: the cleanup neither exits nor fails the script.
trap stop_test_stack EXIT
jest_pid=''
# Bash runs a trap only once its foreground command has finished, so jest runs in the background and is
# waited for: an interrupt then reaches this script at once, which passes it on and cleans up.
# shellcheck disable=SC2329 # invoked by the traps below
on_signal() {
  if [[ -n $jest_pid ]]; then
    kill -TERM "$jest_pid" 2>/dev/null || true
    wait "$jest_pid" 2>/dev/null || true
  fi
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
"$REPO_ROOT/scripts/stack.sh" up

export TEST_MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT"
export TEST_TEMPORAL_ADDRESS="$STACK_HOST:$TEMPORAL_PORT"
export TEST_TEMPORAL_UI_URL="http://$STACK_HOST:$TEMPORAL_UI_PORT"
export TEST_DATA_DIR="$STACK_DIR/app"
s3_credentials || die "the test stack has no S3 credentials in $(s3_credentials_file)"
export TEST_S3_URL="http://$STACK_HOST:$S3_PORT"
export TEST_S3_BUCKET="$STACK_S3_BUCKET"
export TEST_S3_REGION="$STACK_S3_REGION"
export TEST_S3_ACCESS_KEY_ID="$S3_KEY_ID"
export TEST_S3_SECRET_ACCESS_KEY="$S3_SECRET"
export TEST_TEMPORAL_TEST_SERVER="$TOOLS_BIN/temporal-test-server"
export TEST_TSA_URL="http://$STACK_HOST:$TSA_PORT/api/v1/timestamp"
export TEST_TSA_CHAIN="$STACK_DIR/tsa/chain.pem"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
mkdir -p "$TEST_DATA_DIR"

results="$STACK_DIR/jest-results.json"
log "jest"
status=0
# jest's own launcher (what `npx jest` would run), not npx: npx does not pass a TERM on to jest.
node_modules/.bin/jest --ci --runInBand --json --outputFile="$results" "$@" &
jest_pid=$!
wait "$jest_pid" || status=$?
jest_pid=''

# One plain closing line with the counts, whatever reporter jest used above.
if [[ -f $results ]]; then
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$results" || true
fi
log "test: jest exited with $status after $(elapsed)"
exit "$status"
