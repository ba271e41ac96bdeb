#!/usr/bin/env bash
# Starts, stops and reports on the local infrastructure: a Temporal dev server (SQLite file, Web UI),
# FerretDB on SQLite as the MongoDB-compatible database, sigstore's timestamp-authority as the RFC 3161
# time-stamping authority (its key and certificate chain generated for this stack) and, unless STACK_S3=false,
# SeaweedFS as the S3-compatible object store (one bucket, credentials generated for this stack). Several stacks can live side by side (the dev stack and the
# test stack), each with its own STACK_DIR and ports.
#
# Usage: scripts/stack.sh up|down|status
#        scripts/stack.sh start|stop temporal|ferretdb|tsa|seaweedfs   one service alone (the others untouched);
#                                                                      e.g. for tests of an outage
#        scripts/stack.sh kill temporal|ferretdb|tsa|seaweedfs        SIGKILL one service, as a crash would
#   STACK_DIR         state, logs and pid files (default .data/dev, relative to the repository root)
#   STACK_HOST        address everything binds to (default 127.0.0.1; FerretDB has no auth on SQLite,
#                     so keep it on loopback)
#   TEMPORAL_PORT     Temporal gRPC (default 7233)
#   TEMPORAL_UI_PORT  Temporal Web UI (default 8233)
#   MONGO_PORT        FerretDB's MongoDB wire protocol (default 27017)
#   TSA_PORT          the time-stamping authority's HTTP port (default 8433); its RFC 3161 endpoint is
#                     http://STACK_HOST:TSA_PORT/api/v1/timestamp and its certificate chain $STACK_DIR/tsa/chain.pem
#   S3_PORT           SeaweedFS's S3 gateway (default 8333); its master, volume and filer servers take the
#                     seven ports after it (HTTP S3_PORT+1..+3, gRPC S3_PORT+4..+7)
#   STACK_S3          whether the stack runs SeaweedFS (default true); false leaves it out, for a stack whose
#                     service keeps its artifacts in files. Changing it needs no `down`: the next `up` starts or
#                     stops SeaweedFS alone
#   HTTP_PORT         only read by status, to name the API server's address (default 3000)
#   OPS_PORT          only read by status, to check the API server's /readyz (default 9400)
#   FERRETDB_GOGC     Go's GOGC for FerretDB (default 400)
#   STACK_FAIRNESS    whether Temporal hands tasks out in turn between tenants (default true)
#   STACK_TASKQUEUE_PARTITIONS  partitions of every task queue (default 1; Temporal's own default is 4)
#   STACK_SUGGEST_CONTINUE_AS_NEW  history length at which Temporal suggests continue-as-new (default Temporal's
#                     own, 4,096 events); scripts/record-histories.sh lowers it so a retention workflow continues
#                     as new while it is recorded
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

stack_env

# Registered when the dev server starts, because workflows set them and operators search by them.
SEARCH_ATTRIBUTES=(TenantId ReportStatus ReportFormat)
# Every service this script knows, and those this stack runs: SeaweedFS only with STACK_S3=true.
ALL_INFRA_SERVICES=(temporal ferretdb tsa seaweedfs)
INFRA_SERVICES=(temporal ferretdb tsa)
[[ $STACK_S3 == false ]] || INFRA_SERVICES+=(seaweedfs)

TEMPORAL="$TOOLS_BIN/temporal"
FERRETDB="$TOOLS_BIN/ferretdb"
WEED="$TOOLS_BIN/weed"
TSA="$TOOLS_BIN/timestamp-server"
TSA_URL="http://$STACK_HOST:$TSA_PORT/api/v1/timestamp"
TSA_DIR="$STACK_DIR/tsa"
TEMPORAL_ADDR="$STACK_HOST:$TEMPORAL_PORT"
MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT"
S3_URL="http://$STACK_HOST:$S3_PORT"
S3_DIR="$STACK_DIR/seaweedfs"

# The probes ignore any personal CLI profile or TEMPORAL_* variables: they check this stack, nothing else.
temporal_cli() {
  timeout 15 "$TEMPORAL" "$@" --address "$TEMPORAL_ADDR" --disable-config-file --disable-config-env
}

temporal_ready() {
  local listed name
  temporal_cli operator cluster health >/dev/null 2>&1 || return 1
  listed="$(temporal_cli operator search-attribute list --namespace default 2>/dev/null)" || return 1
  for name in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -qw -- "$name" <<<"$listed" || return 1
  done
}

