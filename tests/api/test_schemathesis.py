"""Property-based checks of every endpoint in the served OpenAPI document, with every API
role's token: no 5xx, and every response (success or problem) matches the document.

The document is loaded from the app itself (WSGI), as a client would fetch it; hypothesis
makes the requests, hostile ones included (schemathesis mixes valid and invalid data). Data to
read is seeded first, so the lists and reads return real rows against the response schemas.
Examples per operation: SCHEMATHESIS_EXAMPLES (default 6, so the run stays near a minute on
two cores).
"""

from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from diversion.accounts.roles import Role
from tests.api.helpers import api_client
from tests.delivery.helpers import booked_cara, referred_case

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
ROLES = [Role.DECISION_MAKER, Role.FACILITATOR, Role.PROVIDER_MANAGER, Role.ANALYST,
         Role.COMMISSIONER]
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance]


def _operations():
    """Every operation in the served document (loaded once the test database exists)."""
    from diversion.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.fixture
def seeded(cast) -> dict:
    """A referred case booked onto two events, the first held and marked, to read and to write
    to: each generated request is sent as generated (mostly unknown ids: 404) and again with
    these ids in its path (the event, the marked booking, a questionnaire of the programme)."""
    from diversion.delivery.services import record_register
    from tests.delivery.helpers import held
    from tests.disposals.helpers import commission

    commission(cast)
    referred_case(cast)
    facilitator, case, part_a, _, booking_a, _ = booked_cara(cast)
    held(part_a)
    record_register(facilitator, part_a, {booking_a.pk: ("attended", "")})
    return {"reference": case.reference, "id": part_a.pk, "booking": booking_a.pk,
            "qid": "cara_pre"}


@pytest.fixture
def tokens(cast, seeded):
    return {role: api_client(cast, role)[1] for role in ROLES}


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_RATE_LIMIT = ""


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI app itself, whose request signals would close the test's
    database connection (and its transaction) after each request: Django's test client
    disconnects them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_endpoint_with_every_role(tokens, seeded):
    operations = _operations()
    assert len(operations) >= 26  # issue 15's gaps: 8 more
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens.values()]

    for operation, mode in itertools.product(operations, GenerationMode):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            for header in headers:
                case.call_and_validate(headers=header, checks=CHECKS)
            known = {k: v for k, v in seeded.items() if k in (case.path_parameters or {})}
            if known:  # the same request on a real object
                case.path_parameters = {**case.path_parameters, **known}
                for header in headers:
                    case.call_and_validate(headers=header, checks=CHECKS)

        try:
            check()
        except Exception as failure:
            raise AssertionError(f"{operation.label} ({mode.value}): {failure}") from failure
