"""What became of the hires, and whether the exam predicted it (criterion validity).

HR records per hire whether the probation was passed and the job's KPIs after three months (咨询转化率,
响应时间, 回复率, 差评率, customer satisfaction), one by one or from a CSV file (UTF-8, with or without
BOM, or GBK as Excel writes it in China; bad rows are reported with their line and reason, good rows are
kept). The validity figures correlate the hiring score and each profile criterion's points with each
outcome (``exam.analysis.validity``): r with its 95 % interval, n, Spearman, a small-sample warning, and
validity-based weights beside the profile's weights, which a trainer may adopt.

Every HR function takes the opening it acts on; the routes obtain it through one access check.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from exam.analysis.validity import SMALL_SAMPLE, SuggestedWeights, Validity, suggest_weights, validity_table
from exam.db import transactional
from exam.errors import UserError
from exam.hiring.export import to_csv
from exam.models import Attempt, HireOutcome, Invitation, Opening, User
from exam.security import N_
from exam.services.accounts import audit
from exam.services.openings import OpeningError, decode_csv
from exam.services.ranking import load_rows
from exam.timeutil import utcnow

__all__ = [
    "OUTCOMES",
    "CsvReport",
    "Outcome",
    "OutcomeError",
    "ValidityView",
    "clear_outcome",
    "hires",
    "import_csv",
    "parse_values",
    "profile_validity",
    "save_outcome",
    "template_csv",
    "validity",
]

MAX_CSV_BYTES = 1_000_000
MAX_CSV_ROWS = 2000
MAX_NOTE = 500


@dataclass(frozen=True)
class Outcome:
    """One outcome HR records: its field, English label msgid, kind and direction."""

    name: str
    label: str
    kind: str  # "binary" | "percent" | "seconds"
    higher_is_better: bool
    headers: tuple[str, ...]


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("probation_passed", N_("Passed probation"), "binary", True, ("试用期", "转正", "通过试用期", "probation")),
    Outcome(
        "conversion_rate",
        N_("Inquiry conversion rate"),
        "percent",
        True,
        ("咨询转化率", "转化率", "conversion", "conversion rate"),
    ),
    Outcome("response_time", N_("Response time"), "seconds", False, ("响应时间", "平均响应时间", "response time")),
    Outcome("reply_rate", N_("Reply rate"), "percent", True, ("回复率", "reply rate")),
    Outcome("bad_review_rate", N_("Bad review rate"), "percent", False, ("差评率", "bad review rate")),
    Outcome(
        "satisfaction",
        N_("Customer satisfaction"),
        "percent",
        True,
        ("客户满意度", "满意度", "satisfaction", "customer satisfaction"),
    ),
)
BY_NAME = {o.name: o for o in OUTCOMES}
YES = {"1", "yes", "y", "true", "是", "通过", "已通过", "转正", "已转正", "passed", "pass"}
NO = {"0", "no", "n", "false", "否", "未通过", "不通过", "没通过", "未转正", "failed", "fail"}


class OutcomeError(UserError):
    """A refused outcome value or file; ``message`` is an English msgid."""


# --- values ----------------------------------------------------------------------------------------------


def _number(raw: str, outcome: Outcome) -> float:
    """A KPI value: a percentage 0-100 (a trailing % allowed) or seconds 0-3600 (a trailing s/秒 allowed)."""
    text = raw.strip().replace(",", ".").replace("％", "%")
    text = re.sub(r"\s*(%|s|秒|sec|seconds)$", "", text, flags=re.I)
    try:
        value = float(text)
    except ValueError:
        raise OutcomeError(N_("%(field)s must be a number (got %(value)s)."), field=outcome.label, value=raw) from None
    if not math.isfinite(value):
        raise OutcomeError(N_("%(field)s must be a number (got %(value)s)."), field=outcome.label, value=raw)
    if outcome.kind == "percent" and not 0 <= value <= 100:
        raise OutcomeError(N_("%(field)s is a percentage from 0 to 100."), field=outcome.label)
    if outcome.kind == "seconds" and not 0 < value <= 3600:
        raise OutcomeError(N_("%(field)s is given in seconds, from 0 to 3600."), field=outcome.label)
    return round(value, 2)


def parse_value(outcome: Outcome, raw: Any) -> float | bool | None:
    """One outcome's value from text ("" is unknown)."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if outcome.kind == "binary":
        word = text.lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise OutcomeError(N_("%(field)s: write 是 or 否 (got %(value)s)."), field=outcome.label, value=text[:40])
    return _number(text, outcome)


