"""Writes on base data. Each validates (GB 11643, GB 32100, mobile numbers), keeps the
blind indexes in step, owns its transaction and writes its audit row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.access import require
from governance.audit import audit_record, diff, snapshot
from governance.changes import record_change
from governance.crypto import blind_index
from governance.figures import figures_count, figures_retract
from governance.masking import mask_id_number
from governance.roles import Action
from governance.scoping import path_in_jurisdiction
from governance.versions import version_check

from . import policy
from .actions import BASEDATA_CHANGE
from .figures import source_for as figures_source_for
from .models import (
    ID_CONTEXT,
    ID_MASKED_CONTEXT,
    PHONE_CONTEXT,
    House,
    Organisation,
    Person,
    Place,
    Visit,
)
from .validators import (
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_passport_like,
)

# Fields worth a before/after in the trail. Protected values are never written into it.
PERSON_AUDITED = [
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "kind",
    "household_address",
    "residence_address",
    "house_id",
    "relation",
    "grid_id",
]


def _check_extra(dataset: str, extra) -> dict:
    from .extra_fields import validate_extra

    extra = {} if extra is None else extra
    validate_extra(dataset, extra)
    return extra


def _text(value, label, max_length: int, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError(_("请填写%(label)s。") % {"label": label}, code="required")
    if len(text) > max_length:
        raise ValidationError(
            _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_length}, code="invalid"
        )
    return text


# What each kind of base data is called in the audit trail and in the change feed.
_RECORDED = {
    Person: ("person", "people"),
    House: ("house", "houses"),
    Organisation: ("organisation", "organisations"),
    Place: ("place", "places"),
    Visit: ("visit", "visits"),
}


def _save(actor, obj, *, op: str, changes: dict, then=None) -> None:
    """The tail of every write on base data, in the caller's transaction: the row, its
    audit entry (`<kind>.<op>` with `changes`), its change-feed entry and its rollup
    cells (the old ones retracted first: a move or a new kind leaves its old cell)."""
    source = figures_source_for(type(obj))
    if source and obj.pk:
        figures_retract(source, [obj.pk])
    obj.save()
    if then is not None:  # rows hanging off the object (a visit's people), before the
        then()  # change is announced: subscribers reading them must find them
    if source:
        figures_count(source, [obj.pk])
    name, dataset = _RECORDED[type(obj)]
    audit_record(
        actor=actor, action=f"{name}.{op}", obj=obj, area_path=obj.area_path, changes=changes
    )
    record_change(dataset=dataset, obj=obj, op=op, area_path=obj.area_path)


def _require_change(actor, grid) -> None:
    if grid is None or grid.level != 6:
        raise ValidationError(_("请选择所属网格。"), code="required")
    require(
        actor,
        grid,
        BASEDATA_CHANGE,
        message=_("您无权登记或修改该网格的基础信息(不在管辖范围内,或您的角色只能查看)。"),
    )


def id_lookup_index(value: str) -> str:
    return blind_index(value.strip().upper(), context=ID_CONTEXT)


def id_masked_index(value: str) -> str:
    """The index of a number's masked form; `value` is a number or its masked form."""
    value = value.strip().upper()
    return blind_index(value if "*" in value else mask_id_number(value), context=ID_MASKED_CONTEXT)


def _apply_person_fields(person: Person, data: dict) -> None:
    for field in (
        "name",
        "doc_type",
        "ethnicity",
        "kind",
        "household_address",
        "residence_address",
        "relation",
        "house",
        "extra",
    ):
        if field in data:
            setattr(person, field, data[field])
    if "id_number" in data:
        if person.doc_type == Person.DocType.FOREIGN:
            number = validate_passport_like(data["id_number"])
            person.gender = data.get("gender", person.gender)
            person.birth_date = data.get("birth_date", person.birth_date)
        else:
            info = validate_id_number(data["id_number"])
            number = info.number
            # Gender and birth date come from the number itself (GB 11643).
            person.gender, person.birth_date = info.gender, info.birth_date
        person.id_number = number
        person.id_number_index = id_lookup_index(number)
        person.id_masked_index = id_masked_index(number)
    if "phone" in data:
        phone = validate_mobile(data["phone"]) if data["phone"] else ""
        person.phone = phone
        person.phone_index = blind_index(phone, context=PHONE_CONTEXT) if phone else ""
    if not person.name or not person.name.strip():
        raise ValidationError(_("请填写姓名。"), code="required")
    _require_choice(person.kind, Person.Kind, _("人口类型"))
    _require_choice(person.doc_type, Person.DocType, _("证件类型"))
    if "extra" in data:
        from .extra_fields import validate_extra

        validate_extra("people", person.extra)


