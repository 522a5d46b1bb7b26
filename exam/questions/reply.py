"""Reply tasks: the candidate answers a customer's message(s); graded by a rubric."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field

from exam.grading.highlight import highlight
from exam.grading.rubric import Rubric, grade_reply, recompute_score
from exam.numbers import round1
from exam.questions._reply_points import marked_criteria, penalty_notes, points_of
from exam.questions.base import (
    GradedLike,
    GradeOutcome,
    Issue,
    Metric,
    QuestionBase,
    QuestionType,
    SaveContext,
    Saving,
    Text,
    form_value,
)
from exam.questions.signals import text_without_inputs
from exam.security import N_

RUBRIC_TOTAL = 100


class ReplyQuestion(QuestionBase):
    """A customer scenario, the rubric that scores replies, and model answers for trainers."""

    type: Literal["reply"]
    stage: Literal["presale", "insale", "aftersale"]
    customer_type: Literal["tiger", "peacock", "koala", "owl"] | None = None
    facts: Text
    messages: Annotated[list[Text], Field(min_length=1)]
    max_chars: Annotated[int, Field(gt=0, le=5000, strict=True)] = 500
    rubric: Rubric
    model_answers: list[Text] = []

    def summary(self) -> str:
        """The customer's first message."""
        return self.messages[0]

    def service_stage(self) -> str | None:
        """The service stage."""
        return self.stage

    def check(self) -> list[Issue]:
        """Model answers within max_chars (the Rubric model checks its own ids and 100-point total)."""
        issues = super().check()
        for index, answer in enumerate(self.model_answers):
            if len(answer) > self.max_chars:
                issues.append(
                    Issue(
                        ("model_answers", index),
                        f"has model answer {index + 1} of {len(answer)} characters, "
                        f"more than max_chars {self.max_chars}",
                    )
                )
        return issues


