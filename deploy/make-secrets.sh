#!/bin/sh
# Makes each secret docker-compose.yml reads from deploy/secrets/ that is not there yet, and never overwrites one:
# run it again after adding a service, or after deleting a file to rotate that secret. Needs openssl.
#
# The folder is the operator's alone (0700); the files in it are readable by anyone who gets past it (0444),
# because each container reads its own secrets as its own user (uid 1000 for the application and SeaweedFS, 999
# for MongoDB and PostgreSQL) and compose mounts them as they are. Back the folder up apart from the data volumes.
#
# The JSON signing keys (jws/) are made by the application's CLI; this script says how at the end.
set -eu

cd "$(dirname -- "$0")"
dir=secrets
mongo_user="${MONGO_APP_USERNAME:-evidence}"
mongo_db="${MONGO_DB:-evidence}"

umask 077
mkdir -p "$dir"
chmod 700 "$dir"

# secret <name> <command...>: writes what the command prints to secrets/<name> unless that file exists.
secret() {
  name=$1
  shift
  if [ -e "$dir/$name" ]; then
    echo "kept  $dir/$name"
    return
  fi
  "$@" >"$dir/$name.tmp"
  chmod 444 "$dir/$name.tmp"
  mv "$dir/$name.tmp" "$dir/$name"
  echo "made  $dir/$name"
}

# The application: the HMAC key of signed download links (API), the key of transient staging objects (the
# two workers), the password of the PDF signing key (steps worker).
secret download_url_secret openssl rand -hex 32
secret staging_key openssl rand -base64 32
secret pdf_signing_p12_password openssl rand -hex 24
# MongoDB: the root account (administration only) and the application's account, whose password the application
# reads as part of its connection URL. Hex, so the password needs no escaping in the URL.
secret mongo_root_password openssl rand -hex 24
secret mongo_app_password openssl rand -hex 24
mongo_url() {
  printf 'mongodb://%s:%s@mongodb:27017/%s?authSource=%s\n' "$mongo_user" "$(cat "$dir/mongo_app_password")" \
    "$mongo_db" "$mongo_db"
}
secret mongo_url mongo_url
# Temporal's PostgreSQL password.
secret postgres_password openssl rand -hex 24
# SeaweedFS: the application's S3 secret, the admin identity's (bucket setup only), and the key that wraps every
# object's SSE-S3 key (losing it makes every stored artifact unreadable).
secret s3_app_secret_key openssl rand -hex 24
secret s3_admin_secret_key openssl rand -hex 24
secret seaweedfs_sse_kek openssl rand -hex 32

# The PDF signing key: a self-signed certificate unless one your CA issued is put here first (as a PKCS#12
# protected by pdf_signing_p12_password).
self_signed_p12() {
  work="$(mktemp -d)"
  openssl req -x509 -newkey rsa:3072 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1095 \
    -subj "${SIGNING_SUBJECT:-/CN=Evidence reports signing}" 2>/dev/null
  openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" \
    -passout "file:$dir/pdf_signing_p12_password"
  rm -rf "$work"
}
secret pdf_signing.p12 self_signed_p12

mkdir -p "$dir/jws"
if [ -z "$(ls -A "$dir/jws")" ]; then
  cat <<'NEXT'

Still to make: a first JSON signing key in deploy/secrets/jws, with the application's CLI. From the repository root,
either with Node.js and a build (npm ci && npm run build):
  npm run cli -- new-jws-key deploy/secrets/jws
or with the image (docker compose build first):
  docker compose run --rm --no-deps --user "$(id -u):$(id -g)" -v "$PWD/deploy/secrets/jws:/jws" \
    steps-worker node dist/src/main/cli.js new-jws-key /jws
then let the containers read it:
  chmod -R a+rX deploy/secrets/jws
NEXT
fi
