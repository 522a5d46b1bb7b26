"""Fuzzing the JSON endpoints with schemathesis: the schema is built in-process from ``app.openapi()`` (the
app does not serve /openapi.json), and every generated request, valid or not, is sent as the candidate
(with a valid CSRF token) to the real app: never a 500, and every refusal is JSON with a Chinese message."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam.app import create_app
from exam.settings import Settings

schemathesis = pytest.importorskip("schemathesis")

JSON_PATHS = re.compile(
    r"^/candidate/attempts/\{attempt_id\}/(items/\{position\}(/flag|/start)?|events|state)$|^/healthz$"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _schema():  # type: ignore[no-untyped-def]
    app = create_app(Settings(environment="test", secret_key="s" * 32, database_url="sqlite://"), run_background=False)
    raw = app.openapi()
    raw["paths"] = {p: ops for p, ops in raw["paths"].items() if JSON_PATHS.match(p)}
    return schemathesis.openapi.from_dict(raw)


SCHEMA = _schema()
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]


def test_the_fuzzed_schema_covers_the_exam_api() -> None:
    paths = {op.path for op in OPERATIONS}
    assert len(paths) == 6, paths
    save = next(op for op in OPERATIONS if op.path.endswith("/items/{position}") and op.method.upper() == "POST")
    assert save.body, "the save's JSON body is described in the schema"


@pytest.fixture
def exam_client(world):  # type: ignore[no-untyped-def]
    from tests.security.conftest import exam_csrf

    return world, exam_csrf(world)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_fuzz_the_exam_api(exam_client, data) -> None:  # type: ignore[no-untyped-def]
    world, token = exam_client
    operation = data.draw(st.sampled_from(OPERATIONS))
    case = data.draw(operation.as_strategy())
    # half the time aim at the candidate's real attempt, so that the fuzz reaches the answer services
    if "attempt_id" in (case.path_parameters or {}) and data.draw(st.booleans()):
        case.path_parameters["attempt_id"] = world.attempt_id
        if "position" in case.path_parameters:
            case.path_parameters["position"] = data.draw(st.integers(0, 8))
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {**(kwargs.pop("headers", None) or {}), "X-CSRF-Token": token}
    headers.pop("Cookie", None)
    response = world.clients["candidate"].request(
        kwargs.pop("method"),
        kwargs.pop("url"),
        headers=headers,
        params=kwargs.get("params"),
        **{k: v for k, v in kwargs.items() if k in ("json", "content", "data")},
    )
    assert response.status_code < 500, (case.path, case.body, response.text[:300])
    if response.status_code >= 400 and case.path != "/healthz":
        body = response.json()
        assert body["ok"] is False and CJK.search(body["message"]), body
