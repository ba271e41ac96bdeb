#!/usr/bin/env bash
# Runs the whole product locally: installs what is missing, builds, starts Temporal and FerretDB, starts
# (or restarts, to pick up the new build) the two workers (--role steps, --role render) and the API server,
# loads the demo tenant, and prints a token with the commands to create, poll and download a report. Safe to
# re-run at any time.
#
#   ARTIFACT_STORE    fs (default): artifacts are encrypted files under the stack's folder, and SeaweedFS is neither
#                     built nor started; s3: SeaweedFS is built (6-7 minutes the first time) and started, and the
#                     service keeps its artifacts in the stack's bucket
#   HTTP_PORT         API port (default 3000)
#   OPS_PORT          the API's /healthz, /readyz and /metrics, on 127.0.0.1 (default 9400)
#   TEMPORAL_PORT, TEMPORAL_UI_PORT, MONGO_PORT, TSA_PORT, S3_PORT, STACK_DIR   as for scripts/stack.sh (default .data/dev)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
# The store decides whether the stack needs SeaweedFS, so STACK_S3 follows it rather than what the stack ran before.
case "${ARTIFACT_STORE:=fs}" in
  fs) STACK_S3=false ;;
  s3) STACK_S3=true ;;
  *) die "ARTIFACT_STORE must be fs or s3, got \"$ARTIFACT_STORE\"" ;;
esac
stack_env
export STACK_DIR STACK_HOST TEMPORAL_PORT TEMPORAL_UI_PORT MONGO_PORT TSA_PORT S3_PORT STACK_S3 HTTP_PORT OPS_PORT

if [[ $STACK_S3 == true ]]; then
  "$REPO_ROOT/scripts/install.sh"
else
  "$REPO_ROOT/scripts/install.sh" --without-seaweedfs
fi
require_node

log "building"
npm run build --silent
for entry in server worker cli; do
  [[ -f dist/src/main/$entry.js ]] || die "the build did not produce dist/src/main/$entry.js"
done

"$REPO_ROOT/scripts/stack.sh" up

# The application reads its whole configuration from these (see src/config.ts).
export MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT"
export MONGO_DB=evidence
export TEMPORAL_ADDRESS="$STACK_HOST:$TEMPORAL_PORT"
export DATA_DIR="$STACK_DIR/app"
export PUBLIC_BASE_URL="http://127.0.0.1:$HTTP_PORT"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
# The stack's own RFC 3161 authority stamps every signature, as production's does.
export TSA_URL="http://$STACK_HOST:$TSA_PORT/api/v1/timestamp"
export ARTIFACT_STORE
if [[ $ARTIFACT_STORE == s3 ]]; then
  s3_credentials || die "seaweedfs: no credentials in $(s3_credentials_file)"
  export S3_ENDPOINT="http://$STACK_HOST:$S3_PORT" S3_BUCKET="$STACK_S3_BUCKET" S3_REGION="$STACK_S3_REGION"
  export S3_ACCESS_KEY_ID="$S3_KEY_ID" S3_SECRET_ACCESS_KEY="$S3_SECRET" S3_FORCE_PATH_STYLE=true
fi
TASK_QUEUE="${TEMPORAL_TASK_QUEUE:-reports}"
mkdir -p "$DATA_DIR"

# A worker counts as up once Temporal sees it polling its queue: the steps worker the main queue's workflow
# tasks, the render worker the render queue's activity tasks. The SDK's default worker identity is
# "<pid>@<host>", which tells the new process apart from a previous one still listed as a recent poller.
worker_polling() {
  local name=$1 queue=$2 type=$3 pid
  pid="$(svc_pid "$name")" || return 1
  timeout 15 "$TOOLS_BIN/temporal" task-queue describe --task-queue "$queue" --task-queue-type "$type" --output json \
    --address "$TEMPORAL_ADDRESS" --namespace "${TEMPORAL_NAMESPACE:-default}" --disable-config-file --disable-config-env |
    node -e '
      const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
      process.exit((d.pollers || []).some((p) => String(p.identity).startsWith(process.argv[1] + "@")) ? 0 : 1);
    ' "$pid"
}

# Ready, not just alive: /readyz answers 200 once MongoDB and Temporal answer the server too.
server_healthy() {
  curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$OPS_PORT/readyz"
}

