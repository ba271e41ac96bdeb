#!/usr/bin/env bash
# Checks docker-compose.yml the way Docker Compose itself reads it (`docker compose config -q`), with and without the
# ui profile. Needs Docker's compose plugin, not a running Docker engine. The install and the test suite do not
# depend on it: test/unit/compose.test.ts checks the file's security properties without Docker.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"

if ! docker compose version >/dev/null 2>&1; then
  die "Docker's compose plugin is not installed (\`docker compose version\` fails). Install it (Debian and Ubuntu: the \
docker-compose-plugin package from Docker's apt repository; elsewhere see Docker's documentation on installing the \
Compose plugin), or build it from its Go module into ~/.docker/cli-plugins/docker-compose, then run this again."
fi

# The check reads the file alone: not the operator's .env, not this shell's variables. PUBLIC_BASE_URL and TSA_URL
# are the settings compose requires, so they get placeholders.
check() {
  env -i PATH="$PATH" HOME="$HOME" ${DOCKER_CONFIG:+DOCKER_CONFIG="$DOCKER_CONFIG"} \
    PUBLIC_BASE_URL=https://evidence.example.com TSA_URL=https://tsa.example.com/tsr docker compose --env-file /dev/null "$@" config -q
}
check
check --profile ui
log "docker-compose.yml is valid for $(docker compose version)"
