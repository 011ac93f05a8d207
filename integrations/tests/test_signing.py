"""Signatures: pure functions, no database."""

import hashlib
import hmac
import time
from pathlib import Path

from integrations.signing import sign, verify_signature

SECRET = "whsec_test-secret"
BODY = '{"id":1,"event":"event.closed","data":{"标题":"占道经营"}}'.encode()


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1767225600, BODY) == f"sha256={expected}"
    assert sign(SECRET, "1767225600", BODY.decode()) == f"sha256={expected}"


def test_valid_signature_verifies():
    ts = int(time.time())
    assert verify_signature(SECRET, str(ts), BODY, sign(SECRET, ts, BODY))


def test_tampered_body_is_rejected():
    ts = int(time.time())
    signature = sign(SECRET, ts, BODY)
    assert not verify_signature(SECRET, ts, BODY.replace(b"closed", b"opened"), signature)


def test_other_secret_is_rejected():
    ts = int(time.time())
    assert not verify_signature("whsec_other", ts, BODY, sign(SECRET, ts, BODY))


def test_old_or_future_timestamp_is_rejected_even_if_correctly_signed():
    now = time.time()
    old, future = int(now) - 301, int(now) + 301
    assert not verify_signature(SECRET, old, BODY, sign(SECRET, old, BODY))
    assert not verify_signature(SECRET, future, BODY, sign(SECRET, future, BODY))
    assert verify_signature(SECRET, old, BODY, sign(SECRET, old, BODY), tolerance=600)


def test_timestamp_cannot_be_swapped_for_a_fresh_one():
    old, fresh = int(time.time()) - 3600, int(time.time())
    assert not verify_signature(SECRET, fresh, BODY, sign(SECRET, old, BODY))


def test_malformed_input_is_rejected_not_raised():
    ts = int(time.time())
    good = sign(SECRET, ts, BODY)
    assert not verify_signature(SECRET, "yesterday", BODY, good)
    assert not verify_signature(SECRET, None, BODY, good)
    assert not verify_signature(SECRET, ts, BODY, good.removeprefix("sha256="))
    assert not verify_signature(SECRET, ts, BODY, "sha1=" + good[7:])
    assert not verify_signature(SECRET, ts, BODY, None)


def test_the_readme_example_agrees_with_the_sender():
    """The receiver code department developers copy from README.md verifies what
    GridGov signs, and rejects what it must."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    readme_verify = namespace["verify_signature"]
    ts = int(time.time())
    assert readme_verify(SECRET, str(ts), BODY, sign(SECRET, ts, BODY))
    assert readme_verify(SECRET, str(ts), BODY.decode(), sign(SECRET, ts, BODY))
    assert not readme_verify(SECRET, str(ts), BODY + b" ", sign(SECRET, ts, BODY))
    assert not readme_verify(SECRET, str(ts - 301), BODY, sign(SECRET, ts - 301, BODY))
    assert not readme_verify(SECRET, str(ts), BODY, None)
