"""The weaknesses a third independent rater found (holdout3), fixed as general mechanisms.

Every reply below was written for these tests (none is from a calibration set). Each weakness has replies
that must be caught and replies that must not be: (1) a claim declined right after it is named
(单独给您包邮这边不好破例) is not made; (2) a price of the main item that the facts do not give, or an order
said not to have shipped when it has, is a wrong fact without any slot; (3) a discount the facts do not give
(打个8.5折, 单件9折 when the facts say 两件9折) is an invented discount; (4) sending the customer to a third
party as the whole answer is shirking; (5) a sloppy, unpunctuated reply is a mild deduction, not a cap at 5;
(6) 9+ needs a strong fit to the customer type and no praise followed by 不过/但是.
"""

from __future__ import annotations

from typing import Any

import pytest

from exam.grading.rubric import DEFAULT_CAPS, Rubric, grade_reply
from tests.unit.test_grading_reply_bank import grade

# (weakness, question, lowest score, highest score, flags of which one must be raised, flags none of which may be)
CASES: list[tuple[str, str, float, float, set[str], set[str], str]] = [
    (
        "w1",
        "reply.shipping.free",
        60,
        100,
        set(),
        {"forbidden_claim"},
        "亲,理解您想省点运费~ 给您单独包邮这个真的做不了主,我们是满299元包邮,您现在260元,再加一条45元的配套腰带就够了,好评很多,比付10元运费划算,您看看?",
    ),
    (
        "w1",
        "reply.shipping.free",
        60,
        100,
        set(),
        {"forbidden_claim"},
        "谢谢您的支持!免您运费这个不行哦,店里满299包邮对每位买家都一样。您还差39元,搭一条45元的腰带就包邮啦,有需要随时找我~",
    ),
    (
        "w1",
        "reply.shipping.free",
        50,
        100,
        set(),
        {"forbidden_claim"},
        "亲,非常感谢您的支持~ 单独帮您包邮,规则对所有买家都一样,还请您理解。现在260元,再凑39元就满299包邮了,店里45元的配套腰带好评很多,您可以看看。",
    ),
    ("w1", "reply.shipping.free", 0, 20, {"forbidden_claim"}, set(), "亲,给您包邮吧,下次记得凑满299哦~"),
    ("w1", "reply.shipping.free", 0, 20, {"forbidden_claim"}, set(), "亲,这次破例给您包邮,别家都包我们也包,放心拍~"),
    (
        "w1",
        "reply.shipping.free",
        0,
        20,
        {"forbidden_claim"},
        set(),
        "好的亲,运费我们来出,给您包邮,规则是死的人是活的嘛~",
    ),
    (
        "w2",
        "reply.bargain.koala",
        0,
        25,
        {"wrong_fact", "wrong_facts"},
        set(),
        "亲,这件衬衣只要99元哦,好评率98%,买家都说上身好看~",
    ),
    (
        "w2",
        "reply.bargain.koala",
        70,
        100,
        set(),
        {"wrong_fact", "wrong_facts"},
        "亲,理解您觉得有点贵~这款衬衣199元,好评率98%,很多买家反馈上身效果好;预算有限的话同系列还有129元的基础款,两件搭配买能享9折,您看哪种更合适?",
    ),
    (
        "w2",
        "reply.shipping.free",
        55,
        100,
        set(),
        {"wrong_fact", "wrong_facts"},
        "亲,谢谢您的支持~ 我们是满299包邮,您再挑一条45元的配套腰带,订单总价305元,就包邮了,比单付10元运费划算,您看要不要加上?",
    ),
    (
        "w2",
        "reply.logistics.delay",
        0,
        20,
        {"wrong_fact", "wrong_facts"},
        set(),
        "亲,抱歉让您久等了,您的订单还没发货,我马上催仓库今天发出~",
    ),
    (
        "w2",
        "reply.logistics.delay",
        75,
        100,
        set(),
        {"wrong_fact", "wrong_facts"},
        "亲,让您久等了,真不好意思!订单不是没发货哦,5天前已经用中通发出,包裹在中转站滞留了2天,我马上联系中通催件,有消息第一时间告诉您~",
    ),
    (
        "w2",
        "reply.aftersale.damaged",
        65,
        100,
        set(),
        {"wrong_fact", "wrong_facts"},
        "亲,非常抱歉让您收到这样的杯子!麻烦拍张盖子裂口的照片发我,我马上为您登记补发,补发的杯子预计明天发出,来回运费都由店铺承担~",
    ),
    (
        "w3",
        "reply.bargain.peacock",
        0,
        20,
        {"forbidden_claim"},
        set(),
        "亲眼光真好~这款给您打个8.5折,再送您一双袜子,喜欢就拍吧~",
    ),
    (
        "w3",
        "reply.bargain.tiger",
        0,
        20,
        {"forbidden_claim"},
        set(),
        "理解您的想法。这款全棉、大厂代工,单件给您打9折,179元拿走~",
    ),
    (
        "w3",
        "reply.bargain.koala",
        0,
        20,
        {"forbidden_claim"},
        set(),
        "亲,好评率98%的衬衣,现在下单给您算九五折,很划算的~",
    ),
    (
        "w3",
        "reply.bargain.tiger",
        65,
        100,
        set(),
        {"forbidden_claim"},
        "是的,价格确实不算低。这款全棉面料、大厂代工,店里统一价,对每位顾客都一样;如果您需要两件,两件一起买享9折,更划算。您看需要几件?",
    ),
    (
        "w3",
        "reply.bargain.tiger",
        40,
        100,
        set(),
        {"forbidden_claim"},
        "理解您的想法,这款是统一价,没法给您打8折哦。全棉面料、大厂代工,品质对得起这个价,买两件可以享9折。",
    ),
    ("w4", "reply.payment.trouble", 0, 20, {"shirk"}, set(), "亲,付款失败的话请联系银行处理哦,谢谢~"),
    ("w4", "reply.logistics.delay", 0, 25, {"shirk"}, set(), "亲,物流慢的问题这个要问快递哦,您可以打中通客服电话问问~"),
    ("w4", "reply.logistics.delay", 0, 25, {"shirk"}, set(), "亲,快递的事您自己联系快递问问吧,谢谢理解~"),
    (
        "w4",
        "reply.payment.trouble",
        60,
        100,
        set(),
        {"shirk", "shirk_no_solution"},
        "亲,别着急~您也可以联系银行确认一下卡的限额,我这边先帮您看看订单状态;也可以换支付宝余额或花呗试试,有提示的话截图发我~",
    ),
    (
        "w4",
        "reply.payment.trouble",
        55,
        100,
        set(),
        {"shirk", "shirk_no_solution"},
        "亲,请您截图发我看看是什么提示,如果是银行卡限额,需要联系银行调一下额度,或者换花呗、支付宝余额付款也可以~",
    ),
    (
        "w5",
        "reply.aftersale.damaged",
        54,
        64,
        {"sloppy"},
        set(),
        "亲 真的抱歉 麻烦拍张盖子裂口的照片发我 我马上给您登记补发或者退款 来回运费都是我们承担",
    ),
    (
        "w5",
        "reply.payment.trouble",
        50,
        64,
        {"sloppy"},
        set(),
        "亲 别着急 看下是不是银行卡限额了 可以换支付宝余额或者花呗 也能找人代付 有报错的话截图发我看看",
    ),
    (
        "w5",
        "reply.logistics.delay",
        50,
        64,
        {"sloppy"},
        set(),
        "亲 让您久等了 订单5天前就用中通发了 现在在中转站停了2天 我这就帮您联系中通催一下",
    ),
    (
        "w6",
        "reply.bargain.peacock",
        65,
        84,
        {"praise_but"},
        set(),
        "哇亲眼光真好,这个颜色超显气色~ 不过价格是全店统一的,还请您理解哦。为了谢谢您的喜欢,我送您一双袜子当小礼物,收藏店铺还能领老顾客优惠券,您看喜欢哪个颜色呀?",
    ),
    (
        "w6",
        "reply.bargain.koala",
        60,
        84,
        {"praise_but"},
        set(),
        "谢谢亲的认可,这款确实很好看。不过价格是统一的哦,好评率98%,很多买家反馈上身效果好;想省一点可以看看129元的基础款,两件搭配还能享9折,我建议您先选一件试试~",
    ),
    (
        "w6",
        "reply.bargain.tiger",
        40,
        84,
        set(),
        {"praise_but"},
        "亲,这款衬衣全棉面料、大厂代工,品质对得起199元,店里统一价,还请理解。买两件可以享9折,更划算,现在库存不多,赶紧下单吧!有问题随时找我~",
    ),
    (
        "w6",
        "reply.bargain.tiger",
        70,
        100,
        set(),
        {"praise_but", "taboo"},
        "是的,理解您觉得贵。这款全棉、大厂代工,做工对得起199元,店里统一价,不过两件一起买能享9折,算下来更划算。您按需要选就好,有问题随时找我。",
    ),
]


