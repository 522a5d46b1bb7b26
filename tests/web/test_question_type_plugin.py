"""A new question type plugs in with its module, its partials and one registry line: nothing else changes.

The type here lives only in this test (a short answer checked against accepted answers, with its own hiring
input). It goes through the whole product: bank validation, import, a profile that draws it and uses its
metric as a hiring input, a candidate's paper, autosave, grading, section results, the hiring score and
HR's report, without a line of the engine, the services or the routers knowing about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pytest

from exam.banks.loader import read_bank
from exam.grading.typing import normalise
from exam.models import Answer, Attempt
from exam.questions import registry
from exam.questions.base import GradedLike, GradeOutcome, Metric, QuestionBase, QuestionType, Text, form_value
from exam.services.bank_store import import_paths
from tests.conftest import PASSWORDS, login
from tests.web.candidate_helpers import csrf, follow_and_start, make_invitation, make_opening, save


class ShortAnswerQuestion(QuestionBase):
    """A question answered in a few words, right when it matches one of the accepted answers."""

    type: Literal["short_answer"]
    stem: Text
    accepted: list[Text]


class ShortAnswer(QuestionType):
    """The whole type: bank model, candidate view, answer reading, grading, section figure and HR view."""

    name = "short_answer"
    model = ShortAnswerQuestion
    template = "candidate/questions/_reply.html"  # a text box (a real type brings its own partial)
    label = "Customer reply"
    folder = "short"
    metrics = (Metric("exact", "percent", "Customer reply"),)

    def public_view(self, question: ShortAnswerQuestion, item: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        return {"type": self.name, "stage": None, "facts": question.stem, "messages": [question.stem], "max_chars": 100}

    def read_answer(self, question: QuestionBase, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": str(form_value(data, "text") or "")[:100]}

    def grade(self, question: ShortAnswerQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:  # type: ignore[override]
        typed = normalise(str(response.get("text") or ""))
        right = any(normalise(a) == typed for a in question.accepted)
        return GradeOutcome(1.0 if right else 0.0, 1.0, {"right": right})

    def section_figures(self, items: Sequence[GradedLike]) -> dict[str, Any]:
        return {"exact": 100.0 * sum(1 for i in items if i.detail.get("right")) / len(items)}

    def section_inputs(self, figures: Mapping[str, Any]) -> dict[str, float]:
        return {"exact": float(figures["exact"])} if "exact" in figures else {}

    def report_view(self, content: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        return {"typed": (answer.response or {}).get("text"), "right": (answer.result or {}).get("right")}


BANK = """\
questions:
  - id: short.order_status.001
    type: short_answer
    topics: [presale_flow]
    difficulty: 1
    source: {seed: 004_71c5b7a6f1ecf885.txt, section: 售前接待流程}
    stem: 顾客拍下商品后还没有付款，这时订单处于什么状态？（四个字）
    accepted: [等待付款, 待付款]
    explanation: 拍下未付款的订单是“等待买家付款”状态。
"""
PROFILE = """\
profile:
  id: t.short
  title: 短答测试
  source: {seed: 004_71c5b7a6f1ecf885.txt, section: 售前客服岗位说明书}
  description: 只有一道短答题的岗位模型。
  sections:
    - {id: quiz, title: 短答, time_limit: 300, draw: [{type: short_answer, count: 1}]}
  criteria:
    - {id: exact, label: 答对率, input: quiz.exact, weight: 1}
  hard_requirements: []
  bands:
    - {min: 50, label: 推荐}
    - {min: 0, label: 不推荐}
"""


@pytest.fixture
def short_answer_type(monkeypatch):  # type: ignore[no-untyped-def]
    """The one registry line."""
    monkeypatch.setitem(registry.TYPES, "short_answer", ShortAnswer())


@pytest.fixture
def bank_dir(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "short.yaml").write_text(BANK, encoding="utf-8")
    (tmp_path / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    return tmp_path


def test_the_bank_validator_knows_the_new_type(short_answer_type, bank_dir) -> None:  # type: ignore[no-untyped-def]
    bank, problems = read_bank([bank_dir])
    assert problems == [] and "short.order_status.001" in bank.questions
    broken = bank_dir / "broken.yaml"
    broken.write_text(
        BANK.replace("short.order_status.001", "short.x.002").replace("    accepted: [等待付款, 待付款]\n", ""),
        encoding="utf-8",
    )
    _bank, problems = read_bank([broken])
    assert [(p.line, "accepted" in p.message) for p in problems] == [(2, True)]


def test_a_candidate_takes_and_hr_reads_the_new_type(short_answer_type, bank_dir, client, session, make_user) -> None:  # type: ignore[no-untyped-def]
    import_paths(session, [bank_dir])
    session.commit()
    opening = make_opening(session, profile_id="t.short")
    _invitation, token = make_invitation(session, opening, "短答考生")
    _inv_id, attempt_id = follow_and_start(client, token)
    page = client.get(f"/candidate/attempts/{attempt_id}")
    assert "顾客拍下商品后还没有付款" in page.text and "等待付款" not in page.text  # no key in the browser
    token_csrf = csrf(client, f"/candidate/attempts/{attempt_id}")
    r = save(client, attempt_id, 0, {"text": " 待付款 "}, 0, token_csrf)
    assert r.status_code == 200 and r.json()["answered"] is True
    section = session.get(Attempt, attempt_id).paper["sections"][0]["id"]  # type: ignore[union-attr]
    session.commit()  # end this read before the app writes
    r = client.post(f"/candidate/attempts/{attempt_id}/sections/{section}/submit", data={"csrf_token": token_csrf})
    assert r.status_code == 303 and r.headers["location"].endswith("/done")

    session.expire_all()
    attempt = session.get(Attempt, attempt_id)
    assert attempt.status == "graded"  # graded on submission
    answer = session.exec(Answer.__table__.select().where(Answer.attempt_id == attempt_id)).first()  # type: ignore[attr-defined]
    assert answer.score == 1.0
    assert attempt.results["sections"]["quiz"]["exact"] == 100.0
    assert attempt.results["inputs"]["quiz.exact"] == 100.0
    assert attempt.hiring_score == 100.0 and attempt.band == "推荐"

    session.commit()
    client.post("/logout", data={"csrf_token": token_csrf})
    login(client, "hr", PASSWORDS["hr"])  # the opening's owner (candidate_helpers.make_opening)
    report = client.get(f"/hr/attempts/{attempt_id}")
    assert report.status_code == 200
    assert "short.order_status.001" in report.text  # the generic partial until the type brings its own
