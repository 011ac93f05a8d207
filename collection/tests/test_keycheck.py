"""Start-up refuses keys that cannot read the stored data (governance/keycheck.py): a
machine whose .env was lost and made anew must not start on a database of personal data
encrypted with the old keys."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from collection.tests.keys import AES_KEY_1, HASH_KEY
from governance.keycheck import keys_check
from governance.models import KeyFingerprint

pytestmark = pytest.mark.django_db


def _current():
    key_id, _, key = settings.FIELD_ENCRYPTION_KEYS.partition(":")
    return key_id, key


def test_the_keys_that_wrote_the_data_pass_and_are_recorded(person):
    assert keys_check() == []
    key_id, _ = _current()
    recorded = set(KeyFingerprint.objects.values_list("kind", "key_id"))
    assert recorded == {("encryption", key_id), ("hash", "FIELD_HASH_KEY")}
    # the fingerprint identifies the key without revealing it
    fingerprint = KeyFingerprint.objects.get(kind="encryption").fingerprint
    assert _current()[1] not in fingerprint and len(fingerprint) == 32
    call_command("check_keys", verbosity=0)  # and again: nothing changes
    assert KeyFingerprint.objects.count() == 2


def test_fresh_keys_on_a_database_with_data_refuse_to_start(person, field_keys):
    keys_check()  # recorded with the keys that wrote the data
    key_id, _ = _current()
    field_keys(f"{key_id}:{AES_KEY_1}", hash_key=HASH_KEY)  # same id, another key
    problems = keys_check()
    assert any(f"配置的密钥 {key_id}" in p and "fingerprint differs" in p for p in problems)
    assert any("FIELD_HASH_KEY" in p for p in problems)
    assert any("collection.Person" in p and f"needs key {key_id}" in p for p in problems)
    with pytest.raises(CommandError, match="拒绝启动") as refused:
        call_command("check_keys")
    assert f"key {key_id}" in str(refused.value)

    field_keys(f"k9:{AES_KEY_1}", hash_key=settings.FIELD_HASH_KEY)  # another id
    problems = keys_check()
    assert any(f"用密钥 {key_id} 加密" in p for p in problems), problems
    assert not KeyFingerprint.objects.filter(key_id="k9").exists()  # nothing recorded


def test_a_database_from_before_fingerprints_is_checked_by_its_tokens(person, field_keys):
    assert not KeyFingerprint.objects.exists()
    key_id, _ = _current()
    field_keys(f"k2:{AES_KEY_1}", hash_key=settings.FIELD_HASH_KEY)
    problems = keys_check()
    assert problems and all(f"needs key {key_id}" in p for p in problems), problems
    assert not KeyFingerprint.objects.exists()


def test_a_rotation_keeps_the_old_key_listed_and_passes(person, field_keys):
    keys_check()
    key_id, key = _current()
    field_keys(f"k2:{AES_KEY_1},{key_id}:{key}", hash_key=settings.FIELD_HASH_KEY)
    assert keys_check() == []
    assert KeyFingerprint.objects.filter(kind="encryption").count() == 2
    # dropping the old key before re-encrypting is refused, retired or not: the stored
    # person still names it
    field_keys(f"k2:{AES_KEY_1}", hash_key=settings.FIELD_HASH_KEY)
    assert any(f"用密钥 {key_id} 加密" in p for p in keys_check())
    with pytest.raises(CommandError, match=f"needs key {key_id}"):
        call_command("check_keys", retire=key_id)


def test_a_finished_rotation_retires_the_old_key(person, field_keys):
    keys_check()
    key_id, key = _current()
    field_keys(f"k2:{AES_KEY_1},{key_id}:{key}", hash_key=settings.FIELD_HASH_KEY)
    call_command("reencrypt_personal_data", verbosity=0)
    field_keys(f"k2:{AES_KEY_1}", hash_key=settings.FIELD_HASH_KEY)
    call_command("check_keys", retire=key_id, verbosity=0)
    assert set(
        KeyFingerprint.objects.filter(kind="encryption").values_list("key_id", flat=True)
    ) == {"k2"}
