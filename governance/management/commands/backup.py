"""`manage.py backup`: the database (one snapshot) and the stored files into
backups/<timestamp>/ with a manifest; the keys only with --keys-to, elsewhere
(governance/backup.py, docs/operations.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库与文件 / back up the database and the stored files"

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "backups"),
            help="folder of the backups (default: ./backups)",
        )
        parser.add_argument(
            "--keys-to",
            metavar="PATH",
            help="also write the encryption keys to PATH (0600), which must lie outside "
            "the backups' folder: keep it apart from the backups",
        )

    def handle(self, *args, **options):
        try:
            folder = backup_create(
                root=Path(options["dir"]),
                keys_to=Path(options["keys_to"]) if options["keys_to"] else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"==> 备份完成 / backup written: {folder}")
        if options["keys_to"]:
            self.stdout.write(
                f"==> 密钥已单独写入 / keys written apart: {options['keys_to']} "
                "(另行保管,勿与备份放在一起 / keep it away from the backups)"
            )
        else:
            self.stdout.write(
                "==> 备份不含加密密钥;恢复时需要原来的密钥 / the backup holds no encryption "
                "keys; restoring needs the original ones"
            )
