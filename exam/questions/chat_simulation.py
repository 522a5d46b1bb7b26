"""Reception simulations (模拟接待台): the candidate serves 2–4 simulated customers at once on a chat desk.

The bank model, the engine and the figures live in exam.simulation (pure). The stored response holds the
engine's state, written by exam.services.desk with the server's clock::

    {"state": exam.simulation.engine.state_to_dict(...), "started_at": iso, "sent": n,
     "cids": [the client ids of the last messages, to drop a resent one], "pastes": [[chat, message index, chars]]}

Grading runs the desk to the simulation's end (customers still waiting nudge and leave), then scores the
transcript (exam.simulation.score); the transcript, with each customer's "why", is the grading detail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from exam.i18n import gettext as _
from exam.questions._reply_points import penalty_notes, points_of
from exam.questions.base import GradedLike, GradeOutcome, Metric, QuestionType
from exam.security import N_
from exam.simulation.engine import finish, start, state_from_dict, state_to_dict
from exam.simulation.explain import explain, product_names
from exam.simulation.metrics import attempt_metrics
from exam.simulation.model import STAGES, Simulation
from exam.simulation.replay import run, transcript
from exam.simulation.score import WEIGHTS, desk_score, score_parts
from exam.simulation.shop import money, promotion_text
from exam.simulation.timeline import timeline, timeline_svg

SCORE_MAX = 100.0
CUSTOMER_TYPE_LABELS = {
    "tiger": N_("Tiger type"),
    "peacock": N_("Peacock type"),
    "koala": N_("Koala type"),
    "owl": N_("Owl type"),
}
OUTCOME_LABELS = {
    "ordered": N_("Ordered"),
    "resolved": N_("Resolved"),
    "left": N_("Left"),
    "complained": N_("Complained"),
    "open": N_("Still talking at the end"),
}
STAGE_LABELS = {
    "greeting": N_("Greeting"),
    "inquiry": N_("Inquiry"),
    "price": N_("Price"),
    "related_sale": N_("Related sale"),
    "verify": N_("Checking the order"),
    "payment": N_("Payment"),
    "aftersale": N_("After-sale service"),
    "farewell": N_("Farewell"),
}
SCORE_PART_LABELS = {
    "quality": N_("Reply quality"),
    "reply_rate": N_("Reply rate"),
    "speed": N_("Speed of the replies"),
    "outcomes": N_("Customers served well"),
    "flow": N_("Reception flow covered"),
}
# section figure -> hiring input (a metric of this type)
INPUTS = {
    "response_time": "mean_response_s",
    "reply_rate": "reply_rate",
    "conversion_rate": "conversion_rate",
    "order_value": "order_value",
    "quality": "quality",
}


def public_shop(sim: Simulation) -> dict[str, Any]:
    """The shop card as the candidate sees it beside the chats."""
    shop = sim.shop
    return {
        "name": shop.name,
        "platform": shop.platform,
        "products": [
            {
                "name": p.name,
                "price": money(p.price),
                "variants": [{"name": v.name, "stock": v.stock} for v in p.variants],
                "facts": list(p.facts),
            }
            for p in shop.products
        ],
        "promotions": [promotion_text(p) for p in shop.promotions],
        "shipping": list(shop.shipping),
        "returns": list(shop.returns),
        "allowed": list(shop.allowed),
        "forbidden": list(shop.forbidden),
    }


def played(sim: Simulation, response: Mapping[str, Any]) -> dict[str, Any]:
    """The transcript of a stored desk, run to the simulation's end (a desk never opened: every customer leaves)."""
    raw = response.get("state")
    state = state_from_dict(sim, dict(raw)) if isinstance(raw, Mapping) else start(sim)
    finish(state)
    out = transcript(state)
    out["stages"] = [s for s in STAGES if any(step.stage == s for c in sim.customers for step in c.steps)]
    out["pastes"] = [list(p) for p in response.get("pastes") or []]
    return out


def desk_labels() -> dict[str, Any]:
    """The labels a desk's report shows (English msgids; templates translate them) and the score's weights."""
    return {
        "types": CUSTOMER_TYPE_LABELS,
        "outcomes": OUTCOME_LABELS,
        "stages": STAGE_LABELS,
        "parts": SCORE_PART_LABELS,
        "weights": dict(WEIGHTS),
    }


