import base64

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from collection.tests.keys import AES_KEY_1, AES_KEY_2, HASH_KEY, SM4_KEY
from governance import crypto

CTX = "collection.person.id_number"
ID = "11010519491231002X"


def raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "keys, algorithm, algorithm_id",
    [(f"k1:{AES_KEY_1}", "aes256gcm", 1), (f"s1:{SM4_KEY}", "sm4gcm", 2)],
)
def test_round_trip(field_keys, keys, algorithm, algorithm_id):
    field_keys(keys, algorithm=algorithm)
    for text in (ID, "张三丰", "", "x" * 5000):
        token = crypto.encrypt(text, context=CTX)
        assert crypto.decrypt(token, context=CTX) == text
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    data = raw(crypto.encrypt(ID, context=CTX))
    key_id = keys.split(":")[0].encode()
    assert data[:3] == bytes((1, algorithm_id, len(key_id)))
    assert data[3 : 3 + len(key_id)] == key_id
    assert len(data) == 3 + len(key_id) + 12 + len(ID) + 16


def test_nonces_are_random(field_keys):
    field_keys(f"k1:{AES_KEY_1}")
    assert crypto.encrypt(ID, context=CTX) != crypto.encrypt(ID, context=CTX)


def test_sm4_gcm_matches_the_rfc_8998_vector():
    """RFC 8998 A.1, through the same Cipher construction crypto.py uses for SM4-GCM."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    assert crypto.sm4_gcm_supported()
    assert crypto._seal("sm4gcm", key, nonce, plaintext, aad) == expected
    assert crypto._open("sm4gcm", key, nonce, expected, aad) == plaintext
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    assert encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag == expected


@pytest.mark.parametrize(
    "keys, algorithm", [(f"k1:{AES_KEY_1}", "aes256gcm"), (f"s1:{SM4_KEY}", "sm4gcm")]
)
def test_tampering_fails(field_keys, keys, algorithm):
    field_keys(keys, algorithm=algorithm)
    data = bytearray(raw(crypto.encrypt(ID, context=CTX)))
    header_end = 3 + data[2]
    for position in (header_end, header_end + 12, len(data) - 1):  # nonce, ciphertext, tag
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(b64url(bytes(tampered)), context=CTX)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(b64url(bytes(data[:-1])), context=CTX)


def test_wrong_context_fails(field_keys):
    field_keys(f"k1:{AES_KEY_1}")
    token = crypto.encrypt(ID, context=CTX)
    with pytest.raises(crypto.DecryptionError, match="wrong context"):
        crypto.decrypt(token, context="collection.person.phone")
    with pytest.raises(ValueError, match="context is required"):
        crypto.encrypt(ID, context="")


def test_header_is_authenticated(field_keys):
    """A header edited to name another configured key with the same algorithm fails."""
    field_keys(f"k1:{AES_KEY_1},k2:{AES_KEY_2}")
    data = bytearray(raw(crypto.encrypt(ID, context=CTX)))
    data[4] = ord("2")  # key id k1 -> k2
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(b64url(bytes(data)), context=CTX)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not base64 !!",
        b64url(b"\x02\x01\x02k1" + bytes(40)),
        b64url(b"\x01\x09\x02k1" + bytes(40)),
        b64url(b"\x01\x01"),
    ],
)
def test_malformed_tokens(field_keys, token):
    field_keys(f"k1:{AES_KEY_1}")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context=CTX)


def test_rotation(field_keys):
    field_keys(f"old:{AES_KEY_1}")
    old_token = crypto.encrypt(ID, context=CTX)
    assert crypto.token_key_id(old_token) == "old"

    field_keys(f"new:{AES_KEY_2},old:{AES_KEY_1}")
    assert crypto.current_key_id() == "new"
    assert crypto.decrypt(old_token, context=CTX) == ID
    assert crypto.token_key_id(crypto.encrypt(ID, context=CTX)) == "new"

    rotated = crypto.rotate(old_token, context=CTX)
    assert crypto.token_key_id(rotated) == "new"
    assert crypto.decrypt(rotated, context=CTX) == ID
    assert crypto.rotate(rotated, context=CTX) == rotated  # already current: unchanged
    with pytest.raises(crypto.DecryptionError):
        crypto.rotate(old_token, context="collection.person.name")

    field_keys(f"new:{AES_KEY_2}")  # old key retired after re-encryption
    assert crypto.decrypt(rotated, context=CTX) == ID
    with pytest.raises(ImproperlyConfigured, match="old"):
        crypto.decrypt(old_token, context=CTX)


def test_switching_algorithm_keeps_old_values_readable(field_keys):
    field_keys(f"a1:{AES_KEY_1}")
    aes_token = crypto.encrypt(ID, context=CTX)
    field_keys(f"s1:{SM4_KEY},a1:{AES_KEY_1}", algorithm="sm4gcm")
    assert crypto.decrypt(aes_token, context=CTX) == ID
    rotated = crypto.rotate(aes_token, context=CTX)
    assert raw(rotated)[1] == 2 and crypto.token_key_id(rotated) == "s1"
    assert crypto.decrypt(rotated, context=CTX) == ID


def test_keys_as_a_list_and_url_safe_base64(field_keys):
    url_safe = base64.urlsafe_b64encode(bytes(range(200, 232))).decode().rstrip("=")
    field_keys([f"k1:{url_safe}", f"k0:{AES_KEY_1}"])
    assert crypto.current_key_id() == "k1"
    assert crypto.decrypt(crypto.encrypt(ID, context=CTX), context=CTX) == ID


def test_environment_is_the_fallback(monkeypatch):
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", f"env1:{SM4_KEY}")
    monkeypatch.setenv("FIELD_ENCRYPTION_ALGORITHM", "sm4gcm")
    monkeypatch.setenv("FIELD_HASH_KEY", HASH_KEY)
    with override_settings(
        FIELD_ENCRYPTION_KEYS=None, FIELD_ENCRYPTION_ALGORITHM=None, FIELD_HASH_KEY=None
    ):
        assert crypto.current_key_id() == "env1"
        token = crypto.encrypt(ID, context=CTX)
        assert raw(token)[1] == 2
        assert crypto.decrypt(token, context=CTX) == ID
        assert len(crypto.blind_index(ID, context=CTX)) == 64


@pytest.mark.parametrize(
    "keys, algorithm, message",
    [
        (None, "aes256gcm", "FIELD_ENCRYPTION_KEYS is not set"),
        ("", "aes256gcm", "FIELD_ENCRYPTION_KEYS is not set"),
        (f"k1:{SM4_KEY}", "aes256gcm", "k1 is 16 bytes but aes256gcm needs 32"),
        (f"k1:{AES_KEY_1}", "sm4gcm", "k1 is 32 bytes but sm4gcm needs 16"),
        ("k1:" + base64.b64encode(bytes(24)).decode(), "aes256gcm", "must be 32 .AES-256. or 16"),
        ("k1:not*base64", "aes256gcm", "not valid base64"),
        (AES_KEY_1, "aes256gcm", "keyid:base64key"),
        (f"k1:{AES_KEY_1},k1:{AES_KEY_2}", "aes256gcm", "listed twice"),
        (f"k1:{AES_KEY_1}", "aes128", "must be aes256gcm or sm4gcm"),
    ],
)
def test_configuration_errors(field_keys, monkeypatch, keys, algorithm, message):
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS", raising=False)
    field_keys(keys, algorithm=algorithm)
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.encrypt(ID, context=CTX)


def test_unsupported_sm4_gcm_is_a_clear_error(field_keys, monkeypatch):
    monkeypatch.setattr(crypto, "sm4_gcm_supported", lambda: False)
    field_keys(f"s1:{SM4_KEY}", algorithm="sm4gcm")
    with pytest.raises(ImproperlyConfigured, match="does not support SM4 in GCM mode"):
        crypto.encrypt(ID, context=CTX)


def test_blind_index_is_stable_normalised_keyed_and_separated_by_context(field_keys):
    field_keys(f"k1:{AES_KEY_1}")
    index = crypto.blind_index(ID, context=CTX)
    assert len(index) == 64 and int(index, 16) >= 0
    assert crypto.blind_index(" 11010519491231002x ", context=CTX) == index
    assert crypto.blind_index("１１０１０５１９４９１２３１００２Ｘ", context=CTX) == index
    assert crypto.blind_index("110105194912310021", context=CTX) != index
    assert crypto.blind_index(ID, context="collection.household.id_number") != index
    # Pinned: the index must not change between releases, or lookups of stored rows break.
    assert (
        index
        == crypto.hmac.new(b"h" * 32, CTX.encode() + b"\x00" + ID.encode(), "sha256").hexdigest()
    )

    field_keys(f"k1:{AES_KEY_1}", hash_key=base64.b64encode(b"g" * 32).decode())
    assert crypto.blind_index(ID, context=CTX) != index


@pytest.mark.parametrize("key_bytes", [16, 32, 64, 65, 100])  # HMAC pads or hashes the key
def test_blind_index_many_equals_blind_index_value_for_value(field_keys, key_bytes):
    field_keys(f"k1:{AES_KEY_1}", hash_key=base64.b64encode(bytes(range(key_bytes))).decode())
    values = [ID, "11010519491231002x", " 1101 0519 ", "１１０１Ｘ", "张三", "é", "", "A1\tb"]
    # printable ASCII without a blank takes the fast path (a masked ID number); the rest not
    values += ["110105********002x", "a-b_c*", "a b", "a\x1fb", "a\x0bb", "ab\x00"]
    assert crypto.blind_index_many(values, context=CTX) == [
        crypto.blind_index(v, context=CTX) for v in values
    ]


@pytest.mark.parametrize(
    "keys, algorithm", [(f"k1:{AES_KEY_1}", "aes256gcm"), (f"s1:{SM4_KEY}", "sm4gcm")]
)
def test_encrypt_many_round_trips_with_a_nonce_each(field_keys, keys, algorithm):
    field_keys(keys, algorithm=algorithm)
    values = [ID, ID, "张三丰", "", "x" * 5000]
    tokens = crypto.encrypt_many(values, context=CTX)
    assert [crypto.decrypt(t, context=CTX) for t in tokens] == values
    assert len({raw(t)[5:17] for t in tokens}) == len(values)  # nonces differ
    url_safe = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert all(set(t) <= url_safe for t in tokens)
    assert crypto.encrypt_many([], context=CTX) == []


@pytest.mark.parametrize(
    "hash_key, message",
    [(None, "FIELD_HASH_KEY is not set"), (base64.b64encode(bytes(8)).decode(), "at least 16")],
)
def test_hash_key_errors(field_keys, monkeypatch, hash_key, message):
    monkeypatch.delenv("FIELD_HASH_KEY", raising=False)
    field_keys(f"k1:{AES_KEY_1}", hash_key=hash_key)
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.blind_index(ID, context=CTX)


def test_generate_key():
    assert len(base64.b64decode(crypto.generate_key())) == 32
    assert len(base64.b64decode(crypto.generate_key("sm4gcm"))) == 16
    assert crypto.generate_key() != crypto.generate_key()
