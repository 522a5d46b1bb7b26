"""Issue 18: the whole scale. Hostile and dishonest replies land near zero whatever facts they mention, complete
replies reach the top, and the calibration from raw points to the experts' scale carries over to scenarios it
was not fitted on (leave-one-scenario-out).

The replies below were written for these tests (none is from a scored set)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam.cli.grade import _load_reply_tasks
from exam.grading.calibration import load_scored_replies
from exam.grading.rubric.scale import load_calibration
from exam.grading.scale_fit import fit_calibration, grade_rows, leave_one_scenario_out, training_pairs
from tests.unit.test_grading_reply_bank import grade

ROOT = Path(__file__).parents[2]
SETS = ROOT / "tests" / "data" / "calibration"
EARLIER = ["replies.public.jsonl", "replies.holdout.jsonl", "replies.holdout2.jsonl", "replies.holdout3.jsonl"]

# A complete reply per scenario: every point of the rubric with the scenario's own facts, warm, no flaw.
COMPLETE = {
    "reply.bargain.tiger": "是的亲,199确实不算便宜,您的感受我理解。这件是全棉面料、大厂代工,做工扎实;店铺统一价不议价,"
    "对每位顾客都一样。如果需要两件可以享9折,满299还包邮,您按需要来就好,有问题随时找我。",
    "reply.bargain.peacock": "亲眼光真好呀~这个颜色上身特别显气色😊 价格是店铺统一价199,实在没法议价,还请您多包涵。"
    "不过您这么喜欢,我送您一个小礼物,袜子或手帕任选一个;收藏店铺成为老顾客还能领优惠券,下次买更划算。"
    "您想要哪个小礼物告诉我,我给您备注~",
    "reply.bargain.koala": "亲,理解您的顾虑~这款好评率98%,很多买家反馈上身效果很好,199买得值。预算想低一点的话,"
    "同系列有129元的基础款;两件搭配购买还能享9折。我建议您这款搭一件基础款,一件穿一件换洗,划算又实用,"
    "需要的话我帮您挑尺码~",
    "reply.doubt.owl": "您好,您考虑得很周到,我逐一说明:①面料是全棉的,大厂代工,做工把关严格;②图片都是实物拍摄,"
    "不同显示器可能有轻微色差,这点先跟您说清楚;③收到后颜色或上身效果不满意,支持7天无理由退换,"
    "退货运费险已经包含。方便的话告诉我身高体重,我帮您参考尺码。",
    "reply.aftersale.damaged": "亲,真的非常抱歉!收到裂开的杯盖换谁都会生气,是我们发货检查没做到位。麻烦您拍一下盖子"
    "裂痕和外包装的照片发给我,我马上帮您登记:可以补发一个新杯子,也可以直接退款89元,您选哪种都行,来回运费都由"
    "我们承担。我会一直跟进到给您处理好为止,有任何问题直接找我。",
    "reply.logistics.delay": "亲,让您久等了,真的很抱歉,换我也会着急。您的包裹5天前已经由中通发出,我刚查了物流,是在"
    "中转站滞留了2天,所以比正常3天送达慢了。我现在就联系中通催件,一有进展第一时间告诉您,您着急用的话也跟我说,"
    "我们一起想办法。",
    "reply.payment.trouble": "亲别着急,不好意思让您遇到麻烦了。付款不成功常见是余额或银行卡限额不够、网络不稳定。"
    "您先试试换一种方式:支付宝余额、银行卡快捷支付、花呗都可以,也能找人代付;如果还是不行,把付款时的提示截图发我,"
    "我帮您看看卡在哪一步。付款成功后我马上为您安排发货~",
    "reply.shipping.free": "谢谢亲的支持!非常理解您想省运费的心情。我们店是满299元包邮,这个规则对每位顾客都一样,"
    "还请您理解。您现在260元,还差39元;店里有一款45元的配套腰带,好评很多,加上就包邮了,比单付10元运费更划算。"
    "需要的话我把链接发您~",
    "reply.guarantee.effect": "亲,您问得很实在,理解您希望看到效果的心情。说实话,每个人肤质不同,效果因人而异,我们不敢"
    "随便跟您打包票。一般坚持使用4周左右可以看到改善;另外未拆封支持7天无理由退货。您可以说说您的肤质,我给您一些"
    "使用建议,您考虑好再决定,有问题随时找我~",
    "reply.privacy.request": "亲,理解您想拼单省点钱的想法😊 不过为了保护每一位顾客的隐私,其他买家的电话和地址我们都要"
    "严格保密,就像您的信息我们也一样会保护好,还请您理解。想拼单的话可以在小区群里问问;我也可以帮您看看店里有没有"
    "合适的优惠,还有别的需要随时跟我说~",
}

# Hostile or dishonest replies that still mention the scenario's facts: (question, reply, flag, phrase).
FLAWED = [
    ("reply.bargain.tiger", "全棉大厂代工,统一价不议价,两件9折满299包邮,懒得解释第二遍。", "contempt", "懒得解释"),
    ("reply.bargain.koala", "好评率98%的衬衣,129的基础款也有,这点钱都舍不得?", "contempt", "这点钱"),
    ("reply.shipping.free", "满299包邮,差39块,加个45元腰带呗,说了不包邮。", "contempt", "说了不包邮"),
    ("reply.logistics.delay", "5天前中通就发了,中转站滞留2天,急什么,快递又不是我们开的。", "contempt", "急什么"),
    (
        "reply.aftersale.damaged",
        "拍照发来,补发或者退款,运费我们出,谁知道是不是你自己摔的。",
        "contempt",
        "谁知道是不是",
    ),
    ("reply.payment.trouble", "支付宝余额、花呗、银行卡、代付都行,这都不会?", "contempt", "这都不会"),
    ("reply.doubt.owl", "全棉大厂代工,实物拍摄,7天无理由退换,不放心就别买。", "contempt", "就别买"),
    ("reply.bargain.tiger", "亲,全棉大厂代工,今天给您按八折算,159元拍下我改价。", "forbidden_claim", "按八折"),
    (
        "reply.logistics.delay",
        "亲,非常抱歉,包裹在中转站滞留了,我已经催了中通,保证明天到。",
        "forbidden_claim",
        "保证明天到",
    ),
    (
        "reply.aftersale.damaged",
        "亲,真抱歉!补发一个新杯子,再返您20元红包当补偿,运费我们出。",
        "forbidden_claim",
        "红包",
    ),
    ("reply.bargain.peacock", "亲眼光真好~收藏店铺送您40元无门槛券,再送袜子和手帕~", "forbidden_claim", "送您40元"),
]


@pytest.mark.parametrize("qid", sorted(COMPLETE))
def test_a_complete_reply_reaches_the_top(qid: str) -> None:
    result = grade(qid, COMPLETE[qid])
    assert result.score >= 85, (result.score, result.flags, [(c.id, c.points, c.max) for c in result.criteria])
    assert not result.caps


@pytest.mark.parametrize("qid,text,flag,phrase", FLAWED, ids=[f"{f[2]}-{f[0][6:]}-{i}" for i, f in enumerate(FLAWED)])
def test_hostile_or_dishonest_replies_land_near_zero(qid: str, text: str, flag: str, phrase: str) -> None:
    result = grade(qid, text)
    assert result.score <= 15, (result.score, result.flags)
    assert flag in result.flags
    assert any(c.flag == flag and phrase in c.phrase for c in result.caps), result.caps


def _rows(*names: str) -> list[dict]:
    return [dict(r, set=name) for name in names for r in load_scored_replies(SETS / name)]


def test_the_shipped_calibration_is_what_the_fit_gives() -> None:
    """replies.v1 is reproducible: fitted on the four earlier sets only (holdout4 stays a measurement)."""
    tasks, _ = _load_reply_tasks(str(ROOT / "question_banks"))
    rows = _rows(*EARLIER)
    shipped = load_calibration("replies.v1")
    fitted = fit_calibration("replies.v1", training_pairs(tasks, rows, grade_rows(tasks, rows, None)), min_block=8)
    assert fitted.points == shipped.points and fitted.n == shipped.n


def test_leave_one_scenario_out() -> None:
    """Fit on nine scenarios, grade the tenth with that fit (caps and gates included), for each of the ten."""
    tasks, _ = _load_reply_tasks(str(ROOT / "question_banks"))
    rows = _rows(*EARLIER, "replies.holdout4.jsonl")
    report = leave_one_scenario_out(tasks, rows, min_block=8)
    assert report.report.overall.n == 380
    assert report.report.overall.qwk >= 0.93
    assert min(m.qwk for m in report.report.groups.values()) >= 0.88
    assert report.by_set(rows)["replies.holdout4.jsonl"].overall.qwk >= 0.93
    for scenario, fit in report.fits.items():
        assert all(y0 <= y1 for (_, y0), (_, y1) in zip(fit.points, fit.points[1:])), scenario
