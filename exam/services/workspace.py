"""Services behind the trainers' workspace: parse editor YAML with line numbers, list and filter
questions, upload (all-or-nothing) and download banks, try replies, and calibrate rubrics.

No web code here: the router in exam/web/trainer.py calls these functions, and so can tests.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from exam.banks.loader import Bank
from exam.banks.problems import Problem
from exam.banks.profile import Profile
from exam.banks.validate import Entry, check_entries, validate_document
from exam.banks.yamlio import DecodeFailed, Document, decode, dump_yaml, error_line, error_message, line_at, parse
from exam.models import JobProfile, Question, QuestionVersion, User
from exam.questions.base import QuestionBase
from exam.questions.registry import TYPES, export_question, get_type
from exam.services.bank_store import current_bank, export_bank

EDITOR_PATH = "<editor>"
YAML_SUFFIXES = (".yaml", ".yml")
MAX_UPLOAD_BYTES = 5_000_000
MAX_UNZIPPED_BYTES = 20_000_000
MAX_ZIP_MEMBERS = 500
PAGE_SIZE = 50

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"


# --- parsing editor text ----------------------------------------------------------------------


@dataclass
class Parsed:
    """The outcome of parsing editor text: the valid model, or the problems (with 1-based lines)."""

    model: Any = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the text is a valid item."""
        return self.model is not None and not self.problems


def _wrap(key: str, node: Node, as_list: bool) -> MappingNode:
    """A synthetic document node ``{key: node}`` or ``{key: [node]}`` keeping the editor's line marks."""
    start, end = node.start_mark, node.end_mark
    value: Node = SequenceNode(_SEQ_TAG, [node], start, end) if as_list else node
    return MappingNode(_MAP_TAG, [(ScalarNode(_STR_TAG, key, start, end), value)], start, end)


def _read_text(text: str, path: str) -> tuple[Document | None, list[Problem]]:
    """Parse YAML text; a problem with the line on syntax errors or when empty."""
    if not text or not text.strip():
        return None, [Problem(path, 1, "the text is empty")]
    try:
        return parse(text), []
    except yaml.YAMLError as exc:
        return None, [Problem(path, error_line(exc), error_message(exc))]


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


def parse_question_text(
    text: str,
    session: Session | None = None,
    *,
    editing: str | None = None,
    creating: bool = False,
    path: str = EDITOR_PATH,
) -> Parsed:
    """Validate the editor's YAML for one question (a mapping; ``questions: [one]`` and ``- one`` work too).

    ``editing``: the id of the question being edited (its id may not change). ``creating``: the id
    must be new. With a session, a stored question's type may not change either.
    """
    document, problems = _read_text(text, path)
    if document is None:
        return Parsed(problems=problems)
    node, data = document.node, document.data
    if isinstance(data, dict) and set(data) == {"questions"}:
        items = data["questions"]
        if not isinstance(items, list) or len(items) != 1:
            return Parsed(
                problems=[
                    Problem(
                        path,
                        line_at(node, ("questions",)),
                        "the editor holds exactly one question; upload files with several",
                    )
                ]
            )
        result = validate_document(path, Document(node, data))
    else:
        if isinstance(data, list) and isinstance(node, SequenceNode):
            if len(data) != 1:
                return Parsed(
                    problems=[Problem(path, 1, "the editor holds exactly one question; upload files with several")]
                )
            node, data = node.value[0], data[0]
        if not isinstance(data, dict):
            return Parsed(
                problems=[
                    Problem(path, line_at(node, ()), f"a question must be a mapping of fields, found {_kind(data)}")
                ]
            )
        result = validate_document(path, Document(_wrap("questions", node, True), {"questions": [data]}))
    problems = sorted(result.problems, key=lambda p: p.line)
    if problems or not result.questions:
        return Parsed(problems=problems or [Problem(path, 1, "no question found")])
    entry = result.questions[0]
    model = entry.model
    assert isinstance(model, QuestionBase)
    id_line = entry.line_of(("id",))
    if editing is not None and model.id != editing:
        problems.append(
            Problem(
                path,
                id_line,
                f"the id cannot change while editing (it is {editing!r}); to make another question, use New question",
            )
        )
    if session is not None:
        row = session.get(Question, model.id)
        if creating and row is not None:
            problems.append(
                Problem(
                    path,
                    id_line,
                    f"a question with id {model.id!r} already exists; choose a new id (ids are never reused)",
                )
            )
        elif row is not None and row.type != model.type:
            problems.append(
                Problem(
                    path,
                    entry.line_of(("type",)),
                    f"question {model.id!r} is stored as a {row.type} question; its type "
                    f"cannot change to {model.type} (make a new question instead)",
                )
            )
    return Parsed(model=None if problems else model, problems=problems)


