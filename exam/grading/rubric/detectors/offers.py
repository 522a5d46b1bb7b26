"""Invented offers: money, prices, gifts and guarantees a reply promises that the scenario's facts do not give.

Read from the facts without any rubric configuration (the ``forbidden`` detector's ``offers``): a sum of
money offered (减10元, 返您50元现金, 50元无门槛券) or a price (用券后只要149, 179给您) that is neither a figure of
the facts nor computed from them; a gift (送运费险, 送您一条丝巾) when the facts give no such gift; a delivery
date guaranteed (保证明天送到); a refund promised on an outcome (不白全额退款) or on dislike when the facts give
no such right; goods first, pay later when the facts do not allow it. An offer the reply negates, declines or quotes is not made.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from exam.grading.rubric.context import _claim_scope, _clause_before, _Context
from exam.grading.rubric.detectors.factcheck import _facts_profile, _parse_number
from exam.grading.text import _non_capturing


def _rx(pattern: str) -> re.Pattern[str]:
    """Compile with plain groups non-capturing (faster; only named groups are read)."""
    return re.compile(_non_capturing(pattern))


_AMOUNT: Final[str] = r"(?<![0-9.])(?P<num>[0-9]+(?:\.[0-9]+)?|[一二两三四五六七八九十百]+)"
# A bare price without a unit: Arabic digits, two or more (只要149, 179给您).
_PRICE: Final[str] = r"(?<![0-9.])(?P<num>[0-9]{2,5}(?:\.[0-9]+)?)(?![0-9.])"
# Money given, taken off or paid back: 减10元, 返您50元, 补偿20元, 再便宜10块.
_CONCESSION: Final[str] = (
    r"(?:减|立减|再减|优惠|便宜|少收|少算|返|返现|返还|补贴|补偿|赔|赔偿|红包|现金|抵扣|抵|送|补(?:您|你)|发(?:您|你))"
    r"(?:给)?(?:您|你|亲)?(?:个|一个)?"
)
# A sum that is a gift of money whatever comes before it: 50元红包, 20元无门槛券.
_MONEY_GIFT_AFTER: Final[str] = r"(?:钱)?(?:的)?(?:红包|现金|优惠券|无门槛|代金券|券|补贴|补偿|返现|立减)"
# A price offered: 只要149, 算您179, 改成169元, 用券后149.
_PRICE_BEFORE: Final[str] = (
    r"(?:只要|只需|仅需|仅要|才要|算(?:您|你)|给(?:您|你)(?:按|算)?|按|改成|改到|改为|到手价?|券后|用券后(?:只要)?|拍下"
    r"|恢复到|恢复成|原价|涨到|涨回)"
)
_NOT_MONEY_AFTER: Final[str] = (
    r"(?!\s*(?:天|周|个月|月|年|小时|分钟|件|个|%|折|度|克|码|号|次|单|斤|公斤|cm|kg|g|人|位|条|岁))"
)
_MONEY: Final[tuple[re.Pattern[str], ...]] = (
    _rx(rf"{_CONCESSION}{_AMOUNT}\s*(?:元|块)"),
    _rx(rf"{_AMOUNT}\s*(?:元|块){_MONEY_GIFT_AFTER}"),
    _rx(rf"{_PRICE_BEFORE}{_AMOUNT}\s*(?:元|块)"),
    _rx(rf"{_PRICE_BEFORE}{_PRICE}{_NOT_MONEY_AFTER}"),
    _rx(rf"{_AMOUNT}\s*(?:元|块)(?:给|卖|算)(?:您|你)(?!退)"),
    _rx(rf"{_PRICE}(?:给|卖|算)(?:您|你)(?!退)"),
)
# A gift: 送您一条丝巾, 还送运费险, 额外赠送小礼物 (not 送达, 送到, 配送 ...).
_GIFT: Final[re.Pattern[str]] = _rx(
    r"(?<![配运派护欢递发寄输])(?:赠送|附赠|加送|再送|额外送|送|赠)(?!达|到|货|出|去|回|过|上门|至|的时候|您到|件)"
    r"(?:给)?(?:您|你|亲)?(?:一|1|两|2)?(?:个|份|条|双|张|支|瓶|件|只|盒|包)?(?P<gift>[\u4e00-\u9fffa-z]{1,6})"
)
_GIFT_GENERIC: Final[str] = "小一个两双份条张件只盒包的些点款给您你亲哦呢吧啊呀~和或还再也都"
# A clause of the facts that gives something away (a gift, an included service).
_FACT_GIFT_CLAUSE: Final[re.Pattern[str]] = _rx(r"[^,;。,;]*(?:送|赠|礼|包含|已含|含|免费)[^,;。,;]*")
# A delivery date guaranteed.
_ETA_PROMISE: Final[re.Pattern[str]] = _rx(
    r"(?:保证|一定|肯定|绝对|包(?:您|你)?)(?:能|会|可以)?[^,。!?;]{0,6}"
    r"(?:今天|明天|后天|今晚|明早|[0-9一二两三]\s*天(?:内|之内)?)[^,。!?;]{0,4}(?:到|送达|收到|签收)"
)
# A refund promised on an outcome (不白退款, 无效退款) or on dislike (不满意全额退款).
_OUTCOME_REFUND: Final[re.Pattern[str]] = _rx(
    r"(?P<cond>无效|没效果|没有效果|不见效|不白|没变白|不满意|不喜欢|不好看)[^,。!?;]{0,4}(?:全额|包)?(?:退款|退钱|包退|退货|退)"
)
# A figure of the facts that is money: 239 元, 满 299, 减 30, 差 39.
_FACT_MONEY: Final[re.Pattern[str]] = _rx(
    r"(?:满|减|送|差|省|返|券|运费)\s*(?P<n>[0-9]+(?:\.[0-9]+)?)|(?P<m>[0-9]+(?:\.[0-9]+)?)\s*(?:元|块)"
)
# A payment rule the facts do not give: goods first, pay later (先发货,收到货再付款).
_PAY_LATER: Final[re.Pattern[str]] = _rx(
    r"(?:直接先|先|直接)(?:给(?:您|你))?发货[^。!?;]{0,10}(?:收到|到货|签收)[^。!?;]{0,4}(?:再|后)(?:付款|给钱|付)|货到付款"
)
_NEGATION_BEFORE: Final[re.Pattern[str]] = _rx(r"(?:不|没|无|别|未)[^,。!?;]{0,3}$")


@dataclass(frozen=True)
class _OfferFacts:
    """What the facts allow: money figures, gift words, whether a refund without a reason is given."""

    money: frozenset[float]
    gift_chars: frozenset[str]
    refund_on_dislike: bool
    refund_on_outcome: bool
    pay_later: bool


@lru_cache(maxsize=512)
def _offer_facts(facts: str) -> _OfferFacts:
    """Parse the facts once for the offer checks."""
    norm = unicodedata.normalize("NFKC", facts).lower()
    profile = _facts_profile(facts)
    # every figure of the facts (满 299 减 30 has money without 元), and what adding or taking up to three of
    # them gives (239 元 + 129 元 - 满减 30 = 338)
    figures = {float(m.group()) for m in re.finditer(r"[0-9]+(?:\.[0-9]+)?", norm)}
    sums = sorted({float(m.group("n") or m.group("m")) for m in _FACT_MONEY.finditer(norm)})[:20]
    pairs = {a + b for a in sums for b in sums} | {abs(a - b) for a in sums for b in sums}
    money = set(profile.allowed) | figures | pairs
    money |= {abs(p + s * c) for p in pairs for c in sums for s in (1, -1)}
    gift_chars = {ch for m in _FACT_GIFT_CLAUSE.finditer(norm) for ch in m.group() if "\u4e00" <= ch <= "\u9fff"} - set(
        _GIFT_GENERIC
    )
    return _OfferFacts(
        money=frozenset(money),
        gift_chars=frozenset(gift_chars),
        refund_on_dislike=bool(re.search(r"无理由|不满意[^,;。]{0,4}退", norm)),
        refund_on_outcome=bool(re.search(r"(无效|没效果|不见效)[^,;。]{0,4}退", norm)),
        pay_later=bool(re.search(r"货到付款|先发货后付款|收货后付款", norm)),
    )


def _declined(ctx: _Context, span: tuple[int, int]) -> bool:
    """Whether the offer at ``span`` is negated, declined or quoted (没法给您减10元, 送赠品这个做不到)."""
    if _claim_scope(ctx, span) is not None:
        return True
    return bool(_NEGATION_BEFORE.search(_clause_before(ctx.text.norm, span[0], reach=12)))


def _invented_offers(ctx: _Context) -> list[tuple[tuple[int, int], str]]:
    """Offers the reply makes that the facts do not give, each with a note naming what is invented."""
    facts = _offer_facts(ctx.facts)
    norm = ctx.text.norm
    out: list[tuple[tuple[int, int], str]] = []
    seen: list[tuple[int, int]] = []
    for rx in _MONEY:
        for m in rx.finditer(norm):
            if any(m.start("num") < b and a < m.end("num") for a, b in seen):
                continue
            seen.append(m.span("num"))
            value = _parse_number(m.group("num"))
            if value is None or value <= 0:
                continue
            if any(abs(value - v) < 1 for v in facts.money) or _declined(ctx, m.span()):
                continue
            out.append((m.span(), f"自行许诺优惠或价格:事实中没有 {value:g} 元"))
    for m in _GIFT.finditer(norm):
        gift = m.group("gift")
        chars = {ch for ch in gift if ch not in _GIFT_GENERIC}
        if not chars or chars & facts.gift_chars or _declined(ctx, m.span()):
            continue
        out.append((m.span(), f"自行许诺赠品:事实中没有“{gift}”"))
    for m in _ETA_PROMISE.finditer(norm):
        if not _declined(ctx, m.span()):
            out.append((m.span(), "保证具体的送达时间"))
    for m in _OUTCOME_REFUND.finditer(norm):
        on_outcome = m.group("cond") not in ("不满意", "不喜欢", "不好看")
        allowed = facts.refund_on_outcome if on_outcome else facts.refund_on_dislike
        if not allowed and not _declined(ctx, m.span()):
            out.append((m.span(), "自行许诺退款条件"))
    if not facts.pay_later:
        for m in _PAY_LATER.finditer(norm):
            if not _declined(ctx, m.span()):
                out.append((m.span(), "自行许诺付款规则:事实中没有先发货后付款"))
    return sorted(out)
