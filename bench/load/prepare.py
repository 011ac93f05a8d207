"""Fixtures of the load test (bench/load/run.py runs this in its own process, with the
bench settings and DATABASE_URL pointing at the bench database).

Creates, once (later runs reuse them), in the first county of the demo city (南关区
220102, where the demo's department 城管局 and its routing rule for 城市管理 live):

- grid workers `bench_gw_<n>`, one per grid of the county (round robin when there are
  more workers than grids), dispatchers `bench_disp_<n>` of the county, city leaders
  `bench_lead_<n>` (with a confirmed TOTP device: leaders need two-factor login);
  accounts without a usable password, made in bulk (a password hash costs ~0.5 s each);
- department tokens `bench-<n>` of the county's department, and one webhook
  subscription ("event.*") of that department to the local receiver (`--hook-url`;
  a previous bench subscription is deactivated).

Then writes a fresh session per account (what a login leaves behind: the user, the
backend, the password hash check and, for leaders, the verified device) and prints the
fixtures as JSON for the locustfile: session keys, tokens, grids and their inner
points, the category and the department code. Logging in itself is not part of the
daily mix (one login per user per day; its cost is the password hash, by design)."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from events.models import EventCategory  # noqa: E402
from governance.models import Department, RoleAssignment  # noqa: E402
from governance.roles import Role  # noqa: E402
from grids.models import Area  # noqa: E402
from integrations.models import DepartmentToken, WebhookSubscription  # noqa: E402
from integrations.services import (  # noqa: E402
    department_token_issue,
    webhook_subscription_create,
    webhook_subscription_deactivate,
)

COUNTY = "220102000000"
CITY = "220100000000"
CATEGORY = "0601"  # 占道经营: accepted by the county, photo required, routed to 城管局


def _users(prefix: str, n: int, full_name: str) -> list:
    User = get_user_model()
    names = [f"{prefix}{i:04d}" for i in range(n)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new = []
    for name in names:
        if name not in have:
            u = User(username=name, full_name=f"{full_name}{name[-4:]}")
            u.set_unusable_password()
            new.append(u)
    User.objects.bulk_create(new, batch_size=500)
    by_name = {u.username: u for u in User.objects.filter(username__in=names)}
    return [by_name[n] for n in names]


def _assign(users, role: str, areas) -> None:
    """Exactly one role per bench account (set-based; fixtures, not an operation)."""
    ids = [u.pk for u in users]
    RoleAssignment.objects.filter(user_id__in=ids).delete()
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=u, role=role, area=areas[i % len(areas)])
            for i, u in enumerate(users)
        ],
        batch_size=500,
    )


def _session(user, backend: str, device=None) -> str:
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = backend
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if device is not None:
        s[DEVICE_ID_SESSION_KEY] = device.persistent_id
    s.create()
    return s.session_key


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--workers", type=int, default=600)
    p.add_argument("--dispatchers", type=int, default=80)
    p.add_argument("--leaders", type=int, default=60)
    p.add_argument("--tokens", type=int, default=20)
    p.add_argument("--hook-url", required=True)
    args = p.parse_args()
    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("refusing: the database name must contain 'bench'")

    county = Area.objects.get(code=COUNTY)
    city = Area.objects.get(code=CITY)
    grids = list(
        Area.objects.filter(level=6, path__startswith=county.path, centroid__isnull=False)
        .order_by("code")
        .only("id", "code", "centroid", "path")
    )
    dept = Department.objects.filter(area=county).order_by("code").first()
    if dept is None:
        sys.exit("no department in the county: run `manage.py load_demo_province` first")

    with transaction.atomic():
        workers = _users("bench_gw_", args.workers, "bench 网格员")
        _assign(workers, Role.GRID_WORKER, grids)
        dispatchers = _users("bench_disp_", args.dispatchers, "bench 调度员")
        _assign(dispatchers, Role.COUNTY_DISPATCHER, [county])
        leaders = _users("bench_lead_", args.leaders, "bench 市级领导")
        _assign(leaders, Role.CITY_LEADER, [city])
        have = set(
            TOTPDevice.objects.filter(user__in=leaders, confirmed=True).values_list(
                "user_id", flat=True
            )
        )
        TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(user=u, name="default", confirmed=True, key=secrets.token_hex(20))
                for u in leaders
                if u.pk not in have
            ]
        )
        devices = {
            d.user_id: d for d in TOTPDevice.objects.filter(user__in=leaders, confirmed=True)
        }

    # Tokens: the raw key is shown once, so the bench ones are issued anew each run.
    DepartmentToken.objects.filter(department=dept, name__startswith="bench-").delete()
    tokens = [
        department_token_issue(actor=None, department=dept, name=f"bench-{i}")[1]
        for i in range(args.tokens)
    ]
    for sub in WebhookSubscription.objects.filter(department=dept, name="bench", active=True):
        webhook_subscription_deactivate(actor=None, subscription=sub)
    sub, secret = webhook_subscription_create(
        actor=None, department=dept, url=args.hook_url, event_types=["event.*"], name="bench"
    )

    backend = "governance.auth.LockoutModelBackend"
    # Sessions of previous runs of these accounts go (they would only pile up).
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    grid_by_id = {g.id: g for g in grids}
    out = {
        "category": EventCategory.objects.get(code=CATEGORY).code,
        "department": dept.code,
        "county": county.code,
        "city": city.code,
        "hook_secret": secret,
        "tokens": tokens,
        "workers": [],
        "dispatchers": [_session(u, backend) for u in dispatchers],
        "leaders": [_session(u, backend, devices[u.pk]) for u in leaders],
        "areas": list(
            Area.objects.filter(level__in=(3, 4), path__startswith=city.path)
            .order_by("code")
            .values_list("code", flat=True)[:200]
        ),
    }
    for i, u in enumerate(workers):
        g = grid_by_id[grids[i % len(grids)].id]
        out["workers"].append(
            {
                "session": _session(u, backend),
                "grid": g.code,
                "lng": g.centroid.x,
                "lat": g.centroid.y,
            }
        )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
