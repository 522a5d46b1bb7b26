"""Invitations that reach people: e-mails through a real local SMTP server (aiosmtpd) with retries and a
status per invitation, QR codes, the printable sheet, and links that survive a change of secret key."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from exam.app import create_app
from exam.models import AuditLog, EmailDelivery, Invitation
from exam.services import mail
from exam.services.accounts import AccountError
from exam.settings import Settings
from exam.timeutil import utcnow
from tests.conftest import csrf_of
from tests.web.candidate_helpers import make_invitation, make_opening, seed_bank

HX = {"HX-Request": "true"}
LINK_RE = re.compile(r"(https?://\S+/i/([A-Za-z0-9_-]{43}))")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received; addresses containing "bounce" are refused for good (550)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if "bounce" in address:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), stopped after the test."""
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def _mail_settings(settings: Settings, port: int, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "smtp_from": "某某网店招聘 <jobs@shop.example>",
            **extra,
        }
    )


@pytest.fixture
def mail_client(settings: Settings, engine, smtp) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_app(_mail_settings(settings, smtp[1]), engine=engine, run_background=False)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _login_hr(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORDS, login

    try:
        make_user("hr")
    except AccountError:
        pass  # the helpers' openings made the owner already
    assert login(client, "hr", PASSWORDS["hr"]).status_code == 303  # type: ignore[attr-defined]


def _deliveries(session) -> list[EmailDelivery]:  # type: ignore[no-untyped-def]
    session.rollback()
    session.expire_all()
    return list(session.exec(select(EmailDelivery).order_by(EmailDelivery.id)).all())


def test_an_emailed_link_arrives_in_chinese_and_opens_the_exam(mail_client, session, engine, smtp, make_user) -> None:  # type: ignore[no-untyped-def]
    box, port = smtp
    seed_bank(session)
    opening = make_opening(session, title="售前客服 春季招聘")
    invitation, token = make_invitation(session, opening, "王小明", email="xiaoming@example.com")
    _login_hr(mail_client, make_user)
    page = mail_client.get(f"/hr/openings/{opening.id}")
    assert "发送邮件" in page.text and "二维码" in page.text
    csrf = csrf_of(mail_client, f"/hr/openings/{opening.id}")
    queued = mail_client.post(f"/hr/invitations/{invitation.id}/email", headers=HX, data={"csrf_token": csrf})
    assert queued.status_code == 200 and "邮件待发送" in queued.text and 'hx-trigger="every 5s"' in queued.text
    again = mail_client.post(f"/hr/invitations/{invitation.id}/email", headers=HX, data={"csrf_token": csrf})
    assert again.status_code == 200
    assert len(_deliveries(session)) == 1, "an e-mail still waiting is not queued twice"
    assert box.messages == [], "nothing is sent in the request: the background job sends"

    report = mail.send_due(engine, _mail_settings(mail_client.app.state.settings, port))
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [(recipients, message)] = box.messages
    assert recipients == ["xiaoming@example.com"]
    assert message["Subject"] == "【售前客服 春季招聘】在线考试邀请"
    assert "jobs@shop.example" in message["From"] and "某某网店招聘" in message["From"]
    body = message.get_body().get_content()  # type: ignore[union-attr]
    assert "王小明，您好" in body and "售前客服 春季招聘" in body and "请勿回复" in body
    link, sent_token = LINK_RE.search(body).groups()  # type: ignore[union-attr]
    assert link.startswith("http://testserver/i/") and sent_token == token

    candidate = TestClient(mail_client.app, follow_redirects=False)
    opened = candidate.get(f"/i/{sent_token}")
    assert opened.status_code == 303 and opened.headers["location"] == f"/candidate/invitations/{invitation.id}"
    notice = candidate.get(opened.headers["location"])
    assert notice.status_code == 200 and "开始考试" in notice.text and "售前客服 春季招聘" in notice.text

    row = mail_client.get(f"/hr/invitations/{invitation.id}/row", headers=HX)
    assert "邮件已发送" in row.text and "every 5s" not in row.text and "再次发送" in row.text
    [delivery] = _deliveries(session)
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None
    assert session.exec(select(AuditLog).where(AuditLog.action == "invitation.email")).first() is not None


def test_a_server_that_is_down_is_retried_and_a_refused_address_fails(session, engine, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    box, port = smtp
    seed_bank(session)
    opening = make_opening(session)
    good, _ = make_invitation(session, opening, "李雷", email="lilei@example.com")
    bounce, _ = make_invitation(session, opening, "韩梅梅", email="bounce@example.com")
    phone_only, _ = make_invitation(session, opening, "赵六", phone="13900139000")
    config = _mail_settings(settings, port)
    queued, skipped = mail.queue_opening(session, config, opening, base_url="https://exam.example.com")
    assert (queued, skipped) == (2, 0)
    with pytest.raises(mail.MailError):
        mail.queue_invitation(session, config, phone_only, base_url="https://exam.example.com")

    now = utcnow()
    down = _mail_settings(settings, _free_port())  # nothing listens there
    report = mail.send_due(engine, down, now=now)
    assert (report.sent, report.retrying) == (0, 2)
    waiting = _deliveries(session)
    assert all(d.status == "queued" and d.attempts == 1 and d.next_attempt_at > now for d in waiting)
    assert all("ConnectionRefusedError" in d.last_error for d in waiting)
    assert mail.send_due(engine, config, now=now).sent == 0, "not before the retry time"

    later = now + mail.RETRY_DELAYS[0] + timedelta(seconds=1)
    report = mail.send_due(engine, config, now=later)
    assert (report.sent, report.failed) == (1, 1)
    by_invitation = {d.invitation_id: d for d in _deliveries(session)}
    assert by_invitation[good.id].status == "sent" and by_invitation[good.id].attempts == 2
    assert by_invitation[bounce.id].status == "failed" and "550" in by_invitation[bounce.id].last_error
    [(recipients, message)] = box.messages
    assert recipients == ["lilei@example.com"] and "https://exam.example.com/i/" in message.get_body().get_content()  # type: ignore[union-attr]
    assert mail.queue_opening(session, config, opening, base_url="https://x.example") == (0, 0)


def test_retries_end_and_a_withdrawn_invitation_is_not_sent(session, engine, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    box, port = smtp
    seed_bank(session)
    opening = make_opening(session)
    kept, _ = make_invitation(session, opening, "周一", email="zhou@example.com")
    withdrawn, _ = make_invitation(session, opening, "吴二", email="wu@example.com")
    config = _mail_settings(settings, port)
    mail.queue_opening(session, config, opening, base_url="http://testserver")
    from exam.services import openings

    openings.revoke(session, withdrawn)
    session.commit()
    down, now = _mail_settings(settings, _free_port()), utcnow()
    for _ in range(len(mail.RETRY_DELAYS) + 1):
        mail.send_due(engine, down, now=now)
        now += mail.RETRY_DELAYS[-1] + timedelta(seconds=1)
    by_invitation = {d.invitation_id: d for d in _deliveries(session)}
    assert by_invitation[kept.id].status == "failed" and by_invitation[kept.id].attempts == len(mail.RETRY_DELAYS) + 1
    assert (
        by_invitation[withdrawn.id].status == "failed" and "no longer be used" in by_invitation[withdrawn.id].last_error
    )
    assert box.messages == []


def test_without_smtp_hr_is_told_and_nothing_is_queued(client, session, login_as) -> None:  # type: ignore[no-untyped-def]
    seed_bank(session)
    opening = make_opening(session)
    invitation, _ = make_invitation(session, opening, "孙七", email="sun@example.com")
    login_as("hr")
    page = client.get(f"/hr/openings/{opening.id}")
    assert "服务器未设置邮件发送" in page.text and "发送邮件" not in page.text
    csrf = csrf_of(client, f"/hr/openings/{opening.id}")
    refused = client.post(f"/hr/invitations/{invitation.id}/email", headers=HX, data={"csrf_token": csrf})
    assert refused.status_code == 422 and "EXAM_SMTP_HOST" in refused.text
    assert _deliveries(session) == []


def test_qr_code_and_printable_sheet(client, session, login_as) -> None:  # type: ignore[no-untyped-def]
    seed_bank(session)
    opening = make_opening(session, title="周末招聘日")
    used, token = make_invitation(session, opening, "陈一", phone="13700137000")
    gone, _ = make_invitation(session, opening, "林二", phone="13700137001")
    from exam.services import openings

    openings.revoke(session, gone)
    session.commit()
    assert client.get(f"/hr/invitations/{used.id}/qr.svg").status_code in (302, 303, 401)
    login_as("hr")
    qr = client.get(f"/hr/invitations/{used.id}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.headers["cache-control"] == "no-store" and b"<svg" in qr.content
    assert client.get("/hr/invitations/999999/qr.svg").status_code == 404

    sheet = client.get(f"/hr/openings/{opening.id}/print")
    assert sheet.status_code == 200 and sheet.headers["cache-control"] == "no-store"
    assert "周末招聘日" in sheet.text and "陈一" in sheet.text and "林二" not in sheet.text
    assert f"http://testserver/i/{token}" in sheet.text and sheet.text.count("<svg") == 1
    assert "打印" in sheet.text

    import segno  # the QR code on the sheet encodes exactly the link (decoded back from its modules)

    svg = re.search(r"<svg.*?</svg>", sheet.text, re.S).group(0)  # type: ignore[union-attr]
    expected = segno.make(f"http://testserver/i/{token}", error="m").svg_inline(
        omitsize=True, dark="#000", light="#fff"
    )
    assert re.sub(r"<title>.*?</title>", "", svg) == re.sub(r"<title>.*?</title>", "", expected)


def test_links_survive_a_change_of_secret_key(session, engine, settings, smtp, make_user) -> None:  # type: ignore[no-untyped-def]
    box, port = smtp
    seed_bank(session)
    opening = make_opening(session)
    invitation, token = make_invitation(session, opening, "郑八", email="zheng@example.com")  # made under SECRET
    rotated = _mail_settings(
        settings,
        port,
        secret_key="a-brand-new-secret-key-0123456789",
        secret_key_previous=settings.secret_key,
    )
    app = create_app(rotated, engine=engine, run_background=False)
    with TestClient(app, follow_redirects=False) as hr:
        _login_hr(hr, make_user)
        page = hr.get(f"/hr/openings/{opening.id}")
        assert f"/i/{token}" in page.text, "HR still sees the link made under the previous key"
        csrf = csrf_of(hr, f"/hr/openings/{opening.id}")
        assert hr.post(f"/hr/invitations/{invitation.id}/email", data={"csrf_token": csrf}).status_code == 303
        assert mail.send_due(engine, rotated).sent == 1
        assert f"/i/{token}" in box.messages[0][1].get_body().get_content()  # type: ignore[union-attr]
        candidate = TestClient(app, follow_redirects=False)
        assert candidate.get(f"/i/{token}").status_code == 303, "the link keeps working for the candidate"

    forgotten = rotated.model_copy(update={"secret_key_previous": ""})
    app = create_app(forgotten, engine=engine, run_background=False)
    with TestClient(app, follow_redirects=False) as hr:
        assert _login_ok(hr)
        page = hr.get(f"/hr/openings/{opening.id}")
        assert f"/i/{token}" not in page.text and "更早的密钥" in page.text
        candidate = TestClient(app, follow_redirects=False)
        assert candidate.get(f"/i/{token}").status_code == 303, "a sent link works even without the old key"


def _login_ok(client: TestClient) -> bool:
    from tests.conftest import PASSWORDS, login

    return login(client, "hr", PASSWORDS["hr"]).status_code == 303  # type: ignore[attr-defined]


def test_invitation_message_reads_well(settings) -> None:  # type: ignore[no-untyped-def]
    from exam.models import Opening

    opening = Opening(title="售后客服", profile_id="p", profile_version=1, opens_at=utcnow(), closes_at=utcnow())
    invitation = Invitation(
        opening_id=1,
        token_hash="x",
        name="钱九",
        email="qian@example.com",
        extra_time_factor=1.5,
        expires_at=utcnow() + timedelta(days=3),
    )  # type: ignore[call-arg]
    message = mail.invitation_message(
        _mail_settings(settings, 25), invitation, opening, "https://exam.example.com/i/abc"
    )
    body = message.get_body().get_content()  # type: ignore[union-attr]
    assert "1.5" in body and "https://exam.example.com/i/abc" in body and "{{" not in body
    assert message["To"] == "qian@example.com" and message["Auto-Submitted"] == "auto-generated"
    english = mail.invitation_message(
        _mail_settings(settings, 25, default_locale="en"), invitation, opening, "https://exam.example.com/i/abc"
    )
    assert english["Subject"] == "Your online exam for 售后客服"
