"""The autosave's fast path answers what the route would, and hands everything else to the route."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from exam.web.fast_exam import FastExam
from tests.conftest import csrf_of
from tests.web.test_autosave_races import _started


def _record(monkeypatch, name: str) -> list[bool]:  # type: ignore[no-untyped-def]
    """For each request offered to the fast path's ``name`` handler: whether it answered (True) or handed it on."""
    seen: list[bool] = []
    real = getattr(FastExam, name)

    def spy(*args):  # type: ignore[no-untyped-def]
        response = real(*args)
        seen.append(response is not None)
        return response

    monkeypatch.setattr(FastExam, name, staticmethod(spy))
    return seen


@pytest.fixture
def taken(monkeypatch):  # type: ignore[no-untyped-def]
    """Records, for each save, whether the fast path answered it (True) or handed it on (False)."""
    return _record(monkeypatch, "_save")


def test_a_json_save_is_answered_by_the_fast_path_with_the_routes_body(client, session, taken) -> None:
    attempt_id, position, token = _started(client, session)
    url = f"/candidate/attempts/{attempt_id}/items/{position}"
    r = client.post(url, json={"version": 0, "answer": {"text": "亲，您好"}}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["version"] == 1 and body["answered"] is True
    assert set(body) == {"ok", "version", "saved_at", "answered", "typing"}
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    assert taken == [True]
    # a stale version: the route's 409, from the fast path too
    r = client.post(url, json={"version": 0, "answer": {"text": "旧"}}, headers={"X-CSRF-Token": token})
    assert r.status_code == 409 and r.json()["error"] == "stale" and r.json()["version"] == 1
    # a form body goes to the route, which reads the body the fast path did not touch
    r = client.post(url, data={"version": "1", "text": "亲，您好！在的", "csrf_token": token})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert taken == [True, True]  # the form was not offered to the fast path's handler


def test_what_the_fast_path_does_not_take_is_refused_by_the_route(app, client, session, taken) -> None:
    attempt_id, position, token = _started(client, session)
    url = f"/candidate/attempts/{attempt_id}/items/{position}"
    # no CSRF token: the route's 403 page, nothing saved
    r = client.post(url, json={"version": 0, "answer": {"text": "x"}})
    assert r.status_code == 403
    # nobody signed in: the route's 401
    stranger = TestClient(app, follow_redirects=False)
    stranger.cookies.update({k: v for k, v in client.cookies.items() if k != "exam_session"})
    r = stranger.post(url, json={"version": 0, "answer": {"text": "x"}}, headers={"X-CSRF-Token": token})
    assert r.status_code == 401
    assert taken == [False]  # offered, handed on (no user)
    # an id out of the database's range: the route's answer (not found), never a 500
    r = client.post(
        f"/candidate/attempts/{2**40}/items/{position}",
        json={"version": 0, "answer": {"text": "x"}},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 404
    # the answer is still unsaved: version 0 is accepted
    r = client.post(url, json={"version": 0, "answer": {"text": "亲"}}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["version"] == 1


def test_another_role_gets_the_routes_403(client, session, login_as, taken) -> None:
    attempt_id, position, token = _started(client, session)
    client.cookies.clear()
    login_as("hr")
    r = client.post(
        f"/candidate/attempts/{attempt_id}/items/{position}",
        json={"version": 0, "answer": {"text": "x"}},
        headers={"X-CSRF-Token": csrf_of(client, "/hr")},
    )
    assert r.status_code == 403
    assert taken == [False]


def test_the_state_poll_is_answered_by_the_fast_path_and_refusals_by_the_route(
    app, client, session, monkeypatch
) -> None:
    seen = _record(monkeypatch, "_state")
    attempt_id, _, _ = _started(client, session)
    r = client.get(f"/candidate/attempts/{attempt_id}/state")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "in_progress" and body["section_deadline"] and "server_now" in body
    assert r.headers["cache-control"] == "no-store"
    assert client.get(f"/candidate/attempts/{attempt_id + 1000}/state").status_code == 404  # not this candidate's
    assert seen == [True, True]
    stranger = TestClient(app, follow_redirects=False)
    assert stranger.get(f"/candidate/attempts/{attempt_id}/state").status_code == 401
    assert seen == [True, True, False]
