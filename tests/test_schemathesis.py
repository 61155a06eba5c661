"""A property-based run of schemathesis over the API's own OpenAPI schema (/api/schema/, made by
drf-spectacular): for generated requests to every operation, no 5xx, only documented status
codes, and bodies that match the documented response schemas. Bounded and derandomised, so a
run is repeatable and short; it reads the test database with Athens loaded."""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = (not_a_server_error, status_code_conformance, response_schema_conformance)


@pytest.fixture
def api_schema(db, athens, settings):
    """The schema as served, loaded inside a test (the WSGI app needs the test database)."""
    settings.HARTIS = {**settings.HARTIS, "API_RATE_LIMIT": None}  # many requests, one client
    from mapping.wsgi import application

    # As Django's test client does: the WSGI handler would otherwise close the connection
    # that holds the test's transaction at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.from_pytest_fixture("api_schema")
# Ids are UUIDs (drf-spectacular writes format "uuid", which schemathesis does not generate).
schemathesis.openapi.format("uuid", st.uuids().map(str))

# gunicorn refuses control characters in header values (RFC 9110 §5.5) with a 400 before Django
# runs, so headers and cookies that carry them are not requests our views can receive.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _sendable(values: dict | None) -> bool:
    return not values or not any(CONTROL.search(f"{k}{v}") for k, v in values.items())


@schemathesis.hook
def before_generate_headers(context, strategy):
    return strategy.filter(_sendable)


@schemathesis.hook
def before_generate_cookies(context, strategy):
    return strategy.filter(_sendable)


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_keeps_its_schema(case):
    response = case.call_wsgi()
    case.validate_response(response, checks=CHECKS)
