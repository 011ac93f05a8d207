"""The English interface of the mediation pages, also where another catalogue has another
word for the same Chinese (the project's 组织 = "Organisations", collection's 申请人 =
"Requested by", the events' 分派 = "Dispatch"): the mediation strings carry a context."""

import json
import re

import pytest

from mediation.tests.factories import dispute_make

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_dispute_pages_in_english(client, clerk, grid):
    d = dispute_make(actor=clerk, grid=grid)
    client.force_login(clerk)
    page = client.get(f"/mediation/{d.pk}/", **EN).content.decode()
    assert "<dt>Dispute type</dt><dd>Neighbours</dd>" in page and "<h2>Parties</h2>" in page
    assert '<label>Mediation code<select name="code">' in page
    assert "<li>Applicant:当事人0</li>" in page and "<li>Respondent:当事人1</li>" in page
    assert '<button type="submit">Assign</button>' in page and "Dispatch" not in page
    assert "Requested by" not in page
    page = client.get("/mediation/new/", **EN).content.decode()
    assert '<option value="organisation">Organisation</option>' in page
    assert '<option value="applicant" selected>Applicant</option>' in page
    assert "Register a dispute at the window" in page
    page = client.get("/mediation/", **EN).content.decode()
    assert "<th>Mediation code</th>" in page and "Three-source governance" in page
    assert "<h2>Parties</h2>" not in page  # (the list, not the detail)
    page = client.get(f"/mediation/{d.pk}/").content.decode()
    assert "<li>申请人:当事人0</li>" in page and '<button type="submit">分派</button>' in page


def test_rates_page_and_chart_labels_in_english(client, clerk, grid):
    dispute_make(actor=clerk, grid=grid)
    client.force_login(clerk)
    page = client.get("/mediation/rates/?area=220102000000", **EN).content.decode()
    assert "<td>Dispute resolution rate</td>" in page
    chart = json.loads(re.search(r'id="rates-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert "Mediation success rate" in chart["labels"]
    assert not any(re.search(r"[\u4e00-\u9fff]", label) for label in chart["labels"])
    page = client.get("/mediation/rates/?area=220102000000").content.decode()
    assert "<td>矛盾纠纷化解率</td>" in page
