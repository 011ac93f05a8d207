#!/usr/bin/env bash
# 从备份恢复到空数据库 / restore a backup into an empty database (docs/operations.md).
#   scripts/restore.sh backups/<timestamp> [--media-root PATH]
# On a new machine: install (make deps), put the ORIGINAL keys (FIELD_ENCRYPTION_KEYS,
# FIELD_ENCRYPTION_ALGORITHM, FIELD_HASH_KEY — the file `make backup KEYS_TO=…` wrote)
# and the database settings into .env or the environment, then run this. It creates the
# roles and an empty database (scripts/setup-db.sh), restores the dump and the files,
# sets the privileges (migrate), compares every table's row count and the audit trail
# with the manifest, and checks that the keys read the data (check_keys).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 || ! -f $1/manifest.json ]]; then
    echo "usage: $0 backups/<timestamp> [--media-root PATH]" >&2
    exit 2
fi
has_keys() {
    [[ -n ${FIELD_ENCRYPTION_KEYS:-} ]] ||
        { [[ -f .env ]] && grep -qE '^[[:space:]]*(export[[:space:]]+)?FIELD_ENCRYPTION_KEYS=.+' .env; }
}
if ! has_keys; then
    echo "!!  缺少加密密钥:请把备份时单独保存的密钥写入 .env 或环境变量(不要生成新密钥)" >&2
    echo "!!  no encryption keys: put the keys kept apart from the backup into .env or the" >&2
    echo "    environment (never generate new ones: the data could not be read)" >&2
    exit 1
fi
bash scripts/setup-db.sh
exec .venv/bin/python manage.py restore "$@"
