"""`manage.py restore <backup folder>`: into an EMPTY database and media folder, then
migrate (privileges), check_keys (the configured keys must read the data) and a
comparison with the manifest (row counts, the audit trail's digest)."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from governance.backup import BackupError, backup_restore, restore_compare


class Command(BaseCommand):
    help = "从备份恢复到空数据库 / restore a backup into an empty database"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="backups/<timestamp>")
        parser.add_argument("--media-root", help="where the files go (default: MEDIA_ROOT)")

    def handle(self, *args, **options):
        try:
            manifest = backup_restore(
                folder=Path(options["folder"]),
                media_root=Path(options["media_root"]) if options["media_root"] else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        quiet = {"verbosity": 0}
        # Nothing to apply; sets the application role's privileges on the new tables.
        call_command("migrate", interactive=False, **quiet)
        problems = restore_compare(manifest)
        if problems:
            raise CommandError(
                "恢复后的数据与备份清单不符 / the restored data differs from the manifest:\n- "
                + "\n- ".join(problems)
            )
        call_command("check_keys", **quiet)  # raises, naming the key ids the data needs
        total = sum(manifest["counts"].values())
        self.stdout.write(
            f"==> 恢复完成,{len(manifest['counts'])} 张表 {total} 行与清单一致,审计日志 "
            f"{manifest['audit']['rows']} 条一致,密钥可读取数据 / restored: "
            f"{len(manifest['counts'])} tables, {total} rows and the audit trail as in the "
            "manifest; the keys read the data"
        )
