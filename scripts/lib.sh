# shellcheck shell=bash
# Helpers shared by the scripts in this folder. Sourced, never run on its own.
#
# A "service" here is a long-running process known by a short name (temporal, ferretdb, seaweedfs, server,
# worker). Its pid file is $RUN_DIR/<name>.pid and its log $LOG_DIR/<name>.log; stack_env sets both folders
# from STACK_DIR so every script that talks about one stack agrees on where its processes are recorded.

# The scripts may be called from any working directory, so everything is anchored on the repository root.
REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOOLS_DIR="$REPO_ROOT/.tools"
# shellcheck disable=SC2034 # used by the scripts that source this file
TOOLS_BIN="$TOOLS_DIR/bin"

# The Node.js release the project runs on, a long-term-support line. scripts/install.sh puts it in NODE_DIR when the
# machine's own Node is older. NODE_DIR/bin comes first on PATH for every script that sources this file, and so for
# each `node`, `npm`, `npx` and jest they start; it is there even before the folder exists, so a script that runs
# the install first goes on with the Node the install has just put in place.
NODE_VERSION=24.22.3
NODE_MAJOR="${NODE_VERSION%%.*}"
NODE_DIR="$TOOLS_DIR/node"
PATH="$NODE_DIR/bin:$PATH"
export PATH

LOG_TAG="$(basename -- "$0" .sh)"

