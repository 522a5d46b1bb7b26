"""Grading a reply against a rubric: criterion points, flags, caps and band gates, and re-scoring.

A rubric is a list of criteria (id, label, max points). Each criterion's points are the sum of
its detectors' points, clamped to ``[0, max]``. Detectors also raise *flags* (taboo,
forbidden_claim, off_topic, ...); a flag with a *cap* bounds the total score. Everything the
engine decides is reported as evidence with the matched text and its position in the reply.
Band gates keep a reply out of the top bands (7+, 8+) when it lacks what they need (empathy, enough
of the scenario's facts, a fit to the customer type).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from exam.grading.rubric.context import _Context, _Outcome
from exam.grading.rubric.detectors.contempt import ContemptDetector
from exam.grading.rubric.detectors.facts import FactsDetector
from exam.grading.rubric.evidence import (
    AppliedCap,
    CriterionResult,
    Evidence,
    ReplyResult,
    _round1,
    is_negative_evidence,
)
from exam.grading.rubric.model import BandGate, Criterion, Rubric
from exam.grading.rubric.review import review_reply
from exam.grading.rubric.scale import ScaleCalibration, load_calibration
from exam.grading.text import NormText, cjk_ratio, content_chars

# Derived flags: raised when one of the first flags and one of the second are both raised.
# Shirking or blaming with no solution at all is a refusal to help (guide 0-2), not one flaw.
DERIVED_FLAGS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "shirk_no_solution": (
        frozenset({"shirk", "blame"}),
        frozenset({"no_substance", "thin_answer", "filler", "off_topic"}),
    ),
}

# Flags that show the reply answers the customer's request, if wrongly (a promise, a claim about this
# scenario, a wrong fact of it, a leak): such a reply is judged by that flag, not as off topic.
ENGAGED_FLAGS: Final[frozenset[str]] = frozenset(
    {"absolute_promise", "forbidden_claim", "wrong_fact", "wrong_facts", "privacy_leak", "credential_request"}
)


def _guard_flags(rubric: Rubric, text: str, length: int, about: bool) -> list[str]:
    """Reply-level flags: empty, wrong language, too short (``brief`` when it states a scenario fact)."""
    if length == 0:
        return ["empty"]
    flags = []
    if cjk_ratio(text) < rubric.min_cjk_ratio:
        flags.append("wrong_language")
    if length < rubric.min_chars:
        flags.append("brief" if about else "too_short")
    return flags


def _gate_failures(
    gate: BandGate, results: Sequence[CriterionResult], coverage: float | None, facts_criterion: str | None
) -> list[tuple[str | None, str]]:
    """The requirements of ``gate`` a reply misses: (criterion id, what is missing)."""
    by_id = {c.id: c for c in results}
    missing: list[tuple[str | None, str]] = []
    for cid, share in gate.criteria.items():
        c = by_id[cid]
        if c.points < share * c.max - 1e-9:
            missing.append((cid, f"{c.label} {c.points:g}/{c.max:g} < {share:.0%}"))
    if gate.coverage is not None and coverage is not None and coverage < gate.coverage - 1e-9:
        missing.append((facts_criterion, f"场景要点覆盖 {coverage:.0%} < {gate.coverage:.0%}"))
    return missing


def grade_reply(
    rubric: Rubric,
    text: str,
    *,
    facts: str = "",
    messages: Sequence[str] = (),
    model_answers: Sequence[str] = (),
    question: str | None = None,
) -> ReplyResult:
    """Grade one reply against ``rubric`` in the scenario given by ``facts`` and ``messages``."""
    check = review_reply(text or "", messages, min_cjk_ratio=rubric.min_cjk_ratio)  # copies: blanked, to a person
    norm = NormText.of(check.graded_text)
    length = content_chars(norm.norm)
    ctx = _Context(
        text=norm,
        facts=facts or "",
        messages=tuple(messages),
        model_answers=tuple(model_answers),
        length=length,
    )
    # Facts detectors first: whether the reply states a fact of this scenario tells the others (a curt
    # reply that keeps the rule earns its clean sheets; a reply about the scenario is not off topic).
    # Contempt detectors run early too: a phrase they charge is not charged again as a taboo word.
    early: dict[int, _Outcome] = {
        id(det): det.evaluate(ctx)
        for crit in rubric.criteria
        for det in crit.detectors
        if isinstance(det, (FactsDetector, ContemptDetector))
    }
    ctx.about = any(out.core_hits > 0 for out in early.values())
    outcomes: list[tuple[Criterion, list[_Outcome]]] = [
        (crit, [early[id(det)] if id(det) in early else det.evaluate(ctx) for det in crit.detectors])
        for crit in rubric.criteria
    ]
    # A reply that states a fact of this scenario is about it, whatever its wording: no off_topic; nor
    # is a reply that answers the request with a promise or a claim (保证今天补发): that flag judges it.
    engaged = any(f in ENGAGED_FLAGS for _, outs in outcomes for out in outs for f in out.flags)
    dropped = {"off_topic"} if ctx.about or engaged else set()

    results: list[CriterionResult] = []
    flags: list[str] = []
    caps: list[AppliedCap] = []

    def raise_flag(flag: str, criterion: str | None, cap: float | None = None, phrase: str = "") -> None:
        """Record a flag and the cap it imposes (``cap`` when given, else the rubric's for the flag)."""
        if flag not in flags:
            flags.append(flag)
        if cap is None:
            cap = rubric.cap_for(flag)
        if cap is not None and not any(c.flag == flag and c.criterion == criterion and c.max == cap for c in caps):
            caps.append(AppliedCap(flag=flag, max=float(cap), criterion=criterion, phrase=phrase))

    for flag in _guard_flags(rubric, norm.norm, length, ctx.about):
        raise_flag(flag, None)
    origin: dict[str, str] = {}
    facts_criterion: str | None = None
    covered = coverable = 0.0
    for crit, outs in outcomes:
        total = 0.0
        evidence: list[Evidence] = []
        crit_flags: list[str] = []
        for det, out in zip(crit.detectors, outs):
            total += out.points
            evidence.extend(out.evidence)
            if isinstance(det, FactsDetector):
                facts_criterion = facts_criterion or crit.id
                covered += out.core_points
                coverable += out.core_max
            for flag in out.flags:
                if flag in dropped:
                    continue
                if flag not in crit_flags:
                    crit_flags.append(flag)
                origin.setdefault(flag, crit.id)
                raise_flag(flag, crit.id, phrase=_phrase(out, flag))
        points = _round1(min(crit.max, max(0.0, total)))
        results.append(CriterionResult(crit.id, crit.label, points, crit.max, evidence, crit_flags))
    for derived, (first, second) in DERIVED_FLAGS.items():
        a = [f for f in flags if f in first]
        if a and any(f in second for f in flags):
            raise_flag(derived, origin.get(a[0]))
    # Band gates: a reply reaching a band without what the band needs stops just below it.
    coverage = covered / coverable if coverable else None
    scale = rubric.scale()
    for gate in rubric.gates:
        if recompute_score(results, caps=caps, calibration=scale) < gate.min:
            continue
        missing = _gate_failures(gate, results, coverage, facts_criterion)
        if missing:
            where = missing[0][0]
            for r in results:
                if r.id == where:
                    note = "; ".join(m for _, m in missing)
                    r.evidence.append(Evidence("gate", "", None, None, f"{gate.note}: {note}" if gate.note else note))
                    if gate.flag not in r.flags:
                        r.flags.append(gate.flag)
            raise_flag(gate.flag, where, gate.bound)
    score = recompute_score(results, caps=caps, calibration=scale)
    calibrated = _round1(scale.apply(sum(r.points for r in results))) if scale else None
    return ReplyResult(
        score=score,
        criteria=results,
        flags=flags,
        caps=caps,
        question=question,
        calibration=scale.name if scale else None,
        calibrated=calibrated,
        review=[item.as_dict() for item in check.items],
    )


def _phrase(out: _Outcome, flag: str) -> str:
    """The phrase that raised ``flag`` in a detector's outcome: the one it names, else its first negative evidence."""
    if flag in out.phrases:
        return out.phrases[flag]
    return next((e.text for e in out.evidence if e.text and is_negative_evidence(e.kind)), "")


def _get(obj: Any, key: str) -> Any:
    """Read ``key`` from a mapping or an attribute."""
    return obj[key] if type(obj) is dict or isinstance(obj, Mapping) else getattr(obj, key)


def recompute_score(
    criteria: Iterable[CriterionResult | Mapping[str, Any]],
    overrides: Mapping[str, float] | None = None,
    caps: Iterable[AppliedCap | Mapping[str, Any]] = (),
    *,
    keep_guard_caps: bool = True,
    calibration: ScaleCalibration | str | None = None,
) -> float:
    """Total 0-100 from criterion points with ``overrides`` (mapped by ``calibration``, an instance or a shipped
    calibration's name, before the caps); an overridden criterion's own caps are dropped."""
    overrides = dict(overrides or {})
    crits = list(criteria)
    ids = {_get(c, "id") for c in crits}
    unknown = set(overrides) - ids
    if unknown:
        raise ValueError(f"override for unknown criteria: {', '.join(sorted(unknown))}")
    total = 0.0
    for c in crits:
        cid, maximum = _get(c, "id"), float(_get(c, "max"))
        points = float(overrides.get(cid, _get(c, "points")))
        if not 0 <= points <= maximum:
            raise ValueError(f"points for {cid!r} must be within 0..{maximum:g}")
        total += points
    if isinstance(calibration, str):
        calibration = load_calibration(calibration)
    if calibration is not None:
        total = calibration.apply(total)
    bound = 100.0
    for cap in caps:
        origin = _get(cap, "criterion")
        if origin is None and not keep_guard_caps:
            continue
        if origin is not None and origin in overrides:
            continue
        bound = min(bound, float(_get(cap, "max")))
    return _round1(min(bound, max(0.0, min(100.0, total))))
