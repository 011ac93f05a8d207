"""The lifecycle (services, API, pages), escalation on timeout, the scorecard, the rules
API with its preview, bad input, and scoping: another county sees nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.errors import Conflict, Forbidden
from governance.models import AuditLog
from risk.evaluation import rule_evaluate
from risk.models import Rule, Warning
from risk.services import warning_acknowledge, warning_handle, warning_release
from risk.tasks import escalate_warnings_task, evaluate_rules_task
from risk.tests.factories import THRESHOLDS, person_make, rule_make, tag_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def warning(worker, grid):
    p = person_make(actor=worker, grid=grid, name="王五")
    tag_make(p, "drug")
    tag_make(p, "mental", risk_level=3)
    rule = rule_make(
        factors=[{"code": "tag", "weight": 10}, {"code": "mental_risk", "weight": 5}],
        unit_level=6,
    )
    evaluate_rules_task()
    return Warning.objects.get(rule=rule, subject_id=p.pk)


def test_lifecycle(warning, worker, kc_worker):
    assert warning.colour == 3  # 2 tags × 10 + level 3 × 5 = 35: yellow (≥ 30)
    with pytest.raises(Forbidden):
        warning_acknowledge(actor=kc_worker, warning=warning)
    warning_acknowledge(actor=worker, warning=warning)
    with pytest.raises(Conflict):
        warning_acknowledge(actor=worker, warning=warning)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        warning_handle(actor=worker, warning=warning, note="  ")
    warning_handle(actor=worker, warning=warning, note="已上门谈话", evidence="谈话记录")
    warning_release(actor=worker, warning=warning, note="风险已消除")
    warning.refresh_from_db()
    assert warning.status == "released" and warning.closed_at
    assert list(warning.log.values_list("kind", flat=True)) == [
        "issued",
        "acknowledge",
        "handle",
        "release",
    ]
    assert AuditLog.objects.filter(action__startswith="risk.warning_").count() == 3
    # Released: the next evaluation raises a new warning (the risk is still there).
    rule_evaluate(warning.rule)
    assert Warning.objects.filter(rule=warning.rule, status="issued").count() == 1


def test_escalation_on_timeout(warning, grid, township_staff):
    from governance.models import Notification

    Warning.objects.filter(pk=warning.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert escalate_warnings_task() == 1
    warning.refresh_from_db()
    assert warning.unit_level == 5 and warning.unit_path == grid.parent.path
    assert warning.escalations == 1 and warning.due_at > timezone.now()
    assert escalate_warnings_task() == 0  # not yet due again
    Warning.objects.filter(pk=warning.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert escalate_warnings_task() == 1
    warning.refresh_from_db()
    assert warning.unit_level == 4
    assert Notification.objects.filter(user=township_staff, kind="risk.warning").exists()
    assert warning.log.filter(kind="escalate").count() == 2


def test_api_list_detail_actions_and_scoping(warning, api_client, worker, kc_worker):
    c = api_client(worker)
    r = c.get("/api/v1/warnings/?colour=yellow&status=issued&subject_kind=person")
    assert r.status_code == 200
    ids = [w["id"] for w in r.json()["results"]]
    assert ids == [warning.pk]
    assert c.get("/api/v1/warnings/?colour=purple").status_code == 400
    assert c.get("/api/v1/warnings/?area=220103000000").status_code == 404
    assert c.get("/api/v1/warnings/?area=x").status_code == 400
    r = c.post(f"/api/v1/warnings/{warning.pk}/actions/acknowledge/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = c.post(f"/api/v1/warnings/{warning.pk}/actions/handle/", {"note": ""}, format="json")
    assert r.status_code == 400
    assert c.post(f"/api/v1/warnings/{warning.pk}/actions/fly/", {}).status_code == 400
    out = api_client(kc_worker)
    assert out.get("/api/v1/warnings/").json()["results"] == []
    assert out.get(f"/api/v1/warnings/{warning.pk}/").status_code == 404
    r = out.post(f"/api/v1/warnings/{warning.pk}/actions/release/", {"note": "x"})
    assert r.status_code == 404


def test_scorecard_contributions_sum_to_the_score(warning, api_client, worker, kc_worker):
    r = api_client(worker).get(f"/api/v1/people/{warning.subject_id}/risk/")
    assert r.status_code == 200
    card = r.json()
    assert card["score"] == pytest.approx(sum(f["contribution"] for f in card["factors"]))
    assert card["score"] == 35 and card["colour"] == "yellow"
    assert {f["code"]: f["value"] for f in card["factors"]} == {"tag": 2, "mental_risk": 3}
    r = api_client(kc_worker).get(f"/api/v1/people/{warning.subject_id}/risk/")
    assert r.status_code == 404


RULE = {
    "name": "精神障碍高风险",
    "subject_kind": "person",
    "definition": {
        "factors": [{"code": "mental_risk", "weight": 10}],
        "thresholds": THRESHOLDS,
        "unit_level": 5,
    },
}


def test_rules_api_and_preview(api_client, province_admin, worker, grid):
    p = person_make(actor=worker, grid=grid)
    tag_make(p, "mental", risk_level=5)
    c = api_client(province_admin)
    r = c.post("/api/v1/warning-rules/preview/", RULE, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["counts"]["red"] == 1
    assert r.json()["examples"][0]["id"] == p.pk
    assert not Rule.objects.exists()  # preview saves nothing
    r = c.post("/api/v1/warning-rules/", RULE, format="json")
    assert r.status_code == 201 and r.json()["version"] == 1
    pk = r.json()["id"]
    changed = {**RULE["definition"], "unit_level": 4}
    r = c.patch(f"/api/v1/warning-rules/{pk}/", {"definition": changed}, format="json")
    assert r.status_code == 200 and r.json()["version"] == 2
    # Not an administrator of the province: no rules, no preview.
    w = api_client(worker)
    assert w.get(f"/api/v1/warning-rules/{pk}/").status_code == 404
    assert w.post("/api/v1/warning-rules/preview/", RULE, format="json").status_code == 403
    assert w.post("/api/v1/warning-rules/", RULE, format="json").status_code == 403


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"factors": [{"code": "astrology", "weight": 1}]}, "unknown_factor"),
        ({"factors": []}, "required"),
        ({"thresholds": {**THRESHOLDS, "orange": 60}}, "thresholds_order"),
        ({"thresholds": {"red": 5}}, "thresholds_required"),
        ({"factors": [{"code": "petitions", "weight": 1, "params": {"days": 0}}]}, "invalid_param"),
        (
            {"factors": [{"code": "petitions", "weight": 1, "params": {"days": 10000}}]},
            "invalid_param",
        ),
        ({"factors": [{"code": "tag", "weight": 1, "params": {"tags": ["x"]}}]}, "invalid_param"),
        ({"factors": [{"code": "event_overdue", "weight": 1}]}, "factor_kind"),
        ({"factors": [{"code": "tag", "weight": 0}]}, "invalid"),
        ({"unit_level": 9}, "out_of_range"),
    ],
)
def test_bad_rules_are_refused(api_client, province_admin, change, code):
    body = {**RULE, "definition": {**RULE["definition"], **change}}
    c = api_client(province_admin)
    for url in ("/api/v1/warning-rules/", "/api/v1/warning-rules/preview/"):
        r = c.post(url, body, format="json")
        assert r.status_code == 400, r.json()
        assert r.json()["code"] == code and r.json()["detail"]
    assert not Rule.objects.exists()


def test_pages(warning, client, worker, kc_worker, province_admin):
    from tests.fixtures import otp_verify_session

    client.force_login(worker)
    r = client.get("/warnings/")
    assert r.status_code == 200 and "王五" in r.content.decode()
    assert client.get(f"/warnings/{warning.pk}/").status_code == 200
    r = client.post(f"/warnings/{warning.pk}/", {"action": "acknowledge"})
    assert r.status_code == 302
    warning.refresh_from_db()
    assert warning.status == "acknowledged"
    r = client.get(f"/risk/people/{warning.subject_id}/")
    assert r.status_code == 200 and "mental_risk" in r.content.decode()
    assert client.get("/warnings/rules/").status_code == 403
    client.force_login(kc_worker)
    assert "王五" not in client.get("/warnings/?box=all").content.decode()
    assert client.get(f"/warnings/{warning.pk}/").status_code == 404
    assert client.get(f"/risk/people/{warning.subject_id}/").status_code == 404
    client.force_login(province_admin)
    otp_verify_session(client, province_admin)
    assert client.get("/warnings/rules/").status_code == 200
    assert client.get(f"/warnings/rules/{warning.rule_id}/").status_code == 200
    r = client.post(
        "/warnings/rules/new/",
        {"name": "x", "subject_kind": "person", "factors": "[", "unit_level": 5},
    )
    assert r.status_code == 400 and not Rule.objects.filter(name="x").exists()
