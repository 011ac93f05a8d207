#!/usr/bin/env bash
# Creates .env with fresh random secrets for a development machine, once. Production
# sets these in its own environment (see README, Configuration); .env is never
# committed. Keys already present are kept: losing FIELD_ENCRYPTION_KEYS would make
# the stored personal data unreadable. The database URLs carry the passwords of the
# application and owner roles, which scripts/setup-db.sh gives the roles.
set -euo pipefail
cd "$(dirname "$0")/.."
touch .env
chmod 600 .env
add() {  # add NAME=VALUE unless NAME is already set in .env
  grep -q "^$1=" .env || { echo "$1=$2" >> .env; echo "==> .env: 生成 $1 / generated $1"; }
}
rand() { python3 -c "import base64,os;print(base64.b64encode(os.urandom($1)).decode())"; }
add SECRET_KEY "$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))')"
add FIELD_ENCRYPTION_KEYS "k1:$(rand 32)"
add FIELD_HASH_KEY "$(rand 32)"
# The application role (DATABASE_URL) and the owner role that runs the migrations
# (docs/security-parts/dbrole.md). URL-safe passwords: they go into URLs as they are.
password() { python3 -c 'import secrets;print(secrets.token_urlsafe(24))'; }
add DATABASE_URL "postgis://gridgov_app:$(password)@localhost:5432/gridgov"
add DATABASE_OWNER_URL "postgis://gridgov_owner:$(password)@localhost:5432/gridgov"