svc_stop server
svc_stop worker-steps
svc_stop worker-render
# The single worker of earlier versions, which ran both roles.
svc_stop worker
# Checked after our own server is gone: a stranger on the port would fail the start, or worse, answer
# the health check in its place.
port_free 127.0.0.1 "$HTTP_PORT" ||
  die "port $HTTP_PORT is in use by another program; choose another with HTTP_PORT=..."
port_free 127.0.0.1 "$OPS_PORT" ||
  die "port $OPS_PORT is in use by another program; choose another with OPS_PORT=..."
svc_start worker-steps node dist/src/main/worker.js --role steps
svc_start worker-render node dist/src/main/worker.js --role render
svc_start server node dist/src/main/server.js
wait_for server 60 server_healthy
wait_for worker-steps 90 worker_polling worker-steps "$TASK_QUEUE" workflow
wait_for worker-render 90 worker_polling worker-render "$TASK_QUEUE-render" activity

# seed-demo prints one line of JSON; anything else it might print is not part of that contract.
seed_json="$(node dist/src/main/cli.js seed-demo)" || die "seeding the demo tenant failed"
mapfile -t seed < <(node -e '
  const line = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.startsWith("{")).pop();
  const s = JSON.parse(line || "{}");
  if (typeof s.token !== "string" || !s.token || !Array.isArray(s.endpoint_ids) || !s.endpoint_ids.length) {
    console.error("seed-demo printed no token or no endpoint ids");
    process.exit(1);
  }
  console.log([s.token, s.tenant_id, s.endpoint_ids[0]].join("\n"));
' <<<"$seed_json")
((${#seed[@]} == 3)) || die "could not read the output of seed-demo: $seed_json"
token=${seed[0]} tenant=${seed[1]} endpoint=${seed[2]}
api="http://127.0.0.1:$HTTP_PORT/api/v2"
stack_cmd=scripts/stack.sh
[[ $STACK_DIR == "$REPO_ROOT/.data/dev" ]] || stack_cmd="STACK_DIR=$(printf '%q' "$STACK_DIR") $stack_cmd"

cat <<EOF

The product is running (demo tenant $tenant). Paste into a shell:

export TOKEN=$(printf '%q' "$token")
export API=$api

# Create a report; the answer is shown, and its id is kept in REPORT_ID
REPORT_ID=\$(curl -sS "\$API/reports" \\
  -H "Authorization: Bearer \$TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{
    "title": "Q2 2026 AI security evidence pack",
    "frameworks": ["OWASP_LLM","NIST_AI_600_1","EU_AI_ACT","ISO_42001"],
    "scope": {
      "endpoint_ids": ["$endpoint"],
      "from": "2026-04-01",
      "to": "2026-06-30",
      "include_severities": ["critical","high","medium"]
    },
    "format": "pdf"
  }' | node -e 'const b = require("fs").readFileSync(0, "utf8"); console.error(b); console.log(JSON.parse(b).id)')

# Poll until "status" is "ready"
curl -sS "\$API/reports/\$REPORT_ID" -H "Authorization: Bearer \$TOKEN"; echo

# Download: the API redirects to a short-lived signed URL; curl saves the PDF under its own name
curl -fOJL -H "Authorization: Bearer \$TOKEN" "\$API/reports/\$REPORT_ID/download"

# Trust the local signing root once, so pdfsig reports the certificate trusted (certutil: libnss3-tools)
mkdir -p ~/.pki/nssdb && [ -f ~/.pki/nssdb/cert9.db ] || certutil -d sql:\$HOME/.pki/nssdb -N --empty-password
certutil -d sql:\$HOME/.pki/nssdb -A -n 'Audit Evidence Reports local root' -t 'C,C,C' -i $(printf '%q' "$DATA_DIR/keys/pdf-signing-root.pem")
pdfsig -nssdir sql:\$HOME/.pki/nssdb "\$REPORT_ID.pdf"

Temporal Web UI: http://127.0.0.1:$TEMPORAL_UI_PORT/namespaces/default/workflows
Time-stamping:   $TSA_URL (its chain: $STACK_DIR/tsa/chain.pem)
Artifacts:       $ARTIFACT_STORE store$([[ $ARTIFACT_STORE == s3 ]] && printf ', bucket %s at %s' "$STACK_S3_BUCKET" "$S3_ENDPOINT")
Logs:            $LOG_DIR/{server,worker-steps,worker-render,temporal,ferretdb$([[ $STACK_S3 == true ]] && printf ',seaweedfs')}.log
Status / stop:   $stack_cmd status   /   $stack_cmd down

Up in $(elapsed).
EOF