def parse_profile_text(
    text: str,
    session: Session | None = None,
    *,
    editing: str | None = None,
    creating: bool = False,
    path: str = EDITOR_PATH,
) -> Parsed:
    """Validate the editor's YAML for one job profile, and (with a session) its blueprint against the bank."""
    document, problems = _read_text(text, path)
    if document is None:
        return Parsed(problems=problems)
    node, data = document.node, document.data
    if isinstance(data, dict) and set(data) == {"profile"}:
        result = validate_document(path, Document(node, data))
    elif isinstance(data, dict):
        result = validate_document(path, Document(_wrap("profile", node, False), {"profile": data}))
    else:
        return Parsed(
            problems=[Problem(path, line_at(node, ()), f"a profile must be a mapping of fields, found {_kind(data)}")]
        )
    problems = sorted(result.problems, key=lambda p: p.line)
    if problems or not result.profiles:
        return Parsed(problems=problems or [Problem(path, 1, "no profile found")])
    entry = result.profiles[0]
    profile = entry.model
    assert isinstance(profile, Profile)
    id_line = entry.line_of(("id",))
    if editing is not None and profile.id != editing:
        problems.append(Problem(path, id_line, f"the id cannot change while editing (it is {editing!r})"))
    if session is not None:
        if creating and session.get(JobProfile, profile.id) is not None:
            problems.append(Problem(path, id_line, f"a profile with id {profile.id!r} already exists"))
        bank = current_bank(session)
        problems += check_entries(bank.question_entries, {profile.id: entry})
    problems.sort(key=lambda p: p.line)
    return Parsed(model=None if problems else profile, problems=problems)


def question_yaml(content: Mapping[str, Any]) -> str:
    """The editor text of a stored question version."""
    return dump_yaml(dict(content))


def profile_yaml(content: Mapping[str, Any]) -> str:
    """The editor text of a stored profile version."""
    return dump_yaml(dict(content))


# --- previews -----------------------------------------------------------------------------------


def candidate_item(model: QuestionBase) -> dict[str, Any]:
    """The question as the candidate's exam page gets it (the ``item`` its question partials render).

    Same shape as exam.services.candidate_views.exam_view's items: the type's public view, options known by
    display position only (bank order here: the exam shuffles them per candidate), no response yet.
    """
    question_type = get_type(model.type)
    view = question_type.public_view(model, {})
    if "options" in view:
        view = {**view, "options": [{"value": str(i), "text": o["text"]} for i, o in enumerate(view["options"])]}
    item: dict[str, Any] = {
        "position": 0,
        "number": 1,
        "type": model.type,
        "template": question_type.template,
        "type_label": question_type.label,
        "view": view,
        "response": {},
        "version": 0,
        "flagged": False,
        "answered": False,
    }
    item.update(question_type.page_state(model, {}, {}, None))
    return item


def pool_sizes(profile: Profile, questions: Mapping[str, QuestionBase]) -> list[dict[str, Any]]:
    """Per section: its draw rules with how many active questions each could draw from."""
    from exam.banks.blueprint import pool

    sections = []
    for section in profile.sections:
        rules = [
            {"rule": rule, "describe": rule.describe(), "count": rule.count, "available": len(pool(rule, questions))}
            for rule in section.draw
        ]
        sections.append({"section": section, "rules": rules, "count": section.count()})
    return sections


# --- listing ------------------------------------------------------------------------------------


