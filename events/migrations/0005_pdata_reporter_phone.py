"""Event reporters' phone numbers encrypted at rest (issue 8, item 8): the column becomes
text holding governance.crypto tokens (collection.crypto when this was written), and the rows
already stored are encrypted in place.
Idempotent: a value that already decrypts under the column's context is left as it is."""

from django.db import migrations

import governance.fields

CONTEXT = "events.event.reporter_phone"
BATCH = 2000


def _is_token(value: str) -> bool:
    from governance import crypto

    try:
        crypto.decrypt(value, context=CONTEXT)
    except (crypto.DecryptionError, UnicodeDecodeError):
        return False
    return True


def encrypt_existing(apps, schema_editor):
    from governance import crypto

    conn = schema_editor.connection
    last = 0
    while True:
        with conn.cursor() as cur:
            cur.execute("SELECT id, reporter_phone FROM events_event WHERE id > %s AND "
                        "reporter_phone <> '' ORDER BY id LIMIT %s", [last, BATCH])
            rows = cur.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        plain = [(pk, value) for pk, value in rows if not _is_token(value)]
        if plain:
            tokens = crypto.encrypt_many([v for _pk, v in plain], context=CONTEXT)
            with conn.cursor() as cur:
                cur.executemany("UPDATE events_event SET reporter_phone = %s WHERE id = %s",
                                [(t, pk) for t, (pk, _v) in zip(tokens, plain, strict=True)])


def decrypt_existing(apps, schema_editor):
    from governance import crypto

    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT id, reporter_phone FROM events_event WHERE reporter_phone <> ''")
        rows = [(crypto.decrypt(v, context=CONTEXT)[:20], pk) for pk, v in cur.fetchall()
                if _is_token(v)]
        cur.executemany("UPDATE events_event SET reporter_phone = %s WHERE id = %s", rows)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0004_attachment_original_name_web"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="reporter_phone",
            field=governance.fields.EncryptedTextField(
                blank=True, context=CONTEXT, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
