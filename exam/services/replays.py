"""Replaying a scripted candidate against a stored reception simulation, for the trainers' replay page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from exam.questions.chat_simulation import replay_view
from exam.services.bank_store import load_question
from exam.simulation.model import Simulation
from exam.simulation.replay import parse_replies

MAX_REPLIES_CHARS = 200_000


@dataclass
class Replay:
    """The simulation, the replies as given, and either the desk's result or why it could not be played."""

    simulation: Simulation
    text: str
    view: dict[str, Any] | None = None
    contract: str = ""
    error: str = ""
    replies: list[tuple[float, str, str]] = field(default_factory=list)


def simulation_of(session: Session, question_id: str) -> Simulation | None:
    """The current version of a stored reception simulation (None: no such question, or another type)."""
    try:
        model = load_question(session, question_id)
    except KeyError:
        return None
    return model if isinstance(model, Simulation) else None


def example_replies(sim: Simulation) -> str:
    """A small replies file to start from: each customer greeted 15 s after arriving."""
    rows = [
        {"at": customer.at + 15, "customer": customer.id, "text": "您好，欢迎光临！请问有什么可以帮您？"}
        for customer in sim.customers
    ]
    return json.dumps(rows, ensure_ascii=False, indent=1)


def replay_text(sim: Simulation, text: str) -> Replay:
    """Play the replies file ``text`` (JSON, see `exam simulate`) against ``sim``."""
    out = Replay(sim, text)
    if len(text) > MAX_REPLIES_CHARS:
        out.error = f"the replies are {len(text)} characters long; at most {MAX_REPLIES_CHARS} are accepted"
        return out
    try:
        out.replies = parse_replies(json.loads(text or "[]"))
        out.view = replay_view(sim, out.replies)
    except ValueError as exc:  # JSON syntax (JSONDecodeError is a ValueError), the format, a refused reply
        out.error = str(exc)
        out.view = None
        return out
    detail = out.view["detail"]
    contract = {k: v for k, v in detail.items() if k in ("simulation", "duration", "customers", "metrics")}
    out.contract = json.dumps(contract, ensure_ascii=False, indent=1)
    return out
