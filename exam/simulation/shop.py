"""The shop card: its models, its text (the facts the reply detectors check against) and order values."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from exam.questions.base import CheckedModel, Identifier, Issue, Loc, Text, duplicates

Money = Annotated[float, Field(gt=0)]
_COUNT_WORDS = {2: "两", 3: "三"}


def prefixed(prefix: Loc, issues: Iterable[Issue], label: str = "") -> list[Issue]:
    """Issues of a nested model, located under ``prefix`` and named by ``label``."""
    return [Issue(prefix + i.loc, f"{label} {i.message}" if label else i.message) for i in issues]


class Strict(BaseModel):
    """A plain bank model: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class Variant(Strict):
    """A size or colour of a product, with its stock."""

    name: Text
    stock: Annotated[int, Field(ge=0, strict=True)]


class Product(CheckedModel):
    """A product of the shop card."""

    id: Identifier
    name: Annotated[str, Field(pattern=r"^[\u4e00-\u9fff]{2,6}$", description="2-6 Chinese characters")]
    price: Money
    variants: list[Variant] = []
    facts: list[Text] = []

    def subject(self) -> str:
        """E.g. "product 'shirt'"."""
        return f"product {self.id!r}"

    def check(self) -> list[Issue]:
        """Variant names are unique."""
        return [
            Issue(("variants", later, "name"), f"has variant {self.variants[later].name!r} twice")
            for _, later in duplicates([v.name for v in self.variants])
        ]


class FullGift(Strict):
    """满赠: a gift from ``threshold`` yuan (no change to the order value)."""

    kind: Literal["full_gift"]
    threshold: Money
    gift: Text


class FullReduction(Strict):
    """满减: ``amount`` yuan off from ``threshold`` yuan (after any item discount)."""

    kind: Literal["full_reduction"]
    threshold: Money
    amount: Money


class BundleDiscount(Strict):
    """多件折扣: ``rate`` (0.9 = 9 折) on the whole order from ``min_items`` items."""

    kind: Literal["bundle_discount"]
    min_items: Annotated[int, Field(ge=2, le=9, strict=True)]
    rate: Annotated[float, Field(gt=0, lt=1)]


Promotion = Annotated[FullGift | FullReduction | BundleDiscount, Field(discriminator="kind")]


class Shop(CheckedModel):
    """The shop card shown beside the chats: products, promotions, shipping, returns, what the seller may do."""

    name: Text
    platform: Text
    products: Annotated[list[Product], Field(min_length=1)]
    promotions: list[Promotion] = []
    shipping: Annotated[list[Text], Field(min_length=1)]
    returns: Annotated[list[Text], Field(min_length=1)]
    allowed: list[Text] = []
    forbidden: list[Text] = []

    def subject(self) -> str:
        """ "shop"."""
        return "shop"

    def check(self) -> list[Issue]:
        """Product ids are unique; nested product checks."""
        issues = [
            Issue(("products", later, "id"), f"has product id {self.products[later].id!r} twice")
            for _, later in duplicates([p.id for p in self.products])
        ]
        for index, product in enumerate(self.products):
            issues += prefixed(("products", index), product.check(), product.subject())
        return issues

    def product(self, product_id: str) -> Product | None:
        """The product with this id, or None."""
        return next((p for p in self.products if p.id == product_id), None)


class CartItem(Strict):
    """Items a customer puts in the order (a product id, its variant and a quantity)."""

    product: Identifier
    variant: Text | None = None
    qty: Annotated[int, Field(ge=1, le=99, strict=True)] = 1


def money(value: float) -> str:
    """199 -> "199", 219.6 -> "219.6"."""
    return f"{value:g}"


def promotion_text(promotion: Promotion) -> str:
    """The promotion as the shop card says it (全店满 299 元减 30 元, 任选两件享 9 折)."""
    if isinstance(promotion, FullGift):
        return f"全店满 {money(promotion.threshold)} 元送{promotion.gift}"
    if isinstance(promotion, FullReduction):
        return f"全店满 {money(promotion.threshold)} 元减 {money(promotion.amount)} 元"
    count = _COUNT_WORDS.get(promotion.min_items, f"{promotion.min_items}")
    return f"任选{count}件享 {money(round(promotion.rate * 10, 2))} 折"


def product_lines(shop: Shop, focus: str | None) -> list[str]:
    """The products, the ``focus`` product first as "名称 价格 元" (the reply detectors read it as the main item)."""
    products = sorted(shop.products, key=lambda p: p.id != focus) if focus else list(shop.products)
    main, others = products[0], products[1:]
    lines = [f"{main.name} {money(main.price)} 元"]
    if others:
        lines.append("另有 " + "、".join(f"{money(p.price)} 元的{p.name}" for p in others))
    for product in products:
        if product.variants:
            stock = "、".join(f"{v.name} {v.stock} 件" for v in product.variants)
            lines.append(f"{product.name}可选 {'、'.join(v.name for v in product.variants)}，库存：{stock}")
        lines.extend(f"{product.name}：{fact}" for fact in product.facts)
    return lines


def shop_lines(shop: Shop, focus: str | None = None) -> list[str]:
    """Every fact of the card, one clause each."""
    lines = product_lines(shop, focus)
    lines += [promotion_text(p) for p in shop.promotions]
    lines += list(shop.shipping) + list(shop.returns)
    if shop.allowed:
        lines.append("客服可以：" + "、".join(shop.allowed))
    if shop.forbidden:
        lines.append("客服不得：" + "、".join(shop.forbidden))
    return lines


@lru_cache(maxsize=1024)
def _joined(lines: tuple[str, ...]) -> str:
    """Clauses joined with full-width semicolons, ending with a full stop."""
    return "；".join(line.rstrip("；。") for line in lines) + "。"


def card_facts(shop: Shop, product: str | None, extra: Iterable[str | None] = ()) -> str:
    """The shop card's facts (about ``product``) followed by the ``extra`` ones given, as one text."""
    lines = shop_lines(shop, product)
    lines += [text for text in extra if text]
    return _joined(tuple(lines))


def subtotal(shop: Shop, cart: Sequence[CartItem]) -> float:
    """Sum of price x quantity."""
    total = 0.0
    for item in cart:
        product = shop.product(item.product)
        if product is None:
            raise ValueError(f"unknown product {item.product!r}")
        total += product.price * item.qty
    return total


def _discounted(shop: Shop, cart: Sequence[CartItem]) -> float:
    """The subtotal after the best 多件折扣 the cart reaches."""
    amount = subtotal(shop, cart)
    items = sum(item.qty for item in cart)
    rates = [p.rate for p in shop.promotions if isinstance(p, BundleDiscount) and items >= p.min_items]
    return amount * min(rates) if rates else amount


def order_value(shop: Shop, cart: Sequence[CartItem]) -> float:
    """Paid for ``cart``: subtotal, best 多件折扣, then best 满减 on that (满赠: nothing; no shipping), to the fen."""
    amount = _discounted(shop, cart)
    offs = [p.amount for p in shop.promotions if isinstance(p, FullReduction) and amount >= p.threshold - 1e-9]
    if offs:
        amount -= max(offs)
    return math.floor(max(0.0, amount) * 100 + 0.5 + 1e-9) / 100


def gifts(shop: Shop, cart: Sequence[CartItem]) -> list[str]:
    """The 满赠 gifts the cart reaches (on the amount after any 多件折扣, like 满减)."""
    amount = _discounted(shop, cart)
    return [p.gift for p in shop.promotions if isinstance(p, FullGift) and amount >= p.threshold - 1e-9]
