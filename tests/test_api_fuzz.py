"""schemathesis over the whole OpenAPI schema, through WSGI, against the test database.

Every operation of `/api/schema/` is called with generated input by token, as the
province administrator (the schema's examples, boundary and negative "coverage" cases,
and random fuzzing) and as a county user, the 南关区 dispatcher (examples and fuzzing).
Every answer must be something other than a server error, and its status code and
content type must be ones the schema documents.

Each example runs in a savepoint that is rolled back, so examples do not pile up. The run
is bounded (a few examples per operation; the coverage phase once) so that it stays at a
couple of minutes on two cores. To fuzz harder locally:

    GRIDGOV_FUZZ_EXAMPLES=200 make test PYTEST_ARGS="tests/test_api_fuzz.py"
"""

import os
import traceback

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from governance.roles import Role
from governance.wsgi import application
from tests.fixtures import NANGUAN

PROVINCE = "220000000000"
MAX_EXAMPLES = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _schema(*, coverage: bool):
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": coverage}}})
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


as_admin = _schema(coverage=True)
as_county = _schema(coverage=False)

FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         derandomize=True, suppress_health_check=list(HealthCheck),
                         print_blob=False)


def _token_headers(user):
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


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


def _call_and_check(case, headers, server_exceptions):
    server_exceptions.clear()
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    assert not server_exceptions, server_exceptions[-1]
    case.validate_response(response, checks=CHECKS, headers=headers)


@pytest.fixture
def admin_headers(make_user):
    return _token_headers(make_user(Role.ADMIN, PROVINCE, "fuzz_admin"))


@pytest.fixture
def county_headers(make_user):
    return _token_headers(make_user(Role.COUNTY_DISPATCHER, NANGUAN, "fuzz_dispatcher"))


@pytest.mark.django_db
@as_admin.parametrize()
@FUZZ_SETTINGS
def test_api_as_province_admin(case, admin_headers, server_exceptions):
    _call_and_check(case, admin_headers, server_exceptions)


@pytest.mark.django_db
@as_county.parametrize()
@FUZZ_SETTINGS
def test_api_as_county_dispatcher(case, county_headers, server_exceptions):
    _call_and_check(case, county_headers, server_exceptions)
