#!/bin/sh
# Creates the artifact bucket with the admin identity, so the application's own identity needs no right beyond
# reading, writing and listing objects in it, and makes SSE-S3 the bucket's default encryption (the application asks
# for it on every write and refuses an object the store did not encrypt; the default covers any other writer).
# Idempotent: safe to run on every `up`.
set -eu

endpoint="${S3_ENDPOINT:?}"
bucket="${S3_BUCKET:?}"
region="${S3_REGION:?}"
id="${S3_ADMIN_ACCESS_KEY_ID:?}"
secret="$(cat "${S3_ADMIN_SECRET_KEY_FILE:?}")"

# curl signs each request (SigV4) itself; the credentials reach it on stdin, never on a command line.
s3() {
  printf 'user = "%s:%s"\n' "$id" "$secret" |
    curl -K - -fsS -o /dev/null --max-time 10 --aws-sigv4 "aws:amz:$region:s3" "$@"
}

listed() { s3 "$endpoint/$bucket?list-type=2&max-keys=1"; }

# The gateway answers before its filer and volume server can store anything: create the bucket (if missing) on each
# try until a signed listing of it succeeds.
tries=0
until listed 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "bucket $bucket: still not listable at $endpoint" >&2
    listed
    exit 1
  fi
  s3 -X PUT "$endpoint/$bucket" 2>/dev/null || sleep 2
done

# curl signs a request body only when given its hash, and a query parameter without a value only when written with
# its "=": with either left out the gateway answers SignatureDoesNotMatch.
encryption='<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>'
hash="$(printf '%s' "$encryption" | sha256sum | cut -d' ' -f1)"
s3 -X PUT -H "x-amz-content-sha256: $hash" --data-binary "$encryption" "$endpoint/$bucket?encryption="
# The bucket can list before the volume server has a volume for it; the first write then fails while one is made.
# Wait for a write to succeed here, so the application's first upload does not.
probe="$endpoint/$bucket/.setup-probe"
probe_hash="$(printf 'probe' | sha256sum | cut -d' ' -f1)"
tries=0
until s3 -X PUT -H "x-amz-content-sha256: $probe_hash" --data-binary probe "$probe" 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "bucket $bucket: still refuses writes at $endpoint" >&2
    s3 -X PUT -H "x-amz-content-sha256: $probe_hash" --data-binary probe "$probe"
    exit 1
  fi
  sleep 2
done
s3 -X DELETE "$probe"
echo "bucket $bucket ready (default encryption SSE-S3, writable)"