@pytest.mark.parametrize(
    "weakness,qid,lo,hi,must,must_not,text", CASES, ids=[f"{c[0]}-{c[1][6:]}-{i}" for i, c in enumerate(CASES)]
)
def test_holdout3_weaknesses(
    weakness: str, qid: str, lo: float, hi: float, must: set[str], must_not: set[str], text: str
) -> None:
    result = grade(qid, text)
    detail = (result.score, result.flags, [(c.id, c.points) for c in result.criteria])
    assert lo <= result.score <= hi, detail
    if must:
        assert must & set(result.flags), detail
    assert not must_not & set(result.flags), detail


def _one(*detectors: dict[str, Any]) -> Rubric:
    """A rubric of one criterion holding ``detectors``."""
    return Rubric.model_validate({"criteria": [{"id": "c", "label": "C", "max": 100, "detectors": list(detectors)}]})


SHIRT = "衬衣 199 元,统一价;同系列有一款 129 元的基础款;两件搭配购买享 9 折;满 299 元包邮。"
_SLOT = {"id": "x", "label": "X", "wrong": ["不可能出现的说法"]}


def test_main_item_price_is_checked_without_a_slot() -> None:
    det = {"kind": "contradiction", "slots": [_SLOT], "points": 10}
    wrong = grade_reply(_one(det), "亲,这件衬衣今天只要129元哦,很划算的。", facts=SHIRT, messages=["有点贵"])
    assert {"wrong_fact", "wrong_facts"} <= set(wrong.flags)  # critical: the customer asked about the price
    for fine in (
        "亲,这款衬衣199元,同系列还有129元的基础款,您可以看看。",
        "亲,这款衬衣两件搭配购买可享9折,两件一共358.2元。",
        "亲,这件衬衣再凑100元就满299包邮了。",
        "亲,这款没法按129元卖哦,衬衣是199元。",
    ):
        assert "wrong_fact" not in grade_reply(_one(det), fine, facts=SHIRT).flags, fine
    off = grade_reply(_one({**det, "derived": False}), "亲,这件衬衣今天只要129元哦,很划算的。", facts=SHIRT)
    assert "wrong_fact" not in off.flags


