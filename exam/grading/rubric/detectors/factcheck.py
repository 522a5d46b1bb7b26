"""Fact-check helpers: numbers and units, and the checks read from the scenario's facts without a slot."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from exam.grading.lexicon import (
    DISCOUNT_BUNDLE,
    DISCOUNT_SINGLE,
    FACTS_SHIPPED,
    NOT_SHIPPED,
    NOT_SHIPPED_EXCUSED,
    NOT_SHIPPED_NEW_PARCEL,
)
from exam.grading.rubric.context import _SENTENCE_STOP, _claim_scope, _clause_after, _clause_before, _Context

_CN_DIGITS: Final[dict[str, int]] = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

# Units a slot may use; units of one family convert (durations in days, weights in grams).
_UNIT_FAMILIES: Final[dict[str, dict[str, float]]] = {
    "duration": {
        "小时": 1 / 24,
        "天": 1,
        "日": 1,
        "周": 7,
        "星期": 7,
        "个星期": 7,
        "礼拜": 7,
        "个礼拜": 7,
        "月": 30,
        "个月": 30,
        "个多月": 30,
        "年": 365,
    },
    "money": {"元": 1, "块": 1, "块钱": 1},
    "weight": {"克": 1, "g": 1, "斤": 500, "公斤": 1000, "千克": 1000, "kg": 1000},
    "percent": {"%": 1},
    "discount": {"折": 1},
    "size": {"码": 1},
    "count": {"件": 1},
    "seconds": {"秒": 1, "分钟": 60},
}
_UNIT_OF: Final[dict[str, tuple[str, float]]] = {
    u: (fam, mult) for fam, units in _UNIT_FAMILIES.items() for u, mult in units.items()
}
# A number: Arabic, or Chinese numerals (not the 一 of 一般, 一下, 统一 ...), not an approximation (30多, 十几).
_NUM_RE: Final[str] = (
    r"(?<![0-9.])(?P<num>[0-9]+(?:\.[0-9]+)?(?![0-9])"
    r"|(?<![统唯万专第单])[零一二两三四五六七八九十百半]+"
    r"(?![般下点样起直定共些切旦会边道致律向丢齐同])(?![零一二两三四五六七八九十百半]))"
    r"(?![多几来余])"
)


def _unit_alternation(unit: str | None) -> str:
    """Regex alternation of the units of ``unit``'s family (longest first)."""
    if unit is None:
        return ""
    fam = _UNIT_OF.get(unit, (None, 1.0))[0]
    units = list(_UNIT_FAMILIES[fam]) if fam else [unit]
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


def _parse_number(text: str) -> float | None:
    """An Arabic or Chinese number (``十五``, ``一百二十九``, ``半``), or None."""
    if text[0].isdigit():
        return float(text)
    if text == "半":
        return 0.5
    total, cur = 0.0, 0.0
    for ch in text:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "半":
            cur += 0.5
        else:
            return None
    return total + cur


# The lower end of a range ("3-5 天", "三到五天") just before a number.
_RANGE_LOW: Final[re.Pattern[str]] = re.compile(
    r"(?P<num>[0-9]+(?:\.[0-9]+)?|[零一二两三四五六七八九十百半]+)\s*(?:个)?(?:天|日|周|月)?\s*(?:-|~|到|至)\s*$"
)
# A contradiction is excused when the reply denies it ("不是顺丰", "并非涤纶").
_DENIED_BEFORE: Final[re.Pattern[str]] = re.compile(
    r"(不是|并非|而非|并不是|不含|没有用|不用|不会用|而不是)[^,。!?]{0,4}$"
)


# --- checks derived from the facts themselves (no slot needed)

