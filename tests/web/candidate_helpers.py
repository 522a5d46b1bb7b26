"""Shared set-up for the exam tests: a bank in the database, an opening, invitations, a candidate's browser."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from exam.models import Invitation, Opening, Role, User
from exam.services import accounts, openings
from exam.services.bank_store import import_paths
from exam.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]
GOOD_BANK = ROOT / "tests" / "data" / "good_bank"
SECRET = "test-secret-key-0123456789abcdef"  # the settings fixture's secret key
CSRF_RE = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


def seed_bank(session: Session, path: Path = GOOD_BANK) -> None:
    """Import a bank (questions and profiles) into the test database."""
    import_paths(session, [path])
    session.commit()


def hr_user(session: Session, username: str = "hr") -> User:
    """The HR user who owns the openings the helpers make (signs in with the test password of HR)."""
    user = accounts.get_user(session, username)
    if user is None:
        user = accounts.create_user(session, username, Role.hr, "Hr-test-pass-1")
        session.commit()
    return user


def make_opening(
    session: Session,
    *,
    profile_id: str = "t.presale",
    title: str = "售前客服 测试岗位",
    show_result: bool = False,
    opens_in: timedelta = timedelta(hours=-1),
    closes_in: timedelta = timedelta(days=3),
) -> Opening:
    now = utcnow()
    opening = openings.create_opening(
        session,
        title=title,
        profile_id=profile_id,
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        show_result=show_result,
        actor=hr_user(session),
    )
    session.commit()
    return opening


def make_invitation(
    session: Session,
    opening: Opening,
    name: str = "张三",
    phone: str | None = None,
    email: str | None = None,
    factor: float = 1.0,
) -> tuple[Invitation, str]:
    if phone is None and email is None:
        phone = f"1380013{len(name) * 1000 + hash(name) % 1000:04d}"
    invitation, token = openings.invite(
        session, opening, name=name, phone=phone, email=email, extra_time_factor=factor, secret_key=SECRET
    )
    session.commit()
    return invitation, token


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.text)
    assert match, (path, page.status_code, page.text[:300])
    return match.group(1)


def follow_and_start(client: TestClient, token: str) -> tuple[int, int]:
    """Follow the link, accept the notice and start: (invitation id, attempt id)."""
    r = client.get(f"/i/{token}")
    assert r.status_code == 303, r.text
    intro = r.headers["location"]
    invitation_id = int(intro.rsplit("/", 1)[1])
    token_csrf = csrf(client, intro)
    r = client.post(f"{intro}/start", data={"accept": "1", "csrf_token": token_csrf})
    assert r.status_code == 303, r.text
    attempt_id = int(r.headers["location"].rsplit("/", 1)[1])
    return invitation_id, attempt_id


def save(
    client: TestClient, attempt_id: int, position: int, answer: dict[str, Any], version: int, token: str, **meta: Any
):  # type: ignore[no-untyped-def]
    return client.post(
        f"/candidate/attempts/{attempt_id}/items/{position}",
        json={"version": version, "answer": answer, "meta": meta},
        headers={"X-CSRF-Token": token},
    )
