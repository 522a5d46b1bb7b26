"""The JSON API's access matrix: every /api/v1/ route × the tokens a script may hold, against the expected status.

The owner's token (every scope) reaches the owner's opening; another HR user's token (every scope) gets a 404
for all of it; a token without the route's scope gets a 403; no token, an expired or a revoked one a 401.
A new API route without a rule here fails ``test_every_api_route_has_a_rule``. "ok" as in the cookie matrix.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from exam.services import api_tokens
from exam.timeutil import utcnow
from tests.security.conftest import World
from tests.security.test_access_matrix import OK, route_table

ALL = ("invitations:write", "results:read", "decisions:write")
HOLDERS = ("none", "owner", "other", "invite_only", "results_only", "expired", "revoked")


def rule(**given: Any) -> dict[str, Any]:
    """The owner's token passes, another user's gets 404, no/expired/revoked tokens 401, the rest as given."""
    base = {"none": 401, "owner": OK, "other": 404, "expired": 401, "revoked": 401}
    return {**base, **given}


API_RULES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/openings"): rule(other=OK, invite_only=OK, results_only=OK),  # an empty list for the other
    ("GET", "/api/v1/openings/{opening_id}"): rule(invite_only=OK, results_only=OK),
    ("POST", "/api/v1/openings/{opening_id}/invitations"): rule(invite_only=OK, results_only=403),
    ("GET", "/api/v1/openings/{opening_id}/invitations"): rule(invite_only=OK, results_only=OK),
    ("GET", "/api/v1/invitations/{invitation_id}"): rule(invite_only=OK, results_only=OK),
    ("GET", "/api/v1/attempts/{attempt_id}/result"): rule(invite_only=403, results_only=OK),
    ("PUT", "/api/v1/attempts/{attempt_id}/decision"): rule(invite_only=403, results_only=403),
}


def _tokens(world: World, session) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    hr, other = world.users["hr"], world.users["hr_other"]
    made: dict[str, str | None] = {"none": None}
    made["owner"] = api_tokens.create_token(session, hr, "owner", ALL, 30)[1]
    made["other"] = api_tokens.create_token(session, other, "other", ALL, 30)[1]
    made["invite_only"] = api_tokens.create_token(session, hr, "invite", ["invitations:write"], 30)[1]
    made["results_only"] = api_tokens.create_token(session, hr, "results", ["results:read"], 30)[1]
    made["expired"] = api_tokens.create_token(session, hr, "old", ALL, 1, now=utcnow() - timedelta(days=3))[1]
    revoked, made["revoked"] = api_tokens.create_token(session, hr, "gone", ALL, 30)
    api_tokens.revoke_token(session, revoked.id, actor=hr)
    session.commit()
    return made


def test_every_api_route_has_a_rule(app) -> None:  # type: ignore[no-untyped-def]
    routes = {r for r in route_table(app) if r[1].startswith("/api/v1/")}
    assert routes == set(API_RULES), "add API routes to API_RULES (and rules only for routes that exist)"


def test_the_api_access_matrix(world: World, session) -> None:  # type: ignore[no-untyped-def]
    tokens = _tokens(world, session)
    script = TestClient(world.app, follow_redirects=False)  # no browser cookies
    wrong = []
    for (method, path), (n, holder) in itertools.product(sorted(API_RULES), enumerate(HOLDERS)):
        url = path.format(
            opening_id=world.graded_opening_id,
            attempt_id=world.graded_attempt_ids[0],
            invitation_id=world.spare_invitation_id,
        )
        headers = {"Authorization": f"Bearer {tokens[holder]}"} if tokens[holder] else {}
        if method == "GET":
            response = script.get(url, headers=headers)
        elif method == "PUT":
            response = script.put(url, json={"decision": "hold", "note": f"matrix {holder}"}, headers=headers)
        else:
            body = {"name": f"矩阵{n}", "phone": f"1360000{n:04d}"}
            response = script.post(url, json=body, headers=headers)
        status, expected = response.status_code, API_RULES[(method, path)][holder]
        ok = status not in (401, 403, 404) and status < 500
        if (expected == OK and not ok) or (expected != OK and status != expected):
            wrong.append(f"{method} {url} with {holder}: {status}, expected {expected}")
        if status >= 400:
            assert set(response.json()) == {"error", "message"}, response.text
    assert not wrong, "\n".join(wrong)
