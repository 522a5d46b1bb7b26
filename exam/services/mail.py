"""Invitation e-mails: HR queues them, a background job sends them over SMTP (EXAM_SMTP_*) with retries.

Each e-mail is an EmailDelivery row: ``queued`` → ``sending`` (held by one sender for a lease, so that
several processes can run the job at once) → ``sent``, or back to ``queued`` with a later retry after a
temporary failure, or ``failed`` after a permanent refusal or the last retry. The subject and body come
from templates/email/ in the configured language (Chinese by default). The e-mail carries the candidate's
personal link; the link itself is never stored (it is derived again from the secret key when sending).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from exam import i18n
from exam.db import session_scope, transactional
from exam.errors import UserError
from exam.models import EmailDelivery, Invitation, Opening, User
from exam.resources import template_dir
from exam.security import N_
from exam.services import accounts, invitation_links, openings
from exam.settings import Settings
from exam.timeutil import display_tz_label, to_display, utcnow

log = logging.getLogger("exam.mail")

# Waits after the 1st, 2nd, ... temporary failure; after the last one the e-mail is marked failed.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
LEASE = timedelta(minutes=5)
BATCH = 25  # e-mails per run of the job, so that one run stays short
PENDING = ("queued", "sending")
LIVE_STATUSES = ("invited", "opened", "accepted")

STATUS_LABELS = {
    "queued": N_("E-mail queued"),
    "sending": N_("E-mail being sent"),
    "sent": N_("E-mail sent"),
    "failed": N_("E-mail failed"),
}


class MailError(UserError):
    """An e-mail HR cannot send; ``message`` is an English msgid (translated by the web layer)."""


@dataclass
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


# --- queueing (HR) ---------------------------------------------------------------------------


def _check_sendable(session: Session, settings: Settings, invitation: Invitation) -> str:
    """The address to send to, or MailError saying why this invitation cannot be e-mailed."""
    if not settings.smtp_enabled:
        raise MailError(N_("E-mail is not set up on this server (ask the administrator to set EXAM_SMTP_HOST)."))
    if not invitation.email:
        raise MailError(N_("%(name)s has no e-mail address."), name=invitation.name)
    status = openings.invitation_status(invitation, openings.attempt_of(session, invitation))
    if status not in LIVE_STATUSES:
        raise MailError(N_("The invitation of %(name)s can no longer be used; nothing was sent."), name=invitation.name)
    if invitation_links.link_token(invitation_links.secret_keys(settings), invitation) is None:
        raise MailError(N_("This link was made with an earlier secret key that is no longer configured."))
    return invitation.email


def pending(session: Session, invitation_id: int) -> EmailDelivery | None:
    """The invitation's e-mail still waiting to be sent, if any."""
    return session.exec(
        select(EmailDelivery).where(
            EmailDelivery.invitation_id == invitation_id, col(EmailDelivery.status).in_(PENDING)
        )
    ).first()


@transactional
def queue_invitation(
    session: Session, settings: Settings, invitation: Invitation, *, base_url: str, actor: User | None = None
) -> EmailDelivery:
    """Queue the invitation's e-mail (once: an e-mail still waiting is not queued again)."""
    address = _check_sendable(session, settings, invitation)
    waiting = pending(session, invitation.id)
    if waiting is not None:
        return waiting
    delivery = EmailDelivery(
        invitation_id=invitation.id,
        to_address=address,
        base_url=(settings.base_url or base_url).rstrip("/"),
        created_by_id=actor.id if actor else None,
    )
    session.add(delivery)
    session.flush()
    accounts.audit(session, actor, "invitation.email", "invitation", str(invitation.id))  # no address in the log
    return delivery


@transactional
def queue_opening(
    session: Session, settings: Settings, opening: Opening, *, base_url: str, actor: User | None = None
) -> tuple[int, int]:
    """Queue the e-mail of every usable invitation of an opening never e-mailed yet: (queued, skipped)."""
    if not settings.smtp_enabled:
        raise MailError(N_("E-mail is not set up on this server (ask the administrator to set EXAM_SMTP_HOST)."))
    invitations = session.exec(
        select(Invitation).where(Invitation.opening_id == opening.id, col(Invitation.email).is_not(None))
    ).all()
    emailed = set(
        session.exec(
            select(EmailDelivery.invitation_id).where(
                col(EmailDelivery.invitation_id).in_([i.id for i in invitations] or [-1])
            )
        ).all()
    )
    queued = skipped = 0
    for invitation in invitations:
        if invitation.id in emailed:
            continue
        try:
            queue_invitation(session, settings, invitation, base_url=base_url, actor=actor)
            queued += 1
        except MailError:
            skipped += 1
    return queued, skipped


def latest(session: Session, invitation_ids: Sequence[int | None]) -> dict[int, EmailDelivery]:
    """The newest e-mail of each invitation that has one."""
    rows = session.exec(
        select(EmailDelivery)
        .where(col(EmailDelivery.invitation_id).in_(list(invitation_ids) or [-1]))
        .order_by(col(EmailDelivery.id))
    ).all()
    return {row.invitation_id: row for row in rows}


# --- the message -------------------------------------------------------------------------------


@lru_cache
def _templates() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir() / "email")),
        autoescape=False,  # plain text
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    return env


