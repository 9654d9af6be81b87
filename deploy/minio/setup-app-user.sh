#!/bin/sh
# One-shot job of docker-compose.yml (`minio-setup`, the MinIO image, which carries `mc`):
# as MinIO's root user, creates the app's two buckets and the app's own user, limited by the
# policy `voicecast-app` to those buckets' objects (F30): the API and the worker never hold
# the root credentials. Idempotent: it runs on every `docker compose up`, so a changed
# MINIO_SECRET_KEY takes effect.
set -eu

: "${MINIO_URL:=http://minio:9000}"
: "${MINIO_ROOT_USER:?MINIO_ROOT_USER is required}"
: "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is required}"
: "${MINIO_ACCESS_KEY:?MINIO_ACCESS_KEY (the app user) is required}"
: "${MINIO_SECRET_KEY:?MINIO_SECRET_KEY (the app user's secret) is required}"
: "${MINIO_REGION:=us-east-1}"
: "${MINIO_BUCKET_AUDIO:=voicecast-audio}"
: "${MINIO_BUCKET_RECORDINGS:=voicecast-recordings}"
: "${SETUP_ATTEMPTS:=30}"
POLICY=voicecast-app

if [ "$MINIO_ACCESS_KEY" = "$MINIO_ROOT_USER" ]; then
  echo "minio-setup: MINIO_ACCESS_KEY must differ from MINIO_ROOT_USER (the app does not get the root user)" >&2
  exit 1
fi

# mc keeps its configuration (the alias, with the root password) in a throw-away directory.
MC_CONFIG_DIR="$(mktemp -d)"
export MC_CONFIG_DIR
trap 'rm -rf "$MC_CONFIG_DIR"' EXIT
mc() { command mc --config-dir "$MC_CONFIG_DIR" --quiet --no-color "$@"; }

attempt=1
until mc alias set voicecast "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null; do
  if [ "$attempt" -ge "$SETUP_ATTEMPTS" ]; then
    echo "minio-setup: MinIO at $MINIO_URL did not accept the root credentials" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

mc mb --ignore-existing --region "$MINIO_REGION" "voicecast/$MINIO_BUCKET_AUDIO" "voicecast/$MINIO_BUCKET_RECORDINGS"

# Objects of the two buckets, and the bucket-level reads the app makes (HEAD bucket, the
# multipart uploads of a recording or an audio file); no bucket creation, listing of all
# buckets, bucket policy or administration.
policy="$MC_CONFIG_DIR/$POLICY.json"
cat >"$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$MINIO_BUCKET_AUDIO", "arn:aws:s3:::$MINIO_BUCKET_RECORDINGS"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$MINIO_BUCKET_AUDIO/*", "arn:aws:s3:::$MINIO_BUCKET_RECORDINGS/*"]
    }
  ]
}
JSON
mc admin policy create voicecast "$POLICY" "$policy" >/dev/null
# `user add` sets the secret of an existing user again.
mc admin user add voicecast "$MINIO_ACCESS_KEY" "$MINIO_SECRET_KEY" >/dev/null
if ! out="$(mc admin policy attach voicecast "$POLICY" --user "$MINIO_ACCESS_KEY" 2>&1)"; then
  case "$out" in
    *"already in effect"*) ;;
    *)
      echo "$out" >&2
      exit 1
      ;;
  esac
fi
echo "minio-setup: user $MINIO_ACCESS_KEY limited to $MINIO_BUCKET_AUDIO and $MINIO_BUCKET_RECORDINGS"
