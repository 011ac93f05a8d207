"""The English interface: the pages, the preview's labels (data-* attributes read by
static/js/risk-rule-preview.js) and the rule checks speak English, also where the project
catalogue has another word for the same Chinese (签收 = "Sign for" for events)."""

import pytest

from risk.models import Warning
from risk.tasks import evaluate_rules_task
from risk.tests.factories import THRESHOLDS, person_make, rule_make, tag_make

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def warning(worker, grid):
    p = person_make(actor=worker, grid=grid, name="赵六")
    tag_make(p, "mental", risk_level=3)
    rule = rule_make(factors=[{"code": "mental_risk", "weight": 10}], unit_level=6)
    evaluate_rules_task()
    return Warning.objects.get(rule=rule, subject_id=p.pk)


def test_warning_pages_in_english(warning, client, worker):
    client.force_login(worker)
    page = client.get(f"/warnings/{warning.pk}/", **EN).content.decode()
    assert ">Acknowledge</button>" in page and "Sign for" not in page
    assert "Yellow" in page and "Issued" in page
    client.post(f"/warnings/{warning.pk}/", {"action": "acknowledge"}, **EN)
    page = client.get(f"/warnings/{warning.pk}/", **EN).content.decode()
    assert "Acknowledged" in page and "acknowledge " not in page  # the log, not its codes
    page = client.get(f"/risk/people/{warning.subject_id}/", **EN).content.decode()
    assert '<span class="risk-colour risk-yellow">Yellow</span>' in page
    page = client.get(f"/risk/people/{warning.subject_id}/").content.decode()
    assert '<span class="risk-colour risk-yellow">黄色</span>' in page


def test_rule_form_labels_and_checks_in_english(client, api_client, province_admin):
    from tests.fixtures import otp_verify_session

    client.force_login(province_admin)
    otp_verify_session(client, province_admin)
    page = client.get("/warnings/rules/new/", **EN).content.decode()
    assert 'data-label-red="Red"' in page and 'data-label-green="Green"' in page
    assert 'data-failed="Preview failed; please try again later."' in page
    assert "<td>Person, House, Place, Grid</td>" in page  # the factor library's subjects
    page = client.get("/warnings/rules/new/").content.decode()
    assert 'data-label-red="红色"' in page and "<td>人员, 房屋, 场所, 网格</td>" in page
    rule = {
        "name": "x",
        "subject_kind": "person",
        "definition": {
            "factors": [{"code": "tag", "weight": 1}],
            "thresholds": {**THRESHOLDS, "red": "many"},
        },
    }
    r = api_client(province_admin).post("/api/v1/warning-rules/preview/", rule, format="json", **EN)
    assert r.status_code == 400 and r.json()["detail"] == "Red threshold must be a number."