# Messages go to stderr so stdout stays clean for anything a caller may want to capture.
log() { printf '%(%H:%M:%S)T [%s] %s\n' -1 "$LOG_TAG" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The settings that tell one stack from another. A running stack records them in its run folder. STACK_S3 says
# whether the stack runs SeaweedFS, the S3-compatible server: only the S3 artifact store needs it, and it is the
# slowest tool to build.
STACK_SETTINGS=(STACK_HOST TEMPORAL_PORT TEMPORAL_UI_PORT MONGO_PORT TSA_PORT S3_PORT STACK_S3 HTTP_PORT)

# Fills in the stack settings that the caller did not set. Relative STACK_DIR values are taken from the
# repository root, not the current directory, so `scripts/stack.sh` means the same stack from anywhere.
# Settings recorded by a running stack come before the defaults, so `STACK_DIR=.data/test
# scripts/stack.sh status` finds the test stack on the ports it was started with.
stack_env() {
  local key value
  : "${STACK_DIR:=.data/dev}"
  [[ $STACK_DIR == /* ]] || STACK_DIR="$REPO_ROOT/$STACK_DIR"
  RUN_DIR="$STACK_DIR/run"
  LOG_DIR="$STACK_DIR/logs"
  STACK_SETTINGS_FILE="$RUN_DIR/stack.env"
  if [[ -f $STACK_SETTINGS_FILE ]]; then
    while IFS='=' read -r key value; do
      if [[ " ${STACK_SETTINGS[*]} " == *" $key "* && -z ${!key:-} ]]; then
        printf -v "$key" '%s' "$value"
      fi
    done <"$STACK_SETTINGS_FILE"
  fi
  : "${STACK_HOST:=127.0.0.1}"
  : "${TEMPORAL_PORT:=7233}"
  : "${TEMPORAL_UI_PORT:=8233}"
  : "${MONGO_PORT:=27017}"
  : "${TSA_PORT:=8433}"
  : "${S3_PORT:=8333}"
  : "${STACK_S3:=true}"
  [[ $STACK_S3 == true || $STACK_S3 == false ]] || die "STACK_S3 must be true or false, got \"$STACK_S3\""
  : "${HTTP_PORT:=3000}"
  # The API's operations listener (/healthz, /readyz, /metrics); not a stack setting, like HTTP_PORT's server.
  : "${OPS_PORT:=9400}"
}

# The stack's S3 bucket and region; its credentials are generated per stack by stack.sh.
# shellcheck disable=SC2034 # used by the scripts that source this file
STACK_S3_BUCKET=evidence-artifacts
# shellcheck disable=SC2034
STACK_S3_REGION=us-east-1

s3_credentials_file() { printf '%s/seaweedfs/credentials' "$STACK_DIR"; }

# Sets S3_KEY_ID, S3_SECRET and S3_SSE_KEK (the key SeaweedFS wraps its SSE-S3 object keys with) from what the
# stack generated; fails when there is none yet.
s3_credentials() {
  local file key value
  file="$(s3_credentials_file)"
  S3_KEY_ID='' S3_SECRET='' S3_SSE_KEK=''
  [[ -r $file ]] || return 1
  while IFS='=' read -r key value; do
    case $key in
      access_key_id) S3_KEY_ID=$value ;;
      secret_access_key) S3_SECRET=$value ;;
      sse_kek) S3_SSE_KEK=$value ;;
    esac
  done <"$file"
  [[ -n $S3_KEY_ID && -n $S3_SECRET && -n $S3_SSE_KEK ]]
}

stack_settings() {
  local key
  for key in "${STACK_SETTINGS[@]}"; do printf '%s=%s\n' "$key" "${!key}"; done
}

svc_pidfile() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }
svc_logfile() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# proc_field PID INDEX: one field of /proc/<pid>/stat, counted after the command name (which may itself
# hold spaces and parentheses): index 0 is the state, 2 the process group, 19 the start time in clock ticks.
proc_field() {
  local stat
  local -a f
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -ra f <<<"${stat##*) }"
  [[ ${#f[@]} -gt 19 ]] || return 1
  printf '%s' "${f[$2]}"
}

# A zombie has already exited; it only waits for its parent to collect it.
proc_alive() {
  local state
  state="$(proc_field "$1" 0)" && [[ $state != Z ]]
}

proc_starttime() { proc_field "$1" 19; }
proc_pgrp() { proc_field "$1" 2; }

# True while any live process is left in the group, e.g. children that outlived their leader.
group_alive() {
  local stat rest
  local -a f
  for stat in /proc/[0-9]*/stat; do
    { read -r rest <"$stat"; } 2>/dev/null || continue
    rest="${rest##*) }"
    read -ra f <<<"$rest"
    [[ ${f[2]:-} == "$1" && ${f[0]:-} != Z ]] && return 0
  done
  return 1
}

# Prints the pid of a running service. The pid file also records the process start time: after a reboot
# or a crash the same pid may belong to an unrelated process, which must never be reported or signalled.
# A pid file that no longer matches a live process is stale and is removed.
svc_pid() {
  local name=$1 pidfile pid='' started=''
  pidfile="$(svc_pidfile "$name")"
  [[ -f $pidfile ]] || return 1
  read -r pid started <"$pidfile" || true
  if [[ $pid =~ ^[0-9]+$ && -n $started ]] && proc_alive "$pid" &&
    [[ "$(proc_starttime "$pid")" == "$started" ]]; then
    printf '%s\n' "$pid"
    return 0
  fi
  log "$name: removing stale pid file (process ${pid:-?} is gone)"
  rm -f "$pidfile"
  return 1
}

# svc_start NAME COMMAND [ARGS...]: runs the command detached, appending stdout and stderr to the log.
# setsid detaches it from this script's terminal and process group, so it outlives the script, ignores
# the terminal's hangup and Ctrl-C, and leads a process group that svc_stop can signal as a whole. The inner shell records its own pid
# after setsid (which may or may not have forked) and then execs the command, so the recorded pid is exact.
svc_start() {
  local name=$1 pidfile logfile pid started i
  shift
  pidfile="$(svc_pidfile "$name")"
  logfile="$(svc_logfile "$name")"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  rm -f "$pidfile" "$pidfile.new"
  printf '\n=== %s starting: %s\n' "$(date -Is)" "$*" >>"$logfile"
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo "$$" >"$0" && exec "$@"' "$pidfile.new" "$@" </dev/null >>"$logfile" 2>&1 &
  # Not this shell's job to report on: without this, stopping it later from the same script prints "Killed".
  disown "$!"
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidfile.new ]] && break
    sleep 0.05
  done
  read -r pid <"$pidfile.new" 2>/dev/null || die "$name: did not start; see $logfile"
  rm -f "$pidfile.new"
  started="$(proc_starttime "$pid")" || {
    tail_log "$logfile"
    die "$name: exited immediately; see $logfile"
  }
  # Written whole and renamed into place, so a reader never sees a half-written pid file.
  printf '%s %s\n' "$pid" "$started" >"$pidfile.tmp"
  mv -f "$pidfile.tmp" "$pidfile"
  log "$name: started (pid $pid, log $logfile)"
}

# svc_stop NAME [GRACE_SECONDS]: TERM to the service's process group, KILL after the grace period.
svc_stop() {
  svc_end "$1" TERM "${2:-20}"
}

# svc_kill NAME: SIGKILL at once, as a crash ends a process, for tests of what survives one.
svc_kill() {
  svc_end "$1" KILL 5
}

# svc_end NAME SIGNAL GRACE: signals the service (its whole group when it leads one, as svc_start makes it),
# waits GRACE seconds for it to go, then SIGKILLs what is left.
svc_end() {
  local name=$1 signal=$2 grace=$3 pid target deadline
  pid="$(svc_pid "$name")" || return 0
  target=$pid
  # Only a process that leads its own group (as svc_start makes it) is signalled with its whole group.
  [[ "$(proc_pgrp "$pid")" == "$pid" ]] && target="-$pid"
  log "$name: stopping (pid $pid, SIG$signal)"
  kill "-$signal" -- "$target" 2>/dev/null || true
  deadline=$((SECONDS + grace))
  while svc_running_or_group "$pid" "$target" && ((SECONDS < deadline)); do sleep 0.2; done
  if svc_running_or_group "$pid" "$target"; then
    log "$name: still running after ${grace}s, killing"
    kill -KILL -- "$target" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while svc_running_or_group "$pid" "$target" && ((SECONDS < deadline)); do sleep 0.2; done
  fi
  rm -f "$(svc_pidfile "$name")"
}

svc_running_or_group() {
  local pid=$1 target=$2
  proc_alive "$pid" && return 0
  [[ $target == -* ]] && group_alive "$pid"
}

# svc_restart NAME COMMAND [ARGS...]: a fresh process, so a rebuilt program is what runs afterwards.
svc_restart() {
  svc_stop "$1"
  svc_start "$@"
}

# Names of every service with a pid file in the current stack, in no particular order.
svc_names() {
  local f
  for f in "$RUN_DIR"/*.pid; do
    [[ -e $f ]] || continue
    f="${f##*/}"
    printf '%s\n' "${f%.pid}"
  done
}

