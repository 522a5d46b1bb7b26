"""Bank <-> database: versioned import, export, editing, retiring, history and diffs."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from exam.banks.loader import Bank, load_bank
from exam.banks.problems import BankInvalid, Problem
from exam.banks.profile import Profile
from exam.banks.validate import Entry, check_entries, validate_question
from exam.banks.yamlio import dump_yaml
from exam.db import transactional
from exam.models import AuditLog, JobProfile, JobProfileVersion, Question, QuestionVersion
from exam.questions.base import QuestionBase
from exam.questions.registry import export_question, get_type, parse_question
from exam.timeutil import utcnow

EXPORT_HEADER = "# Written by `exam bank export`; edit, then check with `exam bank validate`.\n"


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a question's or profile's content."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class ImportReport:
    """What an import did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    profiles_created: list[str] = field(default_factory=list)
    profiles_updated: list[str] = field(default_factory=list)
    profiles_unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line of counts."""
        return (
            f"questions: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged; profiles: {len(self.profiles_created)} created, "
            f"{len(self.profiles_updated)} updated, {len(self.profiles_unchanged)} unchanged"
        )


def _audit(
    session: Session,
    actor_id: int | None,
    action: str,
    kind: str,
    target: str,
    before: dict | None,
    after: dict | None,
    comment: str,
) -> None:
    """Record one audit entry."""
    session.add(
        AuditLog(
            actor_id=actor_id,
            action=action,
            target_type=kind,
            target_id=target,
            before=before,
            after=after,
            comment=comment,
        )
    )


def _current_version(session: Session, question_id: str, version: int) -> QuestionVersion | None:
    """The stored version row ``version`` of a question."""
    return session.exec(
        select(QuestionVersion).where(QuestionVersion.question_id == question_id, QuestionVersion.version == version)
    ).first()


def _apply_meta(row: Question, model: QuestionBase) -> None:
    """Copy the filterable metadata of ``model`` onto its Question row."""
    row.type = model.type
    row.status = model.status
    row.title = model.summary()
    row.topics = " " + " ".join(model.topics) + " "
    row.difficulty = model.difficulty
    row.stage = model.service_stage()
    row.updated_at = utcnow()


def _type_conflict(session: Session, model: QuestionBase) -> str | None:
    """Why ``model`` cannot replace the stored question of the same id, or None."""
    row = session.get(Question, model.id)
    if row is not None and row.type != model.type:
        return (
            f"question {model.id!r} is stored as a {row.type} question; its type cannot change to "
            f"{model.type} (give the new question a new id)"
        )
    return None


@transactional
def store_question(
    session: Session, model: QuestionBase, actor_id: int | None = None, note: str = ""
) -> tuple[str, QuestionVersion]:
    """Save a validated question: ("created" | "updated" | "unchanged", its current version row)."""
    conflict = _type_conflict(session, model)
    if conflict:
        raise ValueError(conflict)
    content = export_question(model)
    digest = content_hash(content)
    row = session.get(Question, model.id)
    if row is not None:
        current = _current_version(session, row.id, row.current_version)
        if current is not None and current.content_hash == digest:
            return "unchanged", current
        number, outcome = row.current_version + 1, "updated"
        before = {"version": row.current_version, "hash": current.content_hash if current else None}
    else:
        row = Question(id=model.id, type=model.type)
        number, outcome, before = 1, "created", None
    row.current_version = number
    _apply_meta(row, model)
    version = QuestionVersion(
        question_id=model.id, version=number, content=content, content_hash=digest, created_by_id=actor_id, note=note
    )
    session.add(row)
    session.flush()
    session.add(version)
    _audit(
        session,
        actor_id,
        f"question.{'create' if outcome == 'created' else 'update'}",
        "question",
        model.id,
        before,
        {"version": number, "hash": digest, "status": model.status},
        note,
    )
    session.flush()
    return outcome, version


@transactional
def store_profile(
    session: Session, profile: Profile, actor_id: int | None = None, note: str = ""
) -> tuple[str, JobProfileVersion]:
    """Save a validated profile: ("created" | "updated" | "unchanged", its current version row)."""
    content = profile.export()
    digest = content_hash(content)
    row = session.get(JobProfile, profile.id)
    if row is not None:
        current = session.exec(
            select(JobProfileVersion).where(
                JobProfileVersion.profile_id == row.id, JobProfileVersion.version == row.current_version
            )
        ).first()
        if current is not None and current.content_hash == digest:
            return "unchanged", current
        number, outcome = row.current_version + 1, "updated"
        before = {"version": row.current_version, "hash": current.content_hash if current else None}
    else:
        row = JobProfile(id=profile.id)
        number, outcome, before = 1, "created", None
    row.current_version = number
    row.title = profile.title[:200]
    row.status = profile.status
    row.updated_at = utcnow()
    version = JobProfileVersion(
        profile_id=profile.id, version=number, content=content, content_hash=digest, created_by_id=actor_id, note=note
    )
    session.add(row)
    session.flush()
    session.add(version)
    _audit(
        session,
        actor_id,
        f"profile.{'create' if outcome == 'created' else 'update'}",
        "profile",
        profile.id,
        before,
        {"version": number, "hash": digest},
        note,
    )
    session.flush()
    return outcome, version


@transactional
def import_bank(session: Session, bank: Bank, actor_id: int | None = None, note: str = "import") -> ImportReport:
    """Store every question and profile of a valid bank; new versions only for changed content.

    Nothing is committed here: run it in one transaction (the caller commits or rolls back).
    BankInvalid (before any write) when a stored question would change type.
    """
    problems = []
    for qid, model in bank.questions.items():
        conflict = _type_conflict(session, model)
        if conflict:
            entry = bank.question_entries.get(qid)
            path, line = (entry.path, entry.line_of(("type",))) if entry else ("<bank>", 1)
            problems.append(Problem(path, line, conflict))
    if problems:
        raise BankInvalid(problems)
    report = ImportReport()
    for model in bank.questions.values():
        outcome, _ = store_question(session, model, actor_id, note)
        getattr(report, outcome).append(model.id)
    for profile in bank.profiles.values():
        outcome, _ = store_profile(session, profile, actor_id, note)
        getattr(report, f"profiles_{outcome}").append(profile.id)
    return report


def import_paths(
    session: Session, paths: Sequence[Path | str], actor_id: int | None = None, note: str = "import"
) -> ImportReport:
    """Validate the bank files under ``paths`` (BankInvalid before any write), then import them."""
    return import_bank(session, load_bank(paths), actor_id, note)


def save_question(
    session: Session, data: Mapping[str, Any] | QuestionBase, actor_id: int | None = None, note: str = ""
) -> QuestionVersion:
    """Validate and save one question (e.g. from the trainers' editor); a new version only if it changed.

    Raises BankInvalid (path "<question>") when the data is not a valid question or would change type.
    """
    if isinstance(data, QuestionBase):
        data = export_question(data)
    model, problems = validate_question(dict(data), 0, "<question>", None)
    if problems or model is None:
        raise BankInvalid(problems)
    try:
        return store_question(session, model, actor_id, note)[1]
    except ValueError as exc:
        raise BankInvalid([Problem("<question>", 1, str(exc))]) from None


def load_question(session: Session, question_id: str, version: int | None = None) -> QuestionBase:
    """The question model of a stored version (the current one by default); KeyError if absent."""
    row = session.get(Question, question_id)
    if row is None:
        raise KeyError(f"no question {question_id!r}")
    stored = _current_version(session, question_id, version or row.current_version)
    if stored is None:
        raise KeyError(f"question {question_id!r} has no version {version}")
    return parse_question(stored.content)


@transactional
def set_status(
    session: Session, question_id: str, status: str, actor_id: int | None = None, note: str = ""
) -> QuestionVersion:
    """Retire or reactivate a question: a new version with the new status, history kept."""
    model = load_question(session, question_id)
    updated = model.model_copy(update={"status": status})
    data = export_question(updated)
    return save_question(session, data, actor_id, note or f"status: {status}")


def retire_question(session: Session, question_id: str, actor_id: int | None = None, note: str = "") -> QuestionVersion:
    """Hide a question from new papers; its versions and past answers stay."""
    return set_status(session, question_id, "retired", actor_id, note)


def question_history(session: Session, question_id: str) -> list[QuestionVersion]:
    """Every version of a question, oldest first."""
    return list(
        session.exec(
            select(QuestionVersion).where(QuestionVersion.question_id == question_id).order_by(QuestionVersion.version)
        ).all()
    )


def profile_history(session: Session, profile_id: str) -> list[JobProfileVersion]:
    """Every version of a job profile, oldest first."""
    return list(
        session.exec(
            select(JobProfileVersion)
            .where(JobProfileVersion.profile_id == profile_id)
            .order_by(JobProfileVersion.version)
        ).all()
    )


def _label_and_content(item: Any) -> tuple[str, Mapping[str, Any]]:
    """A version row (or a plain content dict) as (label, content)."""
    if isinstance(item, Mapping):
        return str(item.get("id", "content")), item
    owner = getattr(item, "question_id", None) or getattr(item, "profile_id", "")
    return f"{owner} v{item.version}", item.content


def diff_versions(a: Any, b: Any) -> list[str]:
    """Unified-diff lines between the YAML dumps of two versions (rows or content dicts)."""
    label_a, content_a = _label_and_content(a)
    label_b, content_b = _label_and_content(b)
    return list(
        difflib.unified_diff(
            dump_yaml(dict(content_a)).splitlines(),
            dump_yaml(dict(content_b)).splitlines(),
            fromfile=label_a,
            tofile=label_b,
            lineterm="",
        )
    )


def current_bank(session: Session) -> Bank:
    """The database's current questions and profiles as a Bank (no file locations)."""
    bank = Bank()
    rows = session.exec(
        select(Question, QuestionVersion)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id) & (QuestionVersion.version == Question.current_version),
        )
        .order_by(Question.id)
    ).all()
    for _, version in rows:
        model = parse_question(version.content)
        bank.questions[model.id] = model
        bank.question_entries[model.id] = Entry(model, "<database>", 1)
    profiles = session.exec(
        select(JobProfile, JobProfileVersion)
        .join(
            JobProfileVersion,
            (JobProfileVersion.profile_id == JobProfile.id) & (JobProfileVersion.version == JobProfile.current_version),
        )
        .order_by(JobProfile.id)
    ).all()
    for _, version in profiles:
        profile = Profile.model_validate(version.content)
        bank.profiles[profile.id] = profile
        bank.profile_entries[profile.id] = Entry(profile, "<database>", 1)
    return bank


