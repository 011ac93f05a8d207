#!/usr/bin/env bash
# 安装系统依赖并确保 PostgreSQL / Redis 在运行。
# Installs the system packages GridGov needs (Debian/Ubuntu) and makes sure PostgreSQL
# and Redis are running. Idempotent: when everything is present it only runs a few
# `dpkg -s` checks (no apt-get update).
set -euo pipefail

say() { printf '==> %s\n' "$*"; }
warn() { printf '!!  %s\n' "$*" >&2; }

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()
fi
as_root() {
    if [[ $(id -u) -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
        warn "需要 root 权限 / root required (no sudo): $*"
        return 1
    fi
    "${SUDO[@]}" "$@"
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

apt_updated=0
apt_install() {
    (($# > 0)) || return 0
    say "安装 installing: $*"
    if ((apt_updated == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "$@"
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    warn "此脚本仅支持 Debian/Ubuntu / this script supports Debian/Ubuntu (apt) only"
    exit 1
fi

# --- PostgreSQL ------------------------------------------------------------------
pg_major() {
    local v
    # 1. the server that is actually running
    if command -v psql >/dev/null 2>&1; then
        v=$(PGCONNECT_TIMEOUT=3 psql -w -h localhost -U postgres -d postgres -XAtqc \
            'SHOW server_version_num' 2>/dev/null || true)
        if [[ $v =~ ^[0-9]+$ ]]; then echo $((v / 10000)); return; fi
    fi
    # 2. installed clusters (Debian layout), highest version
    if [[ -d /etc/postgresql ]]; then
        v=$(ls /etc/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1 || true)
        if [[ -n $v ]]; then echo "$v"; return; fi
    fi
    # 3. installed server binaries
    v=$(ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1 || true)
    if [[ -n $v ]]; then echo "$v"; return; fi
}

say "检查系统依赖 / checking system packages"
PG_MAJOR=$(pg_major)
if [[ -z $PG_MAJOR ]]; then
    say "未找到 PostgreSQL / no PostgreSQL found"
    apt_install postgresql postgresql-contrib
    PG_MAJOR=$(pg_major)
    if [[ -z $PG_MAJOR ]]; then
        warn "安装后仍找不到 PostgreSQL / PostgreSQL still not found after install"
        exit 1
    fi
fi
say "PostgreSQL $PG_MAJOR"

missing=()
# gettext: msgfmt for compiling the English translations (compilemessages).
for pkg in "postgresql-$PG_MAJOR-postgis-3" gdal-bin chromium fonts-noto-cjk gettext; do
    installed "$pkg" || missing+=("$pkg")
done

redis_answers() {
    if command -v redis-cli >/dev/null 2>&1; then
        [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]
    else
        (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null
    fi
}
if ! command -v redis-server >/dev/null 2>&1 && ! redis_answers; then
    missing+=(redis-server)
fi

# The interpreter scripts/install-python.sh will use must be able to create a venv.
# shellcheck source=scripts/python-choice.sh
source "$(dirname "$0")/python-choice.sh"
PY=$(pick_python)
PY=${PY:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
elif ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    installed python3-venv || missing+=(python3-venv)
fi

if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}"
else
    say "系统软件包齐全 / all system packages present"
fi

# --- services --------------------------------------------------------------------
have_systemd() { [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; }

wait_for() {  # wait_for <seconds> <command...>
    local n=$1; shift
    for ((i = 0; i < n * 2; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

pg_up() { pg_isready -h localhost -q; }

if pg_up; then
    say "PostgreSQL 正在运行 / PostgreSQL is running"
else
    say "启动 PostgreSQL / starting PostgreSQL"
    if have_systemd; then
        as_root systemctl start postgresql || true
    else
        for ver in $(ls /etc/postgresql 2>/dev/null); do
            for cluster in $(ls "/etc/postgresql/$ver" 2>/dev/null); do
                as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start \
                    2>/dev/null || true
            done
        done
    fi
    if ! wait_for 10 pg_up; then
        as_root service postgresql start || true
    fi
    if wait_for 20 pg_up; then
        say "PostgreSQL 已启动 / PostgreSQL started"
    else
        warn "PostgreSQL 未能启动 / PostgreSQL did not start (localhost:5432)"
        exit 1
    fi
fi

if redis_answers; then
    say "Redis 正在运行 / Redis is running"
else
    say "启动 Redis / starting Redis"
    if have_systemd; then
        as_root systemctl start redis-server || true
    else
        as_root mkdir -p /var/lib/redis /var/log/redis
        as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 \
            --save "" --appendonly no --dir /var/lib/redis \
            --logfile /var/log/redis/ci.log || true
    fi
    if ! wait_for 5 redis_answers; then
        as_root service redis-server start || true
    fi
    if wait_for 10 redis_answers; then
        say "Redis 已启动 / Redis started"
    else
        warn "Redis 未能启动 / Redis did not start (localhost:6379)"
        exit 1
    fi
fi

say "系统依赖就绪 / system dependencies ready"
