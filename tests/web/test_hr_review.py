"""HR review pages through the app: ranking, report, overrides, decisions, compare, exports, data rights."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from exam.models import Answer, Attempt, AuditLog, IntegrityEvent, Invitation, Opening, Role, User
from exam.services import accounts, data_rights
from exam.services.sample import seed_opening
from exam.timeutil import utcnow
from tests.conftest import PASSWORDS, csrf_of

HX = {"HX-Request": "true", "HX-Target": "ranking-results"}


@pytest.fixture
def data(session):  # type: ignore[no-untyped-def]
    """An opening with 12 graded candidates (real answers) and 1 still taking the exam."""
    owner = accounts.get_user(session, "hr") or accounts.create_user(session, "hr", Role.hr, PASSWORDS["hr"])
    sample = seed_opening(session, 12, in_progress=1, seed=11, created_by=owner)
    session.commit()
    return sample


@pytest.fixture
def hr(login_as):  # type: ignore[no-untyped-def]
    return login_as("hr")


def _token(client, path="/hr"):  # type: ignore[no-untyped-def]
    return csrf_of(client, path)


def _reload(session, obj):  # type: ignore[no-untyped-def]
    session.rollback()  # end the test's read transaction (a snapshot in WAL mode) and expire everything
    return session.get(type(obj), obj.id)


def _form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form data with repeated keys (httpx takes a dict of lists)."""
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _ranked_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr id="row-(\d+)"', html)]


def _reply_answer(session, attempt_id: int) -> Answer:  # type: ignore[no-untyped-def]
    return session.exec(
        select(Answer)
        .where(Answer.attempt_id == attempt_id, Answer.section_id == "communication")
        .order_by(Answer.position)
    ).first()


# --- access ---------------------------------------------------------------------------------


def test_pages_need_hr(client, data, make_user, login_as) -> None:  # type: ignore[no-untyped-def]
    oid, aid = data.opening.id, data.attempt_ids[0]
    assert client.get(f"/hr/openings/{oid}/ranking").status_code == 401
    login_as("trainer")
    assert client.get(f"/hr/openings/{oid}/ranking").status_code == 403
    assert client.get(f"/hr/openings/{oid}/export.csv").status_code == 403
    assert client.get(f"/hr/attempts/{aid}/data.json").status_code == 403
    assert client.get(f"/hr/attempts/{aid}").status_code == 200  # trainers review replies


