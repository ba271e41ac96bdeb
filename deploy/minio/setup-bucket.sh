#!/bin/sh
# Prepares the artifact bucket and the application's own MinIO account, so
# the API and the worker never hold the root credentials. Idempotent: safe to
# run on every `up`, and re-running applies a rotated S3_SECRET_ACCESS_KEY.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}"
: "${S3_BUCKET:?}" "${S3_ACCESS_KEY_ID:?}" "${S3_SECRET_ACCESS_KEY:?}"
endpoint="${MINIO_ENDPOINT:-http://minio:9000}"
policy=evidence-artifacts-rw

export MC_CONFIG_DIR=/tmp/.mc

tries=0
until mc alias set store "$endpoint" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    mc alias set store "$endpoint" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
    exit 1
  fi
  sleep 2
done

mc mb --ignore-existing "store/$S3_BUCKET"
# Artifacts leave only through the API's short-lived signed URLs.
mc anonymous set none "store/$S3_BUCKET"
# Default server-side encryption, so every object is encrypted at rest even
# if a writer forgets the SSE header. Needs MINIO_KMS_SECRET_KEY on the server.
mc encrypt set sse-s3 "store/$S3_BUCKET"
mc encrypt info "store/$S3_BUCKET"

# Least privilege for the application: object read/write/delete (retention
# purges whole report prefixes) and listing, in this one bucket only.
policy_file=/tmp/policy.json
cat > "$policy_file" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts"
      ],
      "Resource": ["arn:aws:s3:::$S3_BUCKET/*"]
    }
  ]
}
JSON
mc admin policy create store "$policy" "$policy_file"
mc admin user add store "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY"
# Attaching an already attached policy is an error in mc; check first.
if mc admin user info store "$S3_ACCESS_KEY_ID" | grep -q "$policy"; then
  echo "policy $policy already attached to $S3_ACCESS_KEY_ID"
else
  mc admin policy attach store "$policy" --user "$S3_ACCESS_KEY_ID"
fi
echo "bucket $S3_BUCKET ready"
