"""Hires' outcomes (by hand and CSV) and the exam's criterion validity, checked against hand-computed figures."""

from __future__ import annotations

import math

import pytest
from sqlmodel import Session, select

from exam.models import Attempt, AuditLog, HireOutcome, Opening, Role
from exam.services import accounts, outcomes, review
from tests.unit.stats import dataset


@pytest.fixture
def hired(session: Session) -> tuple[Opening, dict[str, Attempt], object]:
    """The knowledge opening with A-D hired (hiring scores 100, 75, 50, 50)."""
    opening = dataset.knowledge_opening(session)
    hr = accounts.create_user(session, "hr1", Role.hr, "Hr-test-pass-1")
    attempts = {a.candidate_id: a for a in session.exec(select(Attempt).where(Attempt.opening_id == opening.id)).all()}
    by_name = {}
    for a in attempts.values():
        name = session.get(accounts.User, a.candidate_id).display_name  # type: ignore[attr-defined,union-attr]
        by_name[name] = a
        if name in "ABCD":
            a.decision = "hire"
            session.add(a)
    session.commit()
    return opening, by_name, hr


def test_parse_values() -> None:
    values = outcomes.parse_values(
        {
            "probation_passed": "是",
            "conversion_rate": "12.5%",
            "response_time": "35秒",
            "reply_rate": "",
            "satisfaction": "98",
        }
    )
    assert values == {
        "probation_passed": True,
        "conversion_rate": 12.5,
        "response_time": 35.0,
        "reply_rate": None,
        "bad_review_rate": None,
        "satisfaction": 98.0,
    }
    assert outcomes.parse_values({"probation_passed": "否"})["probation_passed"] is False
    for bad in (
        {"conversion_rate": "150"},
        {"response_time": "0"},
        {"probation_passed": "也许"},
        {"reply_rate": "abc"},
    ):
        with pytest.raises(outcomes.OutcomeError):
            outcomes.parse_values(bad)


def test_outcomes_only_for_hires_of_the_opening(session: Session, hired) -> None:  # type: ignore[no-untyped-def]
    opening, people, hr = hired
    values = outcomes.parse_values({"conversion_rate": "20"})
    with pytest.raises(outcomes.OutcomeError):
        outcomes.save_outcome(session, hr, opening, people["E"].id, values)  # not hired
    other = dataset.opening_for(session, dataset.PROFILE["id"], "另一个岗位")
    with pytest.raises(outcomes.OutcomeError):
        outcomes.save_outcome(session, hr, other, people["A"].id, values)  # not this opening's
    outcomes.save_outcome(session, hr, opening, people["A"].id, values, "  表现  很好 ")
    row = session.exec(select(HireOutcome).where(HireOutcome.attempt_id == people["A"].id)).one()
    assert row.conversion_rate == 20.0 and row.note == "表现 很好" and row.recorded_by_id == hr.id
    entry = session.exec(select(AuditLog).where(AuditLog.action == "attempt.outcome")).one()
    assert entry.before is None and entry.after["conversion_rate"] == 20.0
    assert [r.name for r in outcomes.hires(session, opening)] == ["A", "B", "C", "D"]
    outcomes.clear_outcome(session, hr, opening, people["A"].id)
    assert session.exec(select(HireOutcome)).all() == []


