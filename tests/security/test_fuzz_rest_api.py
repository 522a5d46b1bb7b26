"""Schemathesis on the JSON API (/api/v1/) with a valid token: the schema is the one the app serves at
/api/openapi.json, every generated request (half of them aimed at the owner's real opening, invitation and
graded attempt) goes to the real app, and every response must be no 5xx and conform to the schema (status
code documented, content type, body shape)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from exam.models import Invitation
from exam.services import api_tokens
from exam.services.sample import seed_opening
from tests.web.candidate_helpers import hr_user, seed_bank

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operations(app):  # type: ignore[no-untyped-def]
    raw = TestClient(app).get("/api/openapi.json").json()
    return [op.ok() for op in schemathesis.openapi.from_dict(raw).get_all_operations()]


@pytest.fixture
def scripted(app, session):  # type: ignore[no-untyped-def]
    """The app, its API operations, a token of every scope and the real ids of its owner's data."""
    seed_bank(session)
    user = hr_user(session)
    sample = seed_opening(session, 3, seed=3, created_by=user)
    invitation = session.exec(select(Invitation).where(Invitation.opening_id == sample.opening.id)).first()
    _row, raw = api_tokens.create_token(
        session, user, "fuzz", ["invitations:write", "results:read", "decisions:write"], None
    )
    session.commit()
    app.state.settings = app.state.settings.model_copy(update={"api_rate_per_minute": 100_000})
    ids = {
        "opening_id": sample.opening.id,
        "attempt_id": sample.attempt_ids[0],
        "invitation_id": invitation.id if invitation else 1,
    }
    return TestClient(app), _operations(app), raw, ids


def test_the_schema_covers_the_api(app) -> None:  # type: ignore[no-untyped-def]
    operations = _operations(app)
    assert len(operations) == 7 and all(op.path.startswith("/api/v1/") for op in operations)


@pytest.mark.parametrize("index", range(7))  # every operation, a bounded number of cases each
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_fuzz_the_api_with_a_token(scripted, index: int, data) -> None:  # type: ignore[no-untyped-def]
    client, operations, raw, ids = scripted
    operation = sorted(operations, key=lambda op: (op.path, op.method))[index]
    case = data.draw(operation.as_strategy())
    for name in list(case.path_parameters or {}):
        if name in ids and data.draw(st.booleans()):
            case.path_parameters[name] = ids[name]
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {**(kwargs.pop("headers", None) or {}), "Authorization": f"Bearer {raw}"}
    headers.pop("Cookie", None)
    response = client.request(
        kwargs.pop("method"),
        kwargs.pop("url"),
        headers=headers,
        params=kwargs.get("params"),
        **{k: v for k, v in kwargs.items() if k in ("json", "content", "data")},
    )
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        assert set(response.json()) == {"error", "message"}, response.text