def test_shipped_order_said_not_shipped_is_a_wrong_fact() -> None:
    det = {"kind": "contradiction", "slots": [_SLOT], "points": 10}
    facts = "订单 3 天前发货,圆通快递。"
    for text in ("亲,您的订单还在打包,预计明天发出哦。", "亲,不好意思,您的订单尚未发货,我帮您催一下。"):
        assert "wrong_fact" in grade_reply(_one(det), text, facts=facts).flags, text
    for text in ("亲,订单不是没发货哦,3天前已经用圆通发出了。", "亲,补发的那件预计明天发出,之前的订单已经在路上了。"):
        assert "wrong_fact" not in grade_reply(_one(det), text, facts=facts).flags, text
    # facts that do not say it has shipped: nothing to contradict
    assert "wrong_fact" not in grade_reply(_one(det), "亲,订单预计明天发出。", facts="买家昨晚拍下未付款。").flags


def test_invented_discounts_are_forbidden_claims() -> None:
    det = {"kind": "forbidden", "items": [{"id": "x", "label": "X", "any": ["不可能出现的说法"]}], "points": 10}
    for text in ("亲,给您打个85折吧,喜欢就拍~", "亲,这件单件也能打9折哦。", "亲,今天下单给您算八折。"):
        assert "forbidden_claim" in grade_reply(_one(det), text, facts=SHIRT).flags, text
    for text in (
        "亲,两件搭配买可以享9折哦。",
        "亲,这款是统一价,没法给您打8折,买两件能享9折。",
        "亲,两件的话,9折哦,更划算。",
    ):
        assert "forbidden_claim" not in grade_reply(_one(det), text, facts=SHIRT).flags, text
    off = grade_reply(_one({**det, "discounts": False}), "亲,给您打个85折吧,喜欢就拍~", facts=SHIRT)
    assert "forbidden_claim" not in off.flags


def test_sloppy_is_no_longer_a_cap_at_five() -> None:
    assert DEFAULT_CAPS["sloppy"] >= 60
    assert DEFAULT_CAPS["praise_but"] < 85 <= DEFAULT_CAPS["praise_but"] + 1
