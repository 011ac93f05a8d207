"""schemathesis over the whole OpenAPI schema, through WSGI, against the test database.

The demo's world is built through the real services on top of the two test counties
(its users, houses, people with tags, an organisation, a place, a visit, task items, an
applied import with verification tasks, cases in several states). Then every operation of
`/api/schema/` is called with generated input as the province administrator (`admin`, a
two-factor role: through a verified session; the schema's examples, boundary and negative
"coverage" cases, and random fuzzing) and by token as the 南关区 dispatcher
(`county_dispatcher`: examples and fuzzing). Every
other example gets the ids of real records in its path, so detail routes and actions are
fuzzed on objects that exist. Every answer must be something other than a server error,
with a status code, content type and body the schema documents.

Each example runs in a savepoint that is rolled back, so examples do not pile up. The run
is bounded (5 fuzzing examples per operation; the coverage phase once) and takes about two
minutes on two cores. To fuzz harder locally:

    GRIDGOV_FUZZ_EXAMPLES=200 make test PYTEST_ARGS="tests/test_api_fuzz.py"
"""

import itertools
import os
import traceback

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from collection.models import (
    House,
    ImportJob,
    Organisation,
    PersonTag,
    Place,
    TaskItem,
    VerificationTask,
    Visit,
)
from demo.collection import ensure_demo_collection
from demo.events import ensure_demo_events
from demo.users import ensure_demo_users
from events.models import Event, RoutingRule
from governance.models import AuditLog, User
from governance.wsgi import application
from tests.fixtures import OTPClient

MAX_EXAMPLES = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


def _schema(*, coverage: bool):
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": coverage}}})
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


@pytest.fixture
def world(db, settings, tmp_path, django_capture_on_commit_callbacks, server_exceptions):
    """The demo's users and records, and the real value of every path parameter."""
    settings.MEDIA_ROOT = str(tmp_path)
    ensure_demo_users()
    with django_capture_on_commit_callbacks(execute=True):
        ensure_demo_collection()
    ensure_demo_events()
    person = PersonTag.objects.filter(end_date__isnull=True).select_related("person").first()
    first = {
        model: model.objects.order_by("pk").values_list("pk", flat=True).first()
        for model in (
            House,
            Organisation,
            Place,
            Visit,
            VerificationTask,
            TaskItem,
            ImportJob,
            AuditLog,
            RoutingRule,
        )
    }
    ids = {
        "people": person.person_id,
        "houses": first[House],
        "organisations": first[Organisation],
        "places": first[Place],
        "visits": first[Visit],
        "verifications": first[VerificationTask],
        "task-items": first[TaskItem],
        "imports": first[ImportJob],
        "audit-logs": first[AuditLog],
        "routing-rules": first[RoutingRule],
        "events": Event.objects.order_by("pk").first().number,
        "areas": person.person.grid.code,
        "event-categories": "0101",
        "extra-schemas": "people",
        "tag-schemas": person.tag,
    }
    dispatcher = User.objects.get(username="county_dispatcher")
    # The administrator is a two-factor role: no personal API token, a verified session
    # (and its CSRF token) instead, as a browser that passed the second factor has.
    browser = OTPClient()
    browser.force_login(User.objects.get(username="admin"))
    csrf = get_random_string(32)

    class World:
        examples = itertools.count()
        auth = {
            "admin": {
                "headers": {"Authorization": "", "X-CSRFToken": csrf},
                "cookies": {"sessionid": browser.cookies["sessionid"].value, "csrftoken": csrf},
            },
            "county_dispatcher": {
                "headers": {"Authorization": f"Token {Token.objects.create(user=dispatcher).key}"}
            },
        }

        @staticmethod
        def real(path: str, name: str):
            resource = path.split("/")[3]
            if name in ("person_pk",):
                return ids["people"]
            if name == "tag" and resource == "people":
                return person.tag
            if name in ("id", "number", "code", "dataset", "tag"):
                return ids.get(resource)
            return None

    return World


@pytest.fixture
def server_exceptions():
    """The WSGI handler turns an exception into a 500 page; keep its traceback for the
    failure message. The test transaction must survive each request, so the handler's
    connection clean-up (which would close it) is off, as in Django's own test client."""
    caught = []

    def record(sender, request=None, **kwargs):
        caught.append(traceback.format_exc())

    got_request_exception.connect(record)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield caught
    request_finished.connect(close_old_connections)
    request_started.connect(close_old_connections)
    got_request_exception.disconnect(record)


def _call_and_check(case, world, user, server_exceptions):
    if next(world.examples) % 2:  # every other example on records that exist
        for name in list(case.path_parameters or {}):
            value = world.real(case.operation.path, name)
            if value is not None:
                case.path_parameters[name] = value
    server_exceptions.clear()
    auth = world.auth[user]
    with transaction.atomic():
        response = case.call(**auth)
        transaction.set_rollback(True)
    assert not server_exceptions, server_exceptions[-1]
    if response.status_code in (401, 403):
        assert response.json()["code"] not in ("otp_required", "not_authenticated"), (
            "the fuzzing user must be let in",
            response.json(),
        )
    case.validate_response(response, checks=CHECKS, headers=auth["headers"])


@pytest.fixture(autouse=True)
def _lazy_schema_on_pytest_9(request):
    """schemathesis' lazy loader reads `node._nodeid`, which pytest 9 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def schema_with_coverage(world):
    return _schema(coverage=True)


@pytest.fixture
def schema_fuzzing_only(world):
    return _schema(coverage=False)


as_admin = schemathesis.pytest.from_fixture("schema_with_coverage")
as_county = schemathesis.pytest.from_fixture("schema_fuzzing_only")


@as_admin.parametrize()
@FUZZ_SETTINGS
def test_api_as_province_admin(case, world, server_exceptions):
    _call_and_check(case, world, "admin", server_exceptions)


@as_county.parametrize()
@FUZZ_SETTINGS
def test_api_as_county_dispatcher(case, world, server_exceptions):
    _call_and_check(case, world, "county_dispatcher", server_exceptions)
