"""The world of the security suite: two HR users (an owner and another), a trainer, an admin, an opening of
the owner with graded candidates (real answers), and two candidates taking a real exam in their own browsers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from exam.models import Invitation, Question, Role, RubricRegrade, ScoredReply, User
from exam.services import accounts, api_tokens, exports, ranking, webhooks
from exam.services.sample import seed_opening
from tests.conftest import PASSWORDS, login
from tests.web.candidate_helpers import ROOT, csrf, follow_and_start, make_invitation, make_opening, seed_bank

CSRF_RE = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')
ROLES = ("anonymous", "candidate", "candidate2", "hr", "hr_other", "trainer", "admin")


@dataclass
class World:
    """Everything the suite's tests act on."""

    app: Any
    users: dict[str, User]
    clients: dict[str, TestClient]
    opening_id: int  # the owner's opening with candidates taking the exam
    graded_opening_id: int  # the owner's opening with graded candidates
    graded_attempt_ids: list[int]
    graded_candidate_ids: list[int]
    attempt_id: int  # candidate's attempt
    attempt2_id: int  # candidate2's attempt
    invitation_id: int
    invitation2_id: int
    token: str
    token2: str
    spare_invitation_id: int  # an invitation nobody has opened
    ids: dict[str, Any] = field(default_factory=dict)

    def csrf(self, role: str, path: str = "/login") -> str:
        """The CSRF token of a role's browser."""
        client = self.clients[role]
        response = client.get(path)
        match = CSRF_RE.search(response.text)
        assert match, (role, path, response.status_code)
        return match.group(1)


def _client(app: Any) -> TestClient:
    return TestClient(app, follow_redirects=False)


def _staff(session: Session, role: str, username: str) -> User:
    user = accounts.create_user(session, username, Role(role), PASSWORDS[role], display_name=username)
    session.commit()
    return user


@pytest.fixture
def world(app, session) -> World:  # type: ignore[no-untyped-def]
    """Build the world; every client is signed in (candidates through their invitation links)."""
    seed_bank(session)
    seed_bank(session, ROOT / "question_banks" / "simulations" / "aftersale.yaml")  # a reception desk
    users = {
        "hr": _staff(session, "hr", "hr"),  # make_opening's owner
        "hr_other": _staff(session, "hr", "hr-other"),
        "trainer": _staff(session, "trainer", "trainer"),
        "admin": _staff(session, "admin", "admin"),
    }
    opening = make_opening(session)  # owned by "hr"
    invitation, token = make_invitation(session, opening, "张三", phone="13800138001")
    invitation2, token2 = make_invitation(session, opening, "李四", phone="13800138002")
    spare, spare_token = make_invitation(session, opening, "王五", phone="13800138003")
    victim = _staff(session, "trainer", "leaver")  # the admin's routes act on this account
    reply = ScoredReply(question_id="t.reply.bargain", text="您好，马上为您处理。", human_score=7.0)
    sample = seed_opening(session, 3, seed=5, created_by=users["hr"])
    assert session.exec(select(Question).where(Question.id == reply.question_id)).first() is not None
    session.add(reply)
    regraded = RubricRegrade(question_id="t.reply.bargain", from_version=1, to_version=1)
    session.add(regraded)
    session.commit()
    api_token, _raw = api_tokens.create_token(session, users["hr"], "matrix", ["results:read"], None)  # HR's page
    clients = {role: _client(app) for role in ROLES}
    for role in ("hr", "hr_other", "trainer", "admin"):
        response = login(clients[role], users[role].username, PASSWORDS[users[role].role])
        assert response.status_code == 303, response.text
    _inv, attempt_id = follow_and_start(clients["candidate"], token)
    _inv2, attempt2_id = follow_and_start(clients["candidate2"], token2)
    session.rollback()
    session.expire_all()
    endpoint = webhooks.add_endpoint(
        session, app.state.settings, users["hr"], sample.opening.id, kind="generic", url="https://1.1.1.1/hook"
    )
    delivery = webhooks.send_test(session, users["hr"], sample.opening.id, endpoint.id)
    export_job = exports.start(
        session, users["hr"], sample.opening, "csv", exports.Request(ranking.Filters(), "rank", True)
    )
    for role, inv in (("candidate", invitation), ("candidate2", invitation2)):
        fresh = session.exec(select(Invitation).where(Invitation.id == inv.id)).one()
        users[role] = session.exec(select(User).where(User.id == fresh.candidate_id)).one()
    session.commit()
    return World(
        app=app,
        users=users,
        clients=clients,
        opening_id=opening.id,
        graded_opening_id=sample.opening.id,
        graded_attempt_ids=sample.attempt_ids,
        graded_candidate_ids=sample.candidate_ids,
        attempt_id=attempt_id,
        attempt2_id=attempt2_id,
        invitation_id=invitation.id,
        invitation2_id=invitation2.id,
        token=token,
        token2=token2,
        spare_invitation_id=spare.id,
        ids={
            "spare_token": spare_token,
            "victim": victim.id,
            "reply": reply.id,
            "regrade": regraded.id,
            "endpoint": endpoint.id,
            "delivery": delivery.id,
            "api_token": api_token.id,
            "export_job": export_job.id,
        },
    )


def exam_csrf(world: World, role: str = "candidate") -> str:
    """The CSRF token on a candidate's exam page."""
    attempt = world.attempt_id if role == "candidate" else world.attempt2_id
    return csrf(world.clients[role], f"/candidate/attempts/{attempt}")
