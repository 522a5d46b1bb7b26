"""Hypothesis against the app's inputs: bank files (mutated good files and made-up YAML), answer payloads and
CSV invitation lists. Never a 500, and never a partial write: a refused upload changes no question, a refused
save no answer, and a CSV upload creates exactly the invitations it reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from exam.models import Answer, Invitation, Question, QuestionVersion
from tests.security.conftest import World, exam_csrf

GOOD = (Path(__file__).resolve().parents[1] / "data" / "good_bank" / "choice" / "basics.yaml").read_text("utf-8")
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
CREATED = re.compile(r"已创建 (\d+) 个邀请")
KEYS = [
    "id",
    "type",
    "topics",
    "difficulty",
    "stem",
    "options",
    "correct",
    "text",
    "answer",
    "rubric",
    "questions",
    "profile",
    "sections",
]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=30)
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=20,
)


def _counts(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.rollback()
    result = (
        session.exec(select(func.count()).select_from(Question)).one(),
        session.exec(select(func.count()).select_from(QuestionVersion)).one(),
    )
    session.commit()
    return result


@st.composite
def bank_files(draw) -> bytes:  # type: ignore[no-untyped-def]
    """A good bank file with lines dropped, swapped or garbled; or YAML of made-up structures; or raw bytes."""
    kind = draw(st.sampled_from(["mutate", "structure", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "structure":
        return json.dumps({"questions": [draw(yaml_values)]}, ensure_ascii=False, default=str).encode()
    lines = GOOD.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "garble", "indent", "value"]))
        if action == "drop":
            lines.pop(at)
        elif action == "dup":
            lines.insert(at, lines[at])
        elif action == "garble":
            lines[at] = draw(st.text(max_size=40))
        elif action == "indent":
            lines[at] = " " * draw(st.integers(0, 7)) + lines[at].lstrip()
        else:
            lines[at] = re.sub(r":\s.*$", ": " + json.dumps(draw(scalars), default=str), lines[at])
    return "\n".join(lines).encode("utf-8")


@FUZZ
@given(raw=bank_files())
def test_bank_uploads_are_all_or_nothing(world: World, session, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    before = _counts(session)
    response = world.clients["trainer"].post(
        "/trainer/bank/upload",
        files={"files": ("fuzz.yaml", raw)},
        data={"csrf_token": world.csrf("trainer", "/trainer/bank/upload")},
    )
    assert response.status_code in (200, 422), response.text[:300]
    if response.status_code == 422:
        assert _counts(session) == before, "a refused upload changed the bank"
        assert "fuzz.yaml" in response.text or "上传" in response.text


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)  # what a browser's JSON.stringify can send (no NaN or Infinity)
answers = st.one_of(
    st.dictionaries(
        st.sampled_from(["text", "choice", "choices", "answer", "seconds", "started_at"]) | st.text(max_size=6),
        st.recursive(
            json_scalars,
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
            max_leaves=8,
        ),
        max_size=4,
    ),
)


@FUZZ
@given(
    position=st.integers(0, 8),
    answer=answers,
    meta=st.dictionaries(st.sampled_from(["inputs", "page", "restored"]), json_scalars, max_size=3),
)
def test_answer_payloads_never_break_a_save(world: World, session, position: int, answer, meta) -> None:  # type: ignore[no-untyped-def]
    session.rollback()
    session.expire_all()
    stored = session.exec(
        select(Answer).where(Answer.attempt_id == world.attempt_id, Answer.position == position)
    ).first()
    before = (stored.version, json.dumps(stored.response, sort_keys=True)) if stored else None
    session.commit()
    response = world.clients["candidate"].post(
        f"/candidate/attempts/{world.attempt_id}/items/{position}",
        json={"version": stored.version if stored else 0, "answer": answer, "meta": meta},
        headers={"X-CSRF-Token": exam_csrf(world)},
    )
    assert response.status_code in (200, 404, 409, 422), response.text[:300]
    if response.status_code != 200 and stored is not None:
        session.rollback()
        session.expire_all()
        again = session.exec(select(Answer).where(Answer.id == stored.id)).one()
        assert (again.version, json.dumps(again.response, sort_keys=True)) == before, (
            "a refused save changed the answer"
        )
        session.commit()


cells = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.emails(),
    st.sampled_from(["姓名", "手机", "邮箱", "", " ", '"', "=cmd|' /C calc'!A0", "1.5", "0", "abc@", "\x00"]),
)


@FUZZ
@given(
    rows=st.lists(st.lists(cells, min_size=1, max_size=4), max_size=8),
    sep=st.sampled_from([",", ";", "\t", "，"]),
    bom=st.booleans(),
    gbk=st.booleans(),
)
def test_csv_invitations_create_exactly_what_they_report(
    world: World, session, rows, sep: str, bom: bool, gbk: bool
) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(sep.join(row) for row in rows)
    try:
        raw = text.encode("gb18030") if gbk else (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    session.rollback()
    before = session.exec(select(func.count()).select_from(Invitation)).one()
    session.commit()
    response = world.clients["hr"].post(
        f"/hr/openings/{world.opening_id}/invitations/csv",
        files={"file": ("fuzz.csv", raw, "text/csv")},
        data={"csrf_token": world.csrf("hr", "/hr")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code in (200, 422), response.text[:300]
    session.rollback()
    after = session.exec(select(func.count()).select_from(Invitation)).one()
    session.commit()
    match = CREATED.search(response.text)
    assert after - before == (int(match.group(1)) if match else 0), "the invitations stored differ from the report"