def person_create(*, actor, grid, **data) -> Person:
    """Register a person in `grid`. A number already held outside the actor's jurisdiction is
    never disclosed (not the record, not where): a transfer request goes to the holding side
    (collection.transfers) and, once it is committed, `PersonTransferRequested` is raised
    instead of returning a person — the same answer whoever holds the record."""
    from .transfers import PersonTransferRequested

    created = _person_create(actor=actor, grid=grid, **data)
    if not isinstance(created, Person):
        raise PersonTransferRequested(created)
    return created


def _held_elsewhere(actor, held: Person) -> bool:
    """Whether a record with the same number lies outside what the actor may read."""
    return actor is not None and not path_in_jurisdiction(actor, held.area_path, Action.VIEW)


@transaction.atomic
def _person_create(*, actor, grid, **data):
    _require_change(actor, grid)
    if not data.get("id_number"):
        raise ValidationError(_("请填写证件号码。"), code="required")
    person = Person(grid=grid, area_path=grid.path)
    _apply_person_fields(person, data)
    held = Person.objects.filter(id_number_index=person.id_number_index).first()
    if held is not None:
        if not _held_elsewhere(actor, held):
            raise ValidationError(_("该证件号码已登记。"), code="duplicate")
        from .transfers import person_transfer_request

        return person_transfer_request(
            actor=actor,
            grid=grid,
            person=held,
            name=person.name,
            id_number=person.id_number,
            residence_address=person.residence_address,
        )
    _check_house(person)
    _save(actor, person, op="create", changes=diff({}, snapshot(person, PERSON_AUDITED)))
    return person


@transaction.atomic
def person_update(*, actor, person: Person, grid=None, version=None, **data) -> Person:
    """With `version` (as read by the writer): refused with StaleVersion if the row moved."""
    _require_change(actor, person.grid)
    version_check(person, version, actor=actor)
    before = snapshot(person, PERSON_AUDITED)
    if grid is not None and grid.pk != person.grid_id:
        _require_change(actor, grid)
        person.grid, person.area_path = grid, grid.path
    old_index = person.id_number_index
    _apply_person_fields(person, data)
    held = (
        Person.objects.filter(id_number_index=person.id_number_index).exclude(pk=person.pk).first()
        if person.id_number_index != old_index
        else None
    )
    if held is not None:
        if _held_elsewhere(actor, held):  # neither the record nor where it is
            raise ValidationError(
                _(
                    "该证件号码不能用于修改现有人员;如该人员从外地迁入,请重新"
                    "登记,系统将向原登记地提交迁入申请。"
                ),
                code="transfer_required",
            )
        raise ValidationError(_("该证件号码已登记。"), code="duplicate")
    _check_house(person)
    changes = diff(before, snapshot(person, PERSON_AUDITED))
    if person.id_number_index != old_index:
        changes["id_number"] = ["***", "***"]  # changed, value never logged
    _save(actor, person, op="update", changes=changes)
    return person


def _check_house(person: Person) -> None:
    if person.house_id and person.house.grid_id != person.grid_id:
        raise ValidationError(_("居住房屋须在同一网格内。"), code="invalid")


