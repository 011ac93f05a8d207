"""Issue 8 #11: the client address comes from the peer unless the peer is a trusted
proxy, through one helper used by audit rows, rate limits and lockouts."""

import re
from pathlib import Path

import pytest

from governance.middleware import client_ip_from_request

ROOT = Path(__file__).resolve().parents[2]


def _req(rf, peer, **headers):
    return rf.get("/", REMOTE_ADDR=peer, **headers)


def test_headers_from_an_untrusted_peer_are_ignored(rf, settings):
    settings.TRUSTED_PROXIES = []
    r = _req(rf, "203.0.113.7", HTTP_X_REAL_IP="10.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert client_ip_from_request(r) == "203.0.113.7"
    settings.TRUSTED_PROXIES = ["172.18.0.0/16"]
    assert client_ip_from_request(r) == "203.0.113.7"


def test_trusted_proxy_headers_are_believed(rf, settings):
    settings.TRUSTED_PROXIES = ["172.18.0.0/16", "10.0.0.5"]
    assert (
        client_ip_from_request(_req(rf, "172.18.0.3", HTTP_X_REAL_IP="198.51.100.4"))
        == "198.51.100.4"
    )
    # X-Forwarded-For is read from the right: the client may have prepended anything.
    xff = "1.2.3.4, 198.51.100.9, 10.0.0.5"
    assert (
        client_ip_from_request(_req(rf, "172.18.0.3", HTTP_X_FORWARDED_FOR=xff)) == "198.51.100.9"
    )
    # Garbage (or nothing believable) falls back to the peer.
    assert (
        client_ip_from_request(_req(rf, "172.18.0.3", HTTP_X_FORWARDED_FOR="<script>"))
        == "172.18.0.3"
    )
    assert (
        client_ip_from_request(_req(rf, "172.18.0.3", HTTP_X_REAL_IP="not-an-ip")) == "172.18.0.3"
    )
    assert client_ip_from_request(_req(rf, "172.18.0.3")) == "172.18.0.3"


@pytest.mark.django_db
def test_audit_rows_record_the_peer_not_the_header(client, make_user, settings):
    """A lockout's audit row (written through the request's ambient address)."""
    from governance.models import AuditLog
    from governance.roles import Role

    settings.TRUSTED_PROXIES = []
    settings.LOGIN_FAILURE_LIMIT = 2
    make_user(Role.ADMIN, "220000000000", "ip_admin")
    for i in range(2):
        client.post(
            "/accounts/login/",
            {"username": "ip_admin", "password": "wrong"},
            HTTP_X_REAL_IP=f"6.6.6.{i}",
            HTTP_X_FORWARDED_FOR=f"7.7.7.{i}",
        )
    rows = list(AuditLog.objects.filter(action="user.locked").values_list("ip", flat=True))
    assert rows == ["127.0.0.1"]


def test_no_code_reads_the_address_headers_itself():
    """Everything goes through governance.middleware.client_ip_from_request."""
    pattern = re.compile(
        r"HTTP_X_REAL_IP|HTTP_X_FORWARDED_FOR|REMOTE_ADDR|X-Real-IP|"
        r"X-Forwarded-For",
        re.I,
    )
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "var/")) or "/tests/" in rel or rel.startswith("tests/"):
            continue
        if rel in {"governance/middleware.py", "governance/settings/prod.py"}:
            continue
        code = [
            ln
            for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()
            if not ln.strip().startswith("#")
        ]
        if pattern.search("\n".join(code)):
            offenders.append(rel)
    assert offenders == []
