"""The reception desk through the app: the live stream, sending, the server's clock, resuming, refusals,
grading, the HR report and ranking, the trainers' replay and `exam simulate` (tests/data/simulations/desk_bank)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlmodel import select

from exam.cli import main
from exam.models import Answer, Attempt, AttemptSection, DeskClock, IntegrityEvent
from exam.services import data_rights
from exam.simulation.replay import replay
from exam.timeutil import utcnow
from tests.conftest import PASSWORDS, login
from tests.web.candidate_helpers import ROOT, csrf, follow_and_start, make_invitation, make_opening, seed_bank

DESK_BANK = ROOT / "tests" / "data" / "simulations" / "desk_bank"


@pytest.fixture
def opening(session):  # type: ignore[no-untyped-def]
    seed_bank(session, DESK_BANK)
    return make_opening(session, profile_id="t.desk", title="接待台测试岗位")


@pytest.fixture
def started(client, session, opening):  # type: ignore[no-untyped-def]
    """A candidate at the desk: (attempt id, CSRF token, the desk's base URL)."""
    _, token = make_invitation(session, opening, name="接待员")
    _, attempt_id = follow_and_start(client, token)
    page = f"/candidate/attempts/{attempt_id}"
    return attempt_id, csrf(client, page), f"{page}/desk/0"


def _events(client: TestClient, url: str, count: int = 1) -> list[tuple[str, dict]]:
    """The first ``count`` events of a stream (then the connection is closed, as a reload does)."""
    out: list[tuple[str, dict]] = []
    with client.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.append((name or "message", json.loads(line[6:])))
                if len(out) >= count:
                    break
    return out


def _snapshot(client: TestClient, base: str) -> dict:
    (name, data), *_ = _events(client, base + "/stream")
    assert name == "snapshot"
    return data


def _send(client, base, token, customer, text, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        base + "/messages", json={"customer": customer, "text": text, **extra}, headers={"X-CSRF-Token": token}
    )


def _travel(session, attempt_id: int, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Move the desk's section clock ``seconds`` into the past (as if that time had gone by)."""
    session.rollback()
    section = session.exec(select(AttemptSection).where(AttemptSection.attempt_id == attempt_id)).one()
    attempt = session.get(Attempt, attempt_id)
    section.started_at -= timedelta(seconds=seconds)
    attempt.started_at -= timedelta(seconds=seconds)
    session.add_all([section, attempt])
    for clock in session.exec(select(DeskClock)).all():  # the clock row keeps server times: move them too
        clock.ends_at -= timedelta(seconds=seconds)
        clock.due_at = clock.due_at - timedelta(seconds=seconds) if clock.due_at else None
        session.add(clock)
    session.commit()


def _desk_answer(session, attempt_id: int) -> Answer:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.exec(select(Answer).where(Answer.attempt_id == attempt_id)).one()


def test_the_page_shows_the_desk_and_the_shop_card_but_no_script(client, started) -> None:
    attempt_id, _, base = started
    html = client.get(f"/candidate/attempts/{attempt_id}").text
    assert f'data-desk="{base}"' in html and "data-allow-paste" in html and "/static/js/desk.js" in html
    assert "测试衬衣店" in html and "任选两件享 9 折" in html and "修改商品价格" in html
    for secret in ("在吗？纯棉衬衣有货吗？", "没人理，我走了。", "rubric", "老虎型顾客迅速下单"):
        assert secret not in html


def test_messages_arrive_on_the_servers_clock_and_survive_a_reload(client, session, started) -> None:
    attempt_id, token, base = started
    first = _snapshot(client, base)
    assert first["live"] and [c["id"] for c in first["chats"]] == ["tiger"]
    assert first["messages"][0]["text"] == "在吗？纯棉衬衣有货吗？" and first["messages"][0]["at"] == 0
    assert "why" not in json.dumps(first)

    r = _send(client, base, token, "tiger", "您好，有货的，L 码和 M 码都有。", cid="m1")
    assert r.status_code == 200, r.text
    mine = [m for m in r.json()["messages"] if m["from"] == "candidate"]
    assert len(mine) == 1 and 0 <= mine[0]["at"] < 5  # the server's time since the desk opened
    # a resend with the same id (its reply was lost) is not stored twice
    again = _send(client, base, token, "tiger", "您好，有货的，L 码和 M 码都有。", cid="m1")
    assert again.status_code == 200
    assert sum(m["from"] == "candidate" for m in again.json()["messages"]) == 1

    _travel(session, attempt_id, 30)  # 30 s later: the koala and the owl came, the tiger read the reply
    after = _snapshot(client, base)
    assert [c["id"] for c in after["chats"]] == ["tiger", "koala", "owl"]
    tiger = [m["text"] for m in after["messages"] if m["chat"] == "tiger"]
    assert tiger == ["在吗？纯棉衬衣有货吗？", "您好，有货的，L 码和 M 码都有。", "我 178 厘米，穿什么码？"]
    owl = [m for m in after["messages"] if m["chat"] == "owl"]
    assert [m["kind"] for m in owl] == ["message", "nudge", "close"]  # ignored: nudged at 12 s, left at 20 s
    assert next(c for c in after["chats"] if c["id"] == "owl")["status"] == "closed"
    koala = next(c for c in after["chats"] if c["id"] == "koala")
    assert koala["unanswered"] == 1 and koala["waiting_since"] == 2.0

    # a reload (a new stream) gives exactly the same desk: it lives on the server
    assert _snapshot(client, base)["messages"] == after["messages"]
    answer = _desk_answer(session, attempt_id)
    assert answer.response["sent"] == 1 and answer.response["cids"] == ["m1"]
    clock = session.get(DeskClock, answer.id)
    assert clock is not None and clock.seq == 7  # tiger 3, koala 1, owl 3 messages
    assert clock.due_at is not None and clock.due_at > utcnow() - timedelta(seconds=1)


def test_refusals_are_clear_4xx(client, session, started, make_user) -> None:
    attempt_id, token, base = started
    _snapshot(client, base)
    assert _send(client, base, token, "owl", "您好").status_code == 409  # not arrived yet
    assert _send(client, base, token, "nobody", "您好").status_code == 422
    r = _send(client, base, token, "tiger", "   ")
    assert r.status_code == 422 and r.json()["error"] == "empty"
    assert _send(client, base, token, "tiger", "好" * 501).json()["error"] == "too_long"
    assert client.post(base + "/messages", json={"customer": "tiger", "text": "x"}).status_code == 403  # no CSRF
    # the desk is not an autosaved answer
    version = _desk_answer(session, attempt_id).version
    r = client.post(
        f"/candidate/attempts/{attempt_id}/items/0",
        json={"version": version, "answer": {"text": "整段答案"}},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 422
    # the simulation's time is over
    _travel(session, attempt_id, 125)
    r = _send(client, base, token, "tiger", "您好")
    assert r.status_code == 409 and r.json()["error"] == "over"
    names = [name for name, _ in _events(client, base + "/stream", 2)]
    assert names == ["snapshot", "over"]


def test_another_candidates_desk_does_not_exist(client, session, opening, started, app) -> None:
    attempt_id, _, base = started
    _, other_token = make_invitation(session, opening, name="另一位")
    with TestClient(app, follow_redirects=False) as other:
        follow_and_start(other, other_token)
        token = csrf(other, "/candidate")
        assert other.get(base + "/stream").status_code == 404
        assert _send(other, base, token, "tiger", "您好").status_code == 404
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get(base + "/stream").status_code == 401
    assert client.get(f"/candidate/attempts/{attempt_id}/desk/5/stream").status_code == 404


def test_after_the_section_closed_the_stream_says_so_and_sends_are_refused(client, session, started) -> None:
    attempt_id, token, base = started
    _snapshot(client, base)
    r = client.post(f"/candidate/attempts/{attempt_id}/sections/simulation/submit", data={"csrf_token": token})
    assert r.status_code == 303
    assert [name for name, _ in _events(client, base + "/stream", 2)] == ["snapshot", "closed"]
    assert _send(client, base, token, "tiger", "您好").status_code == 409


def _serve_and_submit(client, session, attempt_id, token, base) -> None:  # type: ignore[no-untyped-def]
    """Answer the tiger and the koala well, ignore the owl, paste once, then submit the section."""
    _snapshot(client, base)
    assert _send(client, base, token, "tiger", "您好，有货的，L 码和 M 码都有。").status_code == 200
    _travel(session, attempt_id, 8)
    assert _send(client, base, token, "koala", "您好，欢迎光临！", pasted=8).status_code == 200
    _travel(session, attempt_id, 7)
    assert _send(client, base, token, "tiger", "您好，178 厘米建议选 L 码。").status_code == 200
    _travel(session, attempt_id, 5)
    assert _send(client, base, token, "koala", "您好，两件可以享 9 折哦。").status_code == 200
    _travel(session, attempt_id, 10)
    r = client.post(f"/candidate/attempts/{attempt_id}/sections/simulation/submit", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].endswith("/done")


def test_hr_sees_the_kpis_the_transcript_and_can_sort_by_them(client, session, app, opening, started) -> None:
    attempt_id, token, base = started
    _serve_and_submit(client, session, attempt_id, token, base)
    session.rollback()
    attempt = session.get(Attempt, attempt_id)
    assert attempt.status == "graded"
    inputs = attempt.results["inputs"]
    assert inputs["simulation.conversion_rate"] == 0.6667 and inputs["simulation.reply_rate"] == 0.4444
    assert (
        inputs["simulation.order_value"] == 278.6 and 6 < inputs["simulation.response_time"] < 9
    )  # (0 + 6 + 13 + 10) / 4

    with TestClient(app, follow_redirects=False) as hr:
        assert login(hr, "hr", PASSWORDS["hr"]).status_code == 303
        html = hr.get(f"/hr/attempts/{attempt_id}").text
        assert 'data-figure="reply_rate">44.4%' in html and 'data-figure="conversion_rate">66.7%' in html
        assert 'data-figure="order_value">278.6' in html
        assert "没人理，我走了。" in html and "我 178 厘米，穿什么码？" in html  # the transcript
        assert 'class="chart desk-timeline"' in html and "<caption>" in html  # the timeline and its table
        assert html.count('data-outcome="ordered"') == 2 and html.count('data-outcome="left"') == 1
        assert "尺码推荐正确，老虎型顾客迅速下单" in html  # the why of the tiger's order
        assert re.search(r"粘贴了 8 个字符|pasted 8 characters", html)
        # the ranking's criterion columns sort by their points; a raw simulation figure sorts too (a response
        # time: the fastest first)
        ranking = hr.get(f"/hr/openings/{opening.id}/ranking").text
        assert re.search(r"sort=c\d+", ranking)
        sorted_page = hr.get(f"/hr/openings/{opening.id}/ranking?sort=input:simulation.response_time&dir=asc")
        assert sorted_page.status_code == 200 and f'id="row-{attempt_id}"' in sorted_page.text


def test_the_paste_itself_is_an_integrity_signal_from_the_page(client, session, started) -> None:
    attempt_id, token, base = started
    r = client.post(
        f"/candidate/attempts/{attempt_id}/events",
        json={"events": [{"kind": "paste", "detail": {"item": "0", "chars": 8, "allowed": True}, "age_ms": 10}]},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200 and r.json()["stored"] == 1
    session.rollback()
    kinds = session.exec(select(IntegrityEvent.kind).where(IntegrityEvent.attempt_id == attempt_id)).all()
    assert "paste" in kinds


def test_deleting_the_candidate_deletes_the_desk(client, session, started) -> None:
    attempt_id, token, base = started
    _snapshot(client, base)
    session.rollback()
    assert session.exec(select(DeskClock)).all()
    candidate_id = session.get(Attempt, attempt_id).candidate_id
    session.commit()
    data_rights.delete_candidate(session, None, candidate_id, "test")
    session.rollback()
    assert session.exec(select(DeskClock)).all() == []


def _replies() -> list[dict]:
    return [
        {"at": 5, "customer": "tiger", "text": "您好，有货的，L 码和 M 码都有。"},
        {"at": 8, "customer": "koala", "text": "您好，欢迎光临！"},
        {"at": 15, "customer": "tiger", "text": "您好，178 厘米建议选 L 码。"},
        {"at": 20, "customer": "koala", "text": "您好，两件可以享 9 折哦。"},
    ]


def test_exam_simulate_prints_the_contract(tmp_path: Path) -> None:
    from exam.banks.loader import read_bank

    sim = read_bank([DESK_BANK])[0].questions["sim.test.desk"]
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(_replies(), ensure_ascii=False), "utf-8")
    runner = CliRunner()
    args = ["simulate", "sim.test.desk", "--replies-file", str(replies), "--bank-dir", str(DESK_BANK)]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out == json.loads(json.dumps(replay(sim, _replies()), ensure_ascii=False))
    for customer in out["customers"]:
        assert {"id", "outcome", "first_response_s", "response_times_s", "order_value", "messages"} <= set(customer)
    assert set(out["metrics"]) >= {
        "reply_rate",
        "mean_response_s",
        "p90_response_s",
        "conversion_rate",
        "order_value",
        "quality",
    }
    text = runner.invoke(main, args)
    assert text.exit_code == 0 and "owl (赵女士): left" in text.output and "没人理，我走了。" in text.output
    replies.write_text('[{"at": 1, "customer": "owl", "text": "您好"}]', "utf-8")
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1 and "replies[1]: customer 'owl' arrives at 4 s" in refused.output
    missing = runner.invoke(
        main, ["simulate", "sim.nope", "--replies-file", str(replies), "--bank-dir", str(DESK_BANK)]
    )
    assert missing.exit_code == 1 and "simulations: sim.test.desk" in missing.output


def test_the_trainers_replay_page_plays_the_same_engine(client, session, login_as) -> None:
    seed_bank(session, DESK_BANK)
    login_as("trainer")
    url = "/trainer/questions/sim.test.desk/simulate"
    page = client.get(url)
    assert page.status_code == 200 and "&#34;customer&#34;: &#34;tiger&#34;" in page.text  # an example to start from
    token = csrf(client, url)
    r = client.post(url, data={"csrf_token": token, "replies": json.dumps(_replies(), ensure_ascii=False)})
    assert r.status_code == 200
    assert 'data-figure="reply_rate">44.4%' in r.text and "没人理，我走了。" in r.text
    contract = re.search(r"<pre class=\"small\">(.*?)</pre>", r.text, re.S).group(1)
    assert "&#34;outcome&#34;: &#34;ordered&#34;" in contract
    bad = client.post(url, data={"csrf_token": token, "replies": '[{"at": "soon"}]'})
    assert bad.status_code == 422 and "replies[1]" in bad.text
    assert client.get("/trainer/questions/sim.test.missing/simulate").status_code == 404
    assert client.get("/trainer/questions/sim.test.desk").status_code == 200


def test_a_message_sent_meanwhile_from_another_tab_is_kept(client, session, started, monkeypatch) -> None:
    """The desk is stored by compare-and-set: when the answer changed after it was read, the change is redone."""
    from exam.services import desk as desk_service

    attempt_id, token, base = started
    _snapshot(client, base)
    real_read, calls = desk_service._read, []

    def read_then_another_tab_writes(*args):  # type: ignore[no-untyped-def]
        found = real_read(*args)
        calls.append(1)
        if len(calls) == 2:  # the first send has read the desk; a second tab sends before it stores
            assert _send(client, base, token, "tiger", "另一个窗口：您好！").status_code == 200
        return found

    monkeypatch.setattr(desk_service, "_read", read_then_another_tab_writes)
    assert _send(client, base, token, "tiger", "这个窗口：有货的。").status_code == 200
    texts = [m.text for m in _desk_state_messages(session, attempt_id) if m.sender == "candidate"]
    assert texts == ["另一个窗口：您好！", "这个窗口：有货的。"]


def _desk_state_messages(session, attempt_id: int):  # type: ignore[no-untyped-def]
    from exam.services.papers import load_versions
    from exam.simulation.engine import state_from_dict
    from exam.simulation.model import Simulation

    answer = _desk_answer(session, attempt_id)
    sim = load_versions(session, [answer.question_version_id])[answer.question_version_id]
    assert isinstance(sim, Simulation)
    return state_from_dict(sim, answer.response["state"]).chat("tiger").messages


def test_trainers_start_a_simulation_in_the_editor_and_preview_the_desk(client, session, login_as) -> None:
    login_as("trainer")
    page = client.get("/trainer/questions/new?type=chat_simulation&topic=presale_flow")
    assert page.status_code == 200 and "type: chat_simulation" in page.text
    assert "desk-grid" in page.text and "data-desk=" not in page.text  # the preview: no live desk
    assert 'class="problems' not in page.text and "alert-error" not in page.text
