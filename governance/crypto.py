"""Authenticated encryption of personal data at rest, and keyed hashes for exact-match lookup.

Configuration (Django settings first, then the environment variable of the same name; read on
every call, parsed once per distinct value):

``FIELD_ENCRYPTION_KEYS``
    ``keyid:base64key[,keyid:base64key...]`` (a list of such strings also works). The first key
    encrypts; every listed key decrypts. 32-byte keys for AES-256-GCM, 16-byte keys for SM4-GCM.
``FIELD_ENCRYPTION_ALGORITHM``
    ``aes256gcm`` (default) or ``sm4gcm``: the algorithm new values are encrypted with.
``FIELD_HASH_KEY``
    base64, at least 16 bytes (32 recommended): the HMAC-SHA256 key of :func:`blind_index`.

Token layout, base64url without padding::

    version (1 byte, = 1) | algorithm (1 byte: 1 AES-256-GCM, 2 SM4-GCM) | key id length (1 byte)
    | key id (ASCII) | nonce (12 random bytes) | ciphertext | tag (16 bytes)

The associated data is the header (everything before the nonce) followed by the context string,
so a token neither decrypts under another context (column) nor survives an edited header. Each
token names its own algorithm and key id, so switching the algorithm or the current key never
strands older values; see docs/personal-data.md for rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
AES256GCM = "aes256gcm"
SM4GCM = "sm4gcm"
# name -> (id in the token, key length in bytes)
ALGORITHMS = {AES256GCM: (1, 32), SM4GCM: (2, 16)}
_ALGORITHM_BY_ID = {ident: name for name, (ident, _) in ALGORITHMS.items()}
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MIN_HASH_KEY_BYTES = 16


class DecryptionError(ValueError):
    """The token is malformed, was tampered with, or belongs to another context."""


@dataclass(frozen=True)
class _Keyring:
    algorithm: str
    current: str
    keys: dict[str, bytes]


def _setting(name: str):
    from django.conf import settings

    value = getattr(settings, name, None) if settings.configured else None
    if value in (None, "", [], ()):
        value = os.environ.get(name) or None
    return value


def _b64decode(text: str, what: str) -> bytes:
    text = text.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(
            f"{what} 不是有效的 base64 / {what} is not valid base64"
        ) from None


def _keyring() -> _Keyring:
    keys = _setting("FIELD_ENCRYPTION_KEYS")
    if isinstance(keys, list | tuple):
        keys = ",".join(keys)
    return _parse_keyring(keys, _setting("FIELD_ENCRYPTION_ALGORITHM") or AES256GCM)


@lru_cache(maxsize=8)
def _parse_keyring(raw: str | None, algorithm: str) -> _Keyring:
    algorithm = algorithm.strip().lower()
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_ALGORITHM 应为 aes256gcm 或 sm4gcm,实为 {algorithm!r} / "
            f"FIELD_ENCRYPTION_ALGORITHM must be aes256gcm or sm4gcm, got {algorithm!r}"
        )
    if algorithm == SM4GCM:
        _require_sm4_gcm()
    if not raw or not raw.strip():
        raise ImproperlyConfigured(
            "未配置 FIELD_ENCRYPTION_KEYS / FIELD_ENCRYPTION_KEYS is not set "
            "(keyid:base64key, comma-separated, current key first)"
        )
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS 的每一项应为 keyid:base64key,keyid 为 1 到 32 位字母、"
                "数字、_ . - / each FIELD_ENCRYPTION_KEYS entry must be keyid:base64key with a "
                f"key id of 1-32 letters, digits, _ . - (entry starting {item[:8]!r})"
            )
        if key_id in keys:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS 中密钥 {key_id} 重复 / key id {key_id} is listed twice "
                "in FIELD_ENCRYPTION_KEYS"
            )
        key = _b64decode(encoded, f"FIELD_ENCRYPTION_KEYS[{key_id}]")
        if len(key) not in (16, 32):
            raise ImproperlyConfigured(
                f"密钥 {key_id} 长度为 {len(key)} 字节,应为 32(AES-256)或 16(SM4) / key "
                f"{key_id} is {len(key)} bytes; it must be 32 (AES-256) or 16 (SM4)"
            )
        keys[key_id] = key
    current = next(iter(keys))
    _check_key_length(current, keys[current], algorithm)
    return _Keyring(algorithm=algorithm, current=current, keys=keys)


def _check_key_length(key_id: str, key: bytes, algorithm: str) -> None:
    expected = ALGORITHMS[algorithm][1]
    if len(key) != expected:
        raise ImproperlyConfigured(
            f"密钥 {key_id} 长度为 {len(key)} 字节,{algorithm} 需要 {expected} 字节 / key "
            f"{key_id} is {len(key)} bytes but {algorithm} needs {expected}"
        )


@lru_cache(maxsize=1)
def sm4_gcm_supported() -> bool:
    """Whether the installed cryptography/OpenSSL can do SM4 in GCM mode."""
    try:
        encryptor = Cipher(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_BYTES))).encryptor()
        encryptor.update(b"probe")
        encryptor.finalize()
    except (UnsupportedAlgorithm, AttributeError):
        return False
    return True


def _require_sm4_gcm() -> None:
    if not sm4_gcm_supported():
        raise ImproperlyConfigured(
            "已选择 sm4gcm,但当前 cryptography/OpenSSL 不支持 SM4-GCM / sm4gcm is selected but "
            "the installed cryptography/OpenSSL does not support SM4 in GCM mode"
        )


def _seal(algorithm: str, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if algorithm == AES256GCM:
        return AESGCM(key).encrypt(nonce, data, aad)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _open(algorithm: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if algorithm == AES256GCM:
        return AESGCM(key).decrypt(nonce, sealed, aad)
    _require_sm4_gcm()
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def _require_context(context: str) -> bytes:
    if not context:
        raise ValueError("context is required, e.g. 'collection.person.id_number'")
    return context.encode()


def _header(algorithm: str, key_id: str) -> bytes:
    kid = key_id.encode("ascii")
    return bytes((VERSION, ALGORITHMS[algorithm][0], len(kid))) + kid


@dataclass(frozen=True)
class _Token:
    algorithm: str
    key_id: str
    header: bytes
    nonce: bytes
    sealed: bytes


def _parse_token(token: str) -> _Token:
    if not isinstance(token, str) or not token:
        raise DecryptionError("empty or non-text token")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError("token is not base64url") from None
    if len(raw) < 3:
        raise DecryptionError("token is truncated")
    if raw[0] != VERSION:
        raise DecryptionError(f"unknown token version {raw[0]}")
    algorithm = _ALGORITHM_BY_ID.get(raw[1])
    if algorithm is None:
        raise DecryptionError(f"unknown algorithm id {raw[1]}")
    end = 3 + raw[2]
    if len(raw) < end + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("token is truncated")
    try:
        key_id = raw[3:end].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("key id is not ASCII") from None
    return _Token(
        algorithm=algorithm,
        key_id=key_id,
        header=raw[:end],
        nonce=raw[end : end + NONCE_BYTES],
        sealed=raw[end + NONCE_BYTES :],
    )


def current_key_id() -> str:
    return _keyring().current


def token_algorithm(token: str) -> str:
    """The algorithm a token was sealed with (without decrypting it)."""
    return _parse_token(token).algorithm


def current_algorithm() -> str:
    return _keyring().algorithm


def token_key_id(token: str) -> str:
    """The key id a token was encrypted with (without decrypting it)."""
    return _parse_token(token).key_id


def encrypt(plaintext: str, *, context: str) -> str:
    if not isinstance(plaintext, str):
        raise TypeError(f"encrypt() takes text, not {type(plaintext).__name__}")
    aad_context = _require_context(context)
    ring = _keyring()
    header = _header(ring.algorithm, ring.current)
    nonce = os.urandom(NONCE_BYTES)
    sealed = _seal(
        ring.algorithm, ring.keys[ring.current], nonce, plaintext.encode(), header + aad_context
    )
    return base64.urlsafe_b64encode(header + nonce + sealed).rstrip(b"=").decode("ascii")


def encrypt_many(plaintexts, *, context: str) -> list[str]:
    """``encrypt`` for a batch (imports): the key, header and cipher are prepared once, so
    each value costs one AEAD call. Each value still gets its own random nonce."""
    ring = _keyring()
    header = _header(ring.algorithm, ring.current)
    aad = header + _require_context(context)
    key = ring.keys[ring.current]
    if ring.algorithm == AES256GCM:
        seal = AESGCM(key).encrypt
    else:

        def seal(nonce, data, aad_):
            return _seal(ring.algorithm, key, nonce, data, aad_)

    texts = list(plaintexts)
    # One read of the system's randomness for every nonce of the batch (one syscall, not
    # one per value); each value still gets its own 12 random bytes.
    nonces = os.urandom(NONCE_BYTES * len(texts))
    b64, urlsafe = binascii.b2a_base64, _URLSAFE
    out = []
    for i, text in enumerate(texts):
        nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
        token = b64(header + nonce + seal(nonce, text.encode(), aad), newline=False)
        out.append(token.translate(urlsafe).rstrip(b"=").decode("ascii"))
    return out


_URLSAFE = bytes.maketrans(b"+/", b"-_")  # base64 -> base64url


def decrypt(token: str, *, context: str) -> str:
    aad_context = _require_context(context)
    parsed = _parse_token(token)
    ring = _keyring()
    key = ring.keys.get(parsed.key_id)
    if key is None:
        raise ImproperlyConfigured(
            f"密钥 {parsed.key_id} 不在 FIELD_ENCRYPTION_KEYS 中(是否在重新加密前删除了旧密钥?) / "
            f"key id {parsed.key_id} is not in FIELD_ENCRYPTION_KEYS (removed before "
            "re-encryption finished?)"
        )
    _check_key_length(parsed.key_id, key, parsed.algorithm)
    try:
        data = _open(
            parsed.algorithm, key, parsed.nonce, parsed.sealed, parsed.header + aad_context
        )
    except InvalidTag:
        raise DecryptionError(
            f"authentication failed: tampered token or wrong context {context!r}"
        ) from None
    return data.decode()


def rotate(token: str, *, context: str) -> str:
    """Decrypt with whatever key the token names and re-encrypt with the current key and
    algorithm. A token already under the current key and algorithm is verified and returned
    unchanged, so a re-encryption run can skip writing it."""
    plaintext = decrypt(token, context=context)
    parsed = _parse_token(token)
    ring = _keyring()
    if parsed.key_id == ring.current and parsed.algorithm == ring.algorithm:
        return token
    return encrypt(plaintext, context=context)


def normalise_for_index(value: str) -> str:
    """NFKC, trimmed, inner blanks collapsed to one space, upper-cased: '11010519491231002x'
    and '１１０１…002X' index alike."""
    return " ".join(unicodedata.normalize("NFKC", value).split()).upper()


def blind_index(value: str, *, context: str) -> str:
    """Hex HMAC-SHA256 of the normalised value under ``FIELD_HASH_KEY``, separated by context.

    Store it in an indexed companion column and look up with
    ``filter(id_number_index=blind_index(q, context=...))``. Validate and normalise the value
    first (e.g. with ``validate_id_number``) so equal identifiers hash alike.
    """
    aad_context = _require_context(context)
    key = _hash_key(_setting("FIELD_HASH_KEY"))
    message = aad_context + b"\x00" + normalise_for_index(value).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def blind_index_many(values, *, context: str) -> list[str]:
    """``blind_index`` for a batch, equal value for value: HMAC-SHA256 (RFC 2104) with the
    keyed inner and outer states prepared once — the key and the context are hashed once
    for the whole batch, not once per value (OpenSSL's HMAC set-up is most of the cost
    of a short message). Values that are already normal (printable ASCII without a blank,
    e.g. a checked ID number or its masked form) are only upper-cased: NFKC and blank
    collapsing leave them as they are."""
    prefix = _require_context(context) + b"\x00"
    key = _hash_key(_setting("FIELD_HASH_KEY"))
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + prefix)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    out = []
    for v in values:
        plain = (
            v.upper()
            if v.isascii() and v.isprintable() and " " not in v
            else normalise_for_index(v)
        )
        h = inner.copy()
        h.update(plain.encode())
        o = outer.copy()
        o.update(h.digest())
        out.append(o.hexdigest())
    return out


_SHA256_BLOCK = 64


@lru_cache(maxsize=4)
def _hash_key(raw: str | None) -> bytes:
    if not raw or not raw.strip():
        raise ImproperlyConfigured("未配置 FIELD_HASH_KEY / FIELD_HASH_KEY is not set (base64)")
    key = _b64decode(raw, "FIELD_HASH_KEY")
    if len(key) < MIN_HASH_KEY_BYTES:
        raise ImproperlyConfigured(
            f"FIELD_HASH_KEY 只有 {len(key)} 字节,至少需要 {MIN_HASH_KEY_BYTES} 字节(建议 32) / "
            f"FIELD_HASH_KEY is {len(key)} bytes; at least {MIN_HASH_KEY_BYTES} are required "
            "(32 recommended)"
        )
    return key


def generate_key(algorithm: str = AES256GCM) -> str:
    """A fresh random key for ``algorithm``, base64-encoded for FIELD_ENCRYPTION_KEYS."""
    return base64.b64encode(os.urandom(ALGORITHMS[algorithm][1])).decode("ascii")
