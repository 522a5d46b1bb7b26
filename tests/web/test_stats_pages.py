"""The statistics pages and routes: trainers' flags, option analysis, blind scoring, dry run and regrade;
HR's outcomes, validity, SEM bands and rank changes; who may see what."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import select

from exam.models import Answer, Attempt, BlindScore, HireOutcome, Question, RankChange, StatsSnapshot, User
from exam.services.workspace import question_yaml
from tests.conftest import csrf_of
from tests.unit.stats import dataset

HX = {"HX-Request": "true"}
NAMES = {"good": "王小明", "medium": "李晓红", "poor": "张大伟", "copy": "赵丽丽", "short": "钱多多", "english": "孙悦"}


@pytest.fixture
def knowledge(session):  # type: ignore[no-untyped-def]
    opening = dataset.knowledge_opening(session)
    session.commit()
    return opening


@pytest.fixture
def replies(session):  # type: ignore[no-untyped-def]
    """The reply opening, its candidates with real-looking names and phones."""
    opening, attempts = dataset.reply_opening(session)
    for key, attempt in attempts.items():
        user = session.get(User, attempt.candidate_id)
        user.display_name, user.phone = NAMES[key], f"1380013{len(key):04d}"
        session.add(user)
    session.commit()
    answers = {k: session.exec(select(Answer).where(Answer.attempt_id == a.id)).one() for k, a in attempts.items()}
    return opening, attempts, answers


@pytest.fixture
def trainer(client, login_as):  # type: ignore[no-untyped-def]
    user = login_as("trainer")
    return user, csrf_of(client, "/trainer")


@pytest.fixture
def hr(client, login_as):  # type: ignore[no-untyped-def]
    user = login_as("hr")
    return user, csrf_of(client, "/hr")


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(re.sub(r"<[^>]+>", " ", response.text))


# --- access -----------------------------------------------------------------------------------------------

TRAINER_PAGES = [
    "/trainer/stats",
    "/trainer/rubrics",
    "/trainer/questions/k1/stats",
    "/trainer/rubrics/reply.bargain.tiger/blind",
]


def test_who_gets_in(client, login_as, knowledge, replies) -> None:  # type: ignore[no-untyped-def]
    opening, _attempts, _answers = replies
    hr_pages = [f"/hr/openings/{opening.id}/outcomes", f"/hr/openings/{opening.id}/outcomes.csv"]
    for url in TRAINER_PAGES + hr_pages:
        assert client.get(url).status_code == 401, url
    login_as("candidate")
    for url in TRAINER_PAGES + hr_pages:
        assert client.get(url).status_code == 403, url
    client.cookies.clear()
    login_as("hr")
    for url in TRAINER_PAGES:
        assert client.get(url).status_code == 403, url
    client.cookies.clear()
    login_as("trainer")
    for url in hr_pages:
        assert client.get(url).status_code == 403, url
    assert client.get("/hr/openings/999999/outcomes").status_code == 403


def test_state_changes_need_csrf(client, trainer, knowledge) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/trainer/questions/k1/retire", data={}).status_code == 403
    assert client.post("/trainer/stats/refresh", data={}).status_code == 403


# --- trainers: flags, option analysis, distributions ---------------------------------------------------------


def test_bank_list_flags_and_one_step_retire(client, trainer, session, knowledge, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _user, token = trainer
    monkeypatch.setattr("exam.services.stats.MIN_RESPONSES", 6)  # flags from 6 answers on this small dataset
    assert client.post("/trainer/stats/refresh", data={"csrf_token": token}).status_code == 303
    page = client.get("/trainer")
    assert page.status_code == 200 and 'id="row-k4"' in page.text
    row = page.text.split('id="row-k4"')[1].split("</tr>")[0]
    assert "太难" in row and "难度系数 0.17 低于 0.20" in html.unescape(row)
    # every question of this small set is flagged (k1 and k3 do not discriminate, k2 has an unused distractor)
    flagged = client.get("/trainer?flagged=1")
    assert all(f'id="row-{q}"' in flagged.text for q in dataset.ITEMS)
    # retire in one step from the list (htmx swaps the row)
    r = client.post(
        "/trainer/questions/k4/retire",
        data={"csrf_token": token, "next": "/trainer?flagged=1", "reason": "太难"},
        headers={**HX, "HX-Target": "row-k4"},
    )
    assert r.status_code == 200 and r.text.strip().startswith('<tr id="row-k4"') and "已停用" in r.text
    session.rollback()
    assert session.get(Question, "k4").status == "retired"
    assert 'id="row-k4"' not in client.get("/trainer?flagged=1").text  # the list shows active questions
    # already retired: a clear refusal; unknown question: 404
    assert client.post("/trainer/questions/k4/retire", data={"csrf_token": token}).status_code == 409
    assert client.post("/trainer/questions/nope/retire", data={"csrf_token": token}).status_code == 404
    r = client.post("/trainer/questions/k3/retire", data={"csrf_token": token, "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["location"].startswith("/trainer?")


def test_statistics_overview_and_question_page(client, trainer, session, knowledge) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/trainer/stats")
    assert page.status_code == 200
    text = _text(page)
    assert "统计测试" in text and "KR-20 系数" in text and "0.46" in text  # KR-20 = 56/123
    assert page.text.count('role="img"') >= 1 and "分数分布：服务知识" in page.text
    assert session.get(StatsSnapshot, "items") is not None
    q = client.get("/trainer/questions/k2/stats")
    assert q.status_code == 200 and "<svg" in q.text and 'id="options-v1"' in q.text
    table = _text(q).split("选项分析")[-1]
    assert "✓ A" in table and "50%" in table  # option analysis table beside the chart
    assert "只有 6 份作答" in _text(q)  # below the minimum: a warning, no flags
    assert client.get("/trainer/questions/nope/stats").status_code == 404


# --- trainers: blind scoring, agreement, dry run, apply -----------------------------------------------------


def test_blind_screen_hides_machine_score_and_candidate(client, trainer, session, replies) -> None:  # type: ignore[no-untyped-def]
    _user, token = trainer
    _opening, _attempts, answers = replies
    page = client.get("/trainer/rubrics/reply.bargain.tiger/blind")
    assert page.status_code == 200
    for name in NAMES.values():
        assert name not in page.text
    assert "1380013" not in page.text and "/hr/attempts" not in page.text
    shown = re.search(r'name="answer_id" value="(\d+)"', page.text)
    assert shown
    answer = session.get(Answer, int(shown.group(1)))
    assert answer.response["text"] in html.unescape(page.text)
    assert f"{answer.score:.1f}" not in page.text and "/ 100" not in page.text and "mark class" not in page.text
    # score it (htmx swaps in the next reply)
    r = client.post(
        "/trainer/rubrics/reply.bargain.tiger/blind",
        data={"csrf_token": token, "answer_id": answer.id, "score": "7"},
        headers={**HX, "HX-Target": "blind-card"},
    )
    assert r.status_code == 200 and "已保存" in r.text and f'name="answer_id" value="{answer.id}"' not in r.text
    session.rollback()  # end the test's read snapshot
    assert session.exec(select(BlindScore)).one().score == 7.0
    bad = client.post(
        "/trainer/rubrics/reply.bargain.tiger/blind",
        data={"csrf_token": token, "answer_id": answer.id, "score": "12"},
        headers={**HX, "HX-Target": "blind-card"},
    )
    assert bad.status_code == 422 and "0 到 10" in bad.text
    assert client.get("/trainer/rubrics/k1/blind").status_code == 404  # not a reply question


def test_agreement_dry_run_and_apply_with_regrade(client, trainer, session, engine, replies) -> None:  # type: ignore[no-untyped-def]
    _user, token = trainer
    opening, attempts, answers = replies
    for key, score in {"good": 9, "medium": 5, "poor": 0, "copy": 1, "short": 4, "english": 1}.items():
        client.post(
            "/trainer/rubrics/reply.bargain.tiger/blind",
            data={"csrf_token": token, "answer_id": answers[key].id, "score": str(score)},
        )
    page = client.get("/trainer/rubrics/reply.bargain.tiger")
    assert page.status_code == 200 and 'id="agreement-figures"' in page.text
    assert "与培训师评分的一致性" in page.text and "评分细则与培训师分歧最大的回复" in page.text
    assert 'class="reply-marked"' in page.text  # the evidence, highlighted
    overview = client.get("/trainer/rubrics")
    assert "reply.bargain.tiger" in overview.text and ">6<" in overview.text.replace(" ", "")
    content = dict(dataset.reply_content())
    content["rubric"] = {**content["rubric"], "caps": {**(content["rubric"].get("caps") or {}), "thin_answer": 10}}
    edit = question_yaml(content)
    run = client.post(
        "/trainer/rubrics/reply.bargain.tiger/dry-run",
        data={"csrf_token": token, "yaml": edit, "base_version": "1"},
        headers={**HX, "HX-Target": "dry-run"},
    )
    assert run.status_code == 200 and 'id="dry-run-table"' in run.text and "修改后的评分细则" in run.text
    broken = client.post(
        "/trainer/rubrics/reply.bargain.tiger/dry-run",
        data={"csrf_token": token, "yaml": "id: [", "base_version": "1"},
        headers={**HX, "HX-Target": "dry-run"},
    )
    assert broken.status_code == 422
    unconfirmed = client.post(
        "/trainer/rubrics/reply.bargain.tiger/apply", data={"csrf_token": token, "yaml": edit, "base_version": "1"}
    )
    assert unconfirmed.status_code == 422 and "请勾选" in unconfirmed.text
    applied = client.post(
        "/trainer/rubrics/reply.bargain.tiger/apply",
        data={"csrf_token": token, "yaml": edit, "base_version": "1", "confirm": "yes", "note": "封顶"},
    )
    assert applied.status_code == 303
    waiting = client.get(applied.headers["location"])  # the regrade is queued for the background job
    assert (
        waiting.status_code == 200
        and 'data-status="queued"' in waiting.text
        and 'hx-trigger="every 1s"' in waiting.text
    )
    from exam.services import regrade

    session.commit()  # end the read before the job writes
    assert regrade.run_due(engine) == 1
    report = client.get(applied.headers["location"], headers={**HX, "HX-Target": "regrade-status"})
    assert report.status_code == 200 and 'data-status="done"' in report.text and "hx-trigger" not in report.text
    assert "回复测试" in report.text and "<html" not in report.text  # the partial the poll swaps in
    for name in NAMES.values():
        assert name not in report.text  # trainers see numbers, not who
    session.rollback()
    assert session.exec(select(RankChange)).all()
    stale = client.post(
        "/trainer/rubrics/reply.bargain.tiger/apply",
        data={"csrf_token": token, "yaml": edit, "base_version": "1", "confirm": "yes"},
    )
    assert stale.status_code == 409


# --- HR: report review, SEM bands, rank changes, outcomes ------------------------------------------------------


def test_hr_report_shows_replies_sent_to_a_person(client, hr, replies) -> None:  # type: ignore[no-untyped-def]
    _opening, attempts, _answers = replies
    copied = client.get(f"/hr/attempts/{attempts['copy'].id}")
    assert copied.status_code == 200 and 'data-review="copies_customer"' in copied.text
    assert "这条回复需要人工判断" in copied.text and "照抄" in copied.text
    english = client.get(f"/hr/attempts/{attempts['english'].id}")
    assert 'data-review="other_language"' in english.text and "拉丁字母文字" in english.text
    plain = client.get(f"/hr/attempts/{attempts['good'].id}")
    assert "data-review=" not in plain.text
    ranking = client.get(f"/hr/openings/{_opening.id}/ranking")
    flagged = {m for m in re.findall(r'<tr id="row-(\d+)"[^>]*>(?:(?!</tr>).)*?data-review', ranking.text, re.S)}
    assert flagged == {str(attempts["copy"].id), str(attempts["english"].id)}


def test_ranking_shows_sem_bands_and_rank_changes(client, hr, session, knowledge, replies) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/hr/openings/{knowledge.id}/ranking")
    assert page.status_code == 200 and 'id="sem-note"' in page.text and 'class="sem-band"' in page.text
    # A scores 100 with an SEM of 18.8: the band is clamped at 100 and reaches down to 81.2
    assert "81.2–100" in page.text
    partial = client.get(f"/hr/openings/{knowledge.id}/ranking", headers={**HX, "HX-Target": "ranking-results"})
    assert partial.status_code == 200 and 'class="sem-band"' in partial.text
    opening, attempts, _answers = replies
    from exam.services import regrade

    session.commit()  # end the read before writing (the app wrote meanwhile)
    trainer = User(username="t9", role="trainer", display_name="李老师")
    session.add(trainer)
    session.commit()
    content = dict(dataset.reply_content())
    content["rubric"] = {**content["rubric"], "caps": {**(content["rubric"].get("caps") or {}), "thin_answer": 10}}
    regrade.apply_edit(session, trainer, dataset.REPLY_ID, question_yaml(content), base_version=1)
    session.commit()
    page = client.get(f"/hr/openings/{opening.id}/ranking")
    assert "评分细则已修改" in page.text and "李老师" in page.text and NAMES["medium"] in page.text
    report = client.get(f"/hr/attempts/{attempts['medium'].id}")
    entry = report.text.split('data-audit="rubric_regrade"')[1].split("</span>")[0]
    assert "评分细则第 1 版 → 第 2 版" in entry and "按新版评分细则重新评分" in report.text


def test_outcomes_page_entry_import_and_validity(client, hr, session, knowledge) -> None:  # type: ignore[no-untyped-def]
    _user, token = hr
    attempts = {
        session.get(User, a.candidate_id).display_name: a
        for a in session.exec(select(Attempt).where(Attempt.opening_id == knowledge.id)).all()
    }
    session.commit()
    for name in "ABCD":
        attempts[name].decision = "hire"
        session.add(attempts[name])
    session.commit()
    base = f"/hr/openings/{knowledge.id}/outcomes"
    page = client.get(base)
    assert page.status_code == 200 and 'id="outcomes-table"' in page.text and page.text.count('id="hire-') == 4
    assert "试卷的信度如何" in page.text and "KR-20 系数" in page.text
    # one row by hand (htmx swaps the row), one bad value
    r = client.post(
        f"{base}/{attempts['A'].id}",
        data={"csrf_token": token, "probation_passed": "是", "conversion_rate": "20", "response_time": "30"},
        headers={**HX, "HX-Target": f"hire-{attempts['A'].id}"},
    )
    assert (
        r.status_code == 200 and r.text.strip().startswith(f'<tr id="hire-{attempts["A"].id}"') and "已保存" in r.text
    )
    bad = client.post(f"{base}/{attempts['B'].id}", data={"csrf_token": token, "conversion_rate": "150"}, headers=HX)
    assert bad.status_code == 422 and "0 到 100" in bad.text
    # not this opening's candidate, or not hired: refused, nothing saved
    assert client.post(f"{base}/{attempts['E'].id}", data={"csrf_token": token, "reply_rate": "90"}).status_code == 422
    # CSV for Excel, filled in and imported back (GBK with a bad row)
    template = client.get(f"{base}.csv")
    assert template.status_code == 200 and template.content.startswith("\ufeff编号".encode())
    csv_text = "姓名,咨询转化率,试用期\nB,14,是\nC,12,否\nD,10,否\n谁,1,是\n"
    imported = client.post(
        f"{base}-csv", data={"csrf_token": token}, files={"file": ("结果.csv", csv_text.encode("gbk"), "text/csv")}
    )
    assert imported.status_code == 200 and "已保存 3 行，拒绝 1 行" in imported.text
    assert 'id="csv-problems"' in imported.text and "第 5 行" in _text(imported)
    session.rollback()
    assert len(session.exec(select(HireOutcome)).all()) == 4
    page = client.get(base)
    assert 'id="validity-table"' in page.text and 'id="small-sample"' in page.text and "样本少" in page.text
    row = page.text.split('data-outcome="conversion_rate"')[1].split("</tr>")[0]
    assert ">0.97<" in row.replace(" ", "")  # r = 300/√(1718.75·56) = 0.967
    assert page.text.count("<circle") >= 4 and 'id="weights-table"' in page.text
    assert client.post(f"{base}-csv", data={"csrf_token": token}).status_code == 422
    cleared = client.post(f"{base}/{attempts['D'].id}/clear", data={"csrf_token": token})
    assert cleared.status_code == 303


def test_trainers_see_pooled_validity_of_a_profile_without_names(client, trainer, session, knowledge) -> None:  # type: ignore[no-untyped-def]
    from exam.services import outcomes

    hr_user = User(username="hr7", role="hr")
    session.add(hr_user)
    attempts = {
        session.get(User, a.candidate_id).display_name: a
        for a in session.exec(select(Attempt).where(Attempt.opening_id == knowledge.id)).all()
    }
    for name, conversion in (("A", "20"), ("B", "14"), ("C", "12"), ("D", "10")):
        attempts[name].decision = "hire"
        session.add(attempts[name])
        session.flush()
        outcomes.save_outcome(
            session, hr_user, knowledge, attempts[name].id, outcomes.parse_values({"conversion_rate": conversion})
        )
    session.commit()
    page = client.get(f"/trainer/profiles/{dataset.PROFILE['id']}/validity")
    assert page.status_code == 200 and 'id="profile-validity"' in page.text and 'id="profile-weights"' in page.text
    assert "0.97" in page.text and "(4)" in page.text  # r of the hiring score with 咨询转化率, n = 4
    for name in "ABCD":
        assert f">{name}<" not in page.text
    assert client.get("/trainer/profiles/nope/validity").status_code == 404