temporal_ui_ready() {
  curl -fsS -o /dev/null --max-time 5 "http://$STACK_HOST:$TEMPORAL_UI_PORT/"
}

ferretdb_ready() { mongo_ping "$MONGO_URL"; }

# A signed S3 request with this stack's credentials; curl signs it (SigV4) itself, so no AWS CLI is needed.
s3_request() {
  timeout 10 curl -fsS -o /dev/null --aws-sigv4 "aws:amz:$STACK_S3_REGION:s3" -u "$S3_KEY_ID:$S3_SECRET" "$@"
}

# The gateway answers at all (its health endpoint needs no signature).
seaweedfs_up() { curl -fsS -o /dev/null --max-time 5 "$S3_URL/healthz"; }

# Answers a signed listing of the stack's bucket: credentials accepted and the bucket there.
seaweedfs_ready() {
  s3_credentials && s3_request "$S3_URL/$STACK_S3_BUCKET?list-type=2&max-keys=1"
}

# The gateway answers before its filer and volume server can store anything, so the bucket is created (if
# missing) on each try until the signed listing succeeds.
seaweedfs_bucket_ready() {
  seaweedfs_ready && return 0
  s3_request -X PUT "$S3_URL/$STACK_S3_BUCKET" || return 1
  seaweedfs_ready
}

# The authority answers a real RFC 3161 request with a token.
tsa_ready() {
  printf 'ready' | openssl ts -query -sha256 -cert 2>/dev/null |
    timeout 10 curl -fsS -o /dev/null --data-binary @- -H 'Content-Type: application/timestamp-query' "$TSA_URL"
}

server_ready() {
  curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$OPS_PORT/readyz"
}

require_tools() {
  [[ -x $TEMPORAL && -x $FERRETDB && -x $TSA && -d $REPO_ROOT/node_modules/mongodb ]] ||
    die "tools are missing; run scripts/install.sh first"
  [[ $STACK_S3 == false || -x $WEED ]] ||
    die "SeaweedFS is missing; run scripts/install.sh first (or STACK_S3=false for a stack without it)"
}

# Another program on one of our ports would make the new service fail to bind, or worse, make the
# readiness check pass against the wrong server.
ensure_ports_free() {
  local name=$1 port
  shift
  for port in "$@"; do
    port_free "$STACK_HOST" "$port" ||
      die "$name: port $STACK_HOST:$port is already in use by a process this stack does not manage"
  done
}

start_temporal() {
  mkdir -p "$STACK_DIR/temporal"
  # Without --db-filename the dev server keeps everything in memory and forgets it on exit. SQLite's default
  # rollback journal syncs the file two or three times a transaction, and the server makes a transaction of
  # nearly every history event: at 1,000 reports in flight it was the stack's bottleneck (a third of a core-second
  # a report). With a write-ahead log synced at checkpoints, what was committed survives the process being
  # killed, which is what a local stack needs (a power cut may lose the last moments), and the same load takes
  # half the time.
  # The version check and the UI news feed would reach out to the internet; neither is wanted offline.
  # A personal CLI profile or TEMPORAL_* variables are no business of the stack's own server.
  # Fairness: tasks on a queue are handed out in turn between the fairness keys they carry (each report and import
  # workflow carries its tenant), so one tenant's backlog does not hold up another's work. STACK_FAIRNESS=false
  # turns it off, to compare (scripts/bench-fairness.sh).
  # Partitions: Temporal spreads each task queue over partitions (4 unless told), puts each task in one at random and
  # orders tasks, by priority and fairness, only within a partition; a worker's poll is answered from whichever
  # partition it reaches. With four, a tenant's render still waited behind three or four of another tenant's queued
  # on the other partitions, as long as with fairness off (scripts/bench-fairness.sh). One matching service serves
  # every partition here, and a local stack's tens of tasks a second need no more than one. STACK_TASKQUEUE_PARTITIONS
  # sets it, to compare.
  # Continue-as-new: a long-lived workflow continues as new once Temporal suggests it, which takes thousands of
  # events; STACK_SUGGEST_CONTINUE_AS_NEW brings that within reach of a recording.
  local -a args=(
    server start-dev
    --disable-config-file
    --disable-config-env
    --ip "$STACK_HOST"
    --port "$TEMPORAL_PORT"
    --ui-port "$TEMPORAL_UI_PORT"
    --db-filename "$STACK_DIR/temporal/temporal.db"
    --sqlite-pragma journal_mode=wal
    --sqlite-pragma synchronous=normal
    --namespace default
    --dynamic-config-value frontend.enableServerVersionCheck=false
    --dynamic-config-value "matching.enableFairness=${STACK_FAIRNESS:-true}"
    --dynamic-config-value "matching.numTaskqueueReadPartitions=${STACK_TASKQUEUE_PARTITIONS:-1}"
    --dynamic-config-value "matching.numTaskqueueWritePartitions=${STACK_TASKQUEUE_PARTITIONS:-1}"
    --ui-disable-news-fetch
    --log-level warn
  )
  if [[ -n ${STACK_SUGGEST_CONTINUE_AS_NEW:-} ]]; then
    args+=(--dynamic-config-value "limit.historyCount.suggestContinueAsNew=$STACK_SUGGEST_CONTINUE_AS_NEW")
  fi
  local name
  for name in "${SEARCH_ATTRIBUTES[@]}"; do
    args+=(--search-attribute "$name=Keyword")
  done
  svc_start temporal "$TEMPORAL" "${args[@]}"
}

