"""Refuse to start on keys that cannot read the stored data.

`make run` writes fresh keys into `.env` when the file is missing — also on a machine
whose database already holds personal data encrypted with other keys, which would then be
unreadable, and lookups by ID number would silently find nothing (the keyed hashes differ).
`keys_check()` compares the configured keys with what the database knows of the keys its
data was written with:

- the fingerprints recorded in `governance.KeyFingerprint` (an HMAC of a fixed text under
  each key: it identifies a key without revealing it);
- the key ids named in the stored tokens themselves (one sample per encrypted column), so
  a database written before fingerprints were recorded is checked too: such a token must
  name a configured key and decrypt under it.

No problem: the configured keys' fingerprints are recorded (first use) and start-up goes
on. Any problem: `manage.py check_keys` (run by `make run` and the container's start)
prints which key ids the data needs and exits non-zero.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.apps import apps
from django.db import connection, transaction

from . import crypto
from .fields import EncryptedTextField
from .models import KeyFingerprint

_LABEL = b"gridgov key fingerprint v1"
HASH_KEY_ID = "FIELD_HASH_KEY"


def key_fingerprint(key: bytes) -> str:
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()[:32]


def _configured() -> dict[tuple[str, str], str]:
    ring = crypto._keyring()
    found = {(KeyFingerprint.Kind.ENCRYPTION, k): key_fingerprint(v) for k, v in ring.keys.items()}
    hash_key = crypto._setting("FIELD_HASH_KEY")
    if hash_key:
        raw = base64.b64decode(hash_key + "=" * (-len(hash_key) % 4))
        found[(KeyFingerprint.Kind.HASH, HASH_KEY_ID)] = key_fingerprint(raw)
    return found


def _sample_tokens():
    """(model label, field, token): one stored token per encrypted column, read raw (the
    field would decrypt it on the way out)."""
    for model in apps.get_models():
        table = connection.ops.quote_name(model._meta.db_table)
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                column = connection.ops.quote_name(field.column)
                with connection.cursor() as cur:
                    cur.execute(
                        f"SELECT {column} FROM {table} "
                        f"WHERE {column} IS NOT NULL AND {column} <> '' LIMIT 1"
                    )
                    row = cur.fetchone()
                if row:
                    yield model._meta.label, field, row[0]


def keys_check(*, record: bool = True) -> list[str]:
    """The problems (Chinese / English), none if the configured keys read the data; with
    `record`, the fingerprints of the configured keys are stored when there is none."""
    configured = _configured()
    problems = []
    for row in KeyFingerprint.objects.order_by("kind", "key_id"):
        mine = configured.get((row.kind, row.key_id))
        name = "FIELD_HASH_KEY" if row.kind == KeyFingerprint.Kind.HASH else row.key_id
        if mine is None and row.kind == KeyFingerprint.Kind.ENCRYPTION:
            problems.append(
                f"数据库中的数据用密钥 {name} 加密,但 FIELD_ENCRYPTION_KEYS 中没有该密钥 / "
                f"the stored data was encrypted with key {name}, which FIELD_ENCRYPTION_KEYS "
                "does not list"
            )
        elif mine is not None and mine != row.fingerprint:
            problems.append(
                f"配置的密钥 {name} 不是写入这些数据时的密钥(指纹不符) / the configured key "
                f"{name} is not the key the stored data was written with (fingerprint differs)"
            )
    for label, field, token in _sample_tokens():
        try:
            crypto.decrypt(token, context=field.context)
        except Exception:  # noqa: BLE001 - any failure means the keys cannot read it
            needed = _token_key_id_or_unknown(token)
            problems.append(
                f"{label}.{field.name} 中的数据需要密钥 {needed},当前配置无法解密 / "
                f"{label}.{field.name} needs key {needed}, which the configured keys "
                "cannot decrypt"
            )
    if record and not problems:
        with transaction.atomic():
            known = set(KeyFingerprint.objects.values_list("kind", "key_id"))
            KeyFingerprint.objects.bulk_create(
                KeyFingerprint(kind=kind, key_id=key_id, fingerprint=fp)
                for (kind, key_id), fp in configured.items()
                if (kind, key_id) not in known
            )
    return problems


def _token_key_id_or_unknown(token: str) -> str:
    try:
        return crypto.token_key_id(token)
    except Exception:  # noqa: BLE001
        return "?"
