"""Display texts of the exam statistics: item flags, options, reliability methods, outcomes (translated at call time)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exam.i18n import gettext as _

EPS = 1e-9


def flag_names() -> dict[str, str]:
    """Short names of item flags (badges)."""
    return {
        "facility_low": _("too hard"),
        "facility_high": _("too easy"),
        "discrimination_low": _("does not discriminate"),
        "distractor_unused": _("unused distractor"),
        "distractor_attracts_strong": _("distractor attracts strong candidates"),
        "key_favours_weak": _("key favours weak candidates"),
    }


def option_label(option: str, kind: str = "") -> str:
    """How an option is named on screen: A, B, C … for choice options, 对/错 for true/false."""
    if kind == "true_false" or option in ("true", "false"):
        return _("True") if option == "true" else _("False")
    return option.upper()


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value):.0%}"


def flag_texts(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(code, sentence) for each flag of an item's figures, in the UI language."""
    codes = [f["code"] for f in item.get("flags") or []]
    kind = str(item.get("type") or "")
    options = item.get("options") or []
    out: list[tuple[str, str]] = []
    for code in dict.fromkeys(codes):
        if code == "facility_low":
            out.append(
                (
                    code,
                    _("Facility %(f)s is below 0.20: too hard, or the key may be wrong.")
                    % {"f": f"{item['facility']:.2f}"},
                )
            )
        elif code == "facility_high":
            out.append(
                (
                    code,
                    _("Facility %(f)s is above 0.90: too easy to tell candidates apart.")
                    % {"f": f"{item['facility']:.2f}"},
                )
            )
        elif code == "discrimination_low":
            out.append(
                (
                    code,
                    _("Discrimination %(d)s is below 0.20: strong candidates do no better on it than weak ones.")
                    % {"d": f"{item['discrimination']:.2f}"},
                )
            )
        elif code == "distractor_unused":
            for o in options:
                if not o["correct"] and not o["picked"]:
                    out.append(
                        (code, _("Nobody picked the distractor %(o)s.") % {"o": option_label(o["option"], kind)})
                    )
        elif code == "distractor_attracts_strong":
            for o in options:
                if not o["correct"] and o["upper"] is not None and o["upper"] > (o["lower"] or 0) + EPS:
                    out.append(
                        (
                            code,
                            _(
                                "The distractor %(o)s attracts strong candidates: %(u)s of the top 27%% picked it, "
                                "%(l)s of the bottom 27%%."
                            )
                            % {"o": option_label(o["option"], kind), "u": _pct(o["upper"]), "l": _pct(o["lower"])},
                        )
                    )
        elif code == "key_favours_weak":
            for o in options:
                if o["correct"] and o["lower"] is not None and o["lower"] > (o["upper"] or 0) + EPS:
                    out.append(
                        (
                            code,
                            _(
                                "The keyed answer %(o)s is picked by %(l)s of the bottom 27%% but only %(u)s of the "
                                "top 27%%: check the key."
                            )
                            % {"o": option_label(o["option"], kind), "u": _pct(o["upper"]), "l": _pct(o["lower"])},
                        )
                    )
        else:
            out.append((code, code))
    return out


def method_label(method: str | None) -> str:
    """The name of a reliability coefficient."""
    return {
        "kr20": _("KR-20"),
        "alpha": _("Cronbach's alpha"),
        "split_half": _("split-half (odd and even questions)"),
    }.get(method or "", method or "")


def reliability_reason(reason: str | None) -> str:
    """Why a reliability figure is missing, in words."""
    return {
        "needs at least 2 items": _("needs at least two questions"),
        "needs at least 2 attempts that answered every item": _("needs at least two finished attempts"),
        "total scores do not vary": _("the total scores do not vary"),
        "needs at least 3 scored attempts": _("needs at least three scored candidates"),
        "no criterion can be scored on both halves": _("no criterion can be scored on both halves of the paper"),
        "half scores do not vary": _("the half scores do not vary"),
    }.get(reason or "", reason or "")


def outcome_labels() -> dict[str, str]:
    """Outcome names."""
    from exam.services.outcomes import OUTCOMES

    return {o.name: _(o.label) for o in OUTCOMES}


def outcome_units() -> dict[str, str]:
    """Units of the outcomes."""
    return {
        "probation_passed": "",
        "conversion_rate": "%",
        "response_time": _("s"),
        "reply_rate": "%",
        "bad_review_rate": "%",
        "satisfaction": "%",
    }


def strength(r: float | None) -> str:
    """A plain reading of a correlation's size (Cohen's rough bands)."""
    if r is None:
        return "—"
    size = abs(r)
    word = _("negligible") if size < 0.1 else _("small") if size < 0.3 else _("moderate") if size < 0.5 else _("large")
    return word