class Reply(QuestionType):
    """The reply question type."""

    name = "reply"
    model = ReplyQuestion
    template = "candidate/questions/_reply.html"
    report_template = "hr/review/answers/_reply.html"
    label = N_("Customer reply")
    folder = "replies"
    metrics = (Metric("criterion.*", "percent", N_("Rubric criterion"), placeholder="rubric criterion id"),)
    tryable = True

    def public_view(self, question: ReplyQuestion, item: Mapping[str, Any]) -> dict[str, Any]:
        """Stage, customer type, facts, messages and length limit (never rubric or model answers)."""
        return {
            "type": self.name,
            "stage": question.stage,
            "customer_type": question.customer_type,
            "facts": question.facts,
            "messages": list(question.messages),
            "max_chars": question.max_chars,
        }

    def read_answer(self, question: ReplyQuestion, data: Mapping[str, Any]) -> dict[str, Any]:
        """``{"text": str}``, at most ``max_chars`` characters."""
        text = form_value(data, "text")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise ValueError(f"a reply must be text, got {type(text).__name__}")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if len(text) > question.max_chars:
            raise ValueError(f"the reply is {len(text)} characters long; at most {question.max_chars} are allowed")
        return {"text": text}

    def grade(self, question: ReplyQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """Rubric score out of 100 with per-criterion evidence."""
        result = grade_reply(
            question.rubric,
            response.get("text") or "",
            facts=question.facts,
            messages=list(question.messages),
            model_answers=list(question.model_answers),
            question=question.id,
        )
        detail = _as_dict(result)
        score = detail.get("score", getattr(result, "score", 0.0))
        return GradeOutcome(score=float(score), max_score=float(RUBRIC_TOTAL), detail=detail)

    def on_save(
        self,
        question: ReplyQuestion,
        old: Mapping[str, Any],
        response: dict[str, Any],  # type: ignore[override]
        ctx: SaveContext,
    ) -> Saving:
        """Flag text that grew without keystrokes (pasted or injected)."""
        return Saving(response, text_without_inputs(old, response, ctx.meta))

    def automatic_score(self, max_score: float, detail: Mapping[str, Any]) -> float | None:
        """The rubric's score (0–100) scaled to the item's points."""
        return float(detail.get("score") or 0.0) * float(max_score or RUBRIC_TOTAL) / RUBRIC_TOTAL

    def score_with_overrides(
        self, score: float, max_score: float, detail: Mapping[str, Any], overrides: Mapping[str, Any]
    ) -> float:
        """The rubric total with a reviewer's criterion points in place of the grader's."""
        if not overrides or not detail.get("criteria"):
            return score
        clean = {k: float(v) for k, v in overrides.items()}
        total = recompute_score(
            detail["criteria"], clean, detail.get("caps") or [], calibration=detail.get("calibration")
        )
        return round(total * max_score / 100.0, 4)

    def section_figures(self, items: Sequence[GradedLike]) -> dict[str, Any]:
        """Points per rubric criterion id over the section's replies (reviewers' overrides included).

        Replies may name the same criterion id differently ("针对老虎型顾客", "办理与确认"): the sum is
        labelled with every label it adds up, in order, never with the first reply's alone.
        """
        if not items:
            return {}
        criteria: dict[str, dict[str, Any]] = {}
        for item in items:
            for c in item.detail.get("criteria") or []:
                entry = criteria.setdefault(c["id"], {"labels": [], "points": 0.0, "max": 0.0, "replies": 0})
                label = c.get("label") or c["id"]
                if label not in entry["labels"]:
                    entry["labels"].append(label)
                entry["points"] += float(item.overrides.get(c["id"], c.get("points") or 0.0))
                entry["max"] += float(c.get("max") or 0.0)
                entry["replies"] += 1
        for entry in criteria.values():
            entry["label"] = "、".join(entry["labels"])
            entry["points"] = round1(entry["points"])
            entry["percent"] = round1(100.0 * entry["points"] / entry["max"]) if entry["max"] > 0 else 0.0
        return {"criteria": criteria}

    def section_inputs(self, figures: Mapping[str, Any]) -> dict[str, float]:
        """``criterion.<id>``: the score rate of each rubric criterion."""
        return {f"criterion.{cid}": float(c["percent"]) for cid, c in (figures.get("criteria") or {}).items()}

    def report_view(self, content: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        """The reply with one highlight per rubric point, each criterion's points (overrides marked) and its
        evidence as lines in words (met, missed, against), flags and caps."""
        result = answer.result or {}
        overrides = answer.overrides or {}
        text = (answer.response or {}).get("text") or ""
        penalties = penalty_notes(content.get("rubric"))
        rows = []
        for c in result.get("criteria") or []:
            overridden = c["id"] in overrides
            rows.append(
                {
                    "id": c["id"],
                    "label": c.get("label") or c["id"],
                    "auto": c.get("points") or 0.0,
                    "points": float(overrides[c["id"]]) if overridden else float(c.get("points") or 0.0),
                    "max": c.get("max") or 0.0,
                    "overridden": overridden,
                    "evidence": list(c.get("evidence") or []),
                    "lines": points_of(c, penalties.get(c["id"], set())),
                }
            )
        return {
            "text": text,
            "segments": highlight(text, marked_criteria(result.get("criteria") or [], penalties)),
            "criteria": rows,
            "flags": result.get("flags") or [],
            "caps": result.get("caps") or [],
            "review": result.get("review") or [],
            "score": answer.score,
            "auto_score": result.get("score"),
            "overridden": bool(overrides),
        }

    def starter(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """A scenario, one customer message, a three-criterion rubric and a model answer to edit."""
        return {
            "stage": "presale",
            "customer_type": None,
            "facts": texts["facts"],
            "messages": [texts["message"]],
            "max_chars": 500,
            "rubric": {
                "criteria": [
                    {
                        "id": "courtesy",
                        "label": texts["courtesy"],
                        "max": 30,
                        "detectors": [{"kind": "phrases", "set": "courtesy", "points": 30}],
                    },
                    {
                        "id": "empathy",
                        "label": texts["empathy"],
                        "max": 30,
                        "detectors": [{"kind": "phrases", "set": "empathy", "points": 30}],
                    },
                    {
                        "id": "next_step",
                        "label": texts["next_step"],
                        "max": 40,
                        "detectors": [{"kind": "phrases", "set": "next_step", "points": 40}],
                    },
                ]
            },
            "model_answers": [texts["model_answer"]],
        }


def _as_dict(result: Any) -> dict[str, Any]:
    """A grading result as a JSON-ready dict, whatever its shape."""
    if isinstance(result, Mapping):
        return dict(result)
    for name in ("as_dict", "to_dict", "model_dump"):
        method = getattr(result, name, None)
        if callable(method):
            return dict(method())
    return {"score": getattr(result, "score", 0.0)}


TYPE = Reply()
