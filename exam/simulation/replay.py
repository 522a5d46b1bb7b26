"""Replaying a scripted candidate against a simulation: the JSON contract of ``exam simulate``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from exam.simulation.engine import DeskError, State, advance, cart_items, finish, next_due, outcome_of, reply, start
from exam.simulation.metrics import attempt_metrics, customer_figures, response_times
from exam.simulation.model import Simulation
from exam.simulation.shop import gifts, order_value

ReplyInput = tuple[float, str, str] | Mapping[str, Any]


def parse_replies(data: Any) -> list[tuple[float, str, str]]:
    """``[{"at", "customer", "text"}]`` (or triples) as (at, customer, text); ValueError names ``replies[n]``."""
    if not isinstance(data, list):
        raise ValueError('the replies must be a JSON list of {"at", "customer", "text"}')
    out = []
    for number, item in enumerate(data, start=1):
        where = f"replies[{number}]"
        if isinstance(item, Mapping):
            missing = [k for k in ("at", "customer", "text") if k not in item]
            if missing:
                raise ValueError(f"{where}: missing {', '.join(repr(k) for k in missing)}")
            at, customer, text = item["at"], item["customer"], item["text"]
        elif isinstance(item, (list, tuple)) and len(item) == 3:
            at, customer, text = item
        else:
            raise ValueError(f'{where}: expected {{"at", "customer", "text"}}')
        if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at) or at < 0:
            raise ValueError(f"{where}: 'at' must be a number of seconds >= 0, got {at!r}")
        if not isinstance(customer, str) or not isinstance(text, str):
            raise ValueError(f"{where}: 'customer' and 'text' must be strings")
        out.append((float(at), customer, text))
    return out


def run(simulation: Simulation, replies: Sequence[ReplyInput]) -> State:
    """Play the replies (in time order; equal times keep their order) to the section's end."""
    state = start(simulation)
    ordered = sorted(enumerate(parse_replies(list(replies))), key=lambda pair: (pair[1][0], pair[0]))
    for number, (at, customer, text) in ordered:
        try:
            reply(state, at, customer, text)
        except ValueError as exc:
            raise ValueError(f"replies[{number + 1}]: {exc}") from None
    finish(state)
    return state


def _message(message: Any, response: float | None) -> dict[str, Any]:
    """One message of the contract, with its kind, step, response time and why (customer messages)."""
    data: dict[str, Any] = {"at": message.at, "from": message.sender, "text": message.text, "kind": message.kind}
    if message.sender == "customer":
        data["step"] = message.step
        data["response_s"] = response
        data["why"] = asdict(message.why) if message.why else None
    return data


def transcript(state: State) -> dict[str, Any]:
    """The contract JSON of a desk's state: per customer outcome, figures and messages; the attempt's metrics."""
    sim = state.simulation
    customers = []
    for chat, customer in zip(state.chats, sim.customers):
        plain = [{"at": m.at, "from": m.sender} for m in chat.messages]
        times = iter(response_times(plain))
        messages = [_message(m, next(times) if m.sender == "customer" else None) for m in chat.messages]
        outcome = outcome_of(chat)
        cart = cart_items(chat)
        value = order_value(sim.shop, cart) if outcome == "ordered" else 0.0
        customers.append(
            {
                "id": customer.id,
                "name": customer.name,
                "type": customer.type,
                "outcome": outcome,
                **customer_figures(plain),
                "order_value": value,
                "cart": [item.model_dump() for item in cart],
                "gifts": gifts(sim.shop, cart) if outcome == "ordered" else [],
                "messages": messages,
                "replies": [asdict(r) for r in chat.replies],
            }
        )
    stages = {step.stage for customer in sim.customers for step in customer.steps}
    metrics = attempt_metrics(customers, stages)
    return {"simulation": sim.id, "duration": sim.duration, "customers": customers, "metrics": metrics}


def replay(simulation: Simulation, replies: Sequence[ReplyInput]) -> dict[str, Any]:
    """``exam simulate --json``: play ``replies`` ((at, customer, text) or ``{"at", "customer", "text"}``)."""
    return transcript(run(simulation, replies))


def script(
    simulation: Simulation, answers: Mapping[str, Mapping[str, str]], delay: float = 15.0
) -> list[tuple[float, str, str]]:
    """Replies of a scripted candidate who answers ``answers[customer][step]`` ``delay`` s after each step message."""
    state = start(simulation)
    queue: list[tuple[float, int, str, str]] = []
    out: list[tuple[float, str, str]] = []
    order = itertools.count()
    new = advance(state, 0.0)
    while True:
        for message in new:
            text = answers.get(message.customer, {}).get(message.step or "") if message.kind == "step" else None
            if text:
                queue.append((message.at + delay, next(order), message.customer, text))
        queue.sort()
        due = next_due(state)
        times = [t for t in (due, queue[0][0] if queue else None) if t is not None]
        if not times or min(times) > simulation.duration:
            return out
        now = min(times)
        if queue and queue[0][0] <= now:
            at, _, customer, text = queue.pop(0)
            try:
                new = reply(state, at, customer, text)
            except DeskError:
                new = []
                continue
            out.append((at, customer, text))
        else:
            new = advance(state, now)