@dataclass
class Filters:
    """The question list's filters ("" means any)."""

    type: str = ""
    topic: str = ""
    difficulty: str = ""
    status: str = "active"
    stage: str = ""
    q: str = ""
    page: int = 1
    ids: tuple[str, ...] | None = None  # only these questions (e.g. the flagged ones)


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere (wildcards escaped with backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_questions(session: Session, filters: Filters) -> tuple[list[Question], int]:
    """The questions matching ``filters`` (one page, by id) and how many match in all."""
    stmt = select(Question)
    if filters.type:
        stmt = stmt.where(Question.type == filters.type)
    if filters.status in ("active", "retired"):
        stmt = stmt.where(Question.status == filters.status)
    if filters.topic:
        stmt = stmt.where(col(Question.topics).like(_like(f" {filters.topic} "), escape="\\"))
    if filters.difficulty.isdigit():
        stmt = stmt.where(Question.difficulty == int(filters.difficulty))
    if filters.stage:
        stmt = stmt.where(Question.stage == filters.stage)
    if filters.ids is not None:
        stmt = stmt.where(col(Question.id).in_(filters.ids or ("",)))
    words = filters.q.split()
    for word in words:
        pattern = _like(word.lower())
        stmt = stmt.where(
            or_(
                func.lower(col(Question.id)).like(pattern, escape="\\"),
                func.lower(col(Question.title)).like(pattern, escape="\\"),
            )
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    page = max(1, filters.page)
    rows = session.exec(stmt.order_by(Question.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return list(rows), int(total)


def bank_counts(session: Session) -> dict[str, dict[str, int]]:
    """{type: {"active": n, "retired": n}} over the stored questions."""
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in session.exec(
        select(Question.type, Question.status, func.count()).group_by(Question.type, Question.status)
    ).all():
        counts.setdefault(kind, {"active": 0, "retired": 0})[status] = int(n)
    return counts


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names (or user names) of the given user ids."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {u.id: (u.display_name or u.username) for u in rows if u.id is not None}


def version_of(session: Session, question_id: str, version: int) -> QuestionVersion | None:
    """One stored version of a question."""
    return session.exec(
        select(QuestionVersion).where(QuestionVersion.question_id == question_id, QuestionVersion.version == version)
    ).first()


# --- upload and download ------------------------------------------------------------------------


class UploadRefused(ValueError):
    """The upload itself is unusable (too big, not a zip, no YAML); nothing was read."""


def _expand(files: Sequence[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], list[Problem]]:
    """Uploaded YAML files and the YAML members of uploaded zips, as (shown path, bytes)."""
    out: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for raw_name, raw in files:
        name = posixpath.basename((raw_name or "").replace("\\", "/")) or "upload"
        lower = name.lower()
        if lower.endswith(".zip"):
            try:
                archive = zipfile.ZipFile(io.BytesIO(raw))
            except zipfile.BadZipFile:
                problems.append(Problem(name, 1, "not a valid zip archive"))
                continue
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
                problems.append(
                    Problem(
                        name,
                        1,
                        f"the archive is too large (at most {MAX_ZIP_MEMBERS} files "
                        f"and {MAX_UNZIPPED_BYTES // 1_000_000} MB unpacked)",
                    )
                )
                continue
            found = 0
            for info in sorted(infos, key=lambda i: i.filename):
                member = info.filename.replace("\\", "/")
                parts = [p for p in member.split("/") if p]
                if (
                    not member.lower().endswith(YAML_SUFFIXES)
                    or any(p.startswith(".") for p in parts)
                    or "__MACOSX" in parts
                    or ".." in parts
                ):
                    continue
                found += 1
                out.append((f"{name}/{'/'.join(parts)}", archive.read(info)))
            if not found:
                problems.append(Problem(name, 1, "the archive holds no .yaml or .yml files"))
        elif lower.endswith(YAML_SUFFIXES):
            out.append((name, raw))
        else:
            problems.append(Problem(name, 1, "not a bank file: upload .yaml, .yml or a .zip of them"))
    return out, problems


def _read_upload(name: str, raw: bytes) -> tuple[list[Entry], list[Entry], list[Problem], set[str]]:
    """Decode, parse and validate one uploaded file (like loader.read_file, from bytes)."""
    if not raw.strip():
        return (
            [],
            [],
            [Problem(name, 1, "file is empty; expected a mapping with the key 'questions' or 'profile'")],
            set(),
        )
    try:
        text = decode(raw)
    except DecodeFailed as exc:
        return [], [], [Problem(name, exc.line, str(exc))], set()
    try:
        document = parse(text)
    except yaml.YAMLError as exc:
        return [], [], [Problem(name, error_line(exc), error_message(exc))], set()
    result = validate_document(name, document)
    return result.questions, result.profiles, result.problems, result.invalid_ids


def read_uploads(session: Session, files: Sequence[tuple[str, bytes]]) -> tuple[Bank, list[Problem]]:
    """Validate uploaded files with the bank validator: the bank they hold and every problem found.

    Profiles in the upload are checked against the database's questions merged with the upload's.
    """
    if not files:
        raise UploadRefused("no file was uploaded")
    if sum(len(raw) for _, raw in files) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"the upload is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
    expanded, problems = _expand(files)
    bank = Bank()
    invalid: set[str] = set()
    for name, raw in expanded:
        questions, profiles, found, bad_ids = _read_upload(name, raw)
        problems += found
        invalid |= bad_ids
        for entry, entries, what in [(e, bank.question_entries, "question") for e in questions] + [
            (e, bank.profile_entries, "profile") for e in profiles
        ]:
            first = entries.get(entry.model.id)
            if first is None:
                entries[entry.model.id] = entry
            else:
                problems.append(
                    Problem(
                        entry.path,
                        entry.line_of(("id",)),
                        f"duplicate {what} id {entry.model.id!r} (first defined at "
                        f"{first.path}:{first.line_of(('id',))})",
                    )
                )
    bank.questions = {qid: e.model for qid, e in bank.question_entries.items()}  # type: ignore[misc]
    bank.profiles = {pid: e.model for pid, e in bank.profile_entries.items()}  # type: ignore[misc]
    if bank.profile_entries:
        merged = dict(current_bank(session).question_entries)
        merged.update(bank.question_entries)
        problems += check_entries(merged, bank.profile_entries, frozenset(invalid))
    if not expanded and not problems:
        problems.append(Problem("upload", 1, "no bank files in the upload"))
    order = {name: index for index, (name, _) in enumerate(expanded)}
    problems.sort(key=lambda p: (order.get(p.path, -1), p.line))
    return bank, problems


def export_zip(session: Session) -> bytes:
    """The current bank as a zip of `exam bank export` files (importing it changes nothing)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for relpath, text in export_bank(session).items():
            archive.writestr(relpath, text.encode("utf-8"))
    return buf.getvalue()


def question_file_text(content: Mapping[str, Any]) -> str:
    """A one-question bank file (``questions: [content]``) for download."""
    return dump_yaml({"questions": [dict(content)]})


# --- new-question skeletons -------------------------------------------------------------------------


def suggest_id(session: Session, kind: str, topic: str) -> str:
    """A free id like ``choice.presale_flow.new.001``."""
    question_type = get_type(kind) if kind in TYPES else None
    prefix = (question_type.id_prefix or question_type.name) if question_type else kind
    base = f"{prefix}.{topic or 'misc'}.new"
    n = 1
    while session.get(Question, f"{base}.{n:03d}") is not None:
        n += 1
    return f"{base}.{n:03d}"


def skeleton(kind: str, qid: str, topics: list[str], difficulty: int, texts: Mapping[str, str]) -> str:
    """Starting YAML for a new question of type ``kind`` (``texts``: translated placeholder words)."""
    question_type = get_type(kind)  # ValueError for unknown types
    data: dict[str, Any] = {
        "id": qid,
        "type": kind,
        "topics": topics or ["principles"],
        "difficulty": difficulty,
        "source": {"seed": texts["seed"], "section": texts["section"]},
    }
    data.update(question_type.starter(texts))
    data["explanation"] = texts["explanation"]
    return dump_yaml(data)


def exported(model: QuestionBase) -> dict[str, Any]:
    """The stored form of a question model."""
    return export_question(model)