start_ferretdb() {
  local sqlite_dir="$STACK_DIR/ferretdb"
  # The SQLite handler takes a file: URI naming a directory; characters that URIs reserve would change
  # its meaning, so refuse them rather than guess an encoding.
  [[ $sqlite_dir != *[[:space:]%?#]* ]] || die "ferretdb: STACK_DIR must not contain spaces or any of % ? #"
  mkdir -p "$sqlite_dir" "$STACK_DIR/ferretdb-state"
  # --debug-addr=- turns off the metrics/pprof listener, which would otherwise take port 8088 for every
  # stack on the machine. GOGC=400 (FERRETDB_GOGC): FerretDB decodes every document it reads into short-lived
  # Go values, and at Go's default of 100 its collector took about a seventh of its CPU under API polling;
  # its heap here is tens of megabytes, so collecting a quarter as often costs little memory.
  svc_start ferretdb env GOGC="${FERRETDB_GOGC:-400}" "$FERRETDB" \
    --handler=sqlite \
    --sqlite-url="file:$sqlite_dir/" \
    --listen-addr="$STACK_HOST:$MONGO_PORT" \
    --state-dir="$STACK_DIR/ferretdb-state" \
    --telemetry=disable \
    --debug-addr=- \
    --log-level=WARN
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# The stack's S3 credentials and SSE key are made once, at random, and kept owner-only beside its data, so no
# two stacks share a secret and none is written in this repository. The gateway's identity file and its
# security.toml (which holds the SSE-S3 key-encryption key; without one SeaweedFS refuses SSE-S3) are derived
# from them on every start.
ensure_s3_credentials() {
  local file
  file="$(s3_credentials_file)"
  mkdir -p "$S3_DIR"
  chmod 700 "$S3_DIR"
  if ! s3_credentials; then
    [[ ! -e $file ]] || die "seaweedfs: $file is incomplete; run scripts/stack.sh down and remove $S3_DIR"
    (
      umask 077
      printf 'access_key_id=stack-%s\nsecret_access_key=%s\nsse_kek=%s\n' \
        "$(random_hex 8)" "$(random_hex 24)" "$(random_hex 32)" >"$file.tmp"
    )
    mv -f "$file.tmp" "$file"
    s3_credentials || die "seaweedfs: could not read back $file"
  fi
  (
    umask 077
    printf '[s3.sse]\nkek = "%s"\n' "$S3_SSE_KEK" >"$S3_DIR/security.toml"
    cat >"$S3_DIR/s3.json" <<EOF
{
  "identities": [
    {
      "name": "evidence-reports",
      "credentials": [{ "accessKey": "$S3_KEY_ID", "secretKey": "$S3_SECRET" }],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
EOF
  )
}

# The authority's key and a three-certificate chain (root, intermediate, time-stamping leaf), made once with
# openssl and kept beside the stack's data, so that tokens issued yesterday still verify against today's chain.
# The root's and the intermediate's keys are thrown away once they have signed: nothing else is ever issued under
# them. timestamp-authority requires the time-stamping purpose on the intermediate too.
ensure_tsa_chain() {
  local tmp org='O=Audit Evidence Reports (local stack)'
  [[ -s $TSA_DIR/tsa.key && -s $TSA_DIR/chain.pem && -s $TSA_DIR/root.pem ]] && return 0
  command -v openssl >/dev/null 2>&1 || die "tsa: openssl is needed to make the authority's key; run scripts/install.sh"
  mkdir -p "$TSA_DIR"
  chmod 700 "$TSA_DIR"
  rm -rf "$TSA_DIR"/.new.*
  tmp="$(mktemp -d "$TSA_DIR/.new.XXXXXX")"
  (
    set -e
    umask 077
    cd "$tmp"
    printf '%s\n' \
      '[root]' 'basicConstraints = critical, CA:true' 'keyUsage = critical, keyCertSign, cRLSign' \
      'subjectKeyIdentifier = hash' \
      '[intermediate]' 'basicConstraints = critical, CA:true, pathlen:0' 'keyUsage = critical, keyCertSign, cRLSign' \
      'extendedKeyUsage = timeStamping' 'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' \
      '[tsa]' 'basicConstraints = critical, CA:false' 'keyUsage = critical, digitalSignature' \
      'extendedKeyUsage = critical, timeStamping' 'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' \
      >ext.cnf
    for name in root intermediate tsa; do
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key"
      openssl req -new -key "$name.key" -subj "/$org/CN=Local time-stamping $name" -out "$name.csr"
    done
    openssl x509 -req -in root.csr -key root.key -days 3650 -sha256 -set_serial "0x$(random_hex 16)" \
      -extfile ext.cnf -extensions root -out root.pem
    openssl x509 -req -in intermediate.csr -CA root.pem -CAkey root.key -days 3650 -sha256 \
      -set_serial "0x$(random_hex 16)" -extfile ext.cnf -extensions intermediate -out intermediate.pem
    openssl x509 -req -in tsa.csr -CA intermediate.pem -CAkey intermediate.key -days 3650 -sha256 \
      -set_serial "0x$(random_hex 16)" -extfile ext.cnf -extensions tsa -out tsa.pem
    cat tsa.pem intermediate.pem root.pem >chain.pem
  ) >/dev/null 2>"$tmp.log" || {
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "tsa: could not make the authority's key and certificate chain"
  }
  mv -f "$tmp/tsa.key" "$tmp/root.pem" "$TSA_DIR/"
  # The chain goes last: its presence says the set is complete.
  mv -f "$tmp/chain.pem" "$TSA_DIR/chain.pem"
  rm -rf "$tmp" "$tmp.log"
  log "tsa: made a key and certificate chain in $TSA_DIR"
}

start_tsa() {
  ensure_tsa_chain
  # The file signer keeps the chain made above across restarts (the default in-memory signer makes a new one each
  # time). NTP monitoring would reach out to public time servers, which a local stack does not do: the machine's
  # clock is the authority's. The issuing chain goes into every token that asks for certificates, so a token
  # verifies with the root alone. It starts in its own folder, so no configuration file of the caller's is read.
  # Its metrics listener takes a free loopback port (see install.sh), so stacks side by side never meet there.
  svc_start tsa env -C "$TSA_DIR" TIMESTAMP_METRICS_ADDRESS=127.0.0.1:0 "$TSA" serve \
    --host "$STACK_HOST" \
    --port "$TSA_PORT" \
    --timestamp-signer file \
    --file-signer-key-path "$TSA_DIR/tsa.key" \
    --certificate-chain-path "$TSA_DIR/chain.pem" \
    --include-chain-in-response \
    --disable-ntp-monitoring \
    --log-type prod
}

start_seaweedfs() {
  ensure_s3_credentials
  mkdir -p "$S3_DIR/data"
  # One process runs master, volume server, filer and S3 gateway. Every port is given, so two stacks never
  # meet on SeaweedFS's defaults; the Iceberg and Lance endpoints are off, and so is the anonymous usage
  # report, which would call out to the internet. It reads its configuration from, and starts in, its own
  # folder, so that a filer.toml or security.toml in the caller's directory is never picked up. Small volumes
  # (256 MB) suit test data.
  svc_start seaweedfs env -C "$S3_DIR" "$WEED" -config_dir="$S3_DIR" server \
    -dir="$S3_DIR/data" \
    -ip="$STACK_HOST" \
    -ip.bind="$STACK_HOST" \
    -master.port="$((S3_PORT + 1))" \
    -volume.port="$((S3_PORT + 2))" \
    -filer.port="$((S3_PORT + 3))" \
    -master.port.grpc="$((S3_PORT + 4))" \
    -volume.port.grpc="$((S3_PORT + 5))" \
    -filer.port.grpc="$((S3_PORT + 6))" \
    -s3 \
    -s3.port="$S3_PORT" \
    -s3.port.grpc="$((S3_PORT + 7))" \
    -s3.port.iceberg=0 \
    -s3.port.lance=0 \
    -s3.config="$S3_DIR/s3.json" \
    -master.telemetry=false \
    -master.volumeSizeLimitMB=256 \
    -volume.max=0 \
    -volume.preStopSeconds=1
}

# Asking a running stack for other ports cannot be honoured without a restart; say so instead.
# (HTTP_PORT belongs to the API server, which up.sh restarts anyway, so it may change freely; so may STACK_S3, which
# starts or stops SeaweedFS alone.)
refuse_other_settings() {
  local name free='^(HTTP_PORT|STACK_S3)='
  if [[ -f $STACK_SETTINGS_FILE &&
    "$(grep -Ev "$free" "$STACK_SETTINGS_FILE")" != "$(stack_settings | grep -Ev "$free")" ]]; then
    for name in "${ALL_INFRA_SERVICES[@]}"; do
      svc_pid "$name" >/dev/null || continue
      die "this stack ($STACK_DIR) is running with other settings ($(tr '\n' ' ' <"$STACK_SETTINGS_FILE")); run scripts/stack.sh down first"
    done
  fi
}

# Checks the ports of a service that is about to start.
ensure_service_ports_free() {
  # shellcheck disable=SC2046 # one argument per port
  case $1 in
    temporal) ensure_ports_free temporal "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" ;;
    ferretdb) ensure_ports_free ferretdb "$MONGO_PORT" ;;
    tsa) ensure_ports_free tsa "$TSA_PORT" ;;
    seaweedfs) ensure_ports_free seaweedfs $(seq "$S3_PORT" "$((S3_PORT + 7))") ;;
  esac
}

# Waits until a service answers, not merely runs.
wait_for_service() {
  case $1 in
    temporal)
      wait_for temporal 120 temporal_ready
      wait_for temporal 60 temporal_ui_ready
      ;;
    ferretdb) wait_for ferretdb 60 ferretdb_ready ;;
    tsa) wait_for tsa 30 tsa_ready ;;
    seaweedfs)
      wait_for seaweedfs 120 seaweedfs_up
      s3_credentials || die "seaweedfs: no credentials in $(s3_credentials_file); run scripts/stack.sh down, then up"
      wait_for seaweedfs 60 seaweedfs_bucket_ready
      ;;
  esac
}