def test_candidate_cannot_see_reports(client, data, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as("candidate")
    assert client.get(f"/hr/attempts/{data.attempt_ids[0]}").status_code == 403


def test_unknown_ids_are_404(client, data, hr) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/hr/openings/9999/ranking").status_code == 404
    assert client.get("/hr/attempts/9999").status_code == 404


# --- ranking --------------------------------------------------------------------------------


def test_ranking_page_lists_candidates_in_rank_order(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/hr/openings/{data.opening.id}/ranking")
    assert r.status_code == 200
    html = r.text
    for text in ("录用分", "推荐等级", "硬性要求", "百分位", "分数分布", "导出 CSV", "打字速度"):
        assert text in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html and 'id="dist-table"' in html
    ids = _ranked_ids(html)
    assert len(ids) == 13
    attempts = {a.id: a for a in session.exec(select(Attempt)).all()}
    # the chart's bars count exactly the scored candidates, split by the hard requirements
    bars = re.findall(r'<rect class="bar-(met|failed)"[^>]*><title>[^<]*?(\d+)</title>', html)
    met = sum(int(n) for kind, n in bars if kind == "met")
    failed = sum(int(n) for kind, n in bars if kind == "failed")
    scored = [a for a in attempts.values() if a.hiring_score is not None]
    assert met == sum(1 for a in scored if a.hard_requirements_met) > 0
    assert failed == sum(1 for a in scored if not a.hard_requirements_met) > 0
    keys = [(0 if attempts[i].hard_requirements_met else 1, -(attempts[i].hiring_score or -1)) for i in ids]
    assert keys == sorted(keys)
    assert attempts[ids[-1]].status == "in_progress"


def test_htmx_request_gets_the_table_only(client, data, hr) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/hr/openings/{data.opening.id}/ranking?requirements=met", headers=HX)
    assert r.status_code == 200
    assert "<html" not in r.text and 'id="ranking-table"' in r.text
    assert "已筛选" in r.text


def test_sort_filter_and_paginate(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    attempts = session.exec(select(Attempt).where(Attempt.opening_id == oid)).all()
    r = client.get(f"/hr/openings/{oid}/ranking?sort=score&dir=asc")
    scores = [session.get(Attempt, i).hiring_score for i in _ranked_ids(r.text)]
    assert [s for s in scores if s is not None] == sorted(s for s in scores if s is not None)
    assert 'aria-sort="ascending"' in r.text
    r = client.get(f"/hr/openings/{oid}/ranking?requirements=failed&signals=none")
    expected = {a.id for a in attempts if a.hard_requirements_met is False and a.signal_count == 0}
    assert set(_ranked_ids(r.text)) == expected
    r = client.get(f"/hr/openings/{oid}/ranking?score_min=50&score_max=80")
    assert set(_ranked_ids(r.text)) == {
        a.id for a in attempts if a.hiring_score is not None and 50 <= a.hiring_score <= 80
    }
    r = client.get(f"/hr/openings/{oid}/ranking?per_page=10&page=2")
    assert len(_ranked_ids(r.text)) == 3 and "第 2 页，共 2 页" in r.text
    name = session.get(Invitation, attempts[0].invitation_id).name
    r = client.get(f"/hr/openings/{oid}/ranking", params={"q": name})
    assert attempts[0].id in _ranked_ids(r.text)
    r = client.get(f"/hr/openings/{oid}/ranking?score_min=abc&sort=bogus&page=-3")
    assert r.status_code == 200 and len(_ranked_ids(r.text)) == 13


# --- report -----------------------------------------------------------------------------------


def test_report_numbers_add_up_and_show_evidence(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, data.attempt_ids[0])
    r = client.get(f"/hr/attempts/{attempt.id}")
    assert r.status_code == 200
    html = r.text
    from exam.services.reports import person

    assert f'<h1 id="candidate-name">{person(session, attempt)[0]}</h1>' in html
    contributions = [float(x) for x in re.findall(r'<td class="num contribution">([\d.]+)</td>', html)]
    total = float(re.search(r'id="contribution-total">([\d.]+)<', html).group(1))
    shown = float(re.search(r'id="hiring-score">([\d.]+)<', html).group(1))
    assert round(sum(contributions), 1) == total == shown == attempt.hiring_score
    assert "录用分是怎么算出来的" in html and "计入录用分" in html
    assert "打字速度变化曲线" in html and "净速度" in html
    assert "售前客服负责在购买前提供产品信息" in html  # a choice question's explanation
    assert re.search(r'<mark class="(good|bad)"', html)  # matched phrases highlighted
    assert "诚信信号时间线" in html
    assert "@media print" not in html and "/static/css/hr_review.css" in html


def test_report_shows_integrity_events(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, data.attempt_ids[1])
    session.add(
        IntegrityEvent(
            attempt_id=attempt.id,
            kind="paste",
            detail={"chars": 42},
            at=attempt.started_at + timedelta(minutes=3, seconds=5),
        )
    )
    session.commit()
    html = client.get(f"/hr/attempts/{attempt.id}").text
    assert "03:05" in html and "42 个字" in html and "chars: 42" not in html


def test_unfinished_attempt_report(client, data, hr) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/hr/attempts/{data.attempt_ids[-1]}")
    assert r.status_code == 200 and "尚未评分" in r.text


# --- overrides ----------------------------------------------------------------------------------


def test_override_changes_scores_rank_and_is_audited(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    before_ids = _ranked_ids(client.get(f"/hr/openings/{oid}/ranking").text)
    top = session.get(Attempt, before_ids[0])
    answer = _reply_answer(session, top.id)
    crit = answer.result["criteria"][0]
    old_score = top.hiring_score
    token = _token(client, f"/hr/attempts/{top.id}")
    # every criterion of every reply to 0: the top candidate must drop
    for a in session.exec(
        select(Answer).where(Answer.attempt_id == top.id, Answer.section_id == "communication")
    ).all():
        for c in a.result["criteria"]:
            r = client.post(
                f"/hr/attempts/{top.id}/override",
                data={
                    "csrf_token": token,
                    "answer_id": a.id,
                    "criterion_id": c["id"],
                    "points": "0",
                    "comment": "回复没有针对顾客的问题",
                },
            )
            assert r.status_code == 303, r.text[:500]
    top = _reload(session, top)
    assert top.hiring_score < old_score
    answer = _reload(session, answer)
    assert answer.overrides[crit["id"]] == 0.0
    entries = session.exec(
        select(AuditLog).where(AuditLog.action == "review.override", AuditLog.target_id == str(top.id))
    ).all()
    assert entries and entries[0].actor_id == hr.id and entries[0].comment == "回复没有针对顾客的问题"
    assert entries[0].before["points"] == crit["points"] and entries[0].after["points"] == 0.0
    assert entries[-1].after["hiring_score"] == top.hiring_score
    after_ids = _ranked_ids(client.get(f"/hr/openings/{oid}/ranking").text)
    assert after_ids.index(top.id) > 0
    ranking_html = client.get(f"/hr/openings/{oid}/ranking").text
    row = re.search(rf'<tr id="row-{top.id}".*?</tr>', ranking_html, re.S).group(0)
    assert "已人工调整" in row
    report = client.get(f"/hr/attempts/{top.id}").text
    assert "评分已人工调整" in report and "回复没有针对顾客的问题" in report and "自动评分" in report
    # restoring the automatic mark
    r = client.post(
        f"/hr/attempts/{top.id}/override",
        data={
            "csrf_token": token,
            "answer_id": answer.id,
            "criterion_id": crit["id"],
            "remove": "1",
            "comment": "恢复",
        },
    )
    assert r.status_code == 303
    assert crit["id"] not in _reload(session, answer).overrides
    assert session.exec(select(AuditLog).where(AuditLog.action == "review.override_removed")).first()


@pytest.mark.parametrize(
    "form, message",
    [
        ({"points": "5", "comment": ""}, "请填写原因说明"),
        ({"points": "999", "comment": "x"}, "分数必须在 0 到"),
        ({"points": "abc", "comment": "x"}, "分数必须是数字"),
        ({"points": "", "comment": "x"}, "请填写分数"),
        ({"points": "1", "comment": "x", "criterion_id": "nope"}, "没有评分维度"),
    ],
)
def test_override_refusals(client, session, data, hr, form, message) -> None:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, data.attempt_ids[0])
    answer = _reply_answer(session, attempt.id)
    payload = {
        "csrf_token": _token(client),
        "answer_id": answer.id,
        "criterion_id": answer.result["criteria"][0]["id"],
        **form,
    }
    r = client.post(f"/hr/attempts/{attempt.id}/override", data=payload)
    assert r.status_code == 422
    assert message in r.text
    assert _reload(session, answer).overrides == {}
    assert _reload(session, attempt).hiring_score == attempt.hiring_score


def test_override_of_a_choice_answer_is_refused(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, data.attempt_ids[0])
    choice = session.exec(
        select(Answer).where(Answer.attempt_id == attempt.id, Answer.section_id == "knowledge")
    ).first()
    r = client.post(
        f"/hr/attempts/{attempt.id}/override",
        data={"csrf_token": _token(client), "answer_id": choice.id, "criterion_id": "x", "points": "1", "comment": "x"},
    )
    assert r.status_code == 422 and "只有客户回复题" in r.text


def test_override_of_another_attempts_answer_is_404(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    answer = _reply_answer(session, data.attempt_ids[1])
    r = client.post(
        f"/hr/attempts/{data.attempt_ids[0]}/override",
        data={
            "csrf_token": _token(client),
            "answer_id": answer.id,
            "criterion_id": "courtesy",
            "points": "1",
            "comment": "x",
        },
    )
    assert r.status_code == 404


def test_override_needs_csrf(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    answer = _reply_answer(session, data.attempt_ids[0])
    r = client.post(
        f"/hr/attempts/{data.attempt_ids[0]}/override",
        data={"answer_id": answer.id, "criterion_id": "courtesy", "points": "1", "comment": "x"},
    )
    assert r.status_code == 403


def test_trainer_may_not_override(client, session, data, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as("trainer")
    attempt = session.get(Attempt, data.attempt_ids[2])
    answer = _reply_answer(session, attempt.id)
    r = client.post(
        f"/hr/attempts/{attempt.id}/override",
        data={
            "csrf_token": _token(client, "/trainer"),
            "answer_id": answer.id,
            "criterion_id": "courtesy",
            "points": "3",
            "comment": "评分细则外的礼貌说法",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 403  # trainers calibrate rubrics; HR's marks are HR's (README: Security)
    session.rollback()
    assert session.exec(select(AuditLog).where(AuditLog.action == "review.override")).first() is None
    # a trainer cannot decide
    r = client.post(
        f"/hr/attempts/{attempt.id}/decision",
        data={"csrf_token": _token(client, "/trainer"), "decision": "hire", "note": "x"},
    )
    assert r.status_code == 403


# --- decisions ------------------------------------------------------------------------------------


def test_decision_needs_a_note_and_is_audited(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, data.attempt_ids[0])
    token = _token(client)
    r = client.post(f"/hr/attempts/{attempt.id}/decision", data={"csrf_token": token, "decision": "hire", "note": " "})
    assert r.status_code == 422 and "请填写原因说明" in r.text
    r = client.post(f"/hr/attempts/{attempt.id}/decision", data={"csrf_token": token, "decision": "fire", "note": "x"})
    assert r.status_code == 422
    r = client.post(
        f"/hr/attempts/{attempt.id}/decision",
        data={"csrf_token": token, "decision": "shortlist", "note": "面试沟通顺畅"},
    )
    assert r.status_code == 303
    attempt = _reload(session, attempt)
    assert attempt.decision == "shortlist" and attempt.decision_note == "面试沟通顺畅"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "review.decision")).one()
    assert entry.before["decision"] is None and entry.after["decision"] == "shortlist"
    html = client.get(f"/hr/attempts/{attempt.id}").text
    assert "入围" in html and "面试沟通顺畅" in html
    r = client.get(f"/hr/openings/{data.opening.id}/ranking?decision=shortlist")
    assert _ranked_ids(r.text) == [attempt.id]
    r = client.post(
        f"/hr/attempts/{attempt.id}/decision", data={"csrf_token": token, "decision": "none", "note": "重新评估"}
    )
    assert r.status_code == 303 and _reload(session, attempt).decision is None


def test_bulk_decision(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    ids = data.attempt_ids[:3]
    token = _token(client)
    base = [
        ("csrf_token", token),
        ("action", "decide"),
        ("decision", "reject"),
        ("next", f"/hr/openings/{oid}/ranking?sort=score"),
    ]
    r = client.post(f"/hr/openings/{oid}/bulk", data=_form(base + [("ids", str(i)) for i in ids] + [("note", "")]))
    assert r.status_code == 422 and "请填写原因说明" in r.text
    r = client.post(f"/hr/openings/{oid}/bulk", data=_form(base + [("note", "打字未达标")]))
    assert r.status_code == 422 and "请至少选择一位" in r.text
    r = client.post(
        f"/hr/openings/{oid}/bulk", data=_form(base + [("ids", str(i)) for i in ids] + [("note", "打字未达标")])
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/hr/openings/{oid}/ranking?sort=score&updated=3"
    session.rollback()
    assert {a.decision for a in session.exec(select(Attempt).where(Attempt.id.in_(ids))).all()} == {"reject"}
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "review.decision")).all()) == 3
    assert "已更新 3 位应聘者" in client.get(r.headers["location"]).text
    # an unsafe next is ignored
    r = client.post(
        f"/hr/openings/{oid}/bulk",
        data=_form(base[:-1] + [("next", "https://evil.example/")] + [("ids", str(ids[0])), ("note", "打字未达标 2")]),
    )
    assert r.headers["location"].startswith(f"/hr/openings/{oid}/ranking")


def test_bulk_ignores_attempts_of_other_openings(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    session.commit()
    other = seed_opening(
        session, 2, seed=4, with_answers=False, title="别的岗位", created_by=accounts.get_user(session, "hr")
    )
    session.commit()
    r = client.post(
        f"/hr/openings/{data.opening.id}/bulk",
        data=_form(
            [
                ("csrf_token", _token(client)),
                ("action", "decide"),
                ("decision", "hire"),
                ("note", "x"),
                ("ids", str(other.attempt_ids[0])),
            ]
        ),
    )
    assert r.status_code == 303
    session.rollback()
    assert session.get(Attempt, other.attempt_ids[0]).decision is None


# --- compare ------------------------------------------------------------------------------------


def test_compare(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    ids = data.attempt_ids[:3]
    r = client.post(
        f"/hr/openings/{oid}/bulk",
        data=_form([("csrf_token", _token(client)), ("action", "compare")] + [("ids", str(i)) for i in ids]),
    )
    assert r.status_code == 303 and "/compare?ids=" in r.headers["location"]
    r = client.get(r.headers["location"])
    assert r.status_code == 200
    html = r.text
    for i in ids:
        assert f'data-attempt="{i}"' in html
    for text in ("对比应聘者", "录用分", "打字速度", "硬性要求", "诚信信号", "净打字速度"):
        assert text in html
    assert 'class="best"' in html
    assert client.get(f"/hr/openings/{oid}/compare?ids={ids[0]}").status_code == 422
    five = "&".join(f"ids={i}" for i in data.attempt_ids[:5])
    assert client.get(f"/hr/openings/{oid}/compare?{five}").status_code == 422
    session.commit()
    other = seed_opening(
        session, 2, seed=4, with_answers=False, title="别的岗位", created_by=accounts.get_user(session, "hr")
    )
    session.commit()
    assert client.get(f"/hr/openings/{oid}/compare?ids={ids[0]}&ids={other.attempt_ids[0]}").status_code == 404
    r = client.post(
        f"/hr/openings/{oid}/bulk",
        data=_form([("csrf_token", _token(client)), ("action", "compare"), ("ids", str(ids[0]))]),
    )
    assert r.status_code == 422 and "请选择 2 到 4 位" in r.text


# --- exports ------------------------------------------------------------------------------------


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_chinese_filters_and_injection(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, data.attempt_ids[0])
    invitation = session.get(Invitation, attempt.invitation_id)
    invitation.name = '=HYPERLINK("http://evil","点我")'
    session.add(invitation)
    session.commit()
    r = client.get(f"/hr/openings/{data.opening.id}/export.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and "filename*=UTF-8''" in r.headers["content-disposition"]
    rows = _csv_rows(r.content)
    header = rows[0]
    for text in ("排名", "应聘者", "录用分", "推荐等级", "满足硬性要求", "百分位", "诚信信号", "决定"):
        assert text in header
    assert "打字速度 · 数值 (字/分钟)" in header and "打字速度 · 贡献" in header
    assert len(rows) == 14
    names = [row[header.index("应聘者")] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil","点我")' in names
    scores = {row[header.index("答卷编号")]: row[header.index("录用分")] for row in rows[1:]}
    assert float(scores[str(attempt.id)]) == attempt.hiring_score
    assert any(row[header.index("推荐等级")] in ("强烈推荐", "推荐", "待定", "不推荐") for row in rows[1:])
    filtered = _csv_rows(client.get(f"/hr/openings/{data.opening.id}/export.csv?requirements=met").content)
    met = session.exec(
        select(Attempt).where(Attempt.opening_id == data.opening.id, Attempt.hard_requirements_met.is_(True))
    ).all()
    assert len(filtered) - 1 == len(met)
    session.rollback()
    assert session.exec(select(AuditLog).where(AuditLog.action == "ranking.export")).first() is not None


def test_xlsx_export(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/hr/openings/{data.opening.id}/export.xlsx?sort=score")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    assert "录用分" in header and "推荐等级" in header and "打字速度 · 得分" in header
    col = header.index("录用分")
    scores = [row[col].value for row in ws.iter_rows(min_row=2) if row[col].value is not None]
    assert scores == sorted(scores, reverse=True) and all(isinstance(s, (int, float)) for s in scores)
    names = [row[header.index("应聘者")].value for row in ws.iter_rows(min_row=2)]
    assert all(re.match(r"^[\u4e00-\u9fff]{2,3}$", n) for n in names)


# --- data rights ------------------------------------------------------------------------------------


def test_candidate_data_export(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    aid = data.attempt_ids[0]
    r = client.get(f"/hr/attempts/{aid}/data.json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    payload = json.loads(r.content.decode("utf-8"))
    assert payload["format"] == "exam-candidate-data/1"
    assert payload["candidate"]["id"] == data.candidate_ids[0]
    assert "password_hash" not in payload["candidate"]
    assert payload["invitations"] and "token_hash" not in payload["invitations"][0]
    attempt = payload["attempts"][0]
    assert attempt["id"] == aid and attempt["answers"] and attempt["results"]["hiring"]["score"] is not None
    assert "integrity_events" in attempt and "sections" in attempt
    session.rollback()
    assert session.exec(select(AuditLog).where(AuditLog.action == "candidate.export")).first() is not None


def test_delete_candidate(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    aid, cid = data.attempt_ids[0], data.candidate_ids[0]
    token = _token(client)
    r = client.post(f"/hr/attempts/{aid}/delete", data={"csrf_token": token, "comment": "本人要求删除"})
    assert r.status_code == 422 and "请勾选确认删除" in r.text
    r = client.post(f"/hr/attempts/{aid}/delete", data={"csrf_token": token, "confirm": "yes", "comment": ""})
    assert r.status_code == 422
    r = client.post(
        f"/hr/attempts/{aid}/delete", data={"csrf_token": token, "confirm": "yes", "comment": "本人要求删除"}
    )
    assert r.status_code == 303 and r.headers["location"].endswith("deleted=1")
    session.rollback()
    assert session.get(User, cid) is None and session.get(Attempt, aid) is None
    assert session.exec(select(Answer).where(Answer.attempt_id == aid)).first() is None
    assert session.exec(select(Invitation).where(Invitation.candidate_id == cid)).first() is None
    entry = session.exec(select(AuditLog).where(AuditLog.action == "candidate.delete")).one()
    assert entry.actor_id == hr.id and entry.comment == "本人要求删除"
    assert entry.before["attempts"] == [aid] and "name" not in json.dumps(entry.before)
    r = client.get(f"/hr/openings/{data.opening.id}/ranking")
    assert aid not in _ranked_ids(r.text) and len(_ranked_ids(r.text)) == 12
    assert client.get(f"/hr/attempts/{aid}").status_code == 404


def test_retention_purge(session, data) -> None:  # type: ignore[no-untyped-def]
    session.commit()
    other = seed_opening(
        session, 3, seed=8, with_answers=False, title="保留中", created_by=accounts.get_user(session, "hr")
    )
    opening = session.get(Opening, data.opening.id)
    opening.closes_at = utcnow() - timedelta(days=opening.retention_days + 1)
    session.add(opening)
    session.commit()
    dry = data_rights.purge_expired(session, dry_run=True)
    assert dry.openings == [opening.id] and dry.attempts == 13
    session.rollback()
    report = data_rights.purge_expired(session)
    session.commit()
    assert report.openings == [opening.id] and report.attempts == 13 and report.candidates == 13
    assert session.exec(select(Attempt).where(Attempt.opening_id == opening.id)).first() is None
    assert session.exec(select(Invitation).where(Invitation.opening_id == opening.id)).first() is None
    assert len(session.exec(select(Attempt).where(Attempt.opening_id == other.opening.id)).all()) == 3
    assert session.exec(select(AuditLog).where(AuditLog.action == "retention.purge")).one().target_id == str(opening.id)
    again = data_rights.purge_expired(session)
    assert again.openings == []


def test_retention_not_yet_due(session, data) -> None:  # type: ignore[no-untyped-def]
    opening = session.get(Opening, data.opening.id)
    opening.closes_at = utcnow() - timedelta(days=opening.retention_days - 1)
    session.add(opening)
    session.commit()
    assert data_rights.purge_expired(session).openings == []


def test_retention_job_runs(app, session, data) -> None:  # type: ignore[no-untyped-def]
    from exam.services.jobs import JOBS

    job = next(job for job in JOBS if job.name == "retention_purge")
    opening = session.get(Opening, data.opening.id)
    opening.closes_at = utcnow() - timedelta(days=400)
    session.add(opening)
    session.commit()
    job.run(app.state.engine, app.state.settings)
    session.rollback()
    assert session.exec(select(Attempt).where(Attempt.opening_id == opening.id)).first() is None


def test_purge_command(engine, session, data) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from exam.cli import main

    opening = session.get(Opening, data.opening.id)
    opening.closes_at = utcnow() - timedelta(days=opening.retention_days + 2)
    session.add(opening)
    session.commit()
    env = {
        "EXAM_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "EXAM_ENVIRONMENT": "test",
        "EXAM_SECRET_KEY": "test-secret-key-0123456789abcdef",
    }
    result = CliRunner().invoke(main, ["purge", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "would delete: 13 attempts" in result.output
    result = CliRunner().invoke(main, ["purge"], env=env)
    assert result.exit_code == 0 and "deleted: 13 attempts" in result.output
    session.rollback()
    assert session.exec(select(Attempt).where(Attempt.opening_id == opening.id)).first() is None