@transaction.atomic
def person_reveal(*, actor, person: Person, field: str) -> str:
    """The full value of a protected field, for a role allowed to see it; audited."""
    if field not in policy.REVEAL_ROLES:
        raise ValidationError(_("该字段无需或不能查看明文。"), code="invalid")
    if not policy.can_reveal(actor, field, area_path=person.area_path) or not path_in_jurisdiction(
        actor, person.area_path, Action.VIEW
    ):
        raise ValidationError(_("您无权查看该字段的完整内容。"), code="forbidden")
    audit_record(
        actor=actor,
        action="person.reveal",
        obj=person,
        area_path=person.area_path,
        changes={"field": [None, field]},
    )
    return getattr(person, field)


@transaction.atomic
def house_create(
    *,
    actor,
    grid,
    address: str = "",
    use: str = House.Use.SELF,
    owner_name: str = "",
    location=None,
    extra=None,
) -> House:
    _require_change(actor, grid)
    address = _text(address, _("地址"), 300, required=True)
    _require_choice(use or House.Use.SELF, House.Use, _("用途"))
    owner_name = _text(owner_name, _("产权人"), 50)
    extra = _check_extra("houses", extra)
    if House.objects.filter(grid=grid, address=address).exists():
        raise ValidationError(_("该网格内已登记这个地址的房屋。"), code="duplicate")
    house = House(
        grid=grid,
        area_path=grid.path,
        address=address,
        use=use or House.Use.SELF,
        owner_name=owner_name,
        location=location,
        extra=extra,
    )
    _save(
        actor,
        house,
        op="create",
        changes=diff({}, snapshot(house, ["address", "use", "owner_name"])),
    )
    return house


HOUSE_AUDITED = ["address", "use", "owner_name", "grid_id"]
ORGANISATION_AUDITED = ["name", "kind", "credit_code", "legal_person", "address", "grid_id"]


def _set_fields(obj, data: dict, fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


def _require_choice(value: str, choices, label: str) -> None:
    if value not in choices.values:
        raise ValidationError(_("%(label)s无效。") % {"label": label}, code="invalid")


@transaction.atomic
def house_update(*, actor, house: House, version=None, **data) -> House:
    _require_change(actor, house.grid)
    version_check(house, version, actor=actor)
    before = snapshot(house, HOUSE_AUDITED)
    _set_fields(house, data, ("use", "location", "extra"))
    house.address = _text(data.get("address", house.address), _("地址"), 300, required=True)
    house.owner_name = _text(data.get("owner_name", house.owner_name), _("产权人"), 50)
    _require_choice(house.use, House.Use, _("用途"))
    if (
        House.objects.filter(grid_id=house.grid_id, address=house.address)
        .exclude(pk=house.pk)
        .exists()
    ):
        raise ValidationError(_("该网格内已登记这个地址的房屋。"), code="duplicate")
    if "extra" in data:
        house.extra = _check_extra("houses", data["extra"])
    _save(actor, house, op="update", changes=diff(before, snapshot(house, HOUSE_AUDITED)))
    return house


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, version=None, **data) -> Organisation:
    org = organisation
    _require_change(actor, org.grid)
    version_check(org, version, actor=actor)
    before = snapshot(org, ORGANISATION_AUDITED)
    _set_fields(org, data, ("kind", "location", "extra"))
    org.name = _text(data.get("name", org.name), _("名称"), 200, required=True)
    org.legal_person = _text(data.get("legal_person", org.legal_person), _("法定代表人"), 50)
    org.address = _text(data.get("address", org.address), _("地址"), 300)
    if "credit_code" in data:
        org.credit_code = validate_credit_code(data["credit_code"]).code
        if Organisation.objects.filter(credit_code=org.credit_code).exclude(pk=org.pk).exists():
            raise ValidationError(_("该统一社会信用代码已登记。"), code="duplicate")
    _require_choice(org.kind, Organisation.Kind, _("类型"))
    if "extra" in data:
        org.extra = _check_extra("organisations", data["extra"])
    _save(actor, org, op="update", changes=diff(before, snapshot(org, ORGANISATION_AUDITED)))
    return org