stack_up() {
  require_tools
  local name

  mkdir -p "$RUN_DIR" "$LOG_DIR"
  refuse_other_settings
  # A stack asked to run without SeaweedFS stops the one an earlier start left running (the dev stack before
  # up.sh stopped needing it, or one started with ARTIFACT_STORE=s3).
  if [[ $STACK_S3 == false ]] && svc_pid seaweedfs >/dev/null 2>&1; then
    log "seaweedfs: not wanted with STACK_S3=false"
    svc_stop seaweedfs
  fi

  # Ports are checked for everything about to start before anything starts, so a conflict leaves no
  # half-started stack behind. All then boot in parallel before any is waited for.
  local -a to_start=()
  for name in "${INFRA_SERVICES[@]}"; do
    svc_pid "$name" >/dev/null || {
      ensure_service_ports_free "$name"
      to_start+=("$name")
    }
  done
  for name in "${to_start[@]}"; do
    "start_$name"
  done
  stack_settings >"$STACK_SETTINGS_FILE"

  # A service that was already running is checked too: "running" is not the same as "answering".
  for name in "${INFRA_SERVICES[@]}"; do
    wait_for_service "$name"
  done

  if ((${#to_start[@]} == 0)); then
    log "already running and healthy ($STACK_DIR)"
  else
    local s3="seaweedfs $S3_URL/$STACK_S3_BUCKET"
    [[ $STACK_S3 == true ]] || s3="no seaweedfs (STACK_S3=false)"
    log "up in $(elapsed): temporal $TEMPORAL_ADDR (UI http://$STACK_HOST:$TEMPORAL_UI_PORT), ferretdb $MONGO_URL, tsa $TSA_URL, $s3"
  fi
}

# The name given to start or stop, checked against the stack's services.
infra_service() {
  local name IFS='|'
  for name in "${ALL_INFRA_SERVICES[@]}"; do
    [[ ${1:-} != "$name" ]] || return 0
  done
  die "usage: $0 start|stop ${ALL_INFRA_SERVICES[*]} (got \"${1:-}\")"
}

# Starts one service of the stack (if it is not running) and waits until it answers: with stop, what tests use
# to take one service away and bring it back. The others are neither started nor touched.
stack_start_service() {
  local name=$1
  [[ $name != seaweedfs || $STACK_S3 == true ]] ||
    die "seaweedfs: this stack runs without it (STACK_S3=false); bring it up with STACK_S3=true"
  require_tools
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  refuse_other_settings
  if svc_pid "$name" >/dev/null; then
    wait_for_service "$name"
    log "$name: already running and healthy ($STACK_DIR)"
    return
  fi
  ensure_service_ports_free "$name"
  "start_$name"
  stack_settings >"$STACK_SETTINGS_FILE"
  wait_for_service "$name"
  log "$name: up in $(elapsed) ($STACK_DIR)"
}

# Stops one service and leaves the rest of the stack running; its data stays for the next start.
stack_stop_service() {
  svc_stop "$1"
  log "$1: stopped ($STACK_DIR)"
}

# Kills one service without warning, as a crash would; what it had committed is there for the next start.
stack_kill_service() {
  svc_kill "$1"
  log "$1: killed ($STACK_DIR)"
}

stack_down() {
  local name
  # Application processes go first, while the services they talk to are still there to finish with.
  while read -r name; do
    if [[ " ${ALL_INFRA_SERVICES[*]} " != *" $name "* ]]; then svc_stop "$name"; fi
  done < <(svc_names)
  svc_stop seaweedfs
  svc_stop tsa
  svc_stop ferretdb
  svc_stop temporal
  rm -f "$STACK_SETTINGS_FILE"
  log "stopped ($STACK_DIR)"
}

# Prints one line per service. Exits non-zero when a piece of infrastructure is down, so scripts can use it.
stack_status() {
  local name pid rc=0 state
  local -a names=("${INFRA_SERVICES[@]}")
  while read -r name; do
    if [[ " ${names[*]} " != *" $name "* ]]; then names+=("$name"); fi
  done < <(svc_names | sort)

  printf 'stack %s\n' "$STACK_DIR"
  for name in "${names[@]}"; do
    if pid="$(svc_pid "$name" 2>/dev/null)"; then
      state="running (pid $pid)"
    else
      state="stopped"
    fi
    case $name in
      temporal)
        if temporal_ready; then
          state+=", answers on $TEMPORAL_ADDR"
          if temporal_ui_ready; then
            state+=", Web UI http://$STACK_HOST:$TEMPORAL_UI_PORT"
          else
            state+=", Web UI not answering on port $TEMPORAL_UI_PORT"
          fi
        else
          state+=", not answering on $TEMPORAL_ADDR"
          rc=1
        fi
        ;;
      ferretdb)
        if ferretdb_ready; then
          state+=", answers on $MONGO_URL"
        else
          state+=", not answering on $MONGO_URL"
          rc=1
        fi
        ;;
      tsa)
        if tsa_ready; then
          state+=", answers on $TSA_URL"
        else
          state+=", not answering on $TSA_URL"
          rc=1
        fi
        ;;
      seaweedfs)
        if seaweedfs_ready 2>/dev/null; then
          state+=", answers on $S3_URL, bucket $STACK_S3_BUCKET"
        else
          state+=", not answering on $S3_URL (or no bucket $STACK_S3_BUCKET)"
          rc=1
        fi
        ;;
      server)
        if server_ready; then
          state+=", answers on http://127.0.0.1:$HTTP_PORT"
        else
          state+=", not ready on http://127.0.0.1:$OPS_PORT/readyz"
        fi
        ;;
    esac
    printf '  %-9s %s\n' "$name" "$state"
  done
  printf '  logs      %s\n' "$LOG_DIR"
  return "$rc"
}

case "${1:-}" in
  up) stack_up ;;
  down) stack_down ;;
  status) stack_status ;;
  start)
    infra_service "${2:-}"
    stack_start_service "$2"
    ;;
  stop)
    infra_service "${2:-}"
    stack_stop_service "$2"
    ;;
  kill)
    infra_service "${2:-}"
    stack_kill_service "$2"
    ;;
  *)
    echo "usage: $0 up|down|status|start <service>|stop <service>|kill <service>" >&2
    exit 2
    ;;
esac