def test_validity_figures_by_hand(session: Session, hired) -> None:  # type: ignore[no-untyped-def]
    opening, people, hr = hired
    for name, conversion, passed in (("A", "20", "是"), ("B", "14", "是"), ("C", "12", "否"), ("D", "10", "否")):
        values = outcomes.parse_values({"conversion_rate": conversion, "probation_passed": passed})
        outcomes.save_outcome(session, hr, opening, people[name].id, values)
    view = outcomes.validity(session, opening, review.profile_of(session, opening))
    assert (view.hires, view.with_outcomes) == (4, 4)
    table = {(v.predictor, v.outcome): v for v in view.table}
    conv = table[("hiring_score", "conversion_rate")]
    # x = 100 75 50 50 (mean 68.75), y = 20 14 12 10 (mean 14): Sxy = 300, Sxx = 1718.75, Syy = 56
    r = 300 / math.sqrt(1718.75 * 56)
    assert conv.n == 4 and conv.r == pytest.approx(r) and conv.kind == "pearson" and conv.small_sample
    z, half = math.atanh(r), 1.959963984540054 / math.sqrt(4 - 3)
    assert (conv.ci_low, conv.ci_high) == pytest.approx((math.tanh(z - half), math.tanh(z + half)))
    probation = table[("hiring_score", "probation_passed")]
    # point-biserial: passed A, B (100, 75) vs not C, D (50, 50): r = Sxy/√(Sxx·Syy) with y = 1 1 0 0
    assert probation.kind == "point_biserial"
    assert probation.r == pytest.approx(37.5 / math.sqrt(1718.75 * 1.0))
    assert table[("hiring_score", "response_time")].n == 0
    # one criterion (knowledge, weight 1) with a positive r: it keeps the whole weight
    weights = {w.outcome: w for w in view.weights}
    assert weights["conversion_rate"].weights == {"knowledge": pytest.approx(1.0)}
    assert view.points["conversion_rate"] == [(100.0, 20.0), (75.0, 14.0), (50.0, 12.0), (50.0, 10.0)]


CSV_UTF8 = "编号,试用期,咨询转化率,响应时间,备注\n{a},是,21.5%,30秒,好\n{b},否,,45,\n999,是,10,10,\n{c},也许,10,10,\n"


def test_csv_import_utf8_with_bom_and_row_errors(session: Session, hired) -> None:  # type: ignore[no-untyped-def]
    opening, people, hr = hired
    text = CSV_UTF8.format(a=people["A"].id, b=people["B"].id, c=people["C"].id)
    report = outcomes.import_csv(session, hr, opening, ("\ufeff" + text).encode("utf-8"))
    assert report.saved == 2
    assert [p.line for p in report.problems] == [4, 5]
    assert "999" in report.problems[0].message or "999" in report.problems[0].text
    a = session.exec(select(HireOutcome).where(HireOutcome.attempt_id == people["A"].id)).one()
    assert (a.probation_passed, a.conversion_rate, a.response_time, a.note) == (True, 21.5, 30.0, "好")
    # a second file fills in one value and keeps the rest
    again = f"编号,回复率\n{people['A'].id},97\n".encode()
    assert outcomes.import_csv(session, hr, opening, again).saved == 1
    session.refresh(a)
    assert (a.reply_rate, a.conversion_rate) == (97.0, 21.5)


def test_csv_import_gbk_by_name_and_refusals(session: Session, hired) -> None:  # type: ignore[no-untyped-def]
    opening, people, hr = hired
    text = "姓名,满意度,差评率\nB,96,1.2\n无此人,90,1\n"
    report = outcomes.import_csv(session, hr, opening, text.encode("gbk"))
    assert report.saved == 1 and [p.line for p in report.problems] == [3]
    b = session.exec(select(HireOutcome).where(HireOutcome.attempt_id == people["B"].id)).one()
    assert (b.satisfaction, b.bad_review_rate) == (96.0, 1.2)
    for raw in (b"", b"a,b\n1,2\n", "姓名\nB\n".encode(), "试用期\n是\n".encode(), b"\xff\xfe\x00bad"):
        with pytest.raises(outcomes.OutcomeError):
            outcomes.import_csv(session, hr, opening, raw)


def test_template_csv_for_excel(session: Session, hired) -> None:  # type: ignore[no-untyped-def]
    opening, people, hr = hired
    outcomes.save_outcome(session, hr, opening, people["A"].id, outcomes.parse_values({"probation_passed": "是"}))
    body = outcomes.template_csv(session, opening).decode("utf-8")
    assert body.startswith("\ufeff编号,姓名,手机,试用期,咨询转化率")
    lines = body.strip().splitlines()
    assert len(lines) == 5 and lines[1].startswith(f"{people['A'].id},A,") and ",是," in lines[1]
    # the template imports back without a problem
    assert outcomes.import_csv(session, hr, opening, body.encode("utf-8")).problems == []
