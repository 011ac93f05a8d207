#!/usr/bin/env bash
# 创建数据库角色与数据库并启用 PostGIS(可重复运行)。
# GridGov's database roles and database, idempotent (docs/security.md):
#   scripts/setup-db.sh          the two roles, then the database of DATABASE_URL (default
#                                gridgov) with PostGIS, owned by the owner role (a database
#                                created earlier as postgres is adopted: its objects too)
#   scripts/setup-db.sh --test   the two roles (the owner may create databases), and the
#                                PostGIS template pytest-django creates the test database
#                                from (TEST_DATABASE_TEMPLATE); an existing test database
#                                (TEST_DATABASE_NAME) made by another role is adopted
# DATABASE_URL's user is the application role, DATABASE_OWNER_URL's the owner role (both
# from the environment, else .env, else gridgov_app / gridgov_owner on localhost). Roles,
# databases and the extension need a superuser: DATABASE_SUPERUSER_URL (default: postgres
# at DATABASE_URL's host, no password). `manage.py migrate` then grants the application
# role its privileges. DATABASE_OWNER_URL empty: one role for everything (the old way).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
warn() { printf '!!  %s\n' "$*" >&2; }

MODE=${1:-}
if [[ -n $MODE && $MODE != --test ]]; then
    warn "usage: $0 [--test]"
    exit 2
fi

# setting NAME DEFAULT: the environment (even if empty), else .env, else DEFAULT
setting() {
    local name=$1 default=$2
    if [[ -n ${!name+x} ]]; then
        printf '%s' "${!name}"
    elif [[ -f .env ]] && grep -qE "^[[:space:]]*(export[[:space:]]+)?$name[[:space:]]*=" .env; then
        sed -nE "s/^[[:space:]]*(export[[:space:]]+)?$name[[:space:]]*=[[:space:]]*//p" .env |
            tail -1 | sed "s/^[\"']//; s/[\"']\$//"
    else
        printf '%s' "$default"
    fi
}

APP_URL=$(setting DATABASE_URL postgis://gridgov_app@localhost:5432/gridgov)
OWNER_URL=$(setting DATABASE_OWNER_URL postgis://gridgov_owner@localhost:5432/gridgov)
TEST_NAME=$(setting TEST_DATABASE_NAME test_gridgov)
TEMPLATE=$(setting TEST_DATABASE_TEMPLATE gridgov_template_postgis)

if command -v python3 >/dev/null 2>&1; then PY=python3; else PY=.venv/bin/python; fi
# Splits the URLs into shell variables APP_*, OWNER_*, SU_* (HOST PORT USER PASSWORD NAME).
eval "$(
    "$PY" - "$APP_URL" "$OWNER_URL" "$(setting DATABASE_SUPERUSER_URL '')" <<'EOF'
import shlex, sys
from urllib.parse import unquote, urlsplit

def parts(url, default_user):
    u = urlsplit(url)
    return {"HOST": unquote(u.hostname or "localhost"), "PORT": str(u.port or 5432),
            "USER": unquote(u.username or default_user), "PASSWORD": unquote(u.password or ""),
            "NAME": unquote(u.path.lstrip("/"))}

app = parts(sys.argv[1], "gridgov_app")
app["NAME"] = app["NAME"] or "gridgov"
owner = parts(sys.argv[2], "gridgov_owner") if sys.argv[2] else None
su = parts(sys.argv[3] or f"postgres://postgres@{app['HOST']}:{app['PORT']}/postgres",
           "postgres")
# An owner URL for another database does not apply (governance/settings/base.py).
if owner is None or owner["NAME"] != app["NAME"] or owner["USER"] == app["USER"]:
    owner = None
for prefix, values in (("APP", app), ("OWNER", owner or {}), ("SU", su)):
    for k, v in values.items():
        print(f"{prefix}_{k}={shlex.quote(v)}")
print(f"SEPARATE_OWNER={1 if owner else 0}")
EOF
)"

export PGCONNECT_TIMEOUT=5
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -w)
as_su() { PGPASSWORD=$SU_PASSWORD "${PSQL[@]}" -h "$SU_HOST" -p "$SU_PORT" -U "$SU_USER" "$@"; }
as_owner() {
    PGPASSWORD=$OWNER_PASSWORD "${PSQL[@]}" -h "$OWNER_HOST" -p "$OWNER_PORT" -U "$OWNER_USER" "$@"
}

