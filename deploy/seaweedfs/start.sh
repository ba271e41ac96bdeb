#!/bin/sh
# Runs SeaweedFS as scripts/stack.sh runs it for the tests: one process holding the master, the volume server, the
# filer and the S3 gateway (`weed server -s3`). Only the S3 gateway listens beyond the container's loopback: the
# master, volume server and filer serve every stored object to whoever asks, without credentials. (The gateway's
# own gRPC port, which can change identities, refuses callers that are not on loopback.)
#
# The gateway's identities and its SSE-S3 key are written at each start from the secret files into a private folder
# on the container's tmpfs, so they never sit in the image, in the data volume or in the compose file. Rotating a
# secret is: change its file, restart this service and the services that read it.
set -eu

secrets=/run/secrets
conf=/tmp/seaweedfs
bucket="${S3_BUCKET:?}"
app_id="${S3_APP_ACCESS_KEY_ID:?}"
admin_id="${S3_ADMIN_ACCESS_KEY_ID:?}"

die() {
  echo "seaweedfs: $*" >&2
  exit 1
}

# Values go into the JSON and TOML below unescaped, so anything that would need escaping is refused.
plain() {
  case $2 in
    '' | *[!A-Za-z0-9+/=_.-]*) die "$1 must be non-empty and hold only letters, digits and + / = _ . - (make it with openssl rand -hex 24)" ;;
  esac
}

app_secret="$(cat "$secrets/s3_app_secret_key")"
admin_secret="$(cat "$secrets/s3_admin_secret_key")"
kek="$(cat "$secrets/seaweedfs_sse_kek")"
plain "the secret s3_app_secret_key" "$app_secret"
plain "the secret s3_admin_secret_key" "$admin_secret"
plain S3_APP_ACCESS_KEY_ID "$app_id"
plain S3_ADMIN_ACCESS_KEY_ID "$admin_id"
plain S3_BUCKET "$bucket"
# SeaweedFS wraps every object's SSE-S3 key with this one; without it the gateway refuses SSE-S3, and the
# application refuses to store an object the store did not encrypt. Given this way it is never written to the filer
# (the start-up warning that the KEK "will be stored on the filer in plaintext" concerns one SeaweedFS generates).
case $kek in
  *[!0-9a-f]*) die "the secret seaweedfs_sse_kek must be 64 lowercase hex digits (openssl rand -hex 32)" ;;
esac
[ "${#kek}" -eq 64 ] || die "the secret seaweedfs_sse_kek must be 64 lowercase hex digits (openssl rand -hex 32)"

umask 077
mkdir -p "$conf"
printf '[s3.sse]\nkek = "%s"\n' "$kek" >"$conf/security.toml"
# The application may read, write and list objects in its bucket and nothing else; the admin identity exists for the
# setup job, which creates the bucket and sets its default encryption.
cat >"$conf/s3.json" <<JSON
{
  "identities": [
    {
      "name": "evidence-reports",
      "credentials": [{ "accessKey": "$app_id", "secretKey": "$app_secret" }],
      "actions": ["Read:$bucket", "Write:$bucket", "List:$bucket"]
    },
    {
      "name": "evidence-admin",
      "credentials": [{ "accessKey": "$admin_id", "secretKey": "$admin_secret" }],
      "actions": ["Admin:$bucket"]
    }
  ]
}
JSON

# -config_dir is searched first for security.toml; filer.toml (the filer's store under /data) still comes from the
# image's /etc/seaweedfs. The Iceberg and Lance endpoints are off, and so is the anonymous usage report.
exec weed -logtostderr=true -config_dir="$conf" server \
  -dir=/data \
  -ip=127.0.0.1 \
  -ip.bind=127.0.0.1 \
  -s3 \
  -s3.port=8333 \
  -s3.ip.bind=0.0.0.0 \
  -s3.port.iceberg=0 \
  -s3.port.lance=0 \
  -s3.config="$conf/s3.json" \
  -master.telemetry=false \
  -master.volumeSizeLimitMB=1024 \
  -volume.max=0
