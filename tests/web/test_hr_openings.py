"""HR: openings, invitations one by one or by CSV, links and status, extra time, withdrawal."""

import re

from sqlmodel import select

from exam import security
from exam.models import AuditLog, Invitation, Opening
from tests.conftest import csrf_of
from tests.web.candidate_helpers import follow_and_start, make_invitation, make_opening, seed_bank

HX = {"HX-Request": "true"}


def _opening_form(**overrides: str) -> dict[str, str]:
    form = {
        "title": "售前客服 春季招聘",
        "profile_id": "t.presale",
        "opens_at": "2026-01-01T08:00",
        "closes_at": "2099-01-01T08:00",
        "retention_days": "90",
        "show_result": "1",
    }
    form.update(overrides)
    return form


def test_hr_creates_an_opening_from_a_job_profile(client, session, login_as) -> None:
    seed_bank(session)
    login_as("hr")
    home = client.get("/hr")
    assert home.status_code == 200 and "新建招聘岗位" in home.text and "t.presale" in home.text
    token = csrf_of(client, "/hr")
    bad = client.post("/hr/openings", data={**_opening_form(closes_at="2025-01-01T08:00"), "csrf_token": token})
    assert bad.status_code == 422 and "截止时间必须晚于开始时间" in bad.text
    assert client.post("/hr/openings", data={**_opening_form(title=" "), "csrf_token": token}).status_code == 422
    assert (
        client.post("/hr/openings", data={**_opening_form(profile_id="nope"), "csrf_token": token}).status_code == 422
    )
    assert client.post("/hr/openings", data={**_opening_form(opens_at="soon"), "csrf_token": token}).status_code == 422
    r = client.post("/hr/openings", data={**_opening_form(), "csrf_token": token})
    assert r.status_code == 303
    opening = session.exec(select(Opening)).one()
    assert r.headers["location"] == f"/hr/openings/{opening.id}"
    assert opening.profile_version == 1 and opening.show_result and opening.retention_days == 90
    assert opening.opens_at.isoformat() == "2026-01-01T00:00:00+00:00"  # entered in Beijing time (UTC+8)
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and f"/hr/openings/{opening.id}/ranking" in page.text
    assert "售前客服 春季招聘" in client.get("/hr").text
    assert session.exec(select(AuditLog).where(AuditLog.action == "opening.create")).first() is not None


