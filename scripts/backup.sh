#!/usr/bin/env bash
# 备份数据库与文件 / back up the database and the stored files (docs/operations.md).
#   scripts/backup.sh                         -> backups/<UTC timestamp>/ (database.dump,
#                                                media.tar.gz, manifest.json)
#   scripts/backup.sh --keys-to /safe/gridgov.keys
#                                             also the encryption keys, to a file OUTSIDE
#                                             the backups' folder (mode 0600): keep it apart
#   scripts/backup.sh --dir /srv/backups      another folder for the backups
# The backup never contains the keys: without them a stolen backup reveals no personal data.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py backup "$@"
