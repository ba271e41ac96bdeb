#!/usr/bin/env bash
# Records the workflow histories in test/fixtures/histories, which the replay test (test/unit/workflow-replay.test.ts)
# replays on the current workflow code in every test run. Each scenario of test/support/histories/scenarios.ts drives
# the API and the real workers on a stack of its own, started fresh and stopped afterwards, and writes the histories
# it leaves in the SDK's JSON form.
#
# When to run it:
# - a new workflow, or a new way through one (add its scenario first): `scripts/record-histories.sh <scenario>`
#   records what is not recorded yet;
# - a change to a workflow, made behind `patched()`: `scripts/record-histories.sh --suffix <patch-id> <scenario>`
#   records the new histories beside the old ones, which stay, as the workflows in flight do;
# - `--replace` rewrites histories already recorded: only for workflow code no deployed worker has ever run.
# With no scenario named, every scenario is considered; one whose histories all exist is not run.
#
# Usage: scripts/record-histories.sh [--suffix NAME | --replace] [scenario ...]
#   RECORD_TEMPORAL_PORT     (default 19233)
#   RECORD_TEMPORAL_UI_PORT  (default 19234)
#   RECORD_MONGO_PORT        (default 19017)
#   RECORD_TSA_PORT          (default 19433; the time-stamping authority)
#   RECORD_S3_PORT           (default 19333; SeaweedFS would take the seven ports after it)
# The stack's data is in .data/histories; the scenarios keep artifacts in files, so it runs no SeaweedFS. Its Temporal suggests continue-as-new after a few events, so the
# retention workflow's continue-as-new is within reach of a recording. Needs the tools scripts/up.sh or
# scripts/test.sh installed, and Chromium for the PDF report.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"

suffix=''
replace=''
while [[ $# -gt 0 ]]; do
  case $1 in
    --suffix)
      [[ $# -ge 2 && $2 =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "--suffix takes a name of lower-case letters, digits and dashes"
      suffix=$2
      shift 2
      ;;
    --replace)
      replace=1
      shift
      ;;
    -*) die "unknown option $1; the options are --suffix NAME and --replace" ;;
    *) break ;;
  esac
done
[[ -z $suffix || -z $replace ]] || die "--suffix and --replace do not go together: one keeps the old histories, the other rewrites them"
[[ -x node_modules/.bin/jest && -x $TOOLS_BIN/temporal ]] || die "the tools are not installed: run scripts/up.sh or scripts/test.sh once"
require_node

export STACK_DIR="$REPO_ROOT/.data/histories"
export STACK_HOST=127.0.0.1
export TEMPORAL_PORT="${RECORD_TEMPORAL_PORT:-19233}"
export TEMPORAL_UI_PORT="${RECORD_TEMPORAL_UI_PORT:-19234}"
export MONGO_PORT="${RECORD_MONGO_PORT:-19017}"
export TSA_PORT="${RECORD_TSA_PORT:-19433}"
export S3_PORT="${RECORD_S3_PORT:-19333}"
export STACK_S3=false
# Past ten events, which the retention workflow reaches at its first look at a report not yet due.
export STACK_SUGGEST_CONTINUE_AS_NEW=10

stop_stack() {
  "$REPO_ROOT/scripts/stack.sh" down || log "warning: the recording stack did not stop cleanly"
}
stop_stack
rm -rf "$STACK_DIR"
trap stop_stack EXIT
"$REPO_ROOT/scripts/stack.sh" up

export TEST_MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT"
export TEST_TEMPORAL_ADDRESS="$STACK_HOST:$TEMPORAL_PORT"
export TEST_DATA_DIR="$STACK_DIR/app"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
mkdir -p "$TEST_DATA_DIR"

what="${*:-every scenario}"
[[ -n $suffix || -n $replace ]] || what+=", where a history is missing"
log "recording $what"
RECORD_SCENARIOS="$*" RECORD_SUFFIX="$suffix" RECORD_REPLACE="$replace" \
  node_modules/.bin/jest --config test/support/histories/jest.config.js --runInBand
log "done in $(elapsed); replay the histories with: npx jest --selectProjects unit -- workflow-replay"
