"""The one evidence-file shape (events.models.EvidenceFileBase) of the apps above: every
concrete model stores under its own directory, as before the models shared a base."""

import re

import pytest
from django.apps import apps

from events.models import EvidenceFileBase, evidence_path

# Stored names as each app wrote them before the shared base: keep these prefixes.
DIRECTORIES = {
    "risk.WarningEvidence": "risk",
    "assessment.EntryEvidence": "assessment",
    "assessment.TaskEvidence": "assessment",
    "command.ReportEvidence": "command",
    "command.PlanAttachment": "command",
}


def test_every_concrete_evidence_model_is_listed():
    found = {m._meta.label for m in apps.get_models() if issubclass(m, EvidenceFileBase)}
    assert found == set(DIRECTORIES)


@pytest.mark.parametrize(("label", "directory"), DIRECTORIES.items())
def test_stored_name_keeps_the_app_directory(label, directory):
    model = apps.get_model(label)
    field = model._meta.get_field("file")
    assert field.upload_to is evidence_path
    assert model._meta.ordering == ["uploaded_at", "id"]
    assert model._meta.get_field("uploaded_by").remote_field.related_name == "+"
    name = field.generate_filename(model(), "x.PDF")
    assert re.fullmatch(rf"{directory}/[0-9a-f]{{32}}\.pdf", name)
    # Only an extension of the verified-type table survives.
    assert field.generate_filename(model(), "x.html").endswith(".bin")
