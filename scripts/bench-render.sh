#!/usr/bin/env bash
# Benchmark of the PDF step (see bench/render.bench.ts): the render activity's isolated Chromium render plus
# signing, against a bare playwright-core render of the same HTML, at 10, 200 and 2,000 rows. Prints medians,
# minima and maxima and the activity/floor ratios. Needs Chromium only: no database, no Temporal.
#
#   CHROMIUM_PATH (default /usr/bin/chromium)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install.sh"
require_node
npm run build --silent

log "running the render benchmark (a few minutes)"
node dist/bench/render.bench.js
log "done in $(elapsed)"
