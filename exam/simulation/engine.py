"""The deterministic, event-driven engine of a reception simulation, shared by the web desk and the replay.

Time is seconds from the section start. Each chat is in one state: ``pending`` (the customer has not
arrived), ``awaiting`` (the customer's last message waits for a reply), ``reading`` (the candidate has
answered; the customer reads for ``reply_delay`` seconds, collecting any further candidate messages, then
the reply is graded and the step's first matching rule says what the customer does next) or ``closed``.
An awaiting customer nudges after ``patience`` seconds without a reply and leaves after the last nudge.
Events due at or before ``now`` are processed before a candidate message sent at ``now``; events due at
the same time go in the simulation's customer order. Same replies at the same times: same conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exam.grading.rubric import ReplyResult, grade_reply, is_negative_evidence
from exam.simulation.model import Customer, Rule, Simulation, Step, When, step_facts
from exam.simulation.shop import CartItem

MAX_EVIDENCE = 3
# Which detector kind produced a piece of evidence (the rubric reports evidence by kind).
EVIDENCE_DETECTORS = {
    "claim": "forbidden",
    "taboo": "taboo",
    "contradiction": "contradiction",
    "privacy": "privacy",
    "fact": "facts",
    "density": "facts",
    "phrase": "phrases",
    "position": "position",
    "term": "relevance",
    "length": "length",
    "similarity": "similarity",
    "gate": "gate",
}


class DeskError(ValueError):
    """A candidate action the desk refuses (unknown customer, not yet arrived, after the end, time going back)."""


@dataclass
class Why:
    """Why a customer sent a message: the rule, the condition and the detector that fired, with evidence."""

    kind: str  # arrival | rule | nudge | leave
    step: str | None = None  # the step whose reply (or silence) caused the message
    rule: int | None = None  # 1-based rule number in that step
    condition: str = ""
    criterion: str | None = None
    detector: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    score: float | None = None
    note: str | None = None
    patience: int | None = None  # nudge and leave: the seconds the customer waited
    nudge: int | None = None  # nudge: which reminder this is
    nudges: int | None = None  # nudge and leave: how many reminders the customer sends


@dataclass
class Message:
    """One chat message; customer kinds: step, nudge, leave, end; candidate kinds: reply, late."""

    at: float
    customer: str  # the chat
    sender: str  # customer | candidate
    text: str
    kind: str
    step: str | None = None
    why: Why | None = None


@dataclass
class GradedReply:
    """The candidate's reply to one step (all messages of the reading window), graded by the step's rubric."""

    step: str
    stage: str
    at: float
    decided_at: float
    text: str
    score: float
    flags: list[str]
    criteria: list[dict[str, Any]]
    rule: int | None  # None: the section ended before the customer reacted


@dataclass
class Chat:
    """The state of one customer's chat."""

    customer: str
    status: str = "pending"
    step: str | None = None
    since: float = 0.0
    nudges: int = 0
    window: list[str] = field(default_factory=list)
    window_at: float | None = None
    decide_at: float | None = None
    outcome: str | None = None
    cart: list[dict[str, Any]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    replies: list[GradedReply] = field(default_factory=list)


@dataclass
class State:
    """The whole desk: one chat per customer, in the simulation's order, and the last time processed."""

    simulation: Simulation = field(repr=False, compare=False)
    clock: float = 0.0
    chats: list[Chat] = field(default_factory=list)

    def chat(self, customer_id: str) -> Chat:
        """The chat of this customer (DeskError if unknown)."""
        for chat in self.chats:
            if chat.customer == customer_id:
                return chat
        known = ", ".join(c.customer for c in self.chats)
        raise DeskError(f"unknown customer {customer_id!r}; customers: {known}")


def start(simulation: Simulation) -> State:
    """A fresh desk at time 0 (nothing delivered yet: call ``advance``)."""
    chats = [Chat(customer=c.id, cart=[i.model_dump() for i in c.cart]) for c in simulation.customers]
    return State(simulation=simulation, chats=chats)


def _due(chat: Chat, customer: Customer) -> float | None:
    """When this chat's next event happens (None: nothing will)."""
    if chat.status == "pending":
        return float(customer.at)
    if chat.status == "awaiting":
        return chat.since + customer.step(chat.step or "").patience_s(customer)
    if chat.status == "reading":
        return chat.decide_at
    return None


def next_due(state: State) -> float | None:
    """When the next customer event happens (None: nothing more before the end), e.g. to time the desk's polling."""
    sim = state.simulation
    times = [t for chat, customer in zip(state.chats, sim.customers) if (t := _due(chat, customer)) is not None]
    due = min(times, default=None)
    return due if due is not None and due <= sim.duration + 1e-9 else None


def advance(state: State, now: float) -> list[Message]:
    """Process every event due at or before ``now`` (at most the section's end); the new customer messages."""
    if now < state.clock - 1e-9:
        raise DeskError(f"time went back: {now:g} s after {state.clock:g} s")
    sim = state.simulation
    limit = min(now, float(sim.duration))
    out: list[Message] = []
    while True:
        best: tuple[float, int] | None = None
        for index, chat in enumerate(state.chats):
            due = _due(chat, sim.customers[index])
            if due is not None and due <= limit + 1e-9 and (best is None or due < best[0] - 1e-9):
                best = (due, index)
        if best is None:
            break
        due, index = best
        out += _fire(state, state.chats[index], sim.customers[index], due)
    state.clock = max(state.clock, now)
    return out


def reply(state: State, now: float, customer_id: str, text: str) -> list[Message]:
    """Record the candidate's message at ``now``; all new messages in time order, the candidate's own included."""
    sim = state.simulation
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DeskError("an empty message is not sent")
    if now > sim.duration + 1e-9:
        raise DeskError(f"the simulation ended at {sim.duration} s; a message at {now:g} s is not accepted")
    chat = state.chat(customer_id)
    out = advance(state, now)
    if chat.status == "pending":
        customer = sim.customer(customer_id)
        raise DeskError(
            f"customer {customer_id!r} arrives at {customer.at} s; nothing can be sent to them at {now:g} s"
        )
    message = Message(
        at=now,
        customer=chat.customer,
        sender="candidate",
        text=text,
        kind="late" if chat.status == "closed" else "reply",
    )
    if chat.status == "awaiting":
        chat.status, chat.window, chat.window_at = "reading", [text], now
        chat.decide_at = now + sim.customer(customer_id).delay_s()
    elif chat.status == "reading":
        chat.window.append(text)
    chat.messages.append(message)
    return out + [message] + advance(state, now)


def finish(state: State) -> list[Message]:
    """Run to the section's end; replies the customer had no time to react to are graded without a rule."""
    sim = state.simulation
    out = advance(state, float(sim.duration))
    for index, chat in enumerate(state.chats):
        if chat.status == "reading":
            customer = sim.customers[index]
            step = customer.step(chat.step or "")
            result = _grade(sim, customer, step, chat)
            chat.replies.append(_graded(chat, step, result, None, float(sim.duration)))
            chat.window, chat.window_at, chat.decide_at = [], None, None
        chat.status = "closed"
    return out


def _say(chat: Chat, at: float, text: str, kind: str, step: str | None, why: Why) -> Message:
    """Append a customer message."""
    message = Message(at=at, customer=chat.customer, sender="customer", text=text, kind=kind, step=step, why=why)
    chat.messages.append(message)
    return message


def _ask(chat: Chat, at: float, step: Step, why: Why) -> Message:
    """The customer sends ``step``'s message and waits for a reply."""
    chat.status, chat.step, chat.since, chat.nudges = "awaiting", step.id, at, 0
    return _say(chat, at, step.message, "step", step.id, why)


def _fire(state: State, chat: Chat, customer: Customer, at: float) -> list[Message]:
    """Process the due event of one chat."""
    if chat.status == "pending":
        return [_ask(chat, at, customer.steps[0], Why(kind="arrival", condition=f"arrives at {customer.at} s"))]
    step = customer.step(chat.step or "")
    if chat.status == "awaiting":
        patience = step.patience_s(customer)
        if chat.nudges < len(customer.nudges):
            text = customer.nudges[chat.nudges]
            chat.nudges += 1
            chat.since = at
            why = Why(
                kind="nudge",
                step=step.id,
                condition=f"no reply within {patience} s (nudge {chat.nudges} of {len(customer.nudges)})",
                patience=patience,
                nudge=chat.nudges,
                nudges=len(customer.nudges),
            )
            return [_say(chat, at, text, "nudge", step.id, why)]
        chat.status = "closed"
        why = Why(
            kind="leave",
            step=step.id,
            condition=f"no reply within {patience} s after {len(customer.nudges)} nudge(s)",
            patience=patience,
            nudges=len(customer.nudges),
        )
        if chat.outcome is not None:
            return []  # already ordered or resolved: the customer just goes
        chat.outcome = "left"
        return [_say(chat, at, customer.leave, "leave", step.id, why)]
    result = _grade(state.simulation, customer, step, chat)
    number, rule, why = choose_rule(step, result)
    chat.replies.append(_graded(chat, step, result, number, at))
    chat.window, chat.window_at, chat.decide_at = [], None, None
    chat.cart += [item.model_dump() for item in rule.add]
    if rule.outcome is not None:
        chat.outcome = rule.outcome
    if rule.goto is not None:
        return [_ask(chat, at, customer.step(rule.goto), why)]
    chat.status = "closed"
    if chat.outcome is None:
        chat.outcome = "left"
    return [_say(chat, at, rule.say, "end", step.id, why)] if rule.say else []


def _grade(sim: Simulation, customer: Customer, step: Step, chat: Chat) -> ReplyResult:
    """Grade the reading window against the step's rubric and the shop card."""
    return grade_reply(
        step.rubric,
        "\n".join(chat.window),
        facts=step_facts(sim, customer, step),
        messages=[step.message],
        question=f"{sim.id}/{customer.id}/{step.id}",
    )


def _graded(chat: Chat, step: Step, result: ReplyResult, rule: int | None, at: float) -> GradedReply:
    """The record of a graded reply."""
    return GradedReply(
        step=step.id,
        stage=step.stage,
        at=chat.window_at if chat.window_at is not None else at,
        decided_at=at,
        text="\n".join(chat.window),
        score=result.score,
        flags=list(result.flags),
        criteria=[c.as_dict() for c in result.criteria],
        rule=rule,
    )


def choose_rule(step: Step, result: ReplyResult) -> tuple[int, Rule, Why]:
    """The first rule of ``step`` whose condition holds for ``result`` (the last one always does)."""
    for number, rule in enumerate(step.rules, start=1):
        if rule.when is None:
            return (
                number,
                rule,
                Why(kind="rule", step=step.id, rule=number, condition="otherwise", score=result.score, note=rule.note),
            )
        found = condition_holds(rule.when, result)
        if found is not None:
            criterion, detector, evidence = found
            return (
                number,
                rule,
                Why(
                    kind="rule",
                    step=step.id,
                    rule=number,
                    condition=rule.when.describe(),
                    criterion=criterion,
                    detector=detector,
                    evidence=evidence,
                    score=result.score,
                    note=rule.note,
                ),
            )
    raise AssertionError("the last rule of a step has no `when`")  # guaranteed by Step.check


def _evidence(items: list[Any], negative: bool) -> list[dict[str, Any]]:
    """Evidence with text, the negative (or positive) kinds first, at most MAX_EVIDENCE."""
    texts = [e for e in items if e.text]
    chosen = [e for e in texts if is_negative_evidence(e.kind) == negative] or texts
    return [
        {"text": e.text, "note": e.note, "kind": e.kind, "detector": EVIDENCE_DETECTORS.get(e.kind)}
        for e in chosen[:MAX_EVIDENCE]
    ]


def condition_holds(when: When, result: ReplyResult) -> tuple[str | None, str | None, list[dict[str, Any]]] | None:
    """(criterion, detector, evidence) when ``when`` holds for ``result``, else None."""
    criterion: str | None = None
    detector: str | None = None
    evidence: list[dict[str, Any]] = []
    if when.flag:
        raised = [f for f in when.flag if f in result.flags]
        if not raised:
            return None
        flag = raised[0]
        source = next((c for c in result.criteria if flag in c.flags), None)
        if source is None:  # a reply-level guard (empty, too short, wrong language)
            detector = "guard"
            evidence = [{"text": "", "note": flag, "kind": "guard", "detector": "guard"}]
        else:
            criterion = source.id
            evidence = _evidence(source.evidence, negative=True)
            detector = "privacy" if flag == "credential_request" else (evidence[0]["detector"] if evidence else None)
    if when.criterion is not None:
        found = next(c for c in result.criteria if c.id == when.criterion)
        share = found.points / found.max if found.max else 0.0
        if when.min is None and when.max is None and share <= 0:
            return None
        if (when.min is not None and share < when.min - 1e-9) or (when.max is not None and share > when.max + 1e-9):
            return None
        if criterion is None:
            criterion = found.id
            evidence = _evidence(found.evidence, negative=(when.max is not None and when.min is None))
            detector = evidence[0]["detector"] if evidence else None
    if when.score_min is not None and result.score < when.score_min - 1e-9:
        return None
    if when.score_max is not None and result.score > when.score_max + 1e-9:
        return None
    return criterion, detector, evidence


def outcome_of(chat: Chat) -> str:
    """ordered, resolved, left, complained, or open (no outcome by the end)."""
    return chat.outcome or "open"


def cart_items(chat: Chat) -> list[CartItem]:
    """The chat's cart as models."""
    return [CartItem.model_validate(item) for item in chat.cart]


def _message_dict(message: Message) -> dict[str, Any]:
    """A message as a dict (its why's evidence lists are shared: nothing changes them after they are made)."""
    data = dict(vars(message))
    if message.why is not None:
        data["why"] = dict(vars(message.why))
    return data


def _chat_dict(chat: Chat) -> dict[str, Any]:
    """A chat as a dict; its lists are copied (the engine appends to them), finished records are shared."""
    data = dict(vars(chat))
    data["window"] = list(chat.window)
    data["cart"] = [dict(item) for item in chat.cart]
    data["messages"] = [_message_dict(m) for m in chat.messages]
    data["replies"] = [dict(vars(r)) for r in chat.replies]
    return data


def state_to_dict(state: State) -> dict[str, Any]:
    """JSON-ready state (to store server-side between requests); a shallow conversion, ten times faster than asdict."""
    return {"simulation": state.simulation.id, "clock": state.clock, "chats": [_chat_dict(c) for c in state.chats]}


def state_from_dict(simulation: Simulation, data: dict[str, Any]) -> State:
    """The state stored by ``state_to_dict``, for ``simulation`` (ValueError for another simulation)."""
    if data.get("simulation") != simulation.id:
        raise ValueError(f"the stored state is of simulation {data.get('simulation')!r}, not {simulation.id!r}")
    chats = []
    for raw in data["chats"]:
        messages = [Message(**{**m, "why": Why(**m["why"]) if m.get("why") else None}) for m in raw["messages"]]
        replies = [GradedReply(**r) for r in raw["replies"]]
        chats.append(Chat(**{**raw, "messages": messages, "replies": replies}))
    return State(simulation=simulation, clock=float(data["clock"]), chats=chats)
