"""Demo logins, one per role, placed in the first loaded county (see README)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import Department
from governance.roles import Role
from governance.services import department_create, role_assign, user_create
from grids.models import Area

DEMO_PASSWORD = "Grid@2026demo"
# The demo leaders, administrators and auditor need two-factor login: they are enrolled
# with this fixed, published secret (demo only: add it to any authenticator app, or run
# `manage.py demo_totp` for the current code). Real users enrol their own secret.
DEMO_TOTP_SECRET = "GRIDGOVDEMOTOTPSECRETFORDEMOONLY"


def demo_totp_enrol(user) -> bool:
    """Give a demo user that needs two-factor login the demo secret, unless they have
    already enrolled (a person trying the demo may have enrolled a phone of their own)."""
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from governance.twofactor import DEVICE_NAME, two_factor_required

    if not two_factor_required(user) or TOTPDevice.objects.filter(user=user).exists():
        return False
    TOTPDevice.objects.create(
        user=user, name=DEVICE_NAME, confirmed=True, key=b32decode(DEMO_TOTP_SECRET).hex()
    )
    return True


def _first(level: int, under: Area | None = None, skip: Area | None = None) -> Area | None:
    qs = Area.objects.filter(level=level, has_territory=True, boundary__isnull=False)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    if skip is not None:
        qs = qs.exclude(path__startswith=skip.path)
    return qs.order_by("code").first()


@transaction.atomic
def ensure_demo_users() -> list[tuple[str, str, str]]:
    province = Area.objects.filter(level=1).order_by("code").first()
    county = _first(3)
    if province is None or county is None:
        return []
    city = county.parent
    township = _first(4, county)
    village = _first(5, township)
    grid = _first(6, village)
    other_county = _first(3, skip=county)
    dept = Department.objects.filter(code=f"{county.code[:6]}-CGJ").first() or (
        department_create(
            actor=None, code=f"{county.code[:6]}-CGJ", name=f"{county.name}城市管理局", area=county
        )
    )
    plan = [
        ("province_leader", "省级领导", Role.PROVINCE_LEADER, province, None),
        ("city_leader", "市级领导", Role.CITY_LEADER, city, None),
        ("county_dispatcher", "县区调度员", Role.COUNTY_DISPATCHER, county, None),
        ("township_staff", "乡镇工作人员", Role.TOWNSHIP_STAFF, township, None),
        ("village_staff", "社区工作人员", Role.VILLAGE_STAFF, village, None),
        ("grid_worker", "网格员", Role.GRID_WORKER, grid, None),
        ("dept_handler", "城管局办理人", Role.DEPARTMENT_HANDLER, county, dept),
        # 三员分立: three accounts, each holding one of the separated roles.
        ("admin", "系统管理员", Role.ADMIN, province, None),
        ("security_admin", "安全管理员", Role.SECURITY_ADMIN, province, None),
        ("auditor", "审计员", Role.AUDITOR, province, None),
    ]
    if other_county is not None:
        plan.append(
            ("other_dispatcher", "另一县区调度员", Role.COUNTY_DISPATCHER, other_county, None)
        )
    User = get_user_model()
    out = []
    for username, label, role, area, department in plan:
        user = User.objects.filter(username=username).first() or user_create(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            full_name=f"演示{label}",
            department=department,
        )
        role_assign(actor=None, user=user, role=role, area=area, department=department)
        demo_totp_enrol(user)
        out.append((username, label, f"{area.name} {area.code}"))
    return out
