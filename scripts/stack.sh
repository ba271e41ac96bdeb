#!/usr/bin/env bash
# Starts, stops and reports on the local infrastructure: a Temporal dev server (SQLite file, Web UI) and
# FerretDB on SQLite as the MongoDB-compatible database. Several stacks can live side by side (the dev
# stack and the test stack), each with its own STACK_DIR and ports.
#
# Usage: scripts/stack.sh up|down|status
#   STACK_DIR         state, logs and pid files (default .data/dev, relative to the repository root)
#   STACK_HOST        address everything binds to (default 127.0.0.1; FerretDB has no auth on SQLite,
#                     so keep it on loopback)
#   TEMPORAL_PORT     Temporal gRPC (default 7233)
#   TEMPORAL_UI_PORT  Temporal Web UI (default 8233)
#   MONGO_PORT        FerretDB's MongoDB wire protocol (default 27017)
#   HTTP_PORT         only read by status, to check the API server (default 3000)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

stack_env

# Registered when the dev server starts, because workflows set them and operators search by them.
SEARCH_ATTRIBUTES=(TenantId ReportStatus ReportFormat)
INFRA_SERVICES=(temporal ferretdb)

TEMPORAL="$TOOLS_BIN/temporal"
FERRETDB="$TOOLS_BIN/ferretdb"
TEMPORAL_ADDR="$STACK_HOST:$TEMPORAL_PORT"
MONGO_URL="mongodb://$STACK_HOST:$MONGO_PORT"

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

server_ready() {
  curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$HTTP_PORT/healthz"
}

require_tools() {
  [[ -x $TEMPORAL && -x $FERRETDB && -d $REPO_ROOT/node_modules/mongodb ]] ||
    die "tools are missing; run scripts/install.sh first"
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
  # Without --db-filename the dev server keeps everything in memory and forgets it on exit.
  # The version check and the UI news feed would reach out to the internet; neither is wanted offline.
  # A personal CLI profile or TEMPORAL_* variables are no business of the stack's own server.
  local -a args=(
    server start-dev
    --disable-config-file
    --disable-config-env
    --ip "$STACK_HOST"
    --port "$TEMPORAL_PORT"
    --ui-port "$TEMPORAL_UI_PORT"
    --db-filename "$STACK_DIR/temporal/temporal.db"
    --namespace default
    --dynamic-config-value frontend.enableServerVersionCheck=false
    --ui-disable-news-fetch
    --log-level warn
  )
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
  # stack on the machine.
  svc_start ferretdb "$FERRETDB" \
    --handler=sqlite \
    --sqlite-url="file:$sqlite_dir/" \
    --listen-addr="$STACK_HOST:$MONGO_PORT" \
    --state-dir="$STACK_DIR/ferretdb-state" \
    --telemetry=disable \
    --debug-addr=- \
    --log-level=WARN
}

stack_up() {
  require_tools
  local name

  mkdir -p "$RUN_DIR" "$LOG_DIR"
  # Asking a running stack for other ports cannot be honoured without a restart; say so instead.
  # (HTTP_PORT belongs to the API server, which up.sh restarts anyway, so it may change freely.)
  if [[ -f $STACK_SETTINGS_FILE &&
    "$(grep -v '^HTTP_PORT=' "$STACK_SETTINGS_FILE")" != "$(stack_settings | grep -v '^HTTP_PORT=')" ]]; then
    for name in "${INFRA_SERVICES[@]}"; do
      svc_pid "$name" >/dev/null || continue
      die "this stack ($STACK_DIR) is running with other settings ($(tr '\n' ' ' <"$STACK_SETTINGS_FILE")); run scripts/stack.sh down first"
    done
  fi

  # Ports are checked for everything about to start before anything starts, so a conflict leaves no
  # half-started stack behind. Both then boot in parallel before either is waited for.
  local -a to_start=()
  svc_pid temporal >/dev/null || {
    ensure_ports_free temporal "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"
    to_start+=(temporal)
  }
  svc_pid ferretdb >/dev/null || {
    ensure_ports_free ferretdb "$MONGO_PORT"
    to_start+=(ferretdb)
  }
  for name in "${to_start[@]}"; do
    "start_$name"
  done
  stack_settings >"$STACK_SETTINGS_FILE"

  # A service that was already running is checked too: "running" is not the same as "answering".
  wait_for temporal 120 temporal_ready
  wait_for temporal 60 temporal_ui_ready
  wait_for ferretdb 60 ferretdb_ready

  if ((${#to_start[@]} == 0)); then
    log "already running and healthy ($STACK_DIR)"
  else
    log "up in $(elapsed): temporal $TEMPORAL_ADDR (UI http://$STACK_HOST:$TEMPORAL_UI_PORT), ferretdb $MONGO_URL"
  fi
}

stack_down() {
  local name
  # Application processes go first, while the services they talk to are still there to finish with.
  while read -r name; do
    if [[ " ${INFRA_SERVICES[*]} " != *" $name "* ]]; then svc_stop "$name"; fi
  done < <(svc_names)
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
      server)
        if server_ready; then
          state+=", answers on http://127.0.0.1:$HTTP_PORT"
        else
          state+=", not answering on http://127.0.0.1:$HTTP_PORT"
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
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
