#!/bin/sh
# One-shot job of docker-compose.yml (`temporal-schema`, temporalio/admin-tools image):
#  1. as the PostgreSQL superuser, makes sure Temporal's role and its two databases exist
#     (and (re)sets the role's password, so changing TEMPORAL_DB_PASSWORD takes effect);
#  2. as that role, installs or upgrades Temporal's schema with temporal-sql-tool.
# Idempotent: it runs on every `docker compose up`; an existing schema is left alone or
# upgraded to the version the admin-tools image ships (keep admin-tools and server in step).
set -eu

: "${POSTGRES_HOST:=postgres}"
: "${POSTGRES_PORT:=5432}"
: "${POSTGRES_ADMIN_USER:=voicecast}"
: "${POSTGRES_ADMIN_DB:=voicecast}"
: "${POSTGRES_ADMIN_PASSWORD:?POSTGRES_ADMIN_PASSWORD is required}"
: "${TEMPORAL_DB_USER:=temporal}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is required}"
: "${TEMPORAL_DB:=temporal}"
: "${TEMPORAL_VISIBILITY_DB:=temporal_visibility}"
: "${TEMPORAL_SCHEMA_DIR:=/etc/temporal/schema/postgresql/v12}"
: "${SETUP_ATTEMPTS:=30}"

# Both passwords end up in URLs (the app's DATABASE_URL, Temporal's DSN) and in Temporal's
# YAML configuration without escaping, so only URL-safe characters work everywhere.
for secret in POSTGRES_ADMIN_PASSWORD TEMPORAL_DB_PASSWORD; do
  eval "value=\$$secret"
  case "$value" in
    *[!A-Za-z0-9._~-]*)
      echo "temporal-schema: $secret may only contain A-Z a-z 0-9 . _ ~ - (try: openssl rand -hex 24)" >&2
      exit 1
      ;;
  esac
done

admin_psql() {
  PGPASSWORD="$POSTGRES_ADMIN_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 \
    -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$POSTGRES_ADMIN_USER" -d "$POSTGRES_ADMIN_DB" "$@"
}

attempt=1
until admin_psql -c 'SELECT 1' >/dev/null; do
  if [ "$attempt" -ge "$SETUP_ATTEMPTS" ]; then
    echo "temporal-schema: PostgreSQL at $POSTGRES_HOST:$POSTGRES_PORT is not reachable" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

echo "temporal-schema: ensuring role '$TEMPORAL_DB_USER' and databases '$TEMPORAL_DB', '$TEMPORAL_VISIBILITY_DB'"
# psql variables keep the names and the password out of the SQL text: :"x" quotes an
# identifier, :'x' a literal. CREATE DATABASE cannot run in a DO block, hence \gexec.
admin_psql \
  -v role="$TEMPORAL_DB_USER" -v password="$TEMPORAL_DB_PASSWORD" \
  -v db="$TEMPORAL_DB" -v visibility_db="$TEMPORAL_VISIBILITY_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'visibility_db', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'visibility_db') \gexec
SQL

# temporal-sql-tool reads its connection settings from these variables.
export SQL_PLUGIN=postgres12 SQL_HOST="$POSTGRES_HOST" SQL_PORT="$POSTGRES_PORT" \
  SQL_USER="$TEMPORAL_DB_USER" SQL_PASSWORD="$TEMPORAL_DB_PASSWORD"

echo "temporal-schema: schema of '$TEMPORAL_DB'"
temporal-sql-tool --db "$TEMPORAL_DB" setup-schema -v 0.0
temporal-sql-tool --db "$TEMPORAL_DB" update-schema -d "$TEMPORAL_SCHEMA_DIR/temporal/versioned"

echo "temporal-schema: schema of '$TEMPORAL_VISIBILITY_DB'"
temporal-sql-tool --db "$TEMPORAL_VISIBILITY_DB" setup-schema -v 0.0
temporal-sql-tool --db "$TEMPORAL_VISIBILITY_DB" update-schema -d "$TEMPORAL_SCHEMA_DIR/visibility/versioned"

echo "temporal-schema: done"