def parse_values(form: Mapping[str, Any]) -> dict[str, float | bool | None]:
    """Every outcome's value from a form ({name: text}); OutcomeError for the first bad one."""
    return {o.name: parse_value(o, form.get(o.name)) for o in OUTCOMES}


# --- hires -----------------------------------------------------------------------------------------------


@dataclass
class HireRow:
    """A hire of an opening with their score and recorded outcome."""

    attempt: Attempt
    name: str
    outcome: HireOutcome | None
    phone: str | None = None
    email: str | None = None


def hires(session: Session, opening: Opening) -> list[HireRow]:
    """The opening's hires (decision "hire") and anyone with an outcome, by hiring score."""
    with_outcome = set(session.exec(select(HireOutcome.attempt_id).where(HireOutcome.opening_id == opening.id)).all())
    ids = list(
        session.exec(
            select(Attempt.id)
            .where(Attempt.opening_id == opening.id)
            .where((col(Attempt.decision) == "hire") | col(Attempt.id).in_(with_outcome or {-1}))
            .order_by(col(Attempt.hiring_score).desc().nulls_last(), col(Attempt.id))
        ).all()
    )
    outcomes = {
        o.attempt_id: o
        for o in session.exec(select(HireOutcome).where(col(HireOutcome.attempt_id).in_(ids or [-1]))).all()
    }
    contacts = _contacts(session, ids)  # type: ignore[arg-type]
    return [
        HireRow(a, name, outcomes.get(a.id), *contacts.get(a.id, (None, None)))  # type: ignore[arg-type]
        for a, name, *_contact in load_rows(session, ids)  # type: ignore[arg-type]
    ]


