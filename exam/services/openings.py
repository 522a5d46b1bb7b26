"""Openings and invitations: creating them, invitation links (unguessable tokens), CSV import."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from exam import security
from exam.db import transactional
from exam.errors import UserError
from exam.i18n import gettext as _
from exam.models import Attempt, Invitation, JobProfile, Opening, Role, User
from exam.security import N_
from exam.services import accounts
from exam.timeutil import as_utc, utcnow

MIN_FACTOR = 0.01
MAX_FACTOR = 5.0
EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,22}[0-9]$")
MAX_CSV_BYTES = 1_000_000
MAX_CSV_ROWS = 2000
MAX_CSV_FIELD = 2000  # characters in one cell (a name, a contact); Python's csv refuses fields over 128 KB
MIN_YEAR, MAX_YEAR = 2000, 2100  # an exam window outside these years is a typing mistake


class OpeningError(UserError):
    """A refused HR operation; ``message`` is an English msgid (translated by the web layer)."""


# --- openings ---------------------------------------------------------------------------


@transactional
def create_opening(
    session: Session,
    *,
    title: str,
    profile_id: str,
    opens_at: datetime,
    closes_at: datetime,
    show_result: bool = False,
    retention_days: int = 180,
    actor: User | None = None,
) -> Opening:
    """Create an opening examined with the profile's current version."""
    title = " ".join(title.split())
    if not title:
        raise OpeningError(N_("Give the opening a title."))
    if len(title) > 200:
        raise OpeningError(N_("The title is too long (at most 200 characters)."))
    profile = session.get(JobProfile, profile_id)
    if profile is None or profile.status != "active":
        raise OpeningError(N_("Choose an active job profile."))
    opens_at, closes_at = as_utc(opens_at), as_utc(closes_at)
    if not (MIN_YEAR <= opens_at.year <= MAX_YEAR and MIN_YEAR <= closes_at.year <= MAX_YEAR):
        raise OpeningError(N_("Enter a date between the years %(lo)s and %(hi)s."), lo=MIN_YEAR, hi=MAX_YEAR)
    if closes_at <= opens_at:
        raise OpeningError(N_("The window must close after it opens."))
    if not 1 <= retention_days <= 3650:
        raise OpeningError(N_("Keep the data between 1 and 3650 days."))
    opening = Opening(
        title=title,
        profile_id=profile.id,
        profile_version=profile.current_version,
        opens_at=opens_at,
        closes_at=closes_at,
        show_result=show_result,
        retention_days=retention_days,
        created_by_id=actor.id if actor else None,
        owner_id=actor.id if actor is not None and actor.role in (Role.hr, "hr") else None,
    )
    session.add(opening)
    session.flush()
    accounts.audit(
        session,
        actor,
        "opening.create",
        "opening",
        str(opening.id),
        after={
            "title": title,
            "profile": profile.id,
            "profile_version": profile.current_version,
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
        },
    )
    return opening


def window_state(opening: Opening, now: datetime | None = None) -> str:
    """ "upcoming", "open" or "closed"."""
    now = now or utcnow()
    if opening.status == "closed" or now >= as_utc(opening.closes_at):
        return "closed"
    if now < as_utc(opening.opens_at):
        return "upcoming"
    return "open"


# --- invitation tokens ------------------------------------------------------------------------


