"""Why a simulated customer acted, in terms HR reads (pure): the step's service stage, the rule's condition with the
criterion's own label, the reminder counts, and the products' names instead of their keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exam.simulation.model import Customer, Simulation, Step


def _step(customer: Customer | None, step_id: Any) -> Step | None:
    """The customer's step of this id (None when the simulation changed since)."""
    if customer is None or not step_id:
        return None
    return next((s for s in customer.steps if s.id == step_id), None)


def condition_parts(step: Step, rule_number: int) -> list[dict[str, Any]]:
    """The rule's condition as parts: otherwise, flag (flags), criterion (label, min, max), score (min, max)."""
    if not 0 < rule_number <= len(step.rules):
        return []
    when = step.rules[rule_number - 1].when
    if when is None:
        return [{"kind": "otherwise"}]
    parts: list[dict[str, Any]] = []
    if when.flag:
        parts.append({"kind": "flag", "flags": list(when.flag)})
    if when.criterion:
        label = next((c.label for c in step.rubric.criteria if c.id == when.criterion), when.criterion)
        parts.append({"kind": "criterion", "label": label, "min": when.min, "max": when.max})
    if when.score_min is not None or when.score_max is not None:
        parts.append({"kind": "score", "min": when.score_min, "max": when.score_max})
    return parts


def explain(why: Mapping[str, Any] | None, sim: Simulation | None, customer_id: str) -> dict[str, Any] | None:
    """A stored ``why`` with ``stage`` and ``parts`` added (what the template words)."""
    if not why:
        return None
    out = dict(why)
    customer = next((c for c in sim.customers if c.id == customer_id), None) if sim is not None else None
    step = _step(customer, why.get("step"))
    if step is not None:
        out["stage"] = step.stage
        if why.get("kind") == "rule" and why.get("rule"):
            out["parts"] = condition_parts(step, int(why["rule"]))
        if why.get("kind") in ("nudge", "leave") and customer is not None and out.get("patience") is None:
            out["patience"] = step.patience_s(customer)
            out["nudges"] = len(customer.nudges)
    return out


def product_names(sim: Simulation | None) -> dict[str, str]:
    """{product id: its name} of the shop card."""
    return {p.id: p.name for p in sim.shop.products} if sim is not None else {}