def test_hr_invites_one_by_one_and_sees_the_link_and_status(client, session, login_as) -> None:
    seed_bank(session)
    opening = make_opening(session)
    login_as("hr")
    token = csrf_of(client, f"/hr/openings/{opening.id}")
    r = client.post(
        f"/hr/openings/{opening.id}/invitations",
        headers=HX,
        data={"name": "张三", "phone": "13800138000", "email": "", "extra_time_factor": "1.5", "csrf_token": token},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith('<section class="card" id="invitations"')
    links = re.findall(r"http://testserver/i/([A-Za-z0-9_-]{43})", r.text)
    assert links, r.text
    invitation = session.exec(select(Invitation)).one()
    assert invitation.token_hash == security.token_hash(links[0]) and invitation.extra_time_factor == 1.5
    assert "尚未打开" in r.text
    refused = client.post(
        f"/hr/openings/{opening.id}/invitations",
        headers=HX,
        data={"name": "李四", "phone": "", "email": "", "csrf_token": token},
    )
    assert refused.status_code == 422 and "请填写手机号码或电子邮箱" in refused.text
    # the candidate uses the link; HR sees the status move on
    candidate = client.__class__(client.app, follow_redirects=False)
    follow_and_start(candidate, links[0])
    page = client.get(f"/hr/openings/{opening.id}")
    assert "考试中" in page.text and links[0] in page.text, "HR can show the link again"


def test_csv_upload_keeps_good_rows_and_reports_bad_ones(client, session, login_as) -> None:
    seed_bank(session)
    opening = make_opening(session)
    login_as("hr")
    token = csrf_of(client, f"/hr/openings/{opening.id}")
    csv_bytes = "姓名,手机,邮箱\n王一,13800000001,\n,13800000002,\n钱三,,qian@example.com\n赵四,12345,\n".encode(
        "gb18030"
    )
    r = client.post(
        f"/hr/openings/{opening.id}/invitations/csv",
        headers=HX,
        data={"csrf_token": token},
        files={"file": ("candidates.csv", csv_bytes, "text/csv")},
    )
    assert r.status_code == 200
    assert "已创建 2 个邀请，2 行未导入" in r.text
    assert "第 3 行" in r.text and "第 5 行" in r.text and "12345 不是有效的手机号码" in r.text
    assert sorted(i.name for i in session.exec(select(Invitation))) == ["王一", "钱三"]
    assert len(re.findall(r"/i/[A-Za-z0-9_-]{43}", r.text)) >= 4  # new links box and the table
    empty = client.post(
        f"/hr/openings/{opening.id}/invitations/csv",
        headers=HX,
        data={"csrf_token": token},
        files={"file": ("empty.csv", b"", "text/csv")},
    )
    assert empty.status_code == 422
    no_file = client.post(f"/hr/openings/{opening.id}/invitations/csv", data={"csrf_token": token})
    assert no_file.status_code == 422


def test_extra_time_and_withdrawal(client, session, login_as) -> None:
    seed_bank(session)
    opening = make_opening(session)
    invitation, link = make_invitation(session, opening, "张三", phone="13800138000")
    other, _ = make_invitation(session, opening, "李四", phone="13800138001")
    login_as("hr")
    token = csrf_of(client, f"/hr/openings/{opening.id}")
    r = client.post(
        f"/hr/invitations/{invitation.id}/extra-time",
        headers=HX,
        data={"extra_time_factor": "0.02", "csrf_token": token},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith(f'<tr id="inv-{invitation.id}"')
    session.rollback()
    session.expire_all()
    assert session.get(Invitation, invitation.id).extra_time_factor == 0.02
    bad = client.post(
        f"/hr/invitations/{invitation.id}/extra-time", headers=HX, data={"extra_time_factor": "10", "csrf_token": token}
    )
    assert bad.status_code == 422 and "时间系数必须在" in bad.text
    r = client.post(f"/hr/invitations/{other.id}/revoke", headers=HX, data={"csrf_token": token})
    assert r.status_code == 200 and "已撤回" in r.text
    # once the exam has started, its time is fixed
    candidate = client.__class__(client.app, follow_redirects=False)
    follow_and_start(candidate, link)
    late = client.post(
        f"/hr/invitations/{invitation.id}/extra-time", headers=HX, data={"extra_time_factor": "2", "csrf_token": token}
    )
    assert late.status_code == 422 and "考试已开始" in late.text
    plain = client.post(
        f"/hr/invitations/{invitation.id}/extra-time", data={"extra_time_factor": "2", "csrf_token": token}
    )
    assert plain.status_code == 303


def test_only_hr_manages_openings(client, session, login_as) -> None:
    seed_bank(session)
    opening = make_opening(session)
    assert client.get("/hr").status_code == 401
    login_as("trainer")
    token = csrf_of(client, "/trainer")
    assert client.get(f"/hr/openings/{opening.id}").status_code == 403
    assert (
        client.post(
            f"/hr/openings/{opening.id}/invitations", data={"name": "x", "phone": "13800138000", "csrf_token": token}
        ).status_code
        == 403
    )
    assert session.exec(select(Invitation)).first() is None


def test_unknown_opening_is_404(client, session, login_as) -> None:
    login_as("hr")
    assert client.get("/hr/openings/999").status_code == 404


def test_invite_from_an_excel_file_with_a_time_factor_column(client, session, login_as) -> None:  # type: ignore[no-untyped-def]
    """HR keeps lists in Excel: .xlsx is read, phones stored as numbers keep their digits, the fourth column
    (时间系数) is honoured, and a column nobody recognises is reported instead of dropped."""
    import io

    from openpyxl import Workbook

    seed_bank(session)
    opening = make_opening(session)
    session.commit()
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机", "邮箱", "时间系数", "备注"])
    sheet.append(["王一", 13800138000, "", 1.5, "夜班"])
    sheet.append(["钱三", "", "qian@example.com", None, ""])
    buf = io.BytesIO()
    book.save(buf)
    login_as("hr")
    token = csrf_of(client, f"/hr/openings/{opening.id}")
    r = client.post(
        f"/hr/openings/{opening.id}/invitations/csv",
        headers=HX,
        data={"csrf_token": token},
        files={"file": ("名单.xlsx", buf.getvalue(), "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    assert "第 5 列（“备注”）无法识别" in r.text
    session.expire_all()
    found = {i.name: i for i in session.exec(select(Invitation))}
    assert found["王一"].phone == "13800138000" and found["王一"].extra_time_factor == 1.5
    assert found["钱三"].email == "qian@example.com" and found["钱三"].extra_time_factor == 1.0
