"""CSRF on every state-changing route (from the route table): without a token, with a wrong one, with
another browser's, from another site, from another origin: 403, and nothing changes."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from exam.models import Answer, AuditLog, Invitation, LoginAttempt, Opening, OpeningShare, User, UserSession
from tests.security.conftest import World, exam_csrf
from tests.security.test_access_matrix import LAST, RULES, _url, route_table

TABLES = (AuditLog, Answer, Invitation, Opening, OpeningShare, User, LoginAttempt)


def _who(path: str) -> str:
    for prefix, role in (("/admin", "admin"), ("/trainer", "trainer"), ("/hr", "hr"), ("/candidate", "candidate")):
        if path.startswith(prefix):
            return role
    return "hr"  # login, logout, locale, the invitation link: a signed-in HR user's browser


def _snapshot(session) -> dict[str, object]:  # type: ignore[no-untyped-def]
    session.rollback()
    session.expire_all()
    counts = {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}
    counts["answer_versions"] = session.exec(select(func.sum(Answer.version))).one()
    counts["revoked"] = session.exec(select(func.count()).where(UserSession.revoked_at.is_not(None))).one()  # type: ignore[union-attr]
    session.commit()
    return counts


def test_every_state_changing_route_needs_a_valid_token(world: World, session, app) -> None:  # type: ignore[no-untyped-def]
    # the JSON API takes no cookies (a browser's request gets a 401 there: test_access_matrix.py), so no CSRF token
    posts = sorted(
        (m, p) for m, p in route_table(app) if m not in ("GET", "HEAD", "OPTIONS") and not p.startswith("/api/")
    )
    assert len(posts) >= 38 and set(posts) <= set(RULES)
    other_token = world.csrf("hr_other", "/hr")  # a valid token, but of another browser
    before = _snapshot(session)
    wrong = []
    for method, path in sorted(set(posts) - set(LAST)) + [p for p in LAST if p[0] == "POST"]:
        url = _url(world, path)
        role = _who(path)
        client = world.clients[role]
        good = (
            exam_csrf(world)
            if role == "candidate"
            else world.csrf(role, {"admin": "/admin", "trainer": "/trainer"}.get(role, "/hr"))
        )
        form = {
            "user_id": str(world.users["hr_other"].id),
            "owner_id": str(world.users["hr_other"].id),
            "csrf_token": "",
        }
        attempts = {
            "no token": ({}, {k: v for k, v in form.items() if k != "csrf_token"}),
            "wrong token": ({"X-CSRF-Token": "0" * 64}, form),
            "another browser's token": ({}, {**form, "csrf_token": other_token}),
            "cross-site": ({"X-CSRF-Token": good, "Sec-Fetch-Site": "cross-site"}, form),
            "foreign origin": ({"X-CSRF-Token": good, "Origin": "https://evil.example"}, form),
            "opaque origin": ({"X-CSRF-Token": good, "Origin": "null"}, form),
        }
        for name, (headers, data) in attempts.items():
            response = client.request(method, url, headers=headers, data=data)
            if response.status_code != 403:
                wrong.append(f"{method} {url} ({name}): {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert _snapshot(session) == before, "a refused request changed something"


def test_the_token_is_checked_for_json_bodies_too(world: World) -> None:
    client = world.clients["candidate"]
    url = f"/candidate/attempts/{world.attempt_id}/items/0"
    refused = client.post(url, json={"version": 0, "answer": {"text": "x"}})
    assert refused.status_code == 403
    accepted = client.post(
        url, json={"version": 0, "answer": {"text": "x"}}, headers={"X-CSRF-Token": exam_csrf(world)}
    )
    assert accepted.status_code != 403
