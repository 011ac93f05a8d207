#!/usr/bin/env bash
# 创建数据库并启用 PostGIS。
# Creates the database named in DATABASE_URL (default postgis://postgres@localhost:5432/gridgov)
# if it is missing and enables PostGIS in it. The test database (test_gridgov) is created by
# pytest-django; Django enables PostGIS there itself, it only needs the extension installed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
warn() { printf '!!  %s\n' "$*" >&2; }

# DATABASE_URL may also come from .env (django-environ reads it there too).
if [[ -z ${DATABASE_URL:-} && -f .env ]]; then
    DATABASE_URL=$(sed -n 's/^[[:space:]]*\(export[[:space:]]\+\)\?DATABASE_URL[[:space:]]*=[[:space:]]*//p' .env |
        tail -1 | sed 's/^["'\'']//; s/["'\'']$//')
fi
DATABASE_URL=${DATABASE_URL:-postgis://postgres@localhost:5432/gridgov}

if command -v python3 >/dev/null 2>&1; then PY=python3; else PY=.venv/bin/python; fi
eval "$(
    "$PY" - "$DATABASE_URL" <<'EOF'
import shlex, sys
from urllib.parse import unquote, urlsplit

u = urlsplit(sys.argv[1])
values = {
    "DB_HOST": unquote(u.hostname or "localhost"),
    "DB_PORT": str(u.port or 5432),
    "DB_USER": unquote(u.username or "postgres"),
    "DB_PASSWORD": unquote(u.password or ""),
    "DB_NAME": unquote(u.path.lstrip("/")) or "gridgov",
}
for k, v in values.items():
    print(f"{k}={shlex.quote(v)}")
EOF
)"

export PGHOST=$DB_HOST PGPORT=$DB_PORT PGUSER=$DB_USER PGCONNECT_TIMEOUT=5
if [[ -n $DB_PASSWORD ]]; then export PGPASSWORD=$DB_PASSWORD; fi

if ! pg_isready -q; then
    warn "PostgreSQL 未运行 / PostgreSQL is not answering on $DB_HOST:$DB_PORT"
    warn "先运行 / run first: bash scripts/install-system.sh"
    exit 1
fi

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -w)

available=$("${PSQL[@]}" -d postgres -At \
    -c "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
if [[ $available != 1 ]]; then
    warn "PostgreSQL 中没有 PostGIS 扩展 / the postgis extension is not installed"
    warn "先运行 / run first: bash scripts/install-system.sh"
    exit 1
fi

exists=$("${PSQL[@]}" -d postgres -At -v db="$DB_NAME" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'db';
SQL
)
if [[ $exists == 1 ]]; then
    say "数据库已存在 / database $DB_NAME exists ($DB_HOST:$DB_PORT)"
else
    say "创建数据库 / creating database $DB_NAME ($DB_HOST:$DB_PORT)"
    "${PSQL[@]}" -d postgres -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') \gexec
SQL
fi

"${PSQL[@]}" -d "$DB_NAME" -c 'SET client_min_messages = warning' \
    -c 'CREATE EXTENSION IF NOT EXISTS postgis'
say "PostGIS $("${PSQL[@]}" -d "$DB_NAME" -At -c 'SELECT postgis_lib_version()') 已启用 / enabled in $DB_NAME"
