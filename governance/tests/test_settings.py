import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "governance.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "gridgov.example.cn",
    }
    r = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_production_settings_refuse_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "governance.settings.prod"
    env["READ_DOT_ENV"] = "0"  # a developer's .env must not hide the missing key
    r = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr


def test_chinese_first():
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"


def test_replica_url_defines_the_replica_alias_like_the_primary():
    """DATABASE_REPLICA_URL: the `replica` alias (governance/replica.py) with the
    primary's engine and options, what the URL leaves out taken from DATABASE_URL, a
    short connect timeout, its own pool in production, none under the tests; unset: no
    alias, every read on the primary."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({a: {k: d[k] for k in ('ENGINE', 'NAME', 'USER', 'PASSWORD', "
        "'HOST', 'PORT', 'OPTIONS', 'TEST') if k in d} for a, d in settings.DATABASES.items()}))"
    )
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "READ_DOT_ENV": "0",
        "DATABASE_URL": "postgis://gridgov_app:pw@db1:5432/gridgov",
    }

    def databases(settings_module: str, **extra) -> dict:
        env = {**base, "DJANGO_SETTINGS_MODULE": settings_module, **extra}
        r = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout.strip().splitlines()[-1])

    assert set(databases("governance.settings.prod")) == {"default"}
    prod = databases("governance.settings.prod", DATABASE_REPLICA_URL="postgis://db2:5433")
    replica, default = prod["replica"], prod["default"]
    assert (replica["HOST"], str(replica["PORT"])) == ("db2", "5433")
    # Name, role and password: DATABASE_URL's (a physical replica has the primary's).
    assert (replica["NAME"], replica["USER"], replica["PASSWORD"]) == (
        "gridgov",
        "gridgov_app",
        "pw",
    )
    assert replica["ENGINE"] == default["ENGINE"] == "governance.dbbackend"
    assert "jit=off" in replica["OPTIONS"]["options"]
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["OPTIONS"]["pool"]["timeout"] == 2.0
    assert default["OPTIONS"]["pool"]["timeout"] == 10.0
    # The tests never read a real replica (tests/test_read_replica.py makes its own).
    assert set(databases("governance.settings.test", DATABASE_REPLICA_URL="postgis://db2")) == {
        "default"
    }
