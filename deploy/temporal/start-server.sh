#!/bin/sh
# The server image takes its database password from POSTGRES_PWD only. It is set here, from the secret file, just
# before the image's own entrypoint starts the server, so it is never written in the compose file and never shows
# in `docker inspect`.
set -eu

POSTGRES_PWD="$(cat "${POSTGRES_PWD_FILE:?}")"
export POSTGRES_PWD
exec /etc/temporal/entrypoint.sh "$@"