tail_log() {
  local logfile=$1
  [[ -f $logfile ]] || return 0
  printf -- '--- last lines of %s ---\n' "$logfile" >&2
  tail -n 40 "$logfile" >&2
  printf -- '---\n' >&2
}

# wait_for NAME TIMEOUT_SECONDS COMMAND [ARGS...]: polls the command until it succeeds. Fails early if the
# service's process has died, and on failure shows the end of its log, since that is where the reason is.
wait_for() {
  local name=$1 timeout=$2 deadline reason='' watched=0
  shift 2
  deadline=$((SECONDS + timeout))
  # Only a service started with a pid file can be watched for dying; the check itself may remove a
  # stale pid file, so whether there was one is noted up front.
  if [[ -n ${RUN_DIR:-} && -f "$(svc_pidfile "$name")" ]]; then watched=1; fi
  until "$@" >/dev/null 2>&1; do
    if ((watched)) && ! svc_pid "$name" >/dev/null 2>&1; then
      reason="exited during start-up"
    elif ((SECONDS >= deadline)); then
      reason="not ready after ${timeout}s"
    fi
    if [[ -n $reason ]]; then
      if [[ -n ${LOG_DIR:-} ]]; then tail_log "$(svc_logfile "$name")"; fi
      die "$name: $reason (check: $*)"
    fi
    sleep 0.5
  done
}

# True when nothing accepts connections on HOST:PORT. Uses bash's own /dev/tcp, so no extra tool is needed.
port_free() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  ! timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Answers a MongoDB ping through the project's own driver, so no mongo shell needs installing. It exits
# without a polite close: FerretDB logs a multi-line warning for a command that close() sends and that it
# does not implement.
mongo_ping() {
  (cd "$REPO_ROOT" && timeout 15 node -e '
    const { MongoClient } = require("mongodb");
    const client = new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
    client.db("admin").command({ ping: 1 }).then(() => process.exit(0), () => process.exit(1));
  ' "$1")
}

# Fails, saying what to do, unless the `node` on PATH is of the supported line or newer. The scripts that build or
# run the project call it after the install, so an old Node is named at once rather than deep inside a build.
require_node() {
  local version major
  # This shell may have remembered where it last found `node`, before the install put another first on PATH.
  hash -r
  version="$(node --version 2>/dev/null)" || die "no Node.js on PATH; run scripts/install.sh"
  major="${version#v}"
  major="${major%%.*}"
  if ! [[ $major =~ ^[0-9]+$ ]] || ((major < NODE_MAJOR)); then
    die "Node.js $NODE_MAJOR or newer is required, found $version at $(command -v node); scripts/install.sh puts Node.js $NODE_VERSION in $NODE_DIR"
  fi
}

# Wall time since the script started, for the closing summary.
elapsed() { printf '%dm%02ds' $((SECONDS / 60)) $((SECONDS % 60)); }
