"""Openings, invitation links and the CSV import."""

from datetime import timedelta

import pytest
from sqlmodel import select

from exam import security
from exam.i18n import set_locale
from exam.models import AuditLog, Invitation
from exam.services import openings
from exam.timeutil import utcnow
from tests.web.candidate_helpers import SECRET, make_invitation, make_opening, seed_bank


@pytest.fixture
def opening(session):  # type: ignore[no-untyped-def]
    seed_bank(session)
    return make_opening(session)


def test_invitation_links_are_unguessable_stored_as_hashes_and_expire_with_the_window(session, opening) -> None:
    invitation, token = make_invitation(session, opening, "张三", phone="13800138000")
    assert len(token) >= 43 and token not in invitation.token_hash
    assert invitation.token_hash == security.token_hash(token)
    assert openings.find_invitation(session, token).id == invitation.id
    assert openings.find_invitation(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert openings.invitation_token(SECRET, invitation) == token, "HR can show the same link again"
    assert openings.invitation_token("another-secret-key-0123456789", invitation) != token
    assert invitation.expires_at == opening.closes_at
    other, other_token = make_invitation(session, opening, "李四", email="li@example.com")
    assert other_token != token
    assert session.exec(select(AuditLog).where(AuditLog.action == "invitation.create")).all()


def test_invitations_need_a_name_and_a_valid_contact_and_no_duplicates(session, opening) -> None:
    for kwargs, message in [
        ({"name": "", "phone": "13800138000"}, "name"),
        ({"name": "王五"}, "phone number or an e-mail"),
        ({"name": "王五", "email": "not-an-email"}, "e-mail"),
        ({"name": "王五", "phone": "12"}, "phone"),
        ({"name": "王五", "phone": "13800138001", "extra_time_factor": "9"}, "between"),
        ({"name": "王五", "phone": "13800138001", "extra_time_factor": "abc"}, "number"),
    ]:
        with pytest.raises(openings.OpeningError, match=message):
            openings.invite(session, opening, secret_key=SECRET, **kwargs)
    openings.invite(session, opening, name="王五", phone="138 0013 8001", secret_key=SECRET)
    with pytest.raises(openings.OpeningError, match="already invited"):
        openings.invite(session, opening, name="王五五", phone="13800138001", secret_key=SECRET)


def test_openings_validate_their_fields(session) -> None:
    seed_bank(session)
    now = utcnow()
    with pytest.raises(openings.OpeningError, match="close after"):
        openings.create_opening(session, title="x", profile_id="t.presale", opens_at=now, closes_at=now)
    with pytest.raises(openings.OpeningError, match="job profile"):
        openings.create_opening(session, title="x", profile_id="nope", opens_at=now, closes_at=now + timedelta(days=1))
    with pytest.raises(openings.OpeningError, match="title"):
        openings.create_opening(
            session, title="  ", profile_id="t.presale", opens_at=now, closes_at=now + timedelta(days=1)
        )
    opening = openings.create_opening(
        session, title="  售前   客服 ", profile_id="t.presale", opens_at=now, closes_at=now + timedelta(days=1)
    )
    assert opening.title == "售前 客服" and opening.profile_version == 1
    assert openings.window_state(opening, now - timedelta(seconds=1)) == "upcoming"
    assert openings.window_state(opening, now + timedelta(hours=1)) == "open"
    assert openings.window_state(opening, now + timedelta(days=2)) == "closed"


def test_nobody_can_be_invited_to_a_closed_opening(session) -> None:
    seed_bank(session)
    opening = make_opening(session, opens_in=timedelta(days=-3), closes_in=timedelta(days=-1))
    with pytest.raises(openings.OpeningError, match="closed"):
        openings.invite(session, opening, name="王五", phone="13800138001", secret_key=SECRET)


def test_csv_keeps_good_rows_and_reports_bad_ones(session, opening) -> None:
    set_locale("en")
    make_invitation(session, opening, "老朋友", phone="13900000009")
    text = (
        "姓名,手机,邮箱,时间系数\n"
        "王一,13800000001,,\n"
        ",13800000002,,\n"
        "赵二,12,,\n"
        "钱三,,qian@example.com,1.5\n"
        "孙四,,,\n"
        "\n"
        "李五,13900000009,,\n"
        "周六,13800000006,,7\n"
    )
    report = openings.import_csv(session, opening, text.encode("utf-8-sig"), secret_key=SECRET)
    assert [inv.name for inv, _ in report.created] == ["王一", "钱三"]
    assert report.created[1][0].extra_time_factor == 1.5 and report.created[1][0].email == "qian@example.com"
    assert [p.line for p in report.problems] == [3, 4, 6, 8, 9]
    messages = " | ".join(p.message for p in report.problems)
    assert "name" in messages and "phone" in messages and "already invited" in messages and "between" in messages
    assert all(openings.find_invitation(session, token) is not None for _, token in report.created)


def test_csv_without_header_in_gbk_with_contact_in_one_column(session, opening) -> None:
    raw = "张三,13800000011\n李四,li4@example.com,1.25\n王五；bad\n".encode("gb18030")
    report = openings.import_csv(session, opening, raw, secret_key=SECRET)
    created = {inv.name: inv for inv, _ in report.created}
    assert created["张三"].phone == "13800000011"
    assert created["李四"].email == "li4@example.com" and created["李四"].extra_time_factor == 1.25
    assert len(report.problems) == 1 and report.problems[0].line == 3


def test_csv_that_is_empty_or_too_big_is_refused(session, opening) -> None:
    with pytest.raises(openings.OpeningError, match="no rows"):
        openings.import_csv(session, opening, b"\n\n", secret_key=SECRET)
    with pytest.raises(openings.OpeningError, match="too large"):
        openings.import_csv(session, opening, b"a" * (openings.MAX_CSV_BYTES + 1), secret_key=SECRET)


def test_extra_time_and_withdrawal_only_before_the_exam_starts(session, opening) -> None:
    from exam.services import attempts

    invitation, _ = make_invitation(session, opening, "张三", phone="13800138000")
    openings.set_extra_time(session, invitation, "1.5")
    assert invitation.extra_time_factor == 1.5
    candidate = openings.candidate_for(session, invitation)
    assert candidate.role == "candidate" and candidate.password_hash is None and candidate.display_name == "张三"
    assert openings.candidate_for(session, invitation).id == candidate.id
    attempts.accept_notice(session, invitation)
    attempts.start_attempt(session, invitation, candidate)
    with pytest.raises(openings.OpeningError, match="started"):
        openings.set_extra_time(session, invitation, "2")
    with pytest.raises(openings.OpeningError, match="started"):
        openings.revoke(session, invitation)
    other, _ = make_invitation(session, opening, "李四", phone="13800138002")
    openings.revoke(session, other)
    assert openings.invitation_status(other, None) == "revoked"
    assert session.get(Invitation, other.id).revoked_at is not None
