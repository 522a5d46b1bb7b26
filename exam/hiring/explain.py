"""What HR reads about a hiring result, in plain words: labels, explanations, comparison rows, export rows.

Pure: a stored attempt's results and its job profile in, display data in the current UI language (gettext)
out. The hiring arithmetic lives in :mod:`exam.hiring.score`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from exam.hiring.score import CriterionScore, HiringResult, RequirementCheck, compute_hiring, input_kind
from exam.hiring.timeline import EVENT_LABELS
from exam.i18n import gettext as _
from exam.integrity import SIGNAL_KINDS
from exam.models import Attempt
from exam.questions import registry
from exam.security import N_
from exam.timeutil import display_tz_label, to_display

DECISION_LABELS = {"shortlist": N_("Shortlist"), "hold": N_("Hold"), "reject": N_("Reject"), "hire": N_("Hire")}
STATUS_LABELS = {
    "in_progress": N_("Taking the exam"),
    "submitted": N_("Submitted"),
    "graded": N_("Graded"),
    "expired": N_("Expired"),
    "abandoned": N_("Abandoned"),
}
SIGNAL_LABELS = {
    "paste": N_("Pasted text"),
    "copy": N_("Copied text"),
    "cut": N_("Cut text"),
    "tab_hidden": N_("Left the exam tab"),
    "visibility_hidden": N_("Left the exam tab"),
    "hidden": N_("Left the exam tab"),
    "window_blur": N_("Exam window lost focus"),
    "blur": N_("Exam window lost focus"),
    "fullscreen_exit": N_("Left full screen"),
    "context_menu": N_("Opened the context menu"),
    "devtools": N_("Developer tools opened"),
    "multiple_sessions": N_("Exam open in another window"),
    "second_tab": N_("Exam open in another window"),
    "ip_change": N_("Network address changed"),
    "late_answer": N_("Answer arrived after the time limit"),
    "fast_typing": N_("Implausibly fast typing"),
    "focus_lost": N_("Exam window lost focus"),
    "resize": N_("Window resized"),
    "drop": N_("Dropped text"),
    "shortcut": N_("Blocked keyboard shortcut"),
    "offline": N_("Went offline"),
}
TOPIC_LABELS = {
    "qualities": N_("basic qualities"),
    "principles": N_("communication principles"),
    "language": N_("taboo language and standard phrases"),
    "standard_phrases": N_("standard phrases"),
    "customer_types": N_("customer types"),
    "presale_flow": N_("pre-sale flow"),
    "insale": N_("in-sale handling"),
    "aftersale": N_("after-sale handling"),
    "bargaining": N_("price objections"),
    "platform_rules": N_("platform rules"),
    "kpi": N_("service KPIs"),
    "privacy": N_("customer privacy"),
    "quality_improvement": N_("service quality improvement"),
}
AUDIT_LABELS = {
    "review.override": N_("Mark overridden"),
    "review.override_removed": N_("Override removed"),
    "review.decision": N_("Decision"),
    "candidate.export": N_("Data exported"),
    "candidate.delete": N_("Candidate's data deleted"),
    "ranking.export": N_("Ranking exported"),
    "attempt.start": N_("Exam started"),
    "attempt.auto_submit": N_("Exam handed in automatically"),
    "invitation.create": N_("Invitation created"),
    "invitation.extra_time": N_("Time factor changed"),
    "invitation.revoke": N_("Invitation revoked"),
    "opening.create": N_("Opening created"),
    "retention.purge": N_("Expired data deleted"),
    "user.create": N_("Account created"),
    "user.password": N_("Password reset"),
    "user.disable": N_("Account disabled"),
    "user.enable": N_("Account enabled"),
    "api_token.create": N_("API token created"),
    "api_token.revoke": N_("API token revoked"),
    "question.create": N_("Question created"),
    "question.update": N_("Question changed"),
    "question.status": N_("Question status changed"),
    "profile.create": N_("Job profile created"),
    "profile.update": N_("Job profile changed"),
    "attempt.rubric_regrade": N_("Regraded with a new rubric version"),
    "attempt.outcome": N_("Outcomes after hiring recorded"),
}
AUDIT_TARGETS = {
    "user": N_("account"),
    "attempt": N_("exam attempt"),
    "invitation": N_("invitation"),
    "opening": N_("opening"),
    "question": N_("question"),
    "profile": N_("job profile"),
    "api_token": N_("API token"),
}


def audit_label(action: str) -> str:
    """An audit action in words (never the raw key)."""
    return _(AUDIT_LABELS[action]) if action in AUDIT_LABELS else _("Other change")


def decision_label(value: str | None) -> str:
    """A decision in the UI language ("—" when none)."""
    return _(DECISION_LABELS[value]) if value in DECISION_LABELS else "—"


def status_label(value: str | None) -> str:
    """An attempt status in the UI language."""
    return _(STATUS_LABELS[value]) if value in STATUS_LABELS else (value or "—")


def signal_label(kind: str) -> str:
    """An integrity signal kind in the UI language (the exam engine's labels first)."""
    if kind in SIGNAL_KINDS:
        return _(SIGNAL_KINDS[kind])
    if kind in EVENT_LABELS:
        return _(EVENT_LABELS[kind])
    return _(SIGNAL_LABELS[kind]) if kind in SIGNAL_LABELS else _("Other event")


def topic_label(topic: str) -> str:
    """A bank topic in the UI language."""
    return _(TOPIC_LABELS[topic]) if topic in TOPIC_LABELS else topic


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if abs(value - round(value)) > 1e-9 else f"{value:.0f}"


# The reception simulation's inputs, in the order the comparison shows them.
DESK_INPUTS = ("quality", "reply_rate", "response_time", "conversion_rate", "order_value")


def lower_is_better(name: str) -> bool:
    """Whether a smaller value of this input is better (e.g. a response time)."""
    found = registry.metric(name)
    return found is not None and not found.higher_is_better


def format_value(name: str, value: float | None) -> str:
    """An input value with its unit: "72.5 字/分钟", "96.4%", "80%"."""
    if value is None:
        return "—"
    kind = input_kind(name)
    if kind == "cpm":
        return _("%(n)s chars/min") % {"n": _num(value)}
    if kind == "ratio":
        return f"{_num(value * 100)}%"
    if kind == "seconds":
        return _("%(n)s s") % {"n": _num(value)}
    if kind == "yuan":
        return _("%(n)s yuan") % {"n": _num(value)}
    return f"{_num(value)}%"


class Labels:
    """Input labels for one attempt: section titles from the profile, rubric criterion labels from results."""

    def __init__(self, profile: Mapping[str, Any], results: Mapping[str, Any] | None = None) -> None:
        self.sections = {s["id"]: s.get("title") or s["id"] for s in profile.get("sections") or []}
        self.criteria: dict[str, str] = {}
        for sid, section in ((results or {}).get("sections") or {}).items():
            for cid, c in (section.get("criteria") or {}).items():
                self.criteria.setdefault(f"{sid}.{cid}", c.get("label") or cid)

    def section(self, sid: str) -> str:
        """A section's title."""
        return self.sections.get(sid, sid)

    def input(self, name: str) -> str:
        """What an input measures, in words."""
        parts = name.split(".")
        if len(parts) < 2:
            return name
        sid, metric = parts[0], parts[1]
        section = self.section(sid)
        if metric == "percent":
            return _("Score rate of %(section)s") % {"section": section}
        if metric == "topic" and len(parts) == 3:
            return _("%(section)s, topic %(topic)s") % {"section": section, "topic": topic_label(parts[2])}
        if metric == "criterion" and len(parts) == 3:
            label = self.criteria.get(f"{sid}.{parts[2]}", parts[2])
            return _("%(section)s, rubric criterion %(criterion)s") % {"section": section, "criterion": label}
        found = registry.metric(name)
        if found is not None:
            return _(found.label)
        return name


def explain_criterion(c: CriterionScore, labels: Labels, total_weight: float) -> str:
    """One criterion's points and contribution in plain words."""
    what = labels.input(c.input)
    if c.missing:
        head = _("There is no result for %(what)s, so this criterion scores 0 points.") % {"what": what}
    elif c.scale is not None:
        head = _(
            "%(what)s is %(value)s. On this criterion's scale %(zero)s gives 0 points and %(full)s gives 100 "
            "points, so it earns %(points)s points."
        ) % {
            "what": what,
            "value": format_value(c.input, c.value),
            "zero": format_value(c.input, c.scale["zero"]),
            "full": format_value(c.input, c.scale["full"]),
            "points": _num(c.points),
        }
    else:
        head = _("%(what)s is %(value)s, which counts directly as %(points)s points.") % {
            "what": what,
            "value": format_value(c.input, c.value),
            "points": _num(c.points),
        }
    if c.clamped == "low":
        head += " " + _("(Below the 0-point mark, so 0 points.)")
    elif c.clamped == "high":
        head += " " + _("(Above the full-marks mark, so 100 points.)")
    tail = _(
        "Weight %(weight)s of %(total)s (%(share)s%%): %(points)s × %(share)s%% = %(contribution)s points of "
        "the hiring score."
    ) % {
        "weight": _num(c.weight),
        "total": _num(total_weight),
        "share": _num(c.share * 100),
        "points": _num(c.points),
        "contribution": _num(c.contribution),
    }
    return head + " " + tail


def explain_requirement(r: RequirementCheck, labels: Labels) -> str:
    """One hard requirement's outcome in plain words."""
    what = labels.input(r.input)
    if r.missing:
        return _("There is no result for %(what)s, so the requirement (at least %(min)s) is not met.") % {
            "what": what,
            "min": format_value(r.input, r.min),
        }
    if r.met:
        return _("%(what)s is %(value)s, at least %(min)s: met.") % {
            "what": what,
            "value": format_value(r.input, r.value),
            "min": format_value(r.input, r.min),
        }
    return _("%(what)s is %(value)s, below the required %(min)s: not met, which rules the candidate out.") % {
        "what": what,
        "value": format_value(r.input, r.value),
        "min": format_value(r.input, r.min),
    }


def explain_score(h: HiringResult) -> str:
    """How the total and the band come about, in plain words."""
    text = _(
        "The hiring score is the weighted average of the criteria's points: the contributions add up to "
        "%(score)s of 100."
    ) % {"score": _num(h.score)}
    if h.knocked_out:
        text += " " + _(
            "A hard requirement is not met, so the recommendation is %(band)s whatever the score "
            "(the score alone would give %(by_score)s)."
        ) % {"band": h.band, "by_score": h.band_by_score}
    else:
        text += " " + _("Every hard requirement is met; a score of %(score)s falls in the band %(band)s.") % {
            "score": _num(h.score),
            "band": h.band,
        }
    return text


def hiring_of(attempt: Attempt, profile: Mapping[str, Any]) -> HiringResult | None:
    """The stored hiring result, or one computed from the stored inputs (None before grading)."""
    results = attempt.results or {}
    if results.get("hiring"):
        try:
            return HiringResult.from_dict(results["hiring"])
        except (TypeError, ValueError, KeyError):
            pass
    if results.get("inputs") and profile:
        return compute_hiring(profile, results["inputs"])
    return None


def explanation_rows(hiring: HiringResult, labels: Labels) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the "how the score is made" and "hard requirements" tables."""
    criteria = [
        {
            "c": c,
            "input_label": labels.input(c.input),
            "value": format_value(c.input, c.value),
            "scale": (
                f"{format_value(c.input, c.scale['zero'])} → 0 · {format_value(c.input, c.scale['full'])} → 100"
                if c.scale
                else _("percentage as points")
            ),
            "text": explain_criterion(c, labels, hiring.total_weight),
        }
        for c in hiring.criteria
    ]
    requirements = [
        {
            "r": r,
            "input_label": labels.input(r.input),
            "value": format_value(r.input, r.value),
            "min": format_value(r.input, r.min),
            "text": explain_requirement(r, labels),
        }
        for r in hiring.requirements
    ]
    return criteria, requirements


def criterion_values(attempt: Attempt) -> dict[str, float | None]:
    """{criterion id: its input's value} of a ranked attempt (shown under the points in the ranking)."""
    hiring = (attempt.results or {}).get("hiring") or {}
    return {c["id"]: c.get("value") for c in hiring.get("criteria") or [] if "id" in c}


def criterion_points(attempt: Attempt) -> dict[str, float]:
    """{criterion id: points} of a ranked attempt (for the ranking's columns)."""
    hiring = (attempt.results or {}).get("hiring") or {}
    return {c["id"]: c.get("points") for c in hiring.get("criteria") or [] if "id" in c}


# --- compare -----------------------------------------------------------------------------


def comparable_inputs(profile: Mapping[str, Any], attempts: Sequence[Attempt]) -> list[str]:
    """Inputs worth comparing, in paper order: each section's rate, typing figures, then topics of
    knowledge sections (not of typing or reply sections, where topics say little) and rubric criteria."""
    order = [s["id"] for s in profile.get("sections") or []]
    present: dict[str, dict[str, Any]] = {}
    for attempt in attempts:
        for sid, sec in ((attempt.results or {}).get("sections") or {}).items():
            entry = present.setdefault(
                sid, {"typing": False, "reply": False, "desk": False, "topics": [], "criteria": []}
            )
            entry["typing"] = entry["typing"] or sec.get("net_cpm") is not None
            entry["desk"] = entry["desk"] or bool(sec.get("desk"))
            entry["reply"] = entry["reply"] or bool(sec.get("criteria"))
            for t in sec.get("topics") or {}:
                if t not in entry["topics"]:
                    entry["topics"].append(t)
            for c in sec.get("criteria") or {}:
                if c not in entry["criteria"]:
                    entry["criteria"].append(c)
    names: list[str] = []
    for sid in order + sorted(set(present) - set(order)):
        entry = present.get(sid)
        if entry is None:
            continue
        names.append(f"{sid}.percent")
        if entry["typing"]:
            names += [f"{sid}.net_cpm", f"{sid}.gross_cpm", f"{sid}.accuracy"]
        if entry["desk"]:
            names += [f"{sid}.{m}" for m in DESK_INPUTS]
        if not entry["typing"] and not entry["reply"] and not entry["desk"]:
            names += [f"{sid}.topic.{t}" for t in sorted(entry["topics"])]
        names += [f"{sid}.criterion.{c}" for c in entry["criteria"]]
    return names


@dataclass
class CompareRow:
    """One line of the comparison: a label and one cell per candidate; ``best`` marks the highest values."""

    label: str
    cells: list[str]
    values: list[float | None] = field(default_factory=list)
    kind: str = ""
    group: str = ""

    lower_is_better: bool = False

    @property
    def best(self) -> set[int]:
        """Indexes of the best (highest; lowest when lower is better) numeric values, when they differ."""
        nums = [v for v in self.values if v is not None]
        if len(nums) < 2 or max(nums) == min(nums):
            return set()
        top = min(nums) if self.lower_is_better else max(nums)
        return {i for i, v in enumerate(self.values) if v == top}


def compare_rows(
    items: Sequence[tuple[Attempt, str, HiringResult | None, int | None, float | None]], profile: Mapping[str, Any]
) -> list[CompareRow]:
    """The comparison table: hiring, criteria, requirements, sections, topics, reply criteria, signals, decision."""
    labels = Labels(profile, {})
    for attempt, *_rest in items:
        more = Labels(profile, attempt.results or {})
        labels.criteria.update(more.criteria)
    rows: list[CompareRow] = []
    g_score = _("Hiring score")

    def add(
        label: str, cells: list[str], values: list[float | None] | None = None, group: str = "", kind: str = ""
    ) -> None:
        rows.append(CompareRow(label, cells, values or [], kind, group))

    add(
        _("Hiring score"),
        [_num(h.score) if h else "—" for _a, _n, h, _r, _p in items],
        [h.score if h else None for _a, _n, h, _r, _p in items],
        g_score,
        "score",
    )
    add(_("Recommendation"), [h.band if h else "—" for _a, _n, h, _r, _p in items], group=g_score)
    add(
        _("Hard requirements"),
        [(_("met") if h.hard_requirements_met else _("not met")) if h else "—" for _a, _n, h, _r, _p in items],
        group=g_score,
        kind="requirements",
    )
    add(_("Rank"), [str(r) if r else "—" for _a, _n, _h, r, _p in items], group=g_score)
    add(
        _("Percentile"),
        [f"{_num(p)}" if p is not None else "—" for _a, _n, _h, _r, p in items],
        [p for _a, _n, _h, _r, p in items],
        g_score,
    )
    g_crit = _("Criteria (points · contribution)")
    for c in profile.get("criteria") or []:
        cells, values = [], []
        for _a, _n, h, _r, _p in items:
            found = next((x for x in (h.criteria if h else []) if x.id == c["id"]), None)
            if found is None:
                cells.append("—")
                values.append(None)
            else:
                cells.append(
                    f"{format_value(found.input, found.value)} → {_num(found.points)} · +{_num(found.contribution)}"
                )
                values.append(found.points)
        add(f"{c.get('label') or c['id']} ({_('weight')} {_num(float(c.get('weight') or 0))})", cells, values, g_crit)
    g_req = _("Hard requirements")
    for index, r in enumerate(profile.get("hard_requirements") or []):
        cells, values = [], []
        for _a, _n, h, _r, _p in items:
            found = h.requirements[index] if h and index < len(h.requirements) else None
            if found is None:
                cells.append("—")
                values.append(None)
            else:
                cells.append(("✓ " if found.met else "✗ ") + format_value(found.input, found.value))
                values.append(found.value)
        add(r.get("label") or r["input"], cells, values, g_req, "requirement")
    g_inputs = _("Section results")
    names = comparable_inputs(profile, [a for a, *_rest in items])
    for name in names:
        vals = [((a.results or {}).get("inputs") or {}).get(name) for a, *_rest in items]
        add(
            labels.input(name),
            [format_value(name, v) for v in vals],
            [float(v) if v is not None else None for v in vals],
            g_inputs,
        )
        rows[-1].lower_is_better = lower_is_better(name)
    g_other = _("Review")
    add(_("Integrity signals"), [str(a.signal_count) for a, *_rest in items], group=g_other, kind="signals")
    add(_("Decision"), [decision_label(a.decision) for a, *_rest in items], group=g_other)
    add(_("Status"), [status_label(a.status) for a, *_rest in items], group=g_other)
    return rows


# --- export ------------------------------------------------------------------------------


def _unit(name: str) -> str:
    kind = input_kind(name)
    return {"cpm": _("chars/min"), "seconds": _("s"), "yuan": _("yuan")}.get(kind, "%")


def _export_value(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    return round(value * 100, 2) if input_kind(name) == "ratio" else round(value, 2)


def export_table(rows: Iterable[Any], profile: Mapping[str, Any]) -> tuple[list[str], Iterable[list[Any]]]:
    """Headers and rows of the ranking export (every criterion: value, points, contribution; every requirement)."""
    criteria = list(profile.get("criteria") or [])
    requirements = list(profile.get("hard_requirements") or [])
    headers = [
        _("Rank"),
        _("Candidate"),
        _("Mobile phone"),
        _("E-mail"),
        _("Status"),
        _("Hiring score"),
        _("Recommendation"),
        _("Hard requirements met"),
        _("Requirements not met"),
    ]
    for c in criteria:
        label = c.get("label") or c["id"]
        headers += [
            f"{label} · {_('value')} ({_unit(c['input'])})",
            f"{label} · {_('points')}",
            f"{label} · {_('contribution')}",
        ]
    for r in requirements:
        headers.append(f"{r.get('label') or r['input']} ({_unit(r['input'])})")
    headers += [
        _("Percentile"),
        _("Integrity signals"),
        _("Overridden by a reviewer"),
        _("Decision"),
        _("Decision note"),
        _("Submitted at") + f" ({display_tz_label()})",
        _("Attempt ID"),
    ]

    def gen() -> Iterable[list[Any]]:
        for row in rows:
            a = row.attempt
            hiring = (a.results or {}).get("hiring") or {}
            crit = {c.get("id"): c for c in hiring.get("criteria") or []}
            reqs = hiring.get("hard_requirements") or []
            met = a.hard_requirements_met
            out: list[Any] = [
                row.rank,
                row.name,
                getattr(row, "phone", None) or "",
                row.email or "",
                status_label(a.status),
                a.hiring_score,
                a.band or "",
                "" if met is None else (_("yes") if met else _("no")),
                "; ".join(r.get("label") or r.get("input") for r in reqs if not r.get("met")),
            ]
            for c in criteria:
                found = crit.get(c["id"]) or {}
                out += [_export_value(c["input"], found.get("value")), found.get("points"), found.get("contribution")]
            for index, r in enumerate(requirements):
                found = reqs[index] if index < len(reqs) else {}
                out.append(_export_value(r["input"], found.get("value")))
            out += [
                row.percentile,
                a.signal_count,
                _("yes") if row.overridden else _("no"),
                decision_label(a.decision) if a.decision else "",
                a.decision_note or "",
                to_display(a.submitted_at).replace(tzinfo=None) if a.submitted_at else None,
                a.id,
            ]
            yield out

    return headers, gen()


def num(value: Any) -> str:
    """A number for display: 80.0 -> "80", 72.35 -> "72.4" (half up via format), None -> "—"."""
    if value is None or value == "":
        return "—"
    try:
        return _num(float(value))
    except (TypeError, ValueError):
        return str(value)


def band_index(label: str | None, bands: Sequence[Mapping[str, Any]]) -> int:
    """The position of a band from the top (0 = best), for colouring; -1 when unknown."""
    ordered = sorted(bands, key=lambda b: -float(b.get("min", 0)))
    for index, band in enumerate(ordered):
        if band.get("label") == label:
            return index
    return -1
