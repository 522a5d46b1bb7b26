"""Papers: drawn per candidate from the profile's blueprint, with the question versions pinned.

A paper (stored in Attempt.paper) looks like::

    {"profile_id": "presale", "profile_version": 1,
     "sections": [{"id": "typing", "title": "打字测试", "time_limit": 300,
                   "items": [{"question_id": "...", "version_id": 12, "type": "typing", ...prepare_item data}]}]}

Items are addressed by their position in the whole paper (0, 1, 2, ...), never by question id, in URLs.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from exam.banks.blueprint import draw
from exam.banks.profile import Profile
from exam.models import JobProfileVersion, Opening, Question, QuestionVersion
from exam.questions.base import QuestionBase
from exam.questions.registry import get_type, parse_question
from exam.services import exposure

_CACHE_MAX = 4000
_parsed: dict[str, QuestionBase] = {}
_by_hash: dict[tuple[str, str], QuestionBase] = {}  # (question id, stored content_hash) -> model
_profiles: dict[tuple[str, str], tuple[dict[str, Any], Profile]] = {}  # (profile id, content_hash) -> both


def _content_key(question_id: str, content: Mapping[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return question_id + ":" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def parse_content(question_id: str, content: Mapping[str, Any]) -> QuestionBase:
    """The validated question model of a stored version's content (cached: versions are immutable)."""
    key = _content_key(question_id, content)
    model = _parsed.get(key)
    if model is None:
        if len(_parsed) >= _CACHE_MAX:
            _parsed.clear()
        model = _parsed[key] = parse_question(content)
    return model


def cached_model(question_id: str, content_hash: str) -> QuestionBase | None:
    """The model of a question version already parsed by this process (None: not yet)."""
    return _by_hash.get((question_id, content_hash))


def _models(session: Session, rows: list[tuple[int, str, str]]) -> dict[int, QuestionBase]:
    """Question models of (version id, question id, content hash) rows: parsed once per process.

    A version's content never changes and its hash is stored beside it, so only versions not seen before
    are read in full (their JSON decoded and validated); every other read is three narrow columns.
    """
    out: dict[int, QuestionBase] = {}
    missing: list[int] = []
    for version_id, question_id, digest in rows:
        model = _by_hash.get((question_id, digest))
        if model is None:
            missing.append(version_id)
        else:
            out[version_id] = model
    if missing:
        full = session.exec(select(QuestionVersion).where(QuestionVersion.id.in_(missing))).all()  # type: ignore[union-attr]
        if len(_by_hash) + len(full) > _CACHE_MAX:
            _by_hash.clear()
        for row in full:
            model = parse_content(row.question_id, row.content)
            _by_hash[(row.question_id, row.content_hash)] = model
            out[row.id] = model  # type: ignore[index]
    return out


def load_versions(session: Session, version_ids: list[int]) -> dict[int, QuestionBase]:
    """Question models of these pinned versions, by version id."""
    if not version_ids:
        return {}
    stmt = select(QuestionVersion.id, QuestionVersion.question_id, QuestionVersion.content_hash).where(
        QuestionVersion.id.in_(set(version_ids))  # type: ignore[union-attr]
    )
    return _models(session, [tuple(row) for row in session.exec(stmt).all()])  # type: ignore[misc]


def active_questions(session: Session) -> tuple[dict[str, QuestionBase], dict[str, int]]:
    """The active questions' current versions: (models by id, version row ids by question id)."""
    stmt = (
        select(QuestionVersion.id, QuestionVersion.question_id, QuestionVersion.content_hash)
        .join(Question, Question.id == QuestionVersion.question_id)  # type: ignore[arg-type]
        .where(Question.status == "active", QuestionVersion.version == Question.current_version)
        .order_by(Question.id)
    )
    rows = [tuple(row) for row in session.exec(stmt).all()]
    parsed = _models(session, rows)  # type: ignore[arg-type]
    models: dict[str, QuestionBase] = {}
    version_ids: dict[str, int] = {}
    for version_id, question_id, _ in rows:
        model = parsed[version_id]  # type: ignore[index]
        if model.status != "active":
            continue
        models[question_id] = model  # type: ignore[index]
        version_ids[question_id] = version_id  # type: ignore[index, assignment]
    return models, version_ids


def opening_profile(session: Session, opening: Opening) -> tuple[dict[str, Any], Profile]:
    """The pinned job profile version of an opening: (stored content, validated model), validated once per process."""
    found = session.exec(
        select(JobProfileVersion.id, JobProfileVersion.content_hash).where(
            JobProfileVersion.profile_id == opening.profile_id, JobProfileVersion.version == opening.profile_version
        )
    ).first()
    if found is None:
        raise LookupError(f"profile {opening.profile_id!r} version {opening.profile_version} is not in the database")
    key = (opening.profile_id, found[1])
    cached = _profiles.get(key)
    if cached is None:
        content = session.exec(select(JobProfileVersion.content).where(JobProfileVersion.id == found[0])).one()
        if len(_profiles) >= _CACHE_MAX:
            _profiles.clear()
        cached = _profiles[key] = (dict(content), Profile.model_validate(content))
    return copy.deepcopy(cached[0]), cached[1]


def draw_paper(
    profile: Profile,
    questions: Mapping[str, QuestionBase],
    version_ids: Mapping[str, int],
    rng: random.Random,
    exposure: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """A random paper for one candidate (pure): questions by blueprint (less-exposed ones preferred when
    ``exposure`` is given), options shuffled, versions pinned."""
    sections = []
    for section, ids in draw(profile, questions, rng, exposure):
        items = []
        for qid in ids:
            question = questions[qid]
            item: dict[str, Any] = {"question_id": qid, "version_id": version_ids[qid], "type": question.type}
            item.update(get_type(question.type).prepare_item(question, rng))
            items.append(item)
        sections.append({"id": section.id, "title": section.title, "time_limit": section.time_limit, "items": items})
    return {"profile_id": profile.id, "sections": sections}


def build_paper(session: Session, opening: Opening, rng: random.Random | None = None) -> dict[str, Any]:
    """Draw a paper for an opening from the questions now active in the database, less-exposed ones preferred."""
    _, profile = opening_profile(session, opening)
    questions, version_ids = active_questions(session)
    paper = draw_paper(profile, questions, version_ids, rng or random.SystemRandom(), exposure.counts(session))
    paper["profile_version"] = opening.profile_version
    return paper


@dataclass(frozen=True)
class PaperItem:
    """One item of a paper with its place."""

    position: int
    section_index: int
    section_id: str
    item: Mapping[str, Any]


def iter_items(paper: Mapping[str, Any]) -> Iterator[PaperItem]:
    """Every item of a paper in order, with its global position."""
    position = 0
    for s_index, section in enumerate(paper.get("sections") or []):
        for item in section.get("items") or []:
            yield PaperItem(position, s_index, section["id"], item)
            position += 1


def total_time_limit(paper: Mapping[str, Any]) -> int:
    """Seconds of all sections together (before the extra-time factor)."""
    return sum(int(s.get("time_limit") or 0) for s in paper.get("sections") or [])


def summary(profile: Profile) -> list[dict[str, Any]]:
    """What an exam contains, per section: title, minutes, question count and types (for the intro page)."""
    rows = []
    for section in profile.sections:
        types: dict[str, int] = {}
        for rule in section.draw:
            types[rule.type] = types.get(rule.type, 0) + rule.count
        rows.append(
            {
                "id": section.id,
                "title": section.title,
                "time_limit": section.time_limit,
                "count": section.count(),
                "types": types,
            }
        )
    return rows