def sender(settings: Settings) -> str:
    """The From address: EXAM_SMTP_FROM, else the SMTP user name (settings refuse an SMTP host without either)."""
    return settings.smtp_from.strip() or settings.smtp_username


def invitation_message(
    settings: Settings, invitation: Invitation, opening: Opening, link: str, to_address: str | None = None
) -> EmailMessage:
    """The invitation e-mail (subject and body from templates/email/, in the configured language)."""
    previous = i18n.get_locale()
    i18n.set_locale(settings.default_locale)
    try:
        context = {
            "name": invitation.name,
            "opening": opening.title,
            "link": link,
            "deadline": to_display(invitation.expires_at).strftime("%Y-%m-%d %H:%M") + f" ({display_tz_label()})",
            "extra_time": invitation.extra_time_factor if invitation.extra_time_factor != 1 else None,
        }
        subject = _templates().get_template("invitation_subject.txt").render(context).strip()
        body = _templates().get_template("invitation.txt").render(context)
    finally:
        i18n.set_locale(previous)
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender(settings)
    message["To"] = to_address or invitation.email or ""
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender(settings))[1].partition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


# --- sending (the background job) ---------------------------------------------------------------


def _smtp_send(settings: Settings, message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server (raises on any failure)."""
    timeout = settings.smtp_timeout_seconds
    client: smtplib.SMTP
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        client.send_message(message)


def _permanent(exc: Exception) -> bool:
    """Whether retrying cannot help (the server refused the recipient, the sender or the message for good)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # a settings problem: fixed by the administrator, then the retry works
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values())[:500]
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {detail}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def _claim(engine: Engine, now: datetime) -> int | None:
    """Take the next due e-mail for this sender until the lease ends (compare-and-set: safe across processes)."""
    with session_scope(engine) as session:
        candidates = session.exec(
            select(EmailDelivery.id)
            .where(
                col(EmailDelivery.status).in_(PENDING),
                EmailDelivery.next_attempt_at <= now,
                or_(col(EmailDelivery.lease_until).is_(None), col(EmailDelivery.lease_until) < now),
            )
            .order_by(col(EmailDelivery.next_attempt_at))
            .limit(5)
        ).all()
        for delivery_id in candidates:
            taken = session.execute(
                update(EmailDelivery)
                .where(
                    col(EmailDelivery.id) == delivery_id,
                    col(EmailDelivery.status).in_(PENDING),
                    or_(col(EmailDelivery.lease_until).is_(None), col(EmailDelivery.lease_until) < now),
                )
                .values(status="sending", lease_until=now + LEASE)
            )
            if taken.rowcount == 1:
                return delivery_id
    return None


def _prepare(engine: Engine, settings: Settings, delivery_id: int) -> EmailMessage | str:
    """The message of a claimed e-mail, or why it cannot be sent any more."""
    with session_scope(engine, write=False) as session:
        delivery = session.get(EmailDelivery, delivery_id)
        invitation = session.get(Invitation, delivery.invitation_id) if delivery else None
        opening = session.get(Opening, invitation.opening_id) if invitation else None
        if delivery is None or invitation is None or opening is None:
            return "the invitation no longer exists"
        status = openings.invitation_status(invitation, openings.attempt_of(session, invitation))
        if status not in LIVE_STATUSES:
            return f"the invitation can no longer be used ({status})"
        link = invitation_links.link(delivery.base_url, invitation_links.secret_keys(settings), invitation)
        if link is None:
            return "the link was made with a secret key that is no longer configured"
        return invitation_message(settings, invitation, opening, link, delivery.to_address)


def _record(engine: Engine, delivery_id: int, now: datetime, error: Exception | str | None) -> str:
    """Store the outcome of one try; returns the new status."""
    with session_scope(engine) as session:
        delivery = session.get(EmailDelivery, delivery_id)
        if delivery is None:
            return "gone"
        delivery.attempts += 1
        delivery.lease_until = None
        if error is None:
            delivery.status, delivery.sent_at, delivery.last_error = "sent", now, ""
        elif isinstance(error, str) or _permanent(error) or delivery.attempts > len(RETRY_DELAYS):
            delivery.status = "failed"
            delivery.last_error = error if isinstance(error, str) else _describe(error)
        else:
            delivery.status = "queued"
            delivery.last_error = _describe(error)
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
        session.add(delivery)
        return delivery.status


def send_due(engine: Engine, settings: Settings, now: datetime | None = None) -> SendReport:
    """Send the e-mails that are due (at most BATCH); the background job runs this every few seconds."""
    report = SendReport()
    if not settings.smtp_enabled:
        return report
    now = now or utcnow()
    for _ in range(BATCH):
        delivery_id = _claim(engine, now)
        if delivery_id is None:
            break
        prepared = _prepare(engine, settings, delivery_id)
        error: Exception | str | None = prepared if isinstance(prepared, str) else None
        if isinstance(prepared, EmailMessage):
            try:
                _smtp_send(settings, prepared)
            except (smtplib.SMTPException, OSError) as exc:
                error = exc
        status = _record(engine, delivery_id, now, error)
        if status == "sent":
            report.sent += 1
        elif status == "queued":
            report.retrying += 1
            log.warning("invitation e-mail %s will be retried: %s", delivery_id, error)
        elif status == "failed":
            report.failed += 1
            log.warning("invitation e-mail %s failed: %s", delivery_id, error)
    return report
