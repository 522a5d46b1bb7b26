"""What the candidate's desk shows of the engine's state (pure): only what has happened, never steps, rules or why.

A customer who has not arrived is not listed. A chat shows its messages, how many customer messages wait
for an answer (the unread badge: they survive a reload), since when the oldest of them waits, the customer's
situation (the shop system's view of their order) and the items they have ordered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exam.simulation.engine import Chat, State
from exam.simulation.model import Simulation

PUBLIC_KINDS = {
    "step": "message",
    "nudge": "nudge",
    "leave": "close",
    "end": "close",
    "reply": "reply",
    "late": "reply",
}


def public_message(chat: Chat, index: int) -> dict[str, Any]:
    """One message as the candidate's page gets it."""
    message = chat.messages[index]
    return {
        "chat": chat.customer,
        "i": index,
        "at": round(message.at, 2),
        "from": message.sender,
        "text": message.text,
        "kind": PUBLIC_KINDS.get(message.kind, "message"),
    }


def _waiting(chat: Chat) -> tuple[int, float | None]:
    """(customer messages since the candidate last wrote, when the oldest of them came)."""
    count, since = 0, None
    for message in chat.messages:
        if message.sender == "candidate":
            count, since = 0, None
        else:
            count += 1
            since = message.at if since is None else since
    return count, since


def public_chat(sim: Simulation, chat: Chat) -> dict[str, Any]:
    """A chat's summary: name, open or closed, unanswered messages, waiting since, the customer's situation."""
    customer = sim.customer(chat.customer)
    unanswered, since = _waiting(chat)
    facts = [customer.facts] if customer.facts else []
    if chat.step:
        step = customer.step(chat.step)
        if step.facts:
            facts.append(step.facts)
    names = {p.id: p.name for p in sim.shop.products}
    closed = chat.status == "closed"
    return {
        "id": chat.customer,
        "name": customer.name,
        "status": "closed" if closed else "open",
        "unanswered": 0 if closed else unanswered,
        "waiting_since": None if closed else since,
        "facts": facts,
        "cart": [
            {"product": names.get(i["product"], i["product"]), "variant": i.get("variant"), "qty": i.get("qty", 1)}
            for i in chat.cart
        ],
        "count": len(chat.messages),
        "last_at": chat.messages[-1].at if chat.messages else None,
    }


def public_desk(state: State, known: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The arrived chats and their messages (only those after ``known[chat]`` messages, when given)."""
    sim = state.simulation
    chats, messages = [], []
    for chat in state.chats:
        if chat.status == "pending" and not chat.messages:
            continue
        chats.append(public_chat(sim, chat))
        start = max(0, int((known or {}).get(chat.customer, 0)))
        messages += [public_message(chat, i) for i in range(start, len(chat.messages))]
    messages.sort(key=lambda m: (m["at"], m["chat"], m["i"]))
    return {"clock": round(state.clock, 2), "duration": sim.duration, "chats": chats, "messages": messages}


def message_count(state: State) -> int:
    """All messages of the desk (they are only appended: a change counter)."""
    return sum(len(chat.messages) for chat in state.chats)