# The scenario's main item and its price: the first clause of the facts, "衬衣 199 元", "美白精华 268 元".
_MAIN_ITEM: Final[re.Pattern[str]] = re.compile(
    r"^\s*(?P<item>[\u4e00-\u9fff]{2,6}?)\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*元"
)
# Other priced items of the facts: "129 元的基础款", "45 元的配套腰带".
_OTHER_ITEM: Final[re.Pattern[str]] = re.compile(
    r"[0-9]+(?:\.[0-9]+)?\s*元的(?P<item>[\u4e00-\u9fff]{2,6}?)(?=[,;。,;、好]|$)"
)
_FACT_MONEY: Final[re.Pattern[str]] = re.compile(r"(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?:元|块)")
_DISCOUNT_NUM: Final[str] = (
    r"(?P<num>[0-9](?:\.[0-9])?(?![0-9.])|[0-9]{2}(?![0-9.])|[一二三四五六七八九](?:点?[一二三四五六七八九])?)"
)
_FACT_DISCOUNT: Final[re.Pattern[str]] = re.compile(_DISCOUNT_NUM + r"\s*折")
# A discount the reply offers: "打个85折", "给你8.5折", "享9折", "九折".
_REPLY_DISCOUNT: Final[re.Pattern[str]] = re.compile(
    r"(?:(?:打|给|算|享受?|有|按|做|能|可以|优惠)(?:您|你|亲)?(?:个|一个)?)?(?<![0-9.])"
    + _DISCOUNT_NUM
    + r"折(?!扣|腾|叠|旧|算|合|现|价)"
)
_ORDER_WORDS: Final[re.Pattern[str]] = re.compile(r"订单|金额|总价|合计|总共")
_DEICTIC: Final[str] = r"这款|这件|该款|本款|此款|这一款|这条|这双|这瓶"
# Words between an item and a number that make the number about something else (a threshold, a gap,
# a coupon, another item, a comparison): "衬衣满299", "这款比基础款贵70元".
_PRICE_BLOCKERS: Final[str] = (
    r"满|差|运费|邮费|包邮|减|省|优惠|券|折|送|返|加|凑|同系列|还有|另|其他|比|贵|便宜了|多|少|定金|两件|2件|二件|三件|件"
)
_GAP_NEGATION: Final[re.Pattern[str]] = re.compile(r"不|没|无法|别|并非")
_MAIN_PRICE_NOTE: Final[str] = "与事实不符:{item} {price:g} 元"
_SHIPPED_RX: Final[re.Pattern[str]] = re.compile(FACTS_SHIPPED)
_NOT_SHIPPED_RX: Final[re.Pattern[str]] = re.compile(NOT_SHIPPED)
_NOT_SHIPPED_EXCUSED_RX: Final[re.Pattern[str]] = re.compile(NOT_SHIPPED_EXCUSED)
_NEW_PARCEL_RX: Final[re.Pattern[str]] = re.compile(NOT_SHIPPED_NEW_PARCEL)
_ASKS_PRICE: Final[re.Pattern[str]] = re.compile(r"贵|价|便宜|钱|折|优惠|多少")
_ASKS_SHIPPING: Final[re.Pattern[str]] = re.compile(r"发货|发不发|到|快递|物流|包裹|寄")
_DISCOUNT_SINGLE_RX: Final[re.Pattern[str]] = re.compile(DISCOUNT_SINGLE)
_DISCOUNT_BUNDLE_RX: Final[re.Pattern[str]] = re.compile(DISCOUNT_BUNDLE)


def _discount_value(text: str) -> float | None:
    """A discount written as 9 / 8.5 / 85 / 九 / 八五 / 八点五 折, as a number of tenths (8.5)."""
    if text[0].isdigit():
        value = float(text)
        return value / 10 if value >= 10 else value
    digits = [_CN_DIGITS[c] for c in text if c in _CN_DIGITS]
    if not digits:
        return None
    return digits[0] + (digits[1] / 10 if len(digits) > 1 else 0)


@dataclass(frozen=True)
class _FactsProfile:
    """What the derived checks read from the facts: the main item and its price, the other priced items,
    the money figures and what can be computed from them, the discounts, whether the order has shipped."""

    item: str | None
    price: float | None
    refs: re.Pattern[str] | None
    others: tuple[str, ...]
    allowed: frozenset[float]
    discounts: tuple[tuple[float, bool], ...]  # (tenths, bundle only)
    shipped: bool


@lru_cache(maxsize=512)
def _facts_profile(facts: str) -> _FactsProfile:
    """Parse the scenario facts once for the derived checks."""
    norm = unicodedata.normalize("NFKC", facts).lower()
    main = _MAIN_ITEM.search(norm)
    item = main.group("item") if main else None
    price = float(main.group("num")) if main else None
    others = tuple(sorted({m.group("item") for m in _OTHER_ITEM.finditer(norm)} - {item or ""}))
    other_words = set(others) | {o[-2:] for o in others if "款" not in o[-2:]}
    refs = None
    if item:
        words = [re.escape(item)]
        if len(item) > 2 and "款" not in item[-2:]:
            words.append(re.escape(item[-2:]))
        if _ORDER_WORDS.search(item):
            words = [_ORDER_WORDS.pattern]
        else:
            words.append(_DEICTIC)
        blockers = "|".join([_PRICE_BLOCKERS, *(re.escape(w) for w in sorted(other_words))])
        refs = re.compile(
            rf"(?:{'|'.join(words)})(?P<gap>(?:(?!{blockers})[^,。!?;~\n0-9]){{0,8}}?)"
            r"(?<![0-9.])(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?:元|块)(?!钱?的|以上|以下|左右|起|多)"
            + (
                rf"(?![^,。!?;~\n]{{0,4}}(?:{'|'.join(re.escape(w) for w in sorted(other_words))}))"
                if other_words
                else ""
            )
        )
    money = {float(m.group("num")) for m in _FACT_MONEY.finditer(norm)}
    discounts = []
    for m in _FACT_DISCOUNT.finditer(norm):
        value = _discount_value(m.group("num"))
        if value is None:
            continue
        clause = norm[max(0, m.start() - 12) : m.start()]
        clause = re.split(r"[,;。,;]", clause)[-1]
        discounts.append((value, bool(_DISCOUNT_BUNDLE_RX.search(clause))))
    factors = {1.0} | {d / 10 for d, _ in discounts}
    allowed: set[float] = set()
    if price is not None:
        allowed |= {round(price * k * f, 2) for k in (1, 2, 3) for f in factors}
    for a in money:
        allowed |= {round(a * f, 2) for f in factors if f != 1.0}
        for b in money:
            allowed |= {a + b, abs(a - b)}
    return _FactsProfile(
        item=item,
        price=price,
        refs=refs,
        others=others,
        allowed=frozenset(allowed),
        discounts=tuple(discounts),
        shipped=bool(_SHIPPED_RX.search(norm)),
    )


