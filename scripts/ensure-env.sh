#!/usr/bin/env bash
# Creates .env with fresh random secrets for a development machine, once. Production
# sets these in its own environment (see README, Configuration); .env is never
# committed. Keys already present are kept: losing FIELD_ENCRYPTION_KEYS would make
# the stored personal data unreadable.
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
