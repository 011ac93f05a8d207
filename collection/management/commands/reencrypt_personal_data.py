"""Re-encrypt every encrypted column with the current key and algorithm (key rotation step 2).

See docs/personal-data.md, "Key rotation". Set-based: each batch reads the raw tokens with one
SELECT (not through ``EncryptedTextField``, which would decrypt them on the way out), rotates in
Python only those not already under the current key id and algorithm, and writes them back with
one ``UPDATE … FROM (VALUES …)`` in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router, transaction

from governance import crypto
from governance.fields import EncryptedTextField

MAX_REPORTED_FAILURES = 20


@dataclass
class Column:
    label: str  # app_label.Model.field
    model: type
    table: str
    pk_column: str
    pk_type: str
    column: str
    context: str


@dataclass
class Totals:
    total: int = 0
    seen: int = 0
    stale: int = 0  # not under the current key/algorithm
    rewritten: int = 0
    raced: int = 0  # changed by someone else between read and write: left alone
    failed: int = 0


def encrypted_columns() -> list[Column]:
    """Every concrete EncryptedTextField of every installed, managed model."""
    found = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        for field in opts.local_concrete_fields:
            if isinstance(field, EncryptedTextField):
                db = router.db_for_write(model)
                found.append(
                    Column(
                        label=f"{opts.app_label}.{opts.object_name}.{field.name}",
                        model=model,
                        table=opts.db_table,
                        pk_column=opts.pk.column,
                        pk_type=opts.pk.rel_db_type(connections[db]),
                        column=field.column,
                        context=field.context,
                    )
                )
    return sorted(found, key=lambda c: c.label)


def _is_current(token: str, key_id: str, algorithm: str) -> bool:
    return crypto.token_key_id(token) == key_id and crypto.token_algorithm(token) == algorithm


class Command(BaseCommand):
    help = (
        "用当前密钥和算法(FIELD_ENCRYPTION_KEYS 第一项、FIELD_ENCRYPTION_ALGORITHM)重新加密所有"
        "加密列(实有人口证件号码、联系电话,导入错误行原始内容等),分批进行,每批一个事务;"
        "已在当前密钥和算法下的值跳过。盲索引(*_index 列)使用 FIELD_HASH_KEY,与加密密钥无关,"
        "不会改变,也无需重算。 / Re-encrypt every encrypted column (person ID and phone numbers, "
        "rejected import rows, ...) with the current key and algorithm (first entry of "
        "FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_ALGORITHM), in batches, one transaction per "
        "batch; values already under the current key and algorithm are skipped. Blind indexes "
        "(*_index columns) use FIELD_HASH_KEY, not the encryption key: they do not change and "
        "need no recomputation. Keep the old keys in FIELD_ENCRYPTION_KEYS until this command "
        "reports 0 remaining."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            type=int,
            default=5000,
            help="每批行数 / rows per batch (default 5000)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只统计需要重新加密的行数,不写入 / only count what would change, write nothing",
        )

    def handle(self, *args, batch: int, dry_run: bool, **options):
        if batch < 1:
            raise CommandError("--batch 必须大于 0 / --batch must be at least 1")
        try:
            current_key, algorithm = crypto.current_key_id(), crypto.current_algorithm()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"当前密钥 / current key: {current_key}, 算法 / algorithm: {algorithm}"
            + (",试运行,不写入 / dry run, nothing is written" if dry_run else "")
        )

        results: dict[str, Totals] = {}
        failures: list[str] = []
        for column in encrypted_columns():
            results[column.label] = self._column(
                column, (current_key, algorithm), batch, dry_run, failures
            )

        stale = sum(t.stale for t in results.values())
        rewritten = sum(t.rewritten for t in results.values())
        failed = sum(t.failed for t in results.values())
        raced = sum(t.raced for t in results.values())
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"试运行:将重新加密 {stale} 个值,{failed} 个无法解密 / dry run: {stale} values "
                    f"would be re-encrypted, {failed} cannot be decrypted"
                )
            )
        else:
            from governance.audit import audit_record

            audit_record(
                actor=None,
                action="crypto.reencrypt",
                object_type="collection",
                changes={"rows": [None, rewritten]},
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"完成:重新加密 {rewritten} 个值 / done: {rewritten} values re-encrypted"
                    + (
                        f";{raced} 个值在处理期间被修改,已跳过,请再次运行 / {raced} changed "
                        "meanwhile and were left alone, run again"
                        if raced
                        else ""
                    )
                )
            )
        if failed:
            for line in failures:
                self.stderr.write(line)
            raise CommandError(
                f"{failed} 个值无法解密(密钥缺失或数据损坏),旧密钥不可删除 / {failed} values "
                "could not be decrypted (missing key or damaged data): do not remove old keys"
            )

    def _column(
        self, column: Column, current: tuple[str, str], batch: int, dry_run: bool, failures
    ) -> Totals:
        db = router.db_for_write(column.model)
        connection = connections[db]
        qn = connection.ops.quote_name
        table, pk, col = qn(column.table), qn(column.pk_column), qn(column.column)
        not_empty = f"{col} IS NOT NULL AND {col} <> ''"
        totals = Totals()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {not_empty}")
            totals.total = cursor.fetchone()[0]
        self.stdout.write(f"[{column.label}] 共 {totals.total} 个值 / {totals.total} values")

        last = None
        while True:
            with transaction.atomic(using=db):
                with connection.cursor() as cursor:
                    after = "" if last is None else f" AND {pk} > %s"
                    cursor.execute(
                        f"SELECT {pk}, {col} FROM {table} WHERE {not_empty}{after} "
                        f"ORDER BY {pk} LIMIT %s",
                        ([] if last is None else [last]) + [batch],
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    last = rows[-1][0]
                    changes = []
                    for row_pk, token in rows:
                        try:
                            if _is_current(token, *current):
                                continue
                            totals.stale += 1
                            new = crypto.rotate(token, context=column.context)
                        except (crypto.DecryptionError, ImproperlyConfigured) as exc:
                            totals.failed += 1
                            if len(failures) < MAX_REPORTED_FAILURES:
                                failures.append(
                                    f"[{column.label}] {column.pk_column}={row_pk}: {exc}"
                                )
                            continue
                        if not dry_run:
                            changes.append((row_pk, token, new))
                    if changes:
                        # Matching the old token too leaves alone a value rewritten meanwhile.
                        # Three arrays, not three parameters a row: any --batch fits in one
                        # statement (the protocol carries at most 65,535 parameters).
                        pks, olds, news = (list(c) for c in zip(*changes, strict=True))
                        cursor.execute(
                            f"UPDATE {table} AS t SET {col} = v.new "
                            f"FROM unnest(%s::{column.pk_type}[], %s::text[], %s::text[]) "
                            f"AS v(pk, old, new) WHERE t.{pk} = v.pk AND t.{col} = v.old",
                            [pks, olds, news],
                        )
                        totals.rewritten += cursor.rowcount
                        totals.raced += len(changes) - cursor.rowcount
            totals.seen += len(rows)
            verb = "待重新加密 / to re-encrypt" if dry_run else "已重新加密 / re-encrypted"
            self.stdout.write(
                f"[{column.label}] {totals.seen}/{totals.total} 已处理 / done, "
                f"{verb}: {totals.stale if dry_run else totals.rewritten}"
                + (f", 失败 / failed: {totals.failed}" if totals.failed else "")
            )
        return totals