def _with_lines(reply: Mapping[str, Any], sim: Simulation | None, customer_id: str) -> dict[str, Any]:
    """A graded desk reply with each criterion's evidence as HR's lines (what was met or missed, in words)."""
    step = None
    if sim is not None:
        customer = next((c for c in sim.customers if c.id == customer_id), None)
        step = next((s for s in customer.steps if s.id == reply.get("step")), None) if customer else None
    penalties = penalty_notes(step.rubric.model_dump(mode="json")) if step is not None else {}
    criteria = [
        {**c, "lines": points_of(c, penalties.get(c.get("id") or "", set()))} for c in reply.get("criteria") or []
    ]
    return {**reply, "criteria": criteria}


def report_chats(detail: Mapping[str, Any], sim: Simulation | None = None) -> list[dict[str, Any]]:
    """Per customer: the transcript with each graded reply's evidence placed before the customer's reaction."""
    names = product_names(sim)
    pasted = {(str(c), int(i)): int(n) for c, i, n in detail.get("pastes") or []}
    out = []
    for customer in detail.get("customers") or []:
        if not customer.get("messages"):
            continue
        replies = [
            _with_lines(r, sim, customer["id"])
            for r in sorted(customer.get("replies") or [], key=lambda r: float(r["decided_at"]))
        ]
        rows: list[dict[str, Any]] = []
        for index, message in enumerate(customer["messages"]):
            if message.get("why"):
                message = {**message, "why": explain(message["why"], sim, customer["id"])}
            if message["from"] == "customer":
                while replies and float(replies[0]["decided_at"]) <= float(message["at"]) + 1e-9:
                    rows.append({"reply": replies.pop(0)})
            rows.append({"message": message, "pasted": pasted.get((customer["id"], index))})
        rows += [{"reply": r} for r in replies]
        closing = next((m for m in reversed(customer["messages"]) if m["from"] == "customer" and m.get("why")), None)
        cart = [{**i, "product": names.get(i.get("product"), i.get("product"))} for i in customer.get("cart") or []]
        out.append(
            {
                "id": customer["id"],
                "name": customer.get("name") or customer["id"],
                "type": customer.get("type"),
                "outcome": customer["outcome"],
                "order_value": customer.get("order_value") or 0,
                "cart": cart,
                "gifts": customer.get("gifts") or [],
                "first_response_s": customer.get("first_response_s"),
                "response_times_s": customer.get("response_times_s") or [],
                "unanswered": customer.get("unanswered") or 0,
                "why": explain((closing or {}).get("why"), sim, customer["id"]),
                "rows": rows,
            }
        )
    return out


def replay_view(sim: Simulation, replies: Sequence[Any]) -> dict[str, Any]:
    """A scripted candidate's desk as HR's report shows one (ValueError for replies the desk refuses)."""
    outcome = TYPE.grade(sim, {"state": state_to_dict(run(sim, replies))})
    answer = SimpleNamespace(id=0, result=outcome.detail, score=outcome.score)
    return TYPE.desk_report(sim, answer)


