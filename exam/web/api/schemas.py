"""The JSON shapes of API v1 (request bodies and responses); their descriptions are msgids, shown in Chinese."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from exam.security import N_

OpeningState = Literal["upcoming", "open", "closed"]
InvitationState = Literal[
    "invited", "opened", "accepted", "in_progress", "submitted", "graded", "expired", "abandoned", "revoked"
]
Decision = Literal["shortlist", "hold", "reject", "hire"]


class ErrorOut(BaseModel):
    """A refusal."""

    error: str = Field(description=N_("A stable code of the problem (for scripts)."))
    message: str = Field(description=N_("What went wrong, in the reader's language."))


class OpeningOut(BaseModel):
    """An opening."""

    id: int
    title: str = Field(description=N_("The opening's title."))
    profile_id: str = Field(description=N_("The job profile the candidates are examined with."))
    profile_version: int
    opens_at: datetime = Field(description=N_("When the exam window opens (UTC)."))
    closes_at: datetime = Field(description=N_("When the exam window closes (UTC); links expire then."))
    status: OpeningState = Field(description=N_("upcoming, open or closed."))
    created_at: datetime
    url: str = Field(description=N_("The opening's page for HR."))


class OpeningDetailOut(OpeningOut):
    """An opening with its counts."""

    invitations: int = Field(description=N_("Invitations sent (withdrawn ones included)."))
    attempts: dict[str, int] = Field(description=N_("Exams by status: in_progress, submitted, graded …"))
    bands: dict[str, int] = Field(description=N_("Graded candidates by recommendation band."))
    decisions: dict[str, int] = Field(description=N_("Candidates by decision."))
    mean_score: float | None = Field(description=N_("The mean hiring score of the graded candidates."))


class InvitationIn(BaseModel):
    """One candidate to invite: a name and a phone number or an e-mail address."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, description=N_("The candidate's name."))
    phone: str | None = Field(default=None, max_length=32, description=N_("A mobile phone number."))
    email: str | None = Field(default=None, max_length=254, description=N_("An e-mail address."))
    extra_time_factor: float = Field(
        default=1.0, ge=0.01, le=5.0, description=N_("The time factor: 1 is the normal time, 1.5 half as much more.")
    )


class InvitationOut(BaseModel):
    """An invitation and where its candidate stands."""

    id: int
    opening_id: int
    name: str
    phone: str | None
    email: str | None
    extra_time_factor: float
    status: InvitationState = Field(description=N_("Where the candidate stands."))
    status_label: str = Field(description=N_("The status in words."))
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    attempt_id: int | None = Field(description=N_("The exam attempt, once the candidate has started."))
    link: str | None = Field(description=N_("The candidate's personal link (None when made under an old key)."))


class CreatedInvitation(InvitationOut):
    """A new invitation with its link and QR code."""

    link: str | None
    qr: str | None = Field(description=N_("The link's QR code as a data URL (SVG); None when not asked for."))


class CreatedInvitations(BaseModel):
    """The invitations created by one request, in the order they were sent."""

    items: list[CreatedInvitation]


class OpeningPage(BaseModel):
    """A page of openings."""

    items: list[OpeningOut]
    total: int = Field(description=N_("How many match the filters."))
    next: str | None = Field(description=N_("The link to the next page (None on the last page)."))


class InvitationPage(BaseModel):
    """A page of invitations."""

    items: list[InvitationOut]
    total: int = Field(description=N_("How many match the filters."))
    next: str | None = Field(description=N_("The link to the next page (None on the last page)."))


class CriterionOut(BaseModel):
    """One criterion of the hiring score and how its points come about."""

    id: str
    label: str
    input: str = Field(description=N_("The measured input, e.g. typing.net_cpm."))
    input_label: str = Field(description=N_("What the input measures, in words."))
    value: float | None = Field(description=N_("The candidate's value of the input."))
    value_text: str = Field(description=N_("The value with its unit."))
    points: float = Field(description=N_("Points of the criterion, 0 to 100."))
    weight: float
    share: float = Field(description=N_("The criterion's share of the score, 0 to 1."))
    contribution: float = Field(description=N_("Points the criterion adds to the hiring score."))
    scale_zero: float | None = Field(description=N_("The value that gives 0 points."))
    scale_full: float | None = Field(description=N_("The value that gives 100 points."))
    missing: bool
    explanation: str = Field(description=N_("How the points come about, in words."))


class RequirementOut(BaseModel):
    """One hard requirement."""

    input: str
    label: str
    input_label: str
    min: float
    value: float | None
    met: bool
    explanation: str


class SignalOut(BaseModel):
    """Integrity signals of one kind."""

    kind: str
    label: str
    count: int


class DecisionOut(BaseModel):
    """HR's decision on a candidate."""

    attempt_id: int
    decision: Decision | None = Field(description=N_("shortlist, hold, reject or hire; None when not decided."))
    decision_label: str
    note: str


class ResultOut(BaseModel):
    """A finished candidate's result."""

    attempt_id: int
    opening_id: int
    invitation_id: int | None
    status: str
    submitted_at: datetime | None
    graded_at: datetime | None
    hiring_score: float | None = Field(description=N_("The hiring score, 0 to 100."))
    band: str | None = Field(description=N_("The recommendation band."))
    band_by_score: str | None = Field(description=N_("The band the score alone would give."))
    hard_requirements_met: bool | None
    explanation: str = Field(description=N_("How the score and the band come about, in words."))
    criteria: list[CriterionOut]
    requirements: list[RequirementOut]
    signals: list[SignalOut] = Field(description=N_("Integrity signals recorded during the exam."))
    decision: DecisionOut
    report_url: str = Field(description=N_("The candidate's full report for HR."))


class DecisionIn(BaseModel):
    """A decision with the note that says why (the same rules as on the report page)."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision | None = Field(description=N_("shortlist, hold, reject or hire; None clears the decision."))
    note: str = Field(min_length=1, max_length=2000, description=N_("Why (required)."))
