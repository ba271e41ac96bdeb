#!/bin/sh
# Creates the Temporal databases and brings both schemas up to the version
# this admin-tools image ships. Every step is idempotent (create tolerates an
# existing database, setup-schema -v 0.0 leaves a newer version alone), so the
# job runs on every `up`: after an image upgrade it applies the new schema
# migrations before the matching server starts.
set -eu

# temporal-sql-tool reads SQL_PASSWORD itself, which keeps it off the command line; it comes from the secret file.
SQL_PASSWORD="$(cat "${SQL_PASSWORD_FILE:?}")"
export SQL_PASSWORD
host="${POSTGRES_SEEDS:?}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:?}"
main_db="${DBNAME:-temporal}"
visibility_db="${VISIBILITY_DBNAME:-temporal_visibility}"
schema_root=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$host" -p "$port" -u "$user" "$@"
}

# The healthcheck says PostgreSQL accepts TCP connections, but a fresh data
# directory can still be settling after its first start; retry briefly.
tries=0
until sql --db "$main_db" create >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "PostgreSQL at $host:$port is not accepting the schema tool:" >&2
    sql --db "$main_db" create
    exit 1
  fi
  sleep 2
done

for pair in "$main_db:temporal" "$visibility_db:visibility"; do
  db="${pair%%:*}"
  dir="${pair#*:}"
  echo "schema: $db"
  sql --db "$db" create
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$schema_root/$dir/versioned"
done
echo "schema: up to date"
