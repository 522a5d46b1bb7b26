"""The trainers' job profiles: list, editor with the blueprint check, versions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from exam.hiring.explain import Labels
from exam.i18n import gettext as _
from exam.models import JobProfile, JobProfileVersion
from exam.services import workspace as ws
from exam.services.bank_store import (
    bank_warnings,
    current_bank,
    profile_history,
    store_profile,
)
from exam.web.deps import MAX_ID, SessionDep, TrainerUser, VersionQuery, get_or_404
from exam.web.trainer.common import (
    history_page,
    page,
    redirect,
)

router = APIRouter(prefix="/trainer")


# --- job profiles ------------------------------------------------------------------------------------


def _profile_check_ctx(session: Session, parsed: ws.Parsed) -> dict[str, Any]:
    if not parsed.ok:
        return {"problems": parsed.problems, "profile": None}
    bank = current_bank(session)
    profile = parsed.model.model_dump(mode="json")
    labels = Labels(profile)
    questions = bank.questions.values() if isinstance(bank.questions, dict) else bank.questions
    for q in questions:
        for c in getattr(getattr(q, "rubric", None), "criteria", None) or []:
            for s in profile.get("sections") or []:
                key = f"{s['id']}.{c.id}"
                known = labels.criteria.get(key, "")
                if c.label not in known.split("、"):
                    labels.criteria[key] = f"{known}、{c.label}" if known else c.label
    return {
        "problems": [],
        "profile": parsed.model,
        "sections": ws.pool_sizes(parsed.model, bank.questions),
        "input_label": labels.input,
    }


def _profile_editor(
    request: Request,
    session: Session,
    yaml_text: str,
    *,
    editing: str | None = None,
    base_version: int | None = None,
    note: str = "",
    status_code: int = 200,
    conflict: str = "",
) -> Response:
    parsed = ws.parse_profile_text(yaml_text, session, editing=editing, creating=editing is None)
    ctx = {
        "yaml_text": yaml_text,
        "editing": editing,
        "base_version": base_version,
        "note": note,
        "conflict": conflict,
        "area": "profiles",
    }
    ctx.update(_profile_check_ctx(session, parsed))
    return page(request, "trainer/profile_editor.html", ctx, status_code=status_code)


@router.get("/profiles")
def profiles(request: Request, user: TrainerUser, session: SessionDep) -> Response:
    """The job profiles, with the ones the bank cannot fill."""
    rows = session.exec(select(JobProfile).order_by(JobProfile.id)).all()
    return page(
        request, "trainer/profiles.html", {"profiles": rows, "warnings": bank_warnings(session), "area": "profiles"}
    )


PROFILE_TEMPLATE = """id: new_profile
title: {title}
source: {{seed: {seed}, section: {section}}}
description: ''
sections:
  - id: knowledge
    title: {knowledge}
    time_limit: 600
    draw:
      - {{type: single_choice, count: 5}}
      - {{type: true_false, count: 5}}
criteria:
  - {{id: knowledge, label: {knowledge}, input: knowledge.percent, weight: 1}}
bands:
  - {{min: 70, label: {recommend}}}
  - {{min: 0, label: {reject}}}
"""


@router.get("/profiles/new")
def new_profile(request: Request, user: TrainerUser, session: SessionDep) -> Response:
    """The editor for a new job profile."""
    text = PROFILE_TEMPLATE.format(
        title=_("New job profile"),
        seed=_("seed file name"),
        section=_("section or heading in that file"),
        knowledge=_("Service knowledge"),
        recommend=_("Recommended"),
        reject=_("Not recommended"),
    )
    return _profile_editor(request, session, text)


@router.post("/profiles/check")
def check_profile(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    editing: Annotated[str, Form()] = "",
    creating: Annotated[str, Form()] = "",
) -> Response:
    """The live check of the profile editor (model and blueprint against the current bank)."""
    parsed = ws.parse_profile_text(yaml, session, editing=editing or None, creating=bool(creating))
    return page(
        request,
        "trainer/_profile_check.html",
        _profile_check_ctx(session, parsed),
        status_code=200 if parsed.ok else 422,
    )


@router.post("/profiles")
def create_profile(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Create a job profile."""
    parsed = ws.parse_profile_text(yaml, session, creating=True)
    if not parsed.ok:
        return _profile_editor(request, session, yaml, note=note, status_code=422)
    store_profile(session, parsed.model, user.id, note.strip()[:500])
    return redirect(f"/trainer/profiles/{quote(parsed.model.id, safe='')}?notice=profile_created")


def _profile_row(session: Session, profile_id: str) -> JobProfile:
    return get_or_404(session, JobProfile, profile_id)


@router.get("/profiles/{profile_id}")
def edit_profile(request: Request, profile_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """The profile editor with the current version."""
    row = _profile_row(session, profile_id)
    stored = session.exec(
        select(JobProfileVersion).where(
            JobProfileVersion.profile_id == row.id, JobProfileVersion.version == row.current_version
        )
    ).one()
    return _profile_editor(
        request, session, ws.profile_yaml(stored.content), editing=row.id, base_version=row.current_version
    )


@router.post("/profiles/{profile_id}")
def save_profile(
    request: Request,
    profile_id: str,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    base_version: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Save a profile as a new version (validated against the current bank)."""
    row = _profile_row(session, profile_id)
    if base_version != row.current_version:
        message = _(
            "Someone saved version %(v)s while you were editing version %(b)s. Your text is kept below; "
            "compare with the history, then save again."
        ) % {"v": row.current_version, "b": base_version}
        return _profile_editor(
            request,
            session,
            yaml,
            editing=row.id,
            base_version=row.current_version,
            note=note,
            status_code=409,
            conflict=message,
        )
    parsed = ws.parse_profile_text(yaml, session, editing=row.id)
    if not parsed.ok:
        return _profile_editor(
            request, session, yaml, editing=row.id, base_version=base_version, note=note, status_code=422
        )
    outcome, _version = store_profile(session, parsed.model, user.id, note.strip()[:500])
    return redirect(f"/trainer/profiles/{quote(row.id, safe='')}?notice=profile_{outcome}")


@router.get("/profiles/{profile_id}/history")
def profile_versions(
    request: Request,
    profile_id: str,
    user: TrainerUser,
    session: SessionDep,
    a: VersionQuery = None,
    b: VersionQuery = None,
) -> Response:
    """A profile's versions and a diff between any two."""
    row = _profile_row(session, profile_id)
    versions = profile_history(session, profile_id)
    return history_page(
        request,
        session,
        "profile",
        row.id,
        f"/trainer/profiles/{quote(row.id, safe='')}",
        versions,
        row.current_version,
        a,
        b,
    )
