"""The candidate's exam through the web: the link, the notice, autosave, clocks, submission, access rules."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from exam.models import Answer, Attempt, AttemptSection, IntegrityEvent, Invitation, User, UserSession
from exam.services import papers
from exam.timeutil import utcnow
from tests.conftest import login
from tests.web.candidate_helpers import csrf, follow_and_start, make_invitation, make_opening, save, seed_bank


def _positions(session, attempt_id: int) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, attempt_id)
    out: dict[str, list[int]] = {}
    for entry in papers.iter_items(attempt.paper):
        out.setdefault(entry.item["type"], []).append(entry.position)
    return out


def _fresh(session, model, ident):  # type: ignore[no-untyped-def]
    """Re-read a row written by the app (a new snapshot, nothing cached)."""
    session.rollback()
    session.expire_all()
    return session.get(model, ident)


def test_the_link_signs_the_candidate_in_and_the_notice_must_be_accepted(client, session) -> None:
    seed_bank(session)
    opening = make_opening(session)
    invitation, token = make_invitation(session, opening, "张三", phone="13800138000")
    r = client.get(f"/i/{token}")
    assert r.status_code == 303 and r.headers["location"] == f"/candidate/invitations/{invitation.id}"
    invitation = _fresh(session, Invitation, invitation.id)
    candidate = session.get(User, invitation.candidate_id)
    assert candidate.role == "candidate" and candidate.display_name == "张三" and candidate.password_hash is None
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    for text in ("打字测试", "服务知识", "客户回复", "数据使用说明", "180", "开始考试"):
        assert text in page.text, text
    token_csrf = csrf(client, r.headers["location"])
    refused = client.post(f"/candidate/invitations/{invitation.id}/start", data={"csrf_token": token_csrf})
    assert refused.status_code == 422 and "勾选同意" in refused.text
    assert session.exec(select(Attempt)).first() is None
    ok = client.post(f"/candidate/invitations/{invitation.id}/start", data={"csrf_token": token_csrf, "accept": "1"})
    assert ok.status_code == 303
    assert _fresh(session, Invitation, invitation.id).notice_accepted_at is not None
    # the same link later (another device, or after closing the tab) leads to the running exam
    other = TestClient(client.app, follow_redirects=False)
    r = other.get(f"/i/{token}")
    assert r.status_code == 303
    assert other.get(r.headers["location"]).headers["location"] == ok.headers["location"]
    session.rollback()
    assert len(session.exec(select(UserSession).where(UserSession.user_id == candidate.id)).all()) == 2


def test_unknown_expired_and_withdrawn_links(client, session) -> None:
    seed_bank(session)
    assert client.get("/i/not-a-real-token").status_code == 404
    closed = make_opening(session, opens_in=timedelta(days=-5), closes_in=timedelta(days=3))
    invitation, token = make_invitation(session, closed, "过期", phone="13800138009")
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.add(invitation)
    session.commit()
    r = client.get(f"/i/{token}")
    assert r.status_code == 410 and "已过期" in r.text
    withdrawn, token2 = make_invitation(session, closed, "撤回", phone="13800138008")
    withdrawn.revoked_at = utcnow()
    session.add(withdrawn)
    session.commit()
    assert client.get(f"/i/{token2}").status_code == 410


def test_staff_following_a_link_are_asked_first(client, session, login_as) -> None:
    seed_bank(session)
    opening = make_opening(session)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    login_as("hr")
    r = client.get(f"/i/{token}")
    assert r.status_code == 200 and "退出登录并以应聘者身份继续" in r.text
    assert client.get("/hr").status_code == 200, "the HR session is untouched until they confirm"
    r = client.post(f"/i/{token}", data={"csrf_token": csrf(client, f"/i/{token}")})
    assert r.status_code == 303
    assert client.get("/hr").status_code == 403


def test_a_whole_exam_with_autosave_reload_and_submission(client, session) -> None:
    seed_bank(session)
    opening = make_opening(session, show_result=True)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    _, attempt_id = follow_and_start(client, token)
    pos = _positions(session, attempt_id)
    page = client.get(f"/candidate/attempts/{attempt_id}")
    assert page.status_code == 200 and "打字测试" in page.text and 'data-section="typing"' in page.text
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    started = client.post(
        f"/candidate/attempts/{attempt_id}/items/{pos['typing'][0]}/start", headers={"X-CSRF-Token": t}
    )
    assert started.status_code == 200 and started.json()["typing"]["started_at"]
    version = started.json()["version"]
    r = save(client, attempt_id, pos["typing"][0], {"text": "亲，您好！欢迎光临"}, version, t, inputs=9, page="p1")
    assert r.status_code == 200 and r.json()["version"] == version + 1
    stale = save(client, attempt_id, pos["typing"][0], {"text": "旧窗口"}, version, t)
    assert stale.status_code == 409 and stale.json()["error"] == "stale"
    assert stale.json()["response"]["text"] == "亲，您好！欢迎光临"
    # a reload shows every answer
    assert "亲，您好！欢迎光临</textarea>" in client.get(f"/candidate/attempts/{attempt_id}").text
    # the sendBeacon form on pagehide works too
    beacon = client.post(
        f"/candidate/attempts/{attempt_id}/items/{pos['typing'][0]}",
        data={
            "csrf_token": t,
            "version": str(version + 1),
            "text": "亲，您好！欢迎光临本店",
            "page": "p1",
            "inputs": "12",
        },
    )
    assert beacon.status_code == 200 and beacon.json()["version"] == version + 2
    r = client.post(f"/candidate/attempts/{attempt_id}/sections/typing/submit", data={"csrf_token": t})
    assert r.status_code == 303 and r.headers["location"] == f"/candidate/attempts/{attempt_id}"
    page = client.get(f"/candidate/attempts/{attempt_id}").text
    assert 'data-section="knowledge"' in page and "第 1 题" in page
    # choice answers are sent as display positions; flags do not touch versions
    sc = pos["single_choice"][0]
    r = save(client, attempt_id, sc, {"choice": "1"}, 0, t)
    assert r.status_code == 200 and r.json()["answered"] is True
    bad = save(client, attempt_id, sc, {"choice": "9"}, 1, t)
    assert bad.status_code == 422
    mc = pos["multiple_choice"][0]
    assert save(client, attempt_id, mc, {"choices": ["0", "2"]}, 0, t).status_code == 200
    tf = pos["true_false"][0]
    assert save(client, attempt_id, tf, {"answer": "false"}, 0, t).status_code == 200
    flag = client.post(
        f"/candidate/attempts/{attempt_id}/items/{tf}/flag", json={"flagged": True}, headers={"X-CSRF-Token": t}
    )
    assert flag.json() == {"ok": True, "flagged": True}
    page = client.get(f"/candidate/attempts/{attempt_id}").text
    assert f'name="choice-{sc}" value="1" checked' in page
    assert f'name="choices-{mc}" value="0" checked' in page and f'name="choices-{mc}" value="2" checked' in page
    assert f'name="answer-{tf}" value="false" checked' in page
    assert 'aria-pressed="true"' in page and "nav-item answered flagged" in page
    # answers to a closed section are refused
    late = save(client, attempt_id, pos["typing"][0], {"text": "补一句"}, version + 2, t)
    assert late.status_code == 409 and late.json()["error"] == "closed"
    client.post(f"/candidate/attempts/{attempt_id}/sections/knowledge/submit", data={"csrf_token": t})
    page = client.get(f"/candidate/attempts/{attempt_id}").text
    assert "店铺信息" in page and "提交试卷" in page, page[page.find("<main") :][:3000]
    reply = pos["reply"][0]
    assert (
        save(
            client,
            attempt_id,
            reply,
            {"text": "亲，您好！我们店铺是统一价不议价的，买两件可以享受九折优惠哦，感谢您的支持！"},
            0,
            t,
            inputs=40,
            page="p2",
        ).status_code
        == 200
    )
    r = client.post(f"/candidate/attempts/{attempt_id}/sections/communication/submit", data={"csrf_token": t})
    assert r.headers["location"] == f"/candidate/attempts/{attempt_id}/done"
    again = client.post(f"/candidate/attempts/{attempt_id}/sections/communication/submit", data={"csrf_token": t})
    assert again.status_code == 303 and again.headers["location"].endswith("/done"), "submitting twice is harmless"
    done = client.get(f"/candidate/attempts/{attempt_id}/done")
    assert done.status_code == 200 and "您的试卷已提交" in done.text and "您的成绩" in done.text
    attempt = _fresh(session, Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.hiring_score is not None
    assert client.get(f"/candidate/attempts/{attempt_id}").headers["location"].endswith("/done")
    assert save(client, attempt_id, reply, {"text": "改"}, 1, t).status_code == 409
    home = client.get("/candidate")
    assert "售前客服 测试岗位" in home.text and "已评分" in home.text


def test_no_result_summary_unless_the_opening_allows_it(client, session) -> None:
    seed_bank(session)
    opening = make_opening(session, show_result=False)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    _, attempt_id = follow_and_start(client, token)
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    for section in ("typing", "knowledge", "communication"):
        client.post(f"/candidate/attempts/{attempt_id}/sections/{section}/submit", data={"csrf_token": t})
    done = client.get(f"/candidate/attempts/{attempt_id}/done")
    assert "您的试卷已提交" in done.text and "您的成绩" not in done.text and "%" not in done.text


def test_the_deadline_is_the_servers_and_late_answers_are_refused(client, session, settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    _, attempt_id = follow_and_start(client, token)
    pos = _positions(session, attempt_id)
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    # the section ran out 20 s ago: beyond the stated grace of 15 s
    session.rollback()
    clock = session.exec(
        select(AttemptSection).where(AttemptSection.attempt_id == attempt_id, AttemptSection.position == 0)
    ).one()
    clock.deadline_at = utcnow() - timedelta(seconds=settings.answer_grace_seconds + 5)
    session.add(clock)
    session.commit()
    late = save(client, attempt_id, pos["typing"][0], {"text": "太晚了"}, 0, t)
    assert late.status_code == 409 and late.json()["error"] == "closed"
    state = client.get(f"/candidate/attempts/{attempt_id}/state").json()
    assert state["section"] == "knowledge" and state["status"] == "in_progress"
    # the whole exam ran out: the next request closes and grades it with what was saved
    attempt = _fresh(session, Attempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(seconds=settings.answer_grace_seconds + 5)
    session.add(attempt)
    session.commit()
    assert save(client, attempt_id, pos["single_choice"][0], {"choice": "0"}, 0, t).status_code == 409
    r = client.get(f"/candidate/attempts/{attempt_id}")
    assert r.status_code == 303 and r.headers["location"].endswith("/done")
    assert _fresh(session, Attempt, attempt_id).status == "graded"


def test_a_second_attempt_is_refused_and_other_candidates_attempts_are_unreachable(client, session) -> None:
    seed_bank(session)
    opening = make_opening(session)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    invitation_id, attempt_id = follow_and_start(client, token)
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    again = client.post(f"/candidate/invitations/{invitation_id}/start", data={"csrf_token": t, "accept": "1"})
    assert again.headers["location"] == f"/candidate/attempts/{attempt_id}"
    assert len(session.exec(select(Attempt)).all()) == 1
    intruder = TestClient(client.app, follow_redirects=False)
    _, token2 = make_invitation(session, opening, "李四", phone="13800138001")
    invitation2, attempt2 = follow_and_start(intruder, token2)
    t2 = csrf(intruder, f"/candidate/attempts/{attempt2}")
    for method, url in [
        ("get", f"/candidate/attempts/{attempt_id}"),
        ("get", f"/candidate/attempts/{attempt_id}/state"),
        ("get", f"/candidate/attempts/{attempt_id}/done"),
        ("get", f"/candidate/invitations/{invitation_id}"),
    ]:
        assert getattr(intruder, method)(url).status_code == 404, url
    for url, body in [
        (f"/candidate/attempts/{attempt_id}/items/0", {"version": 0, "answer": {"text": "x"}}),
        (f"/candidate/attempts/{attempt_id}/items/0/start", {}),
        (f"/candidate/attempts/{attempt_id}/items/0/flag", {"flagged": True}),
        (f"/candidate/attempts/{attempt_id}/events", {"events": [{"kind": "paste"}]}),
    ]:
        assert intruder.post(url, json=body, headers={"X-CSRF-Token": t2}).status_code == 404, url
    r = intruder.post(f"/candidate/attempts/{attempt_id}/sections/typing/submit", data={"csrf_token": t2})
    assert r.status_code == 404
    assert (
        intruder.post(
            f"/candidate/invitations/{invitation_id}/start", data={"csrf_token": t2, "accept": "1"}
        ).status_code
        == 404
    )
    assert _fresh(session, Attempt, attempt_id).current_section == 0
    # staff and anonymous visitors get nothing either
    anonymous = TestClient(client.app, follow_redirects=False)
    assert anonymous.get(f"/candidate/attempts/{attempt_id}").status_code == 401


def test_integrity_signals_from_the_page_and_a_second_device(client, session) -> None:
    seed_bank(session)
    opening = make_opening(session)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    _, attempt_id = follow_and_start(client, token)
    client.get(f"/candidate/attempts/{attempt_id}")
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    r = client.post(
        f"/candidate/attempts/{attempt_id}/events",
        headers={"X-CSRF-Token": t},
        json={
            "events": [
                {"kind": "paste", "detail": {"chars": 30}, "age_ms": 200},
                {"kind": "tab_hidden", "detail": {"seconds": 12.5}},
            ]
        },
    )
    assert r.json() == {"ok": True, "stored": 2}
    # navigator.sendBeacon sends a form with the token inside
    r = client.post(
        f"/candidate/attempts/{attempt_id}/events",
        data={"csrf_token": t, "events": '[{"kind": "window_blur", "detail": {"seconds": 3}}]'},
    )
    assert r.json()["stored"] == 1
    assert (
        client.post(f"/candidate/attempts/{attempt_id}/events", json={"events": [{"kind": "paste"}]}).status_code == 403
    )
    phone = TestClient(client.app, follow_redirects=False)
    r = phone.get(f"/i/{token}")
    phone.get(r.headers["location"])
    phone.get(f"/candidate/attempts/{attempt_id}")
    session.rollback()
    session.expire_all()
    kinds = [
        e.kind
        for e in session.exec(
            select(IntegrityEvent).where(IntegrityEvent.attempt_id == attempt_id).order_by(IntegrityEvent.id)
        )
    ]
    assert kinds == ["session_start", "paste", "tab_hidden", "window_blur", "second_session"]
    assert session.get(Attempt, attempt_id).signal_count == 4


def test_restored_text_after_a_reload_is_not_a_keystroke_signal(client, session) -> None:
    seed_bank(session)
    opening = make_opening(session)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    _, attempt_id = follow_and_start(client, token)
    pos = _positions(session, attempt_id)
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    r = save(
        client, attempt_id, pos["typing"][0], {"text": "亲，您好！欢迎光临"}, 0, t, inputs=0, page="new", restored=True
    )
    assert r.status_code == 200
    r = save(
        client, attempt_id, pos["typing"][0], {"text": "亲，您好！欢迎光临本店，很高兴"}, 1, t, inputs=0, page="new"
    )
    session.rollback()
    session.expire_all()
    kinds = [e.kind for e in session.exec(select(IntegrityEvent).where(IntegrityEvent.attempt_id == attempt_id))]
    assert kinds.count("no_keystrokes") == 1


def test_the_candidate_home_lists_only_their_exams(client, session, make_user) -> None:
    seed_bank(session)
    opening = make_opening(session)
    make_invitation(session, opening, "别人", phone="13800138111")
    make_user("candidate", "plain-candidate")
    login(client, "plain-candidate", "Candidate-test-pass-1")
    page = client.get("/candidate")
    assert page.status_code == 200 and "您还没有考试" in page.text and "别人" not in page.text
    assert session.exec(select(Answer)).first() is None