@transaction.atomic
def organisation_create(
    *,
    actor,
    grid,
    name: str = "",
    kind: str = "",
    credit_code: str = "",
    legal_person: str = "",
    address: str = "",
    location=None,
    extra=None,
) -> Organisation:
    _require_change(actor, grid)
    name = _text(name, _("名称"), 200, required=True)
    if not (credit_code or "").strip():
        raise ValidationError(_("请填写统一社会信用代码。"), code="required")
    info = validate_credit_code(credit_code)
    # 登记管理机关 5 (民政) registers social organisations (GB 32100).
    kind = kind or (
        Organisation.Kind.SOCIAL
        if info.registration_authority == "5"
        else Organisation.Kind.NON_PUBLIC
    )
    _require_choice(kind, Organisation.Kind, _("类型"))
    legal_person = _text(legal_person, _("法定代表人"), 50)
    address = _text(address, _("地址"), 300)
    extra = _check_extra("organisations", extra)
    if Organisation.objects.filter(credit_code=info.code).exists():
        raise ValidationError(_("该统一社会信用代码已登记。"), code="duplicate")
    org = Organisation(
        grid=grid,
        area_path=grid.path,
        name=name,
        kind=kind,
        credit_code=info.code,
        legal_person=legal_person,
        address=address,
        location=location,
        extra=extra,
    )
    _save(actor, org, op="create", changes=diff({}, snapshot(org, ["name", "kind", "credit_code"])))
    return org


@transaction.atomic
def place_create(
    *, actor, grid, name: str = "", kind: str = "", address: str = "", location=None, extra=None
) -> Place:
    _require_change(actor, grid)
    name = _text(name, _("名称"), 200, required=True)
    if not kind:
        raise ValidationError(_("请选择类型。"), code="required")
    _require_choice(kind, Place.Kind, _("类型"))
    address = _text(address, _("地址"), 300)
    extra = _check_extra("places", extra)
    place = Place(
        grid=grid,
        area_path=grid.path,
        name=name,
        kind=kind,
        address=address,
        location=location,
        extra=extra,
    )
    _save(actor, place, op="create", changes=diff({}, snapshot(place, ["name", "kind"])))
    return place


@transaction.atomic
def visit_create(
    *,
    actor,
    grid,
    visited_at,
    place: str,
    findings: str,
    people=(),
    event=None,
    report_category: str = "",
    report_title: str = "",
    files=(),
) -> Visit:
    """A visit; with `report_category` (an event category code) the problem found is
    reported as an event in the same transaction, linked to the visit, with the photos
    taken (`files`; photos are kept with the reported event)."""
    _require_change(actor, grid)
    if not (findings or "").strip():
        raise ValidationError(_("请填写走访情况。"), code="required")
    people = list(people)
    if any(p.grid_id != grid.pk for p in people):
        raise ValidationError(_("走访对象须在同一网格内。"), code="invalid")
    if files and not report_category:
        raise ValidationError(
            _("现场照片随上报的事件保存,请勾选“上报事件”并选择分类。"), code="invalid"
        )
    if report_category:
        event = _report_from_visit(
            actor, grid, place, findings, report_category, report_title, files
        )
    visit = Visit(
        grid=grid,
        area_path=grid.path,
        visitor=actor,
        visited_at=visited_at,
        place=place,
        findings=findings,
        event=event,
    )
    _save(
        actor,
        visit,
        op="create",
        changes={"people": [None, len(people)], "event": [None, event.number if event else None]},
        then=lambda: visit.people.set(people),
    )
    return visit


def _report_from_visit(
    actor, grid, place: str, findings: str, category_code: str, title: str, files=()
):
    from events.models import EventCategory
    from events.services import event_report

    category = EventCategory.objects.filter(code=category_code, active=True).first()
    if category is None:
        raise ValidationError(_("请选择有效的事件分类。"), code="invalid")
    title = (title or "").strip() or findings.strip().splitlines()[0][:60]
    return event_report(
        actor=actor,
        title=title,
        category=category,
        description=findings,
        grid=grid,
        address=place,
        files=list(files),
    )