def _wrong_main_price(ctx: _Context, profile: _FactsProfile) -> list[tuple[int, int]]:
    """Spans stating a price for the scenario's main item that is neither its price from the facts nor a
    figure computed from the facts (两件9折 358.2, 差39元): "这款衬衣现在只要129元" when it is 199."""
    if profile.refs is None or profile.price is None:
        return []
    norm = ctx.text.norm
    spans = []
    for m in profile.refs.finditer(norm):
        value = float(m.group("num"))
        if any(abs(value - v) < 1 for v in profile.allowed):
            continue
        sentence_start = max((x.end() for x in _SENTENCE_STOP.finditer(norm, 0, m.start())), default=0)
        if any(o in norm[sentence_start : m.start()] for o in profile.others):
            continue  # the sentence is about another item of the facts (同系列还有基础款,这款只要129元)
        if _DENIED_BEFORE.search(norm[max(0, m.start() - 10) : m.start()]) or _GAP_NEGATION.search(m.group("gap")):
            continue  # denied: 不是129元, 这款没法按129元卖
        spans.append(m.span())
    return spans


def _not_shipped(ctx: _Context, profile: _FactsProfile) -> list[tuple[int, int]]:
    """Spans saying the order has not shipped yet when the facts say it has (还在排队发货, 预计这两天发出)."""
    if not profile.shipped:
        return []
    norm = ctx.text.norm
    spans = []
    for m in _NOT_SHIPPED_RX.finditer(norm):
        if _NOT_SHIPPED_EXCUSED_RX.search(norm[max(0, m.start() - 10) : m.start()]):
            continue
        clause = _clause_before(norm, m.start(), reach=20) + m.group() + _clause_after(norm, m.end())
        if _NEW_PARCEL_RX.search(clause):
            continue
        spans.append(m.span())
    return spans


def _invented_discounts(ctx: _Context) -> list[tuple[tuple[int, int], str]]:
    """Discounts the reply offers that the facts do not give: a rate not among the facts' (打个85折 when
    the facts give none, 8折 when they give 9折), or a bundle-only rate offered for one item (单件打9折
    when the facts say 两件9折). A discount the reply negates or declines (没法打8折) is not offered."""
    profile = _facts_profile(ctx.facts)
    norm = ctx.text.norm
    out = []
    for m in _REPLY_DISCOUNT.finditer(norm):
        value = _discount_value(m.group("num"))
        if value is None or not 1 <= value < 10:
            continue
        if _claim_scope(ctx, m.span()) is not None:
            continue
        before = _clause_before(norm, m.start(), reach=16)
        if re.search(r"(?:不|没|无|别)[^,。!?]{0,4}$", before):
            continue
        same = [bundle for d, bundle in profile.discounts if abs(d - value) < 0.01]
        if not same:
            out.append((m.span(), f"自行许诺折扣:事实中没有 {value:g} 折"))
            continue
        if all(same):
            # bundle-only: offered for one item (单件, 买一件, 给您打), with no bundle word in its clause (or
            # in the clause before, when the discount opens its clause: 两件的话,9折)
            context = _clause_before(norm, m.start(), reach=30)
            if len(context) < 4:
                context = _clause_before(norm, max(0, m.start() - len(context) - 1), reach=30) + "," + context
            context += m.group()
            if not _DISCOUNT_BUNDLE_RX.search(context) and _DISCOUNT_SINGLE_RX.search(context):
                out.append((m.span(), f"自行许诺折扣:{value:g} 折只适用于多件搭配购买"))
    return out
