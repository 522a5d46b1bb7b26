"""Invented offers (the forbidden detector's ``offers``): money, prices, gifts, guarantees and payment rules a
reply promises that the scenario's facts do not give, read from the facts with no rubric configuration."""

from __future__ import annotations

import pytest

from exam.grading.rubric import DEFAULT_CAPS, grade_reply
from tests.unit.rubric.helpers import evaluate, two_criteria

OFFERS = {
    "kind": "forbidden",
    "points": 10,
    "min_chars": 0,
    "items": [{"id": "none", "label": "nothing", "any": ["这句话不会出现"]}],
}
SHIRT = "衬衣 199 元,店铺统一价不议价;可以赠送一个小礼物(袜子或手帕);老顾客收藏店铺有优惠券。"
CUP = "保温杯 89 元,已签收;质量问题可补发或退款,需要买家拍照;店铺承担来回运费。"
ORDER = "订单金额 260 元,满 299 元包邮,否则运费 10 元;店内有 45 元的配套腰带,好评很多。"
PAYING = "买家已拍下未付款 1 小时;店铺支持支付宝余额、银行卡快捷支付、花呗、找人代付。"


def claims(text: str, facts: str) -> list[tuple[str, str]]:
    """The (text, note) of each claim the offers check reports."""
    out = evaluate(OFFERS, text, facts=facts)
    return [(e.text, e.note) for e in out.evidence if e.kind == "claim"]


@pytest.mark.parametrize(
    "text,facts,phrase",
    [
        ("我直接返您50元现金,麻烦给个好评。", CUP, "返您50元"),
        ("用花呗付款的话我给您减10元哦。", PAYING, "减10元"),
        ("收藏店铺就能领30元无门槛券哦。", SHIRT, "30元无门槛"),
        ("用券后只要149!", SHIRT, "用券后只要149"),
        ("看您诚心要,179给您。", SHIRT, "179给您"),
        ("付款成功还送运费险~", PAYING, "送运费险"),
        ("加腰带就包邮,还额外送您一条丝巾。", ORDER, "额外送您一条丝巾"),
        ("我们马上补发,保证明天就能送到。", CUP, "保证明天就能送到"),
        ("用一个月不白全额退款!", "美白精华 268 元;支持未拆封 7 天无理由退货。", "不白全额退款"),
        ("先别管了,我直接先给您发货,收到货再付款就行。", PAYING, "直接先给您发货,收到货再付款"),
        ("这款现在是活动价,明天就恢复到299了。", "衬衣 199 元;两件搭配购买享 9 折。", "恢复到299"),
    ],
)
def test_invented_offers_are_claims(text: str, facts: str, phrase: str) -> None:
    found = claims(text, facts)
    assert found and found[0][0] == phrase, found
    assert evaluate(OFFERS, text, facts=facts).flags == ["forbidden_claim"]


@pytest.mark.parametrize(
    "text,facts",
    [
        ("您现在260元,还差39元,加一条45元的腰带就包邮了,比付10元运费划算。", ORDER),
        ("相当于多花35元得一条腰带。", ORDER),
        ("可以补发,也可以直接退款89元,来回运费我们承担。", CUP),
        ("送您一个小礼物,袜子或手帕任选一个~", SHIRT),
        ("我们今天就给您寄出,预计3天左右送达。", CUP),
        ("没法给您减10元,价格是统一的。", PAYING),
        ("不能保证明天到,我帮您催一下快递。", CUP),
        ("已经帮您备注:电话改为 13800001234。", PAYING),
        ("不满意的话7天内可以无理由退货。", "衬衣全棉;支持 7 天无理由退换,退货运费险已包含。"),
        ("满 299 减 30 后只要 338 元。", "碎花连衣裙 239 元;针织开衫 129 元;全店满 299 元减 30 元。"),
    ],
)
def test_what_the_facts_give_is_no_invention(text: str, facts: str) -> None:
    assert claims(text, facts) == []


def test_an_invented_offer_caps_the_reply_and_names_the_phrase() -> None:
    res = grade_reply(two_criteria(OFFERS), "亲,非常抱歉!我直接返您50元现金,给您补发新杯子。", facts=CUP)
    assert res.score == DEFAULT_CAPS["forbidden_claim"]
    assert [(c.flag, c.phrase) for c in res.caps] == [("forbidden_claim", "返您50元")]


def test_offers_can_be_switched_off() -> None:
    out = evaluate(dict(OFFERS, offers=False), "我直接返您50元现金。", facts=CUP)
    assert out.flags == [] and out.points == 10