class ChatSimulation(QuestionType):
    """The chat_simulation question type."""

    name = "chat_simulation"
    model = Simulation
    template = "candidate/questions/_chat_simulation.html"
    report_template = "hr/review/answers/_chat_simulation.html"
    label = N_("Reception simulation")
    folder = "simulations"
    id_prefix = "sim"
    metrics = (
        Metric("response_time", "seconds", N_("Mean response time"), higher_is_better=False),
        Metric("reply_rate", "ratio", N_("Reply rate (answered within 60 s)")),
        Metric("conversion_rate", "ratio", N_("Consultation conversion rate")),
        Metric("order_value", "yuan", N_("Average order value")),
        Metric("quality", "percent", N_("Reply quality at the desk")),
    )

    def public_view(self, question: Simulation, item: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        """Title, stage, duration, the shop card and how many customers come (never steps, rubrics, rules or why)."""
        return {
            "type": self.name,
            "title": question.title,
            "stage": question.stage,
            "duration": question.duration,
            "customers": len(question.customers),
            "shop": public_shop(question),
        }

    def read_answer(self, question: Simulation, data: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        """Refused: the desk's messages go through the desk (exam.services.desk), one by one, on the server's clock."""
        raise ValueError("a reception simulation is answered message by message at its desk, not saved as a whole")

    def is_answered(self, response: Mapping[str, Any]) -> bool:
        """Whether the candidate sent at least one message."""
        return int(response.get("sent") or 0) > 0

    def grade(self, question: Simulation, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:  # type: ignore[override]
        """The desk score (0–100) of the transcript; the detail is the transcript with the score's parts."""
        out = played(question, response)
        out["score"] = desk_score(out)
        out["score_parts"] = score_parts(out)
        return GradeOutcome(score=out["score"], max_score=SCORE_MAX, detail=out)

    def grade_response(
        self,
        question: Simulation,
        response: Mapping[str, Any],
        *,  # type: ignore[override]
        section_deadline: Any = None,
    ) -> GradeOutcome:
        """Graded from the stored state (its bookkeeping included: the pastes go into the detail)."""
        return self.grade(question, response)

    def section_figures(self, items: Sequence[GradedLike]) -> dict[str, Any]:
        """``desk``: the figures over every customer of the section's simulations together."""
        customers = [c for item in items for c in item.detail.get("customers") or []]
        if not customers:
            return {}
        stages = {s for item in items for s in item.detail.get("stages") or []}
        figures = attempt_metrics(customers, stages)
        figures["score"] = round(sum(float(i.detail.get("score") or 0.0) for i in items) / len(items), 1)
        return {"desk": figures}

    def section_inputs(self, figures: Mapping[str, Any]) -> dict[str, float]:
        """response_time, reply_rate, conversion_rate, order_value and quality (missing when nothing to count)."""
        desk = figures.get("desk") or {}
        return {name: float(desk[key]) for name, key in INPUTS.items() if desk.get(key) is not None}

    def report_view(self, content: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        """The transcript, the figures, each customer's outcome and why, and the desk's timeline."""
        try:
            sim: Simulation | None = Simulation.model_validate(content)
        except ValueError:
            sim = None  # a stored version that no longer validates: the keys are shown as they are
        return self.desk_report(sim, answer)

    def desk_report(self, sim: Simulation | None, answer: Any) -> dict[str, Any]:
        """``report_view`` for a parsed simulation."""
        detail = dict(answer.result or {})
        if not detail.get("customers"):
            return {"graded": False}
        data = timeline(detail)
        labels = {
            "title": _("The desk over time"),
            "desc": _(
                "One row per customer: the line is the open chat, dots are the customer's messages, coloured bars "
                "are the candidate's replies, orange stretches are waits (red: longer than 60 s). The bottom row "
                "shows where the candidate wrote."
            ),
            "candidate": _("Candidate"),
            "minutes": _("minutes since the start"),
        }
        return {
            "graded": True,
            "detail": detail,
            "chats": report_chats(detail, sim),
            "labels": desk_labels(),
            "timeline": data,
            "svg": timeline_svg(data, labels, chart_id=f"desk-{getattr(answer, 'id', 0)}"),
        }

    def starter(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """A shop card with one product and two customers of two steps each, to edit."""

        def rubric() -> dict[str, Any]:
            return {
                "criteria": [
                    {
                        "id": "courtesy",
                        "label": texts["courtesy"],
                        "max": 40,
                        "detectors": [{"kind": "phrases", "set": "courtesy", "points": 40}],
                    },
                    {
                        "id": "solve",
                        "label": texts["next_step"],
                        "max": 60,
                        "detectors": [{"kind": "phrases", "set": "next_step", "points": 60}],
                    },
                ]
            }

        def customer(cid: str, name: str, kind: str, at: int) -> dict[str, Any]:
            return {
                "id": cid,
                "name": name,
                "type": kind,
                "at": at,
                "patience": 60,
                "steps": [
                    {
                        "id": "hello",
                        "stage": "greeting",
                        "message": texts["message"],
                        "rubric": rubric(),
                        "rules": [{"when": {"criterion": "solve", "min": 0.5}, "goto": "bye"}, {"end": True}],
                    },
                    {
                        "id": "bye",
                        "stage": "farewell",
                        "message": texts["message"],
                        "rubric": rubric(),
                        "rules": [{"end": True, "outcome": "resolved"}],
                    },
                ],
            }

        return {
            "title": texts["title"],
            "stage": "presale",
            "duration": 600,
            "shop": {
                "name": texts["shop"],
                "platform": "天猫",
                "products": [{"id": "item", "name": "纯棉衬衣", "price": 199}],
                "shipping": [texts["facts"]],
                "returns": [texts["facts"]],
            },
            "customers": [customer("first", "王先生", "tiger", 0), customer("second", "李女士", "koala", 20)],
        }


TYPE = ChatSimulation()
