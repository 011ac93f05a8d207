#!/usr/bin/env bash
# Init script of the PostGIS container (docker-compose.yml mounts it into
# /docker-entrypoint-initdb.d/ and this folder at /gridgov-db): GridGov's owner and
# application roles and its database, owned by the owner role, with PostGIS. The image
# runs it once, on the first start with an empty volume. It is idempotent: on a volume
# from before (a database owned by postgres, which it adopts), run it by hand, then the
# migrate service again:
#   docker compose exec db /docker-entrypoint-initdb.d/20-gridgov.sh
#   docker compose up migrate
set -euo pipefail

: "${GRIDGOV_DB_NAME:=gridgov}"
: "${GRIDGOV_OWNER_ROLE:=gridgov_owner}"
: "${GRIDGOV_APP_ROLE:=gridgov_app}"
: "${GRIDGOV_OWNER_PASSWORD:?set GRIDGOV_OWNER_PASSWORD}"
: "${GRIDGOV_APP_PASSWORD:?set GRIDGOV_APP_PASSWORD}"
here=${GRIDGOV_SQL_DIR:-/gridgov-db}

psql=(psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}")

"${psql[@]}" -d postgres -v owner="$GRIDGOV_OWNER_ROLE" -v app="$GRIDGOV_APP_ROLE" \
    -v owner_password="$GRIDGOV_OWNER_PASSWORD" -v app_password="$GRIDGOV_APP_PASSWORD" \
    -v owner_createdb=false -f "$here/roles.sql"
"${psql[@]}" -d postgres -v db="$GRIDGOV_DB_NAME" -v owner="$GRIDGOV_OWNER_ROLE" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
"${psql[@]}" -d "$GRIDGOV_DB_NAME" -v owner="$GRIDGOV_OWNER_ROLE" -v app="$GRIDGOV_APP_ROLE" \
    -f "$here/database.sql"
echo "gridgov: database $GRIDGOV_DB_NAME, owner $GRIDGOV_OWNER_ROLE, application role $GRIDGOV_APP_ROLE"
