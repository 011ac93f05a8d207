import pytest
from guardian.shortcuts import assign_perm

from governance.roles import Action, Role
from governance.scoping import jurisdiction_paths, path_in_jurisdiction
from grids.models import Area
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db


def test_restrict_keeps_only_the_subtree(nanguan_dispatcher):
    qs = Area.objects.restrict(nanguan_dispatcher)
    assert qs.filter(code__startswith="220103").count() == 0
    assert qs.filter(code=NANGUAN).exists()
    assert qs.count() == Area.objects.filter(code__startswith="220102").count()


def test_nested_roles_collapse_to_the_widest(make_user):
    user = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    from governance.services import role_assign

    role_assign(
        actor=None, user=user, role=Role.TOWNSHIP_STAFF, area=Area.objects.get(code="220102001000")
    )
    assert jurisdiction_paths(user) == [Area.objects.get(code=NANGUAN).path]


def test_action_limits_the_roles_that_count(make_user):
    leader = make_user(Role.CITY_LEADER, "220100000000")
    assert Area.objects.restrict(leader, Action.VIEW).filter(code=NANGUAN).exists()
    assert not Area.objects.restrict(leader, Action.CHANGE).exists()
    assert not path_in_jurisdiction(leader, Area.objects.get(code=NANGUAN).path, Action.CHANGE)


def test_user_without_roles_sees_nothing(django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    assert Area.objects.restrict(user).count() == 0


def test_inactive_or_anonymous_user_sees_nothing(nanguan_dispatcher):
    from django.contrib.auth.models import AnonymousUser

    assert Area.objects.restrict(AnonymousUser()).count() == 0
    nanguan_dispatcher.is_active = False
    assert Area.objects.restrict(nanguan_dispatcher).count() == 0


def test_guardian_grant_shares_one_object(nanguan_dispatcher):
    other = Area.objects.get(code="220103002000")
    assign_perm("grids.view_area", nanguan_dispatcher, other)
    from governance.scoping import clear_role_cache

    clear_role_cache(nanguan_dispatcher)
    qs = Area.objects.restrict(nanguan_dispatcher)
    assert qs.filter(code="220103002000").exists()
    assert not qs.filter(code=KUANCHENG).exists()  # only that one object


def test_superuser_flag_grants_nothing_by_itself(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    assert Area.objects.restrict(root).count() == 0


def test_object_shared_with_a_department_is_visible_to_its_members(make_user):
    from governance.models import AuditLog
    from governance.services import department_create, object_share

    admin = make_user(Role.ADMIN, "220000000000")
    dept = department_create(
        actor=admin, code="NG-GA", name="南关区公安分局", area=Area.objects.get(code=NANGUAN)
    )
    member = make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "ga_handler", department=dept)
    target = Area.objects.get(code="220103002000")  # a township of the other county
    assert not Area.objects.restrict(member).filter(pk=target.pk).exists()
    object_share(actor=admin, obj=target, department=dept)
    member = type(member).objects.get(pk=member.pk)  # jurisdiction is cached per request
    assert Area.objects.restrict(member).filter(pk=target.pk).exists()
    assert AuditLog.objects.filter(action="object.share", object_id=str(target.pk)).exists()


def test_sharing_needs_change_rights_on_the_object(nanguan_dispatcher, kuancheng_dispatcher):
    from django.core.exceptions import ValidationError

    from governance.services import object_share

    with pytest.raises(ValidationError):
        object_share(
            actor=nanguan_dispatcher, obj=Area.objects.get(code=KUANCHENG), user=nanguan_dispatcher
        )
