"""Property-based tests of every operation in the OpenAPI spec (``/api/openapi.json``)
with schemathesis, in process over ASGI: no answer is a server error, and answers match
the schemas the spec declares. Writes run as a logged-in editor with the CSRF header, on
the worked example plan and its public copy (the ``site`` of test_accounts_web)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)
from test_accounts_web import client_for

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# The first request of a kind computes scores, peers or trends for the process (seconds on a
# loaded 2-core machine); the app is warmed first and every call gets this much time, so
# that only a real server error or a spec mismatch fails the test, never machine speed.
TIMEOUT = 300
WARM = ("/api/scores", "/api/rankings", "/api/map", "/api/warning",
        "/api/compare?area=GM0518&area=GM0344", "/api/areas/GM0518", "/api/indicators",
        "/api/sources", "/api/plans")


@pytest.fixture(scope="module")
def editor_session(site):
    client = client_for(site, "editor")
    token = client.get("/api/session").json()["csrf_token"]
    for path in WARM:
        assert client.get(path).status_code < 500, path
    return {"cookies": {"wk_session": client.cookies.get("wk_session")},
            "headers": {"X-CSRF-Token": token}}


def test_no_server_errors_and_answers_match_the_spec(site, editor_session):
    # one hypothesis run per operation, driven here rather than by schemathesis' pytest
    # plugin, which follows pytest's internals (it broke with pytest 9.2)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", site[0])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # the spec lists the whole API

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_well(case):
            if "plan_id" in (case.path_parameters or {}):
                # random ids are all 404 alike; the plans that exist are where the code
                # paths are
                case.path_parameters["plan_id"] = site[1] if len(
                    case.path_parameters["plan_id"]) % 2 else site[2]
            case.call_and_validate(headers=editor_session["headers"],
                                   cookies=editor_session["cookies"], checks=CHECKS,
                                   timeout=TIMEOUT)

        answers_well()