def _hire(session: Session, opening: Opening, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.opening_id != opening.id:
        raise OutcomeError(N_("There is no such candidate in this opening."))
    has_outcome = session.exec(select(HireOutcome.id).where(HireOutcome.attempt_id == attempt_id)).first()
    if attempt.decision != "hire" and has_outcome is None:
        raise OutcomeError(N_("Outcomes are recorded for hires: record the decision 'hire' first."))
    return attempt


def _snapshot(row: HireOutcome | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {o.name: getattr(row, o.name) for o in OUTCOMES} | {"note": row.note}


@transactional
def save_outcome(
    session: Session,
    actor: User,
    opening: Opening,
    attempt_id: int,
    values: Mapping[str, float | bool | None],
    note: str = "",
    *,
    keep_missing: bool = False,
) -> HireOutcome:
    """Record a hire's outcomes (audited); with ``keep_missing`` an unknown value keeps the stored one."""
    attempt = _hire(session, opening, attempt_id)
    row = session.exec(select(HireOutcome).where(HireOutcome.attempt_id == attempt_id)).first()
    before = _snapshot(row)
    if row is None:
        row = HireOutcome(attempt_id=attempt.id, opening_id=opening.id)  # type: ignore[arg-type]
    for o in OUTCOMES:
        value = values.get(o.name)
        if value is None and keep_missing:
            continue
        setattr(row, o.name, value)
    note = " ".join((note or "").split())[:MAX_NOTE]
    if note or not keep_missing:
        row.note = note
    row.recorded_by_id = actor.id
    row.recorded_at = utcnow()
    session.add(row)
    session.flush()
    audit(session, actor, "attempt.outcome", "attempt", str(attempt.id), before=before, after=_snapshot(row))
    return row


@transactional
def clear_outcome(session: Session, actor: User, opening: Opening, attempt_id: int) -> None:
    """Delete a hire's recorded outcomes (audited)."""
    attempt = _hire(session, opening, attempt_id)
    row = session.exec(select(HireOutcome).where(HireOutcome.attempt_id == attempt_id)).first()
    if row is not None:
        audit(session, actor, "attempt.outcome", "attempt", str(attempt.id), before=_snapshot(row), after=None)
        session.delete(row)


# --- CSV ---------------------------------------------------------------------------------------------------

ID_HEADERS = {"编号", "id", "attempt", "考试编号"}
NAME_HEADERS = {"姓名", "name", "名字"}
PHONE_HEADERS = {"手机", "手机号", "电话", "phone", "mobile"}
EMAIL_HEADERS = {"邮箱", "电子邮箱", "email", "e-mail"}
NOTE_HEADERS = {"备注", "note", "comment"}


@dataclass
class CsvProblem:
    """A refused row: its line, the row's text and why."""

    line: int
    text: str
    message: str


@dataclass
class CsvReport:
    """What a CSV import saved and refused."""

    saved: int = 0
    problems: list[CsvProblem] = field(default_factory=list)


def _columns(header: Sequence[str]) -> dict[str, int]:
    """Column positions by field name from a header row."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = cell.strip().lstrip("\ufeff").lower()
        for name, names in (
            ("id", ID_HEADERS),
            ("name", NAME_HEADERS),
            ("phone", PHONE_HEADERS),
            ("email", EMAIL_HEADERS),
            ("note", NOTE_HEADERS),
        ):
            if key in names:
                found.setdefault(name, index)
        for o in OUTCOMES:
            if key in o.headers or key == o.name or key in {o.label.lower(), _label(o).lower()}:
                found.setdefault(o.name, index)
    return found


def _label(outcome: Outcome) -> str:
    from exam.i18n import gettext

    return gettext(outcome.label)


def _match(rows: list[HireRow], cells: Mapping[str, str]) -> HireRow:
    """The hire a CSV row means: by id, else phone or e-mail, else a name unique among the hires."""
    if cells.get("id"):
        found = [r for r in rows if str(r.attempt.id) == cells["id"].strip()]
        if not found:
            raise OutcomeError(N_("No hire has the number %(id)s."), id=cells["id"].strip()[:20])
        return found[0]
    for key in ("phone", "email"):
        value = (cells.get(key) or "").strip().lower()
        if value:
            found = [r for r in rows if (getattr(r, key) or "").lower() == value]
            if len(found) == 1:
                return found[0]
    name = " ".join((cells.get("name") or "").split())
    if not name:
        raise OutcomeError(N_("Give the hire's number, phone or name."))
    found = [r for r in rows if r.name == name]
    if not found:
        raise OutcomeError(N_("No hire of this opening is called %(name)s."), name=name[:60])
    if len(found) > 1:
        raise OutcomeError(N_("Several hires are called %(name)s: give the number column."), name=name[:60])
    return found[0]


@transactional
def import_csv(session: Session, actor: User, opening: Opening, raw: bytes) -> CsvReport:
    """Record outcomes from a CSV file with a header row; bad rows are reported, good rows kept."""
    if len(raw) > MAX_CSV_BYTES:
        raise OutcomeError(N_("The file is too large (at most 1 MB)."))
    try:
        text = decode_csv(raw)
    except OpeningError as exc:
        raise OutcomeError(exc.message, **exc.params) from None
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise OutcomeError(N_("The file is not a readable CSV file: %(why)s"), why=str(exc)[:100]) from None
    table = [row for row in table if any(c.strip() for c in row)]
    if not table:
        raise OutcomeError(N_("The file has no rows."))
    columns = _columns(table[0])
    if not any(o.name in columns for o in OUTCOMES):
        raise OutcomeError(
            N_("The first row must name the columns, e.g. 姓名,试用期,咨询转化率,响应时间,回复率,差评率,满意度.")
        )
    if not {"id", "name", "phone", "email"} & set(columns):
        raise OutcomeError(N_("Add a column that says who: 编号 (number), 姓名 (name) or 手机 (phone)."))
    if len(table) - 1 > MAX_CSV_ROWS:
        raise OutcomeError(N_("Too many rows (at most %(n)s per file)."), n=MAX_CSV_ROWS)
    people = hires(session, opening)
    report = CsvReport()
    lines = _line_numbers(text)
    for index, cells in enumerate(table[1:], 1):
        line = lines[index] if index < len(lines) else index + 1
        values = {k: (cells[i] if i < len(cells) else "") for k, i in columns.items()}
        try:
            hire = _match(people, values)
            parsed = {o.name: parse_value(o, values.get(o.name)) for o in OUTCOMES if o.name in columns}
            with session.begin_nested():
                save_outcome(
                    session, actor, opening, hire.attempt.id, parsed, values.get("note", ""), keep_missing=True
                )  # type: ignore[arg-type]
        except OutcomeError as exc:
            report.problems.append(CsvProblem(line, ",".join(cells)[:200], exc.translated()))
            continue
        report.saved += 1
    return report


def _line_numbers(text: str) -> list[int]:
    """The file line where each non-empty CSV record starts (records may span lines)."""
    starts = []
    reader = csv.reader(io.StringIO(text))
    line = 1
    for record in reader:
        if any(c.strip() for c in record):
            starts.append(line)
        line = reader.line_num + 1
    return starts


def _contacts(session: Session, attempt_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """(phone, e-mail) of these attempts' candidates."""
    columns: list[Any] = [Attempt.id, Invitation.phone, Invitation.email, User.phone, User.email]
    rows = session.exec(
        select(*columns)
        .join(User, col(User.id) == col(Attempt.candidate_id))
        .outerjoin(Invitation, col(Invitation.id) == col(Attempt.invitation_id))
        .where(col(Attempt.id).in_(attempt_ids or [-1]))
    ).all()
    return {a: (ip or up, ie or ue) for a, ip, ie, up, ue in rows}


def template_csv(session: Session, opening: Opening) -> bytes:
    """A CSV for Excel (UTF-8 with BOM) listing the hires with their recorded outcomes, to fill in and upload."""
    people = hires(session, opening)
    headers = ["编号", "姓名", "手机", *(o.headers[0] for o in OUTCOMES), "备注"]
    rows = []
    for r in people:
        values = []
        for o in OUTCOMES:
            value = getattr(r.outcome, o.name) if r.outcome else None
            values.append(("是" if value else "否") if isinstance(value, bool) else value)
        rows.append([r.attempt.id, r.name, r.phone, *values, r.outcome.note if r.outcome else ""])
    return to_csv(headers, rows)


# --- validity ----------------------------------------------------------------------------------------------


@dataclass
class ValidityView:
    """Correlations of the hiring score and the criteria with each outcome, and suggested weights."""

    hires: int
    with_outcomes: int
    table: list[Validity]
    weights: list[SuggestedWeights]
    points: dict[str, list[tuple[float, float]]]  # outcome -> (hiring score, outcome) pairs
    small_sample: int = SMALL_SAMPLE


def _criterion_points(attempt: Attempt) -> dict[str, float]:
    """{criterion id: points 0-100} of an attempt's hiring result."""
    hiring = (attempt.results or {}).get("hiring") or {}
    return {c["id"]: float(c["points"]) for c in hiring.get("criteria") or [] if c.get("points") is not None}


def _value(outcome: Outcome, row: HireOutcome | None) -> float | None:
    value = getattr(row, outcome.name) if row is not None else None
    if value is None:
        return None
    return float(value) if not isinstance(value, bool) else (1.0 if value else 0.0)


def validity(session: Session, opening: Opening, profile: Mapping[str, Any]) -> ValidityView:
    """Criterion validity of an opening's exam from its hires' outcomes."""
    people = [r for r in hires(session, opening) if r.attempt.hiring_score is not None]
    return validity_of(people, profile)


def validity_of(people: Sequence[HireRow], profile: Mapping[str, Any]) -> ValidityView:
    """Criterion validity from hires with their attempts and outcomes (pooled openings work too)."""
    criteria = [c for c in profile.get("criteria") or [] if c.get("id")]
    points = [_criterion_points(r.attempt) for r in people]
    predictors: dict[str, list[float | None]] = {"hiring_score": [r.attempt.hiring_score for r in people]}
    for c in criteria:
        predictors[c["id"]] = [p.get(c["id"]) for p in points]
    outcomes = {o.name: [_value(o, r.outcome) for r in people] for o in OUTCOMES}
    table = validity_table(predictors, outcomes)
    current = {c["id"]: float(c.get("weight") or 0.0) for c in criteria}
    weights = [
        suggest_weights(
            {c: predictors[c] for c in current},
            outcomes[o.name],
            current,
            outcome_name=o.name,
            higher_is_better=o.higher_is_better,
        )
        for o in OUTCOMES
    ]
    pairs = {
        o.name: [
            (float(s), v)
            for s, v in zip(predictors["hiring_score"], outcomes[o.name])
            if s is not None and v is not None
        ]
        for o in OUTCOMES
    }
    return ValidityView(
        hires=len(people),
        with_outcomes=sum(1 for r in people if r.outcome is not None),
        table=table,
        weights=weights,
        points=pairs,
    )


def profile_validity(session: Session, profile_id: str, profile: Mapping[str, Any]) -> ValidityView:
    """Criterion validity pooled over every opening of a job profile (the trainers' view: figures, no names)."""
    ids = [
        o.id
        for o in session.exec(select(Opening).where(Opening.profile_id == profile_id).order_by(col(Opening.id))).all()
    ]
    people: list[HireRow] = []
    for opening_id in ids:
        opening = session.get(Opening, opening_id)
        if opening is not None:
            people.extend(r for r in hires(session, opening) if r.attempt.hiring_score is not None)
    return validity_of(people, profile)
