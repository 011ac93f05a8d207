"""Refuses (exit 1) when the configured keys cannot read the stored data
(governance/keycheck.py); records the keys' fingerprints on first use. Run by `make run`
and at the container's start, before anything serves requests."""

from django.core.management.base import BaseCommand, CommandError

from governance.keycheck import keys_check
from governance.models import KeyFingerprint


class Command(BaseCommand):
    help = "检查加密密钥能否读取已存数据 / check that the configured keys read the stored data"

    def add_arguments(self, parser):
        parser.add_argument(
            "--retire",
            metavar="KEY_ID",
            help="forget a key removed after re-encryption (docs/personal-data.md, Key rotation)",
        )

    def handle(self, *args, **options):
        if options["retire"]:
            KeyFingerprint.objects.filter(
                kind=KeyFingerprint.Kind.ENCRYPTION, key_id=options["retire"]
            ).delete()
        problems = keys_check()
        if problems:
            raise CommandError(
                "拒绝启动:密钥与数据库中的数据不符。请恢复原来的 .env(或生产环境的密钥配置),"
                "不要为已有数据的数据库生成新密钥。/ Refusing to start: the keys do not match "
                "the stored data. Restore the original .env (or the production key settings); "
                "never generate new keys for a database that holds data.\n- "
                + "\n- ".join(problems)
            )
        if options["verbosity"] > 0:
            self.stdout.write("==> 密钥与数据一致 / keys match the stored data")