def invitation_token(secret_key: str, invitation: Invitation) -> str:
    """The link token of an invitation: an HMAC of its identity under the app's secret key.

    Only the token's SHA-256 is stored; HR can show the link again because the server can re-derive it,
    while someone holding only the database cannot. Changing the secret key invalidates every link.
    """
    stamp = as_utc(invitation.created_at).strftime("%Y%m%d%H%M%S%f")
    message = f"exam-invitation:{invitation.opening_id}:{invitation.id}:{stamp}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_link(base_url: str, secret_key: str, invitation: Invitation) -> str:
    """The full link a candidate follows."""
    return f"{base_url.rstrip('/')}/i/{invitation_token(secret_key, invitation)}"


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation of a link token (None when unknown)."""
    if not token or len(token) > 128:
        return None
    return session.exec(select(Invitation).where(Invitation.token_hash == security.token_hash(token))).first()


# --- invitations ----------------------------------------------------------------------------


def clean_contact(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """Validated (email, phone); at least one is required."""
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email is not None and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise OpeningError(N_("%(value)s is not a valid e-mail address."), value=email[:60])
    if phone is not None:
        if not PHONE_RE.match(phone) or len(phone) > 32:
            raise OpeningError(N_("%(value)s is not a valid phone number."), value=phone[:40])
    if email is None and phone is None:
        raise OpeningError(N_("Give a phone number or an e-mail address."))
    return email, phone


def parse_factor(value: Any) -> float:
    """An extra-time factor within the allowed range."""
    try:
        factor = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        raise OpeningError(N_("The extra-time factor must be a number such as 1.25.")) from None
    if not MIN_FACTOR <= factor <= MAX_FACTOR or factor != factor:
        raise OpeningError(N_("The extra-time factor must be between %(lo)s and %(hi)s."), lo=MIN_FACTOR, hi=MAX_FACTOR)
    return round(factor, 3)


def _duplicate(session: Session, opening: Opening, email: str | None, phone: str | None) -> Invitation | None:
    """An earlier live invitation to this opening with the same e-mail (any case) or phone (digits only).

    Compared in SQL (a batch of 100 invitations to a large opening must not load every invitation 100 times);
    stored phones match PHONE_RE, so their digits are the phone without spaces, dashes and the plus sign.
    """
    same = []
    if email:
        same.append(func.lower(col(Invitation.email)) == email.lower())
    if phone:
        digits = func.replace(func.replace(func.replace(col(Invitation.phone), " ", ""), "-", ""), "+", "")
        same.append(digits == _digits(phone))
    if not same:
        return None
    return session.exec(
        select(Invitation).where(
            Invitation.opening_id == opening.id,
            col(Invitation.revoked_at).is_(None),
            or_(*same),
        )
    ).first()


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


@transactional
def invite(
    session: Session,
    opening: Opening,
    *,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    extra_time_factor: Any = 1.0,
    actor: User | None = None,
    secret_key: str,
    created_at: datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite one candidate: (invitation, link token). The link expires when the window closes."""
    name = " ".join((name or "").split())
    if not name:
        raise OpeningError(N_("Give the candidate's name."))
    if len(name) > 120:
        raise OpeningError(N_("The name is too long (at most 120 characters)."))
    email, phone = clean_contact(email, phone)
    factor = parse_factor(extra_time_factor)
    if window_state(opening) == "closed":
        raise OpeningError(N_("This opening is closed; nobody can be invited any more."))
    if _duplicate(session, opening, email, phone) is not None:
        raise OpeningError(N_("%(contact)s is already invited to this opening."), contact=email or phone)
    invitation = Invitation(
        opening_id=opening.id,
        token_hash=secrets.token_hex(32),
        name=name,
        email=email,
        phone=phone,
        extra_time_factor=factor,
        expires_at=opening.closes_at,
        created_at=created_at or utcnow(),
    )  # type: ignore[arg-type]
    session.add(invitation)
    session.flush()
    token = invitation_token(secret_key, invitation)
    invitation.token_hash = security.token_hash(token)
    session.add(invitation)
    session.flush()
    accounts.audit(
        session,
        actor,
        "invitation.create",
        "invitation",
        str(invitation.id),
        after={"opening": opening.id, "extra_time_factor": factor},
    )  # no personal data in the log
    return invitation, token


@transactional
def set_extra_time(session: Session, invitation: Invitation, value: Any, *, actor: User | None = None) -> None:
    """Change a candidate's extra-time factor (only before the exam starts)."""
    factor = parse_factor(value)
    if attempt_of(session, invitation) is not None:
        raise OpeningError(N_("The exam has started; its time can no longer be changed."))
    before = invitation.extra_time_factor
    invitation.extra_time_factor = factor
    session.add(invitation)
    accounts.audit(
        session,
        actor,
        "invitation.extra_time",
        "invitation",
        str(invitation.id),
        before={"extra_time_factor": before},
        after={"extra_time_factor": factor},
    )