def bank_warnings(session: Session) -> list[str]:
    """Profiles the current database bank cannot serve (e.g. after retiring questions)."""
    bank = current_bank(session)
    return [p.message for p in check_entries(bank.question_entries, bank.profile_entries)]


def export_path(model: QuestionBase) -> str:
    """The export file of a question: <folder by type>/<first topic>.yaml."""
    return f"{get_type(model.type).folder}/{model.topics[0]}.yaml"


def export_bank(session: Session) -> dict[str, str]:
    """The current versions as YAML files, {relative path: text}; importing them changes nothing."""
    bank = current_bank(session)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for model in bank.questions.values():
        groups[export_path(model)].append(export_question(model))
    files = {path: EXPORT_HEADER + dump_yaml({"questions": items}) for path, items in sorted(groups.items())}
    for profile in bank.profiles.values():
        files[f"profiles/{profile.id}.yaml"] = EXPORT_HEADER + dump_yaml({"profile": profile.export()})
    return files


__all__ = [
    "ImportReport",
    "bank_warnings",
    "content_hash",
    "current_bank",
    "diff_versions",
    "export_bank",
    "export_path",
    "import_bank",
    "import_paths",
    "load_question",
    "profile_history",
    "question_history",
    "retire_question",
    "save_question",
    "set_status",
    "store_profile",
    "store_question",
]