if ! pg_isready -q -h "$APP_HOST" -p "$APP_PORT"; then
    warn "PostgreSQL 未运行 / PostgreSQL is not answering on $APP_HOST:$APP_PORT"
    warn "先运行 / run first: bash scripts/install-system.sh"
    exit 1
fi

db_exists() { [[ $(as_su -d postgres -At -v d="$1" <<<"SELECT 1 FROM pg_database WHERE datname = :'d'") == 1 ]]; }

if [[ $(as_su -d postgres -At -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' \
        2>/dev/null) != t ]]; then
    # No superuser at hand: fine if everything is in place already.
    if ((SEPARATE_OWNER)) && [[ $MODE == --test ]] &&
        [[ $(as_owner -d postgres -At -v t="$TEMPLATE" 2>/dev/null <<<"
            SELECT rolcreatedb AND EXISTS (SELECT 1 FROM pg_database WHERE datname = :'t')
            FROM pg_roles WHERE rolname = current_user") == t ]]; then
        say "数据库角色与模板已就绪 / roles and template in place ($OWNER_USER, $APP_USER)"
        exit 0
    fi
    if ((SEPARATE_OWNER)) && [[ -z $MODE ]] && as_owner -d "$APP_NAME" -c 'SELECT 1' >/dev/null 2>&1; then
        say "数据库已就绪 / database $APP_NAME in place (owner $OWNER_USER)"
        exit 0
    fi
    warn "无法以超级用户连接 / cannot connect as superuser $SU_USER@$SU_HOST:$SU_PORT"
    warn "设置 / set DATABASE_SUPERUSER_URL (needed once, to create roles and PostGIS)"
    exit 1
fi

if [[ $(as_su -d postgres -At -c \
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'") != 1 ]]; then
    warn "PostgreSQL 中没有 PostGIS 扩展 / the postgis extension is not installed"
    warn "先运行 / run first: bash scripts/install-system.sh"
    exit 1
fi

if ((!SEPARATE_OWNER)); then
    # One role does everything (DATABASE_OWNER_URL empty): the database and PostGIS only.
    warn "未配置所有者角色 / no separate owner role: $APP_USER owns the tables (not for deployments)"
    if [[ $MODE == --test ]]; then exit 0; fi
    db_exists "$APP_NAME" || as_su -d postgres -v db="$APP_NAME" <<<"SELECT format('CREATE DATABASE %I', :'db') \gexec"
    as_su -d "$APP_NAME" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS postgis'
    say "数据库 / database $APP_NAME ready, PostGIS enabled"
    exit 0
fi

superusers=$(as_su -d postgres -At -v a="$APP_USER" -v o="$OWNER_USER" <<<"
    SELECT string_agg(rolname, ', ') FROM pg_roles WHERE rolname IN (:'a', :'o') AND rolsuper")
if [[ -n $superusers ]]; then
    warn "拒绝 / refusing: $superusers is a superuser and cannot be GridGov's application or owner role."
    warn "Remove DATABASE_URL / DATABASE_OWNER_URL from .env (scripts/ensure-env.sh writes new"
    warn "ones), or set DATABASE_OWNER_URL= to keep running as one role."
    exit 1
fi

createdb=false
if [[ $MODE == --test ]]; then createdb=true; fi
as_su -d postgres -v owner="$OWNER_USER" -v owner_password="$OWNER_PASSWORD" \
    -v app="$APP_USER" -v app_password="$APP_PASSWORD" -v owner_createdb="$createdb" \
    -f scripts/db/roles.sql

prepare() {  # prepare DBNAME: PostGIS, ownership, connect privileges
    as_su -d "$1" -v owner="$OWNER_USER" -v app="$APP_USER" -f scripts/db/database.sql
}

if [[ -z $MODE ]]; then
    if ! db_exists "$APP_NAME"; then
        say "创建数据库 / creating database $APP_NAME ($APP_HOST:$APP_PORT)"
        as_su -d postgres -v db="$APP_NAME" -v owner="$OWNER_USER" \
            <<<"SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') \gexec"
    fi
    prepare "$APP_NAME"
    say "数据库 / database $APP_NAME: owner $OWNER_USER, application role $APP_USER," \
        "PostGIS $(as_su -d "$APP_NAME" -At -c 'SELECT postgis_lib_version()')"
    exit 0
fi

# --test: the template (PostGIS installed, no connections allowed, so that cloning it
# never finds another session in it), built under another name and renamed when complete.
if ! db_exists "$TEMPLATE"; then
    say "创建测试模板 / creating the test template $TEMPLATE"
    build="${TEMPLATE}_build_$$"
    as_su -d postgres -v db="$build" <<<"SELECT format('CREATE DATABASE %I', :'db') \gexec"
    as_su -d "$build" -v owner="$OWNER_USER" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION postgis;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
SQL
    if ! as_su -d postgres -v b="$build" -v t="$TEMPLATE" <<<"
            SELECT format('ALTER DATABASE %I RENAME TO %I', :'b', :'t') \gexec
            SELECT format('ALTER DATABASE %I IS_TEMPLATE true ALLOW_CONNECTIONS false', :'t') \gexec" \
            2>/dev/null; then
        # Another run made it meanwhile.
        as_su -d postgres -v b="$build" <<<"SELECT format('DROP DATABASE %I', :'b') \gexec"
    fi
fi
if db_exists "$TEST_NAME"; then
    current=$(as_su -d postgres -At -v d="$TEST_NAME" <<<"
        SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'d'")
    if [[ $current != "$OWNER_USER" ]]; then
        say "测试数据库改由所有者角色持有 / test database $TEST_NAME: owner $current -> $OWNER_USER"
        prepare "$TEST_NAME"
    fi
fi
# --test: the read-replica tests (tests/test_read_replica.py) take a base backup of this
# cluster as the superuser, which needs a replication connection from loopback. Added once
# (same method as the superuser's other loopback connections), when the server allows no
# replication connection at all and its pg_hba.conf is writable here (a test machine).
if [[ $(as_su -d postgres -At <<<"
        SELECT count(*) FROM pg_hba_file_rules
        WHERE 'replication' = ANY(database) AND error IS NULL") == 0 ]]; then
    hba=$(as_su -d postgres -At -c 'SHOW hba_file')
    method=$(as_su -d postgres -At -v u="$SU_USER" <<<"
        SELECT auth_method FROM pg_hba_file_rules
        WHERE type = 'host' AND address = '127.0.0.1' AND 'all' = ANY(database)
          AND ('all' = ANY(user_name) OR :'u' = ANY(user_name)) AND error IS NULL
        ORDER BY line_number LIMIT 1")
    if [[ -n $method && -w $hba ]]; then
        printf '\n# GridGov tests (scripts/setup-db.sh --test): streaming replica of this cluster\n%s\n' \
            "host replication $SU_USER 127.0.0.1/32 $method" >>"$hba"
        as_su -d postgres -At -c 'SELECT pg_reload_conf()' >/dev/null
        say "复制连接 / replication connections allowed for $SU_USER from 127.0.0.1 ($hba)"
    else
        warn "pg_hba.conf 不允许复制连接 / no replication connection allowed: the read-replica"
        warn "tests need 'host replication $SU_USER 127.0.0.1/32 <method>' in ${hba:-pg_hba.conf}"
    fi
fi
say "数据库角色就绪 / database roles ready (owner $OWNER_USER, application $APP_USER)"