@transactional
def revoke(session: Session, invitation: Invitation, *, actor: User | None = None) -> None:
    """Withdraw an invitation whose exam has not started."""
    if attempt_of(session, invitation) is not None:
        raise OpeningError(N_("The exam has started; the invitation can no longer be withdrawn."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        session.add(invitation)
        accounts.audit(session, actor, "invitation.revoke", "invitation", str(invitation.id))


def attempt_of(session: Session, invitation: Invitation) -> Attempt | None:
    """The attempt started from an invitation, if any."""
    if invitation.candidate_id is None:
        return None
    return session.exec(
        select(Attempt).where(
            Attempt.opening_id == invitation.opening_id, Attempt.candidate_id == invitation.candidate_id
        )
    ).first()


def invitation_status(invitation: Invitation, attempt: Attempt | None, now: datetime | None = None) -> str:
    """One of: revoked, graded, submitted, in_progress, accepted, opened, expired, invited."""
    now = now or utcnow()
    if attempt is not None:
        return attempt.status
    if invitation.revoked_at is not None:
        return "revoked"
    if now >= as_utc(invitation.expires_at):
        return "expired"
    if invitation.notice_accepted_at is not None:
        return "accepted"
    if invitation.candidate_id is not None:
        return "opened"
    return "invited"


STATUS_LABELS = {
    "invited": N_("Not opened yet"),
    "opened": N_("Link opened"),
    "accepted": N_("Notice accepted"),
    "in_progress": N_("Taking the exam"),
    "submitted": N_("Submitted"),
    "graded": N_("Graded"),
    "expired": N_("Expired"),
    "revoked": N_("Withdrawn"),
}


def candidate_for(session: Session, invitation: Invitation) -> User:
    """The candidate account of an invitation, created (without password) the first time the link is used."""
    if invitation.candidate_id is not None:
        user = session.get(User, invitation.candidate_id)
        if user is not None:
            return user
    user = accounts.create_user(
        session,
        f"c{invitation.id}-{secrets.token_hex(4)}",
        Role.candidate,
        None,
        display_name=invitation.name[:120],
        email=invitation.email,
        phone=invitation.phone,
    )
    invitation.candidate_id = user.id
    session.add(invitation)
    session.flush()
    return user


# --- CSV import --------------------------------------------------------------------------------


@dataclass
class CsvRowProblem:
    """A refused CSV row: its line number, the raw text and why."""

    line: int
    text: str
    message: str


@dataclass
class CsvReport:
    """The outcome of a CSV upload: invitations created and rows refused."""

    created: list[tuple[Invitation, str]] = field(default_factory=list)
    problems: list[CsvRowProblem] = field(default_factory=list)


NAME_HEADERS = {"name", "姓名", "名字", "candidate", "应聘者"}
EMAIL_HEADERS = {"email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件"}
PHONE_HEADERS = {"phone", "mobile", "tel", "telephone", "手机", "手机号", "电话", "联系电话", "手机号码"}
CONTACT_HEADERS = {"contact", "联系方式", "phone or email", "phone or e-mail"}
FACTOR_HEADERS = {
    "extra_time_factor",
    "extra time",
    "extra-time factor",
    "time factor",
    "factor",
    "时间系数",
    "延时系数",
    "加时系数",
    "系数",
    "时间倍数",
    "额外时间",
}


def decode_csv(raw: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else GB18030 (what Excel writes in China)."""
    if len(raw) > MAX_CSV_BYTES:
        raise OpeningError(N_("The file is too large (at most 1 MB)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OpeningError(N_("The file is not UTF-8 or GBK text."))


def read_xlsx(raw: bytes) -> list[list[str]]:
    """The first sheet of an Excel workbook as rows of text (phone numbers stored as numbers lose no digits)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise OpeningError(N_("The Excel file could not be read; save it again as .xlsx or as CSV.")) from None
    rows: list[list[str]] = []
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_CSV_ROWS + 1:
                break
            rows.append([_cell_text(v) for v in values])
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return str(int(value))
    return str(value).strip()


def is_xlsx(raw: bytes, filename: str = "") -> bool:
    """Whether an upload is an Excel workbook (a zip file, or named .xlsx)."""
    return raw[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")


def _columns(header: list[str]) -> dict[str, int] | None:
    """Column positions when the first row is a header, else None."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = cell.strip().lower()
        for kind, names in (
            ("name", NAME_HEADERS),
            ("email", EMAIL_HEADERS),
            ("phone", PHONE_HEADERS),
            ("contact", CONTACT_HEADERS),
            ("factor", FACTOR_HEADERS),
        ):
            if key in names and kind not in found:
                found[kind] = index
    return found if "name" in found else None


def split_contact(value: str) -> tuple[str | None, str | None]:
    """A "phone or e-mail" cell as (email, phone)."""
    value = value.strip()
    if not value:
        return None, None
    return (value, None) if "@" in value else (None, value)


def gettext_lazy_too_long() -> str:
    """The translated message for a cell that is too long."""
    return OpeningError(N_("A cell is longer than %(n)s characters."), n=MAX_CSV_FIELD).translated()


def csv_rows(text: str) -> list[list[str]]:
    """CSV text as rows (delimiter sniffed: comma, semicolon, tab or a full-width comma)."""
    lines = text.splitlines()
    sample = "\n".join(lines[:5])[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t，")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:  # e.g. a cell over 128 KB, or a NUL byte
        raise OpeningError(N_("The file is not a readable CSV file: %(why)s"), why=str(exc)[:100]) from None


def parse_csv(text: str) -> tuple[list[tuple[int, str, dict[str, str]]], list[CsvRowProblem]]:
    """Rows of a CSV text (see parse_rows)."""
    return parse_rows(csv_rows(text))


def parse_rows(rows: list[list[str]]) -> tuple[list[tuple[int, str, dict[str, str]]], list[CsvRowProblem]]:
    """Rows of (line, raw text, {name, email, phone, factor}) and unreadable rows.

    Columns: with a header row, by name (name/姓名, email/邮箱, phone/手机, contact/联系方式,
    时间系数/系数); a header no one recognises is reported, not silently dropped. Without a header:
    ``name, phone or e-mail[, second contact][, factor]``.
    """
    problems: list[CsvRowProblem] = []
    parsed: list[tuple[int, str, dict[str, str]]] = []
    columns = _columns(rows[0]) if rows else None
    start = 1 if columns else 0
    if columns:
        used = set(columns.values())
        for index, heading in enumerate(rows[0]):
            if heading.strip() and index not in used:
                problems.append(
                    CsvRowProblem(
                        1,
                        ",".join(rows[0])[:200],
                        _(
                            "Column %(n)s (“%(name)s”) is not recognised and was ignored; name a time-factor column “时间系数”."
                        )
                        % {"n": index + 1, "name": heading.strip()[:30]},
                    )
                )
    if len(rows) - start > MAX_CSV_ROWS:
        raise OpeningError(N_("Too many rows (at most %(n)s per file)."), n=MAX_CSV_ROWS)
    for index in range(start, len(rows)):
        cells = [c.strip() for c in rows[index]]
        line = index + 1
        raw = ",".join(cells)
        if not any(cells):
            continue
        if any(len(c) > MAX_CSV_FIELD for c in cells):
            problems.append(CsvRowProblem(line, raw[:200], gettext_lazy_too_long()))
            continue
        record = {"name": "", "email": "", "phone": "", "factor": ""}
        if columns:

            def cell(kind: str) -> str:
                pos = columns.get(kind)
                return cells[pos] if pos is not None and pos < len(cells) else ""  # noqa: B023

            record["name"] = cell("name")
            record["email"], record["phone"] = cell("email"), cell("phone")
            email, phone = split_contact(cell("contact"))
            record["email"] = record["email"] or (email or "")
            record["phone"] = record["phone"] or (phone or "")
            record["factor"] = cell("factor")
        else:
            record["name"] = cells[0]
            for value in cells[1:]:
                if not value:
                    continue
                email, phone = split_contact(value)
                if email and not record["email"]:
                    record["email"] = email
                elif phone and re.fullmatch(r"\d+(\.\d+)?", phone) and len(phone) <= 4 and not record["factor"]:
                    record["factor"] = phone
                elif phone and not record["phone"]:
                    record["phone"] = phone
        parsed.append((line, raw, record))
    return parsed, problems


@transactional
def import_csv(
    session: Session, opening: Opening, raw: bytes, *, secret_key: str, actor: User | None = None, filename: str = ""
) -> CsvReport:
    """Invite every good row of a CSV or Excel (.xlsx) file; report the bad ones (line and reason). Good rows are kept."""
    report = CsvReport()
    if len(raw) > MAX_CSV_BYTES:
        raise OpeningError(N_("The file is too large (at most 1 MB)."))
    table = read_xlsx(raw) if is_xlsx(raw, filename) else csv_rows(decode_csv(raw))
    rows, report.problems = parse_rows(table)
    if not rows and not report.problems:
        raise OpeningError(N_("The file has no rows."))
    for line, raw_text, record in rows:
        try:
            with session.begin_nested():
                invitation, token = invite(
                    session,
                    opening,
                    name=record["name"],
                    email=record["email"],
                    phone=record["phone"],
                    extra_time_factor=record["factor"] or 1.0,
                    actor=actor,
                    secret_key=secret_key,
                )
        except OpeningError as exc:
            report.problems.append(CsvRowProblem(line, raw_text[:200], exc.translated()))
            continue
        report.created.append((invitation, token))
    report.problems.sort(key=lambda p: p.line)
    return report
