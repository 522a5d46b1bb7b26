"""Bank models of a reception simulation (type ``chat_simulation``): shop card, customers, steps and rules."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, model_validator

from exam.grading.lexicon import TABOO_FLAGS
from exam.grading.rubric import DEFAULT_CAPS, DERIVED_FLAGS, Rubric
from exam.questions.base import CheckedModel, Identifier, Issue, Loc, QuestionBase, Text, duplicates
from exam.simulation.shop import CartItem, Shop, Strict, card_facts, prefixed

# The reception flow of seed 004 (接待流程), in order; "aftersale" is its 提供售后服务 step.
STAGES: dict[str, str] = {
    "greeting": "问候",
    "inquiry": "询问",
    "price": "价格",
    "related_sale": "关联销售",
    "verify": "核对信息",
    "payment": "支付/催付",
    "aftersale": "售后服务",
    "farewell": "礼貌告别",
}
CUSTOMER_TYPES: dict[str, str] = {"tiger": "老虎", "peacock": "孔雀", "koala": "考拉", "owl": "猫头鹰"}
# Seconds a customer takes to read a reply and answer, by type (tigers decide fast, owls analyse).
TYPE_DELAY: dict[str, int] = {"tiger": 5, "peacock": 10, "koala": 12, "owl": 15}
OUTCOMES = ("ordered", "resolved", "left", "complained")

Stage = Literal["greeting", "inquiry", "price", "related_sale", "verify", "payment", "aftersale", "farewell"]
CustomerType = Literal["tiger", "peacock", "koala", "owl"]
Outcome = Literal["ordered", "resolved", "left", "complained"]
Share = Annotated[float, Field(ge=0, le=1)]


def _hint(word: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class When(Strict):
    """What the reply did (all given parts must hold): a flag raised, a criterion's share, the score."""

    flag: list[Identifier] = Field(default_factory=list, description="any of these rubric flags was raised")
    criterion: Identifier | None = None
    min: Share | None = Field(default=None, description="least share of the criterion's max (default: any points)")
    max: Share | None = Field(default=None, description="largest share of the criterion's max")
    score_min: Annotated[float, Field(ge=0, le=100)] | None = None
    score_max: Annotated[float, Field(ge=0, le=100)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_flag(cls, data: object) -> object:
        """Accept ``flag: x`` as ``flag: [x]``."""
        if isinstance(data, dict) and isinstance(data.get("flag"), str):
            return {**data, "flag": [data["flag"]]}
        return data

    @model_validator(mode="after")
    def _something(self) -> When:
        """A condition tests something; ``min``/``max`` need a criterion."""
        if not (self.flag or self.criterion or self.score_min is not None or self.score_max is not None):
            raise ValueError(
                "a `when` needs `flag`, `criterion` or `score_min`/`score_max`; "
                "leave `when` out for the rule that applies otherwise"
            )
        if (self.min is not None or self.max is not None) and self.criterion is None:
            raise ValueError("`min`/`max` are shares of a `criterion`; name it")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("`min` must not exceed `max`")
        return self

    def describe(self) -> str:
        """A short English description, e.g. "flag forbidden_claim" or "criterion solve >= 0.5"."""
        parts = []
        if self.flag:
            parts.append("flag " + " or ".join(self.flag))
        if self.criterion:
            bounds = []
            if self.min is not None:
                bounds.append(f">= {self.min:g}")
            if self.max is not None:
                bounds.append(f"<= {self.max:g}")
            parts.append(f"criterion {self.criterion} " + (" and ".join(bounds) if bounds else "> 0"))
        if self.score_min is not None:
            parts.append(f"score >= {self.score_min:g}")
        if self.score_max is not None:
            parts.append(f"score <= {self.score_max:g}")
        return " and ".join(parts)


class Rule(Strict):
    """What the customer does next when ``when`` holds (no ``when``: otherwise)."""

    when: When | None = None
    goto: Identifier | None = None
    end: bool = False
    outcome: Outcome | None = None
    add: list[CartItem] = []
    say: Text | None = Field(default=None, description="the customer's last message when the chat ends")
    note: Text | None = Field(default=None, description="for trainers: why the customer reacts so")

    @model_validator(mode="after")
    def _where_next(self) -> Rule:
        """Exactly one of ``goto`` and ``end``; ``say`` only when ending."""
        if (self.goto is None) == (not self.end):
            raise ValueError("a rule needs exactly one of `goto: <step id>` and `end: true`")
        if self.say is not None and not self.end:
            raise ValueError(
                "`say` is the customer's last message: use it with `end: true` "
                "(with `goto`, the customer says the next step's message)"
            )
        return self


def _rubric_flags(rubric: Rubric) -> set[str]:
    """Flags a rubric can raise: the defaults, the taboo flags, and those its detectors and gates name."""
    flags = set(DEFAULT_CAPS) | set(DERIVED_FLAGS) | {f for f in TABOO_FLAGS.values() if f} | set(rubric.caps)
    for criterion in rubric.criteria:
        for detector in criterion.detectors:
            for name in ("flag", "thin_flag", "filler_flag", "many_flag", "credential_flag"):
                value = getattr(detector, name, None)
                if isinstance(value, str):
                    flags.add(value)
    flags |= {gate.flag for gate in rubric.gates}
    return flags


class Step(CheckedModel):
    """One customer message of the reception flow, the rubric of the reply to it and the rules that follow."""

    id: Identifier
    stage: Stage
    message: Text
    facts: Text | None = Field(default=None, description="what is true at this step, added to the shop card")
    patience: Annotated[int, Field(gt=0, le=3600, strict=True)] | None = None
    rubric: Rubric
    rules: Annotated[list[Rule], Field(min_length=1)]

    def subject(self) -> str:
        """E.g. "step 'price'"."""
        return f"step {self.id!r}"

    def check(self) -> list[Issue]:
        """The last rule applies otherwise; rules name criteria and flags this rubric has."""
        issues: list[Issue] = []
        last = len(self.rules) - 1
        if self.rules[last].when is not None:
            issues.append(
                Issue(
                    ("rules", last),
                    f"rule {last + 1} is the last one but has a `when`; the last "
                    "rule must have none (what the customer does otherwise)",
                )
            )
        for index, rule in enumerate(self.rules[:last]):
            if rule.when is None:
                issues.append(
                    Issue(
                        ("rules", index),
                        f"rule {index + 1} has no `when`, so the rules after it "
                        "never apply; only the last rule may leave `when` out",
                    )
                )
        criteria = [c.id for c in self.rubric.criteria]
        known_flags = _rubric_flags(self.rubric)
        for index, rule in enumerate(self.rules):
            when = rule.when
            if when is None:
                continue
            if when.criterion is not None and when.criterion not in criteria:
                issues.append(
                    Issue(
                        ("rules", index, "when", "criterion"),
                        f"rule {index + 1} names criterion {when.criterion!r}, which this step's "
                        f"rubric does not have{_hint(when.criterion, criteria)}; "
                        f"criteria: {', '.join(criteria)}",
                    )
                )
            for position, flag in enumerate(when.flag):
                if flag not in known_flags:
                    issues.append(
                        Issue(
                            ("rules", index, "when", "flag", position),
                            f"rule {index + 1} tests flag {flag!r}, which this step's rubric never "
                            f"raises{_hint(flag, known_flags)}",
                        )
                    )
        return issues

    def patience_s(self, customer: Customer) -> int:
        """Seconds the customer waits for a reply to this step before nudging."""
        return self.patience if self.patience is not None else customer.patience


class Customer(CheckedModel):
    """A simulated customer: type, arrival, patience, nudges and the steps of the conversation."""

    id: Identifier
    name: Text
    type: CustomerType
    at: Annotated[int, Field(ge=0, strict=True, description="arrival, seconds from the section start")]
    patience: Annotated[int, Field(gt=0, le=3600, strict=True)]
    reply_delay: Annotated[int, Field(ge=0, le=120, strict=True)] | None = None
    nudges: Annotated[list[Text], Field(max_length=5)] = ["在吗？"]
    leave: Text = "算了，我去别家看看吧。"
    product: Identifier | None = Field(default=None, description="the product the customer is about (facts first)")
    facts: Text | None = Field(default=None, description="this customer's situation, added to the shop card")
    cart: list[CartItem] = Field(default_factory=list, description="items already ordered when the chat starts")
    steps: Annotated[list[Step], Field(min_length=1)]

    def subject(self) -> str:
        """E.g. "customer 'tiger'"."""
        return f"customer {self.id!r}"

    def delay_s(self) -> int:
        """Seconds the customer takes to read a reply and answer."""
        return self.reply_delay if self.reply_delay is not None else TYPE_DELAY[self.type]

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError if none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def check(self) -> list[Issue]:
        """Unique step ids, rules going to existing steps, every step reachable from the first."""
        ids = [s.id for s in self.steps]
        issues = [Issue(("steps", later, "id"), f"has step id {ids[later]!r} twice") for _, later in duplicates(ids)]
        for index, step in enumerate(self.steps):
            issues += prefixed(("steps", index), step.check(), step.subject())
            for r, rule in enumerate(step.rules):
                if rule.goto is not None and rule.goto not in ids:
                    issues.append(
                        Issue(
                            ("steps", index, "rules", r, "goto"),
                            f"step {step.id!r} rule {r + 1} goes to unknown step {rule.goto!r}"
                            f"{_hint(rule.goto, ids)}; steps: {', '.join(ids)}",
                        )
                    )
        if not issues:
            seen, todo = {ids[0]}, [self.steps[0]]
            while todo:
                for rule in todo.pop().rules:
                    if rule.goto is not None and rule.goto not in seen:
                        seen.add(rule.goto)
                        todo.append(self.step(rule.goto))
            for index, step in enumerate(self.steps):
                if step.id not in seen:
                    issues.append(
                        Issue(
                            ("steps", index, "id"),
                            f"step {step.id!r} is never reached: no rule goes to it from the first step",
                        )
                    )
        return issues


class Simulation(QuestionBase):
    """A timed reception section: the candidate serves 2-4 simulated customers at once (模拟接待台)."""

    type: Literal["chat_simulation"]
    title: Text
    stage: Literal["presale", "insale", "aftersale"]
    duration: Annotated[int, Field(ge=60, le=7200, strict=True, description="seconds")]
    shop: Shop
    customers: Annotated[list[Customer], Field(min_length=2, max_length=4)]

    def summary(self) -> str:
        """The title."""
        return self.title

    def service_stage(self) -> str | None:
        """The service stage."""
        return self.stage

    def customer(self, customer_id: str) -> Customer:
        """The customer with this id (KeyError if none)."""
        for customer in self.customers:
            if customer.id == customer_id:
                return customer
        raise KeyError(customer_id)

    def check(self) -> list[Issue]:
        """Nested checks, unique customer ids, arrivals within the duration, products and stock of the card."""
        issues = super().check() + prefixed(("shop",), self.shop.check(), "shop")
        ids = [c.id for c in self.customers]
        issues += [
            Issue(("customers", later, "id"), f"has customer id {ids[later]!r} twice") for _, later in duplicates(ids)
        ]
        for index, customer in enumerate(self.customers):
            loc: Loc = ("customers", index)
            issues += prefixed(loc, customer.check(), customer.subject())
            if customer.at >= self.duration:
                issues.append(
                    Issue(
                        loc + ("at",),
                        f"customer {customer.id!r} arrives at {customer.at} s, not "
                        f"before the end of the simulation ({self.duration} s)",
                    )
                )
            if customer.product is not None and self.shop.product(customer.product) is None:
                issues.append(
                    Issue(
                        loc + ("product",),
                        f"customer {customer.id!r} is about unknown product "
                        f"{customer.product!r}{self._products_hint(customer.product)}",
                    )
                )
            for c, item in enumerate(customer.cart):
                issues += self._item_issues(item, loc + ("cart", c), f"customer {customer.id!r} cart item {c + 1}")
            orders = bool(customer.cart)
            for s, step in enumerate(customer.steps):
                for r, rule in enumerate(step.rules):
                    rloc = loc + ("steps", s, "rules", r)
                    where = f"customer {customer.id!r} step {step.id!r} rule {r + 1}"
                    for a, item in enumerate(rule.add):
                        issues += self._item_issues(item, rloc + ("add", a), f"{where} adds an item that")
                    orders = orders or bool(rule.add)
            for s, step in enumerate(customer.steps):
                for r, rule in enumerate(step.rules):
                    if rule.outcome == "ordered" and not orders:
                        issues.append(
                            Issue(
                                loc + ("steps", s, "rules", r, "outcome"),
                                f"customer {customer.id!r} step {step.id!r} rule {r + 1} ends in an "
                                "order, but nothing is ever put in the cart (`add` or `cart`)",
                            )
                        )
        return issues

    def _products_hint(self, product_id: str) -> str:
        """Did-you-mean and the known product ids."""
        known = [p.id for p in self.shop.products]
        return f"{_hint(product_id, known)}; products: {', '.join(known)}"

    def _item_issues(self, item: CartItem, loc: Loc, where: str) -> list[Issue]:
        """A cart item names a product and variant of the card, within stock."""
        product = self.shop.product(item.product)
        if product is None:
            return [
                Issue(
                    loc + ("product",),
                    f"{where} names unknown product {item.product!r}{self._products_hint(item.product)}",
                )
            ]
        names = [v.name for v in product.variants]
        if item.variant is None:
            if names:
                return [Issue(loc, f"{where} needs a `variant` of {product.id!r}: {', '.join(names)}")]
            return []
        if item.variant not in names:
            return [
                Issue(
                    loc + ("variant",),
                    f"{where} names variant {item.variant!r}, which product "
                    f"{product.id!r} does not have; variants: {', '.join(names) or 'none'}",
                )
            ]
        stock = next(v.stock for v in product.variants if v.name == item.variant)
        if item.qty > stock:
            return [
                Issue(
                    loc + ("qty",),
                    f"{where} takes {item.qty} of {product.id!r} {item.variant}, but only {stock} are in stock",
                )
            ]
        return []


def step_facts(simulation: Simulation, customer: Customer, step: Step) -> str:
    """The facts a reply to ``step`` is graded against: the card, the customer's situation, the step's."""
    return card_facts(simulation.shop, customer.product, (customer.facts, step.facts))
