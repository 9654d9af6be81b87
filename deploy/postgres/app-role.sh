#!/bin/sh
# One-shot job of docker-compose.yml (`db-roles`, postgres image): creates or updates the
# application's least-privileged role (app-role.sql) as the database owner, after the
# migrations. Idempotent: it runs on every `docker compose up`, so a changed APP_DB_PASSWORD
# takes effect and tables of new migrations are granted.
set -eu

: "${POSTGRES_HOST:=postgres}"
: "${POSTGRES_PORT:=5432}"
: "${POSTGRES_OWNER:=voicecast}"
: "${POSTGRES_DB:=voicecast}"
: "${POSTGRES_OWNER_PASSWORD:?POSTGRES_OWNER_PASSWORD is required}"
: "${APP_DB_USER:=voicecast_app}"
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is required}"

# The password ends up in the app's DATABASE_URL and in PGOPTIONS below without escaping.
case "$APP_DB_PASSWORD" in
  *[!A-Za-z0-9._~-]*)
    echo "db-roles: APP_DB_PASSWORD may only contain A-Z a-z 0-9 . _ ~ - (try: openssl rand -hex 24)" >&2
    exit 1
    ;;
esac

PGPASSWORD="$POSTGRES_OWNER_PASSWORD" \
  PGOPTIONS="-c voicecast.app_user=$APP_DB_USER -c voicecast.app_password=$APP_DB_PASSWORD" \
  psql -X -q -v ON_ERROR_STOP=1 -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$POSTGRES_OWNER" -d "$POSTGRES_DB" \
  -f /deploy/app-role.sql
echo "db-roles: role $APP_DB_USER ready in database $POSTGRES_DB"
