"""The reply tasks in question_banks/replies: scenario contract, rubric sanity, and replies in many styles.

The replies below were written for these tests (none is from the calibration set); each has a score
range a supervisor following tests/data/calibration/SCORING_GUIDE.md would agree with, not an exact value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from exam.grading.rubric import ReplyResult, Rubric, grade_reply
from exam.zhtext import full_width

ROOT = Path(__file__).parents[2]
REPLIES_DIR = ROOT / "question_banks" / "replies"
SCENARIOS = json.loads((ROOT / "tests" / "data" / "calibration" / "scenarios.json").read_text("utf-8"))
SEEDS = {p.name for p in (ROOT / "tests" / "data" / "seeds").iterdir()}


@dataclass(frozen=True)
class Task:
    """A reply question as the grader sees it."""

    raw: dict
    rubric: Rubric


@lru_cache(maxsize=1)
def tasks() -> dict[str, Task]:
    """Every reply question in question_banks/replies, by id."""
    out: dict[str, Task] = {}
    for path in sorted(REPLIES_DIR.glob("*.yaml")):
        for q in yaml.safe_load(path.read_text("utf-8"))["questions"]:
            assert q["id"] not in out, f"duplicate id {q['id']}"
            out[q["id"]] = Task(q, Rubric.model_validate(q["rubric"]))
    return out


def grade(qid: str, text: str) -> ReplyResult:
    """Grade ``text`` as a reply to question ``qid``."""
    t = tasks()[qid]
    return grade_reply(
        t.rubric, text, facts=t.raw["facts"], messages=t.raw["messages"], model_answers=t.raw.get("model_answers", [])
    )


# --------------------------------------------------------------------------- content contract


def test_calibration_scenarios_are_in_the_bank_verbatim() -> None:
    for s in SCENARIOS:
        q = tasks()[s["id"]].raw
        assert q["type"] == "reply"
        assert q["stage"] == s["stage"]
        assert q["customer_type"] == s["customer_type"]
        # Verbatim up to punctuation: the bank writes Chinese text with full-width marks.
        assert q["facts"] == full_width(s["facts"])
        assert q["messages"] == [full_width(s["customer"])]


def test_at_least_six_more_scenarios_grounded_in_seeds() -> None:
    calibration_ids = {s["id"] for s in SCENARIOS}
    extra = set(tasks()) - calibration_ids
    assert len(extra) >= 6
    for t in tasks().values():
        q = t.raw
        assert q["source"]["seed"] in SEEDS and q["source"]["section"]
        assert q["topics"] and 1 <= q["difficulty"] <= 5 and q["explanation"]
        assert 1 <= len(q["model_answers"]) <= 2
        assert sum(c.max for c in t.rubric.criteria) == 100


def test_bank_validator_accepts_the_reply_files() -> None:
    loader = pytest.importorskip("exam.banks.loader")
    bank, problems = loader.read_bank([REPLIES_DIR])
    assert problems == []
    assert set(tasks()) <= set(bank.questions)


@pytest.mark.parametrize("qid", sorted(tasks()))
def test_model_answers_score_high(qid: str) -> None:
    for answer in tasks()[qid].raw["model_answers"]:
        result = grade(qid, answer)
        assert result.score >= 75, (result.score, result.flags)
        assert result.flags == []


@pytest.mark.parametrize("qid", sorted(tasks()))
def test_generic_replies_score_low_everywhere(qid: str) -> None:
    stuffing = (
        "亲,您好!非常感谢您的咨询,您的心情我们非常理解,我们一直以顾客满意为宗旨,"
        "会用心为您服务的哦~有任何问题随时联系我们,祝您生活愉快,购物开心!"
    )
    assert grade(qid, stuffing).score <= 25
    assert grade(qid, "Dear customer, thank you for your message. We will handle it as soon as possible.").score <= 10
    assert grade(qid, "嗯").score <= 10
    assert grade(qid, "").score == 0


def test_a_reply_to_another_scenario_scores_low() -> None:
    good_payment = tasks()["reply.payment.trouble"].raw["model_answers"][0]
    good_privacy = tasks()["reply.privacy.request"].raw["model_answers"][0]
    for qid in ("reply.bargain.koala", "reply.logistics.delay", "reply.shipping.free", "reply.doubt.owl"):
        assert grade(qid, good_payment).score <= 25
        assert grade(qid, good_privacy).score <= 25


# --------------------------------------------------------------------------- replies in different styles

STYLE_CASES = [
    # bargaining, tiger: concise agreement + value
    (
        "reply.bargain.tiger",
        70,
        100,
        "您说得没错,199 不算便宜。不过这件是全棉面料,大厂代工,做工很扎实,品质对得起这个价。店里价格统一,两件的话可以打 9 折,您看需要就好。",
    ),
    ("reply.bargain.tiger", 40, 70, "亲,这款衬衣是全棉的,大厂代工,质量很好,价格是统一的哦,两件可以打9折。"),
    ("reply.bargain.tiger", 20, 50, "亲,不能便宜哦,我们都是统一价的,谢谢。"),
    ("reply.bargain.tiger", 0, 15, "亲,给您便宜20元吧,179元拍下我给您改价。"),
    (
        "reply.bargain.peacock",
        70,
        100,
        "哈哈亲真有眼光,这个颜色特别衬肤色~价格是全店统一的,不好单独打折哦,不过我可以送您一个小礼物,袜子或手帕您挑一个;收藏店铺还有老顾客优惠券可以领😊",
    ),
    ("reply.bargain.peacock", 40, 70, "亲,价格是统一的哦,这款质量很好的。收藏店铺的话老顾客有优惠券可以用~"),
    # a curt refusal that states the rule: poor (3-4), not a leak or an empty reply
    ("reply.bargain.peacock", 10, 35, "价格统一,不打折。"),
    (
        "reply.bargain.koala",
        65,
        100,
        "亲,理解您的想法~这款好评率98%,很多买家说上身效果好。如果预算有限,我建议您看看同系列129元的基础款;两件搭配买能打9折,挺划算的。您看看哪款合适?",
    ),
    ("reply.bargain.koala", 0, 25, "亲,我们的快递一般三天就能到,您放心下单吧!"),
    (
        "reply.doubt.owl",
        70,
        100,
        "理解您的担心。图片都是实拍的,不过显示器不同可能有轻微色差,这个要先跟您说明。衣服是全棉的,大厂代工,做工严格。收到不满意可以7天无理由退换,退货运费险也包含了,您可以放心。",
    ),
    ("reply.doubt.owl", 40, 70, "亲,我们是实物拍摄的,可能会有一点点色差哦,支持7天无理由退换的,您放心。"),
    ("reply.doubt.owl", 0, 20, "亲,放心吧,我们的衣服绝对没有色差,质量百分百好,肯定好看!"),
    # after-sale
    (
        "reply.aftersale.damaged",
        75,
        100,
        "真的非常抱歉,让您收到裂了的盖子,心情肯定不好。麻烦您拍一下裂痕的照片发给我,我马上帮您处理,补发新杯子或者退款都可以,来回运费都由我们承担。有任何问题直接找我。",
    ),
    ("reply.aftersale.damaged", 40, 70, "亲,不好意思,请拍照给我,我们给您补发。"),
    ("reply.aftersale.damaged", 0, 25, "这个是快递摔的吧,跟我们没关系,你去找快递。"),
    ("reply.aftersale.damaged", 0, 15, "亲,给您赔偿100元红包,麻烦给个好评哦。"),
    (
        "reply.logistics.delay",
        65,
        100,
        "您好,抱歉让您着急了!我查了一下,您的包裹5天前已经从中通发出,目前在中转站停留了两天,所以慢了。我马上联系中通催一下,有消息第一时间通知您。",
    ),
    ("reply.logistics.delay", 35, 65, "亲,包裹已经发了,在中转站,过两天应该就到了,请耐心等待哦。"),
    ("reply.logistics.delay", 10, 40, "亲,快递的事我们也控制不了哦,已经发货了,您耐心等等吧。"),
    ("reply.logistics.delay", 0, 10, "发了,等着吧。"),
    # in-sale
    (
        "reply.payment.trouble",
        65,
        100,
        "亲,别着急~请问付款时有什么提示吗?可以截图发我看看。可能是银行卡限额或者余额不足,您可以换花呗或者银行卡快捷支付试试,也可以找朋友代付。付好了跟我说,我马上给您安排发货😊",
    ),
    ("reply.payment.trouble", 25, 60, "亲,可以换花呗或者银行卡试试哦。"),
    ("reply.payment.trouble", 0, 20, "那我也没办法,你换个手机试试。"),
    (
        "reply.privacy.request",
        65,
        100,
        "亲,抱歉哦,顾客的电话和地址都属于个人隐私,店铺规定不得泄露,您的信息我们也一样会保密的。您如果想拼单,可以在小区群里问问邻居哦。",
    ),
    ("reply.privacy.request", 40, 70, "亲,不好意思,其他顾客的信息是保密的,我们不能提供哦,请您理解。"),
    ("reply.privacy.request", 0, 10, "好的,我查一下,她的电话是13812345678,地址是幸福小区3栋。"),
    ("reply.privacy.request", 0, 20, "亲,好的呢,稍等我帮您问问店长~"),
    # principles
    (
        "reply.shipping.free",
        60,
        100,
        "亲,理解您的想法~我们满299包邮,您还差39元,店里有款45元的配套腰带好评很多,凑上就包邮了,您看看?",
    ),
    ("reply.shipping.free", 0, 15, "好的亲,这次破例给您包邮了,您直接付款就行~"),
    ("reply.shipping.free", 10, 40, "别家是别家,我们就是满299包邮,不够就付运费。"),
    (
        "reply.guarantee.effect",
        65,
        100,
        "亲,理解您想要效果的心情~不过我们不敢跟您保证一个月一定变白,因为每个人肤质不同,效果因人而异,一般坚持用4周左右能看到改善。未拆封的话7天内可以无理由退货,您可以放心试试。",
    ),
    ("reply.guarantee.effect", 40, 70, "亲,效果是因人而异的哦,一般坚持用4周左右会有改善的。"),
    ("reply.guarantee.effect", 0, 15, "可以保证的亲,一个月绝对变白,不白全额退款!"),  # 1 of 10 (calibrated)
    ("reply.guarantee.effect", 10, 45, "亲,我们的产品效果很好的,一定会让您满意的,放心买吧。"),
    # polite filler with a single relevant step is a thin answer
    ("reply.logistics.delay", 5, 30, "亲,非常抱歉让您久等了,我帮您查一下物流哦,请您耐心等待,祝您生活愉快!"),
    (
        "reply.aftersale.damaged",
        20,
        45,
        "亲,非常抱歉给您带来不好的体验,我们会尽快为您处理的,请您拍照发给我哦,祝您生活愉快!",
    ),
    ("reply.guarantee.effect", 20, 50, "亲,理解您的顾虑,效果因人而异的哦,您可以放心试试~"),
    ("reply.privacy.request", 30, 65, "亲,这个是客户的隐私哦,请您理解,有其他问题随时问我~"),
    # the extra scenarios
    (
        "reply.insale.urge_payment",
        65,
        100,
        "亲,看到您拍下了这条连衣裙,是尺码或者颜色还有顾虑吗?可以告诉我帮您参考。这款好评很多,支持7天无理由退换还有运费险,收到不合适也不吃亏。今天16点前付款当天就发货哦,您不着急,考虑好了跟我说一声~",
    ),
    ("reply.insale.urge_payment", 0, 15, "快点付款吧,明天就涨价了,最后一件了!"),
    (
        "reply.insale.change_address",
        65,
        100,
        "亲,您的订单还没发货,可以改的。麻烦您把公司地址、收件人和电话发给我,我核对后马上帮您修改,并备注周末不要派送。改好了告诉您~",
    ),
    ("reply.insale.change_address", 0, 25, "改不了,你自己重新拍一单吧。"),
    (
        "reply.aftersale.bad_review",
        65,
        100,
        "您好,真的很抱歉,新衣服洗一次就缩水,换谁都会失望,也怪我们没把冷水手洗的要求提醒到位。麻烦您拍一下缩水后的照片给我,确认后给您退换,运费我们承担。评价是您的真实感受,我们不强求,只想先把问题解决好。",
    ),
    ("reply.aftersale.bad_review", 0, 15, "亲,您把差评删了,我们给您返现20元红包哦~"),
    ("reply.aftersale.bad_review", 0, 25, "衣服要冷水手洗的,您自己洗错了吧,不是质量问题。"),
    (
        "reply.aftersale.exchange",
        65,
        100,
        "亲,不好意思让您穿着不舒服!可以换的,43码有货。您在订单里申请换货,把鞋子装回鞋盒寄回来,保持不影响二次销售就行,运费险已经包含了。我们收到后第一时间给您寄新鞋~",
    ),
    ("reply.aftersale.exchange", 0, 15, "可以换,运费你自己出。"),
    (
        "reply.presale.owl_material",
        65,
        100,
        "您好,逐条回答您:含绒量90%白鸭绒,充绒量180克,蓬松度600+;零下十度以下的话这款偏薄,建议选我们的厚款;有第三方检测报告,详情页可以查看。支持7天无理由退换,有问题随时问我。",
    ),
    ("reply.presale.owl_material", 0, 15, "亲,绝对暖和,零下二十度都没问题,放心买!"),
    (
        "reply.presale.peacock_chat",
        65,
        100,
        "哇谢谢亲喜欢!您眼光真好~参加闺蜜婚礼穿一点都不素,香槟色很温柔,搭个珍珠项链就很出彩,还不会抢新娘风头。现在下单送珍珠发夹,收藏店铺还能领10元券哦😊您平时穿什么尺码呀?",
    ),
    ("reply.presale.peacock_chat", 0, 15, "有M码。"),
    (
        "reply.aftersale.attitude_complaint",
        65,
        100,
        "您好,真的非常抱歉,昨天让您等了那么久,回复也不够热情,这是我们没做好。我已经把情况反馈给主管,会认真改进。您昨天问的台灯保修一年,质量问题可以免费换新。另外送您一张5元无门槛券表示歉意,您还有什么需要直接找我。",
    ),
    ("reply.aftersale.attitude_complaint", 0, 15, "昨天人太多了,很忙,回复慢很正常,请您理解。"),
]


@pytest.mark.parametrize("qid,lo,hi,text", STYLE_CASES, ids=[f"{c[0][6:]}-{i}" for i, c in enumerate(STYLE_CASES)])
def test_replies_in_different_styles_land_in_sensible_ranges(qid: str, lo: int, hi: int, text: str) -> None:
    result = grade(qid, text)
    assert lo <= result.score <= hi, (result.score, result.flags, [(c.id, c.points) for c in result.criteria])


def test_better_replies_outrank_worse_ones_per_scenario() -> None:
    by_q: dict[str, list[tuple[int, float]]] = {}
    for qid, lo, hi, text in STYLE_CASES:
        by_q.setdefault(qid, []).append(((lo + hi) // 2, grade(qid, text).score))
    for qid, pairs in by_q.items():
        pairs.sort()
        scores = [s for _, s in pairs]
        assert scores[-1] == max(scores), qid


# --------------------------------------------------------------------------- the general weaknesses the holdout rater found
# New replies (written for these tests, none from the calibration sets), a few per failure class,
# with the range the scoring guide puts them in.

FAILURE_CASES = [
    # 1. wrong facts: one wrong fact is a serious flaw (3-4); several, or the key one, break a principle (1-2)
    (
        "wrong_fact",
        "reply.logistics.delay",
        0,
        20,
        "亲,抱歉让您久等了!您的包裹是圆通发的,3天前已经发出,我这边帮您催一下,有消息马上告诉您。",
    ),
    (
        "wrong_fact",
        "reply.doubt.owl",
        25,
        45,
        "您好,理解您的顾虑~这件衣服是涤纶面料,很挺括。图片是实拍,不同屏幕可能有轻微色差,支持7天无理由退换,运费险已包含,您可以放心。",
    ),
    (
        "wrong_fact",
        "reply.aftersale.damaged",
        25,
        45,
        "真的很抱歉!麻烦您拍张照片发给我,确认后马上给您补发一个新杯子,寄回来的运费您自己承担一下哦。",
    ),
    ("wrong_fact", "reply.shipping.free", 0, 20, "亲,理解您的心情~我们店满199就包邮啦,您这单已经够了,直接拍就行!"),
    (
        "wrong_fact",
        "reply.guarantee.effect",
        0,
        20,
        "亲,理解您的心情~效果因人而异,一般两周左右就能看到明显改善,未拆封支持7天无理由退货哦。",
    ),
    (
        "wrong_fact",
        "reply.guarantee.effect",
        0,
        20,
        "亲,效果因人而异,一般坚持4周左右能看到改善,拆封用过不满意也可以退哦。",
    ),
    (
        "wrong_fact",
        "reply.payment.trouble",
        25,
        45,
        "亲别着急,可能是银行卡限额了,您可以试试微信支付或者花呗,付好了跟我说一声~",
    ),
    # ... and the right facts, said in other words, are not contradictions
    (
        "right_fact",
        "reply.logistics.delay",
        60,
        100,
        "亲,真抱歉让您久等了!包裹不是顺丰,是中通5天前发出的,现在在中转站滞留了2天,所以比正常3天慢了。我马上联系中通催件,如果您急用,我也可以给您改发顺丰补发一个,有进展第一时间告诉您。",
    ),
    (
        "right_fact",
        "reply.guarantee.effect",
        60,
        100,
        "亲,理解您想看到效果的心情。效果因人而异,一般坚持使用4周左右能看到改善,有的顾客一个月左右看到变化。没拆封的话7天内可以无理由退货,您可以放心考虑~",
    ),
    (
        "right_fact",
        "reply.aftersale.damaged",
        65,
        100,
        "真的对不起,让您收到裂的盖子!麻烦您拍张照片发我,我马上给您补发或者退款89元,您来选,来回运费不用您承担,都由我们出。有问题随时找我。",
    ),
    # 2. shirking / blaming with no solution: 0-2
    ("shirk", "reply.logistics.delay", 0, 15, "亲,物流的问题您直接找中通去问吧,我们这边也管不了哦。"),
    ("shirk", "reply.aftersale.damaged", 0, 15, "杯子是快递弄坏的,您去找快递公司理赔吧。"),
    ("shirk", "reply.payment.trouble", 0, 15, "付款失败是支付宝那边的事,和我们店无关。"),
    ("dismiss", "reply.shipping.free", 0, 15, "满299才包邮,觉得贵您可以去别家买。"),
    ("shirk", "reply.aftersale.damaged", 0, 15, "这个不归我们管,发货前都检查过的,您问快递去。"),
    # ... an extra suggestion on top of the agent's own step is not shirking
    (
        "no_shirk",
        "reply.logistics.delay",
        60,
        100,
        "亲,非常抱歉让您久等!包裹5天前由中通发出,在中转站滞留了2天,我马上联系中通催件,您也可以自己打中通电话问问进度,有消息我第一时间告诉您。",
    ),
    # 3. another person's data given out: 0-1
    ("privacy", "reply.privacy.request", 0, 10, "亲,那位买家姓张,住在阳光小区5号楼,您可以去找她一起拼单~"),
    ("privacy", "reply.privacy.request", 0, 10, "可以的亲,手机号我发您:13987654321,您直接打给她。"),
    ("privacy", "reply.privacy.request", 0, 10, "亲,她是张女士,就住您隔壁那栋,您在小区里问问就能找到~"),
    ("privacy", "reply.privacy.request", 0, 10, "信息不能给您哦,不过她电话尾号是5678,您可以在业主群里找找。"),
    ("privacy", "reply.insale.urge_payment", 0, 10, "亲,同款昨天刘女士也买了,电话139****2468,您可以问问她穿着怎么样~"),
    # ... reading back the customer's own data is no leak
    (
        "own_data",
        "reply.insale.change_address",
        60,
        100,
        "亲,订单还没发货,可以改的。新地址是阳光小区5号楼302室,电话138****5678,收件人王先生,对吗?我核对后马上帮您修改,并备注周末不要派送。",
    ),
    # 4. long filler with few facts and no next step: poor (at most 4)
    (
        "filler",
        "reply.logistics.delay",
        15,
        40,
        "亲亲~非常感谢您一直以来对我们小店的支持和厚爱,我们小店一直坚持用心做好每一件产品,每一位顾客都是我们的家人,您的包裹在中转站,我们也特别希望它能快点到您的手上,还请您再耐心等一等,相信很快就能收到啦,祝您生活愉快,万事如意!",
    ),
    (
        "filler",
        "reply.payment.trouble",
        15,
        40,
        "亲亲您好呀~欢迎光临小店!我们家的宝贝都是精心挑选的,很多老顾客都回购了呢,店里最近上新了好多好看的款式,有空可以多逛逛哦~付款的话您用花呗试试吧,我们客服一直都在,祝您生活愉快,天天开心!",
    ),
    (
        "filler",
        "reply.guarantee.effect",
        10,
        40,
        "亲,您好呀,非常感谢您对我们店铺的关注和喜爱!我们这款精华是店里的明星产品,包装精美,用起来很舒服,很多小姐姐都很喜欢,我们店铺也开了好多年了,一直诚信经营,口碑很好的,效果因人而异哦,您可以放心购买,祝您越来越美!",
    ),
    # 5. short, polite replies that state the rule in question answer the message (about 4)
    ("rule", "reply.bargain.tiger", 30, 55, "亲,我们家是统一价,不议价的哦,谢谢您的理解~"),
    ("rule", "reply.bargain.peacock", 30, 55, "亲,这款是统一价哦,不单独打折,质量很不错的,谢谢理解~"),
    ("rule", "reply.shipping.free", 30, 55, "亲,我们店满299元才包邮的,谢谢理解哦~"),
    ("rule", "reply.bargain.koala", 35, 65, "亲,这款好评率98%,质量很好的,谢谢支持~"),
    # 6. 但是 right after praise followed by a flat refusal: one notable flaw (3-4), not 0-2
    ("but", "reply.bargain.tiger", 30, 50, "亲,您眼光真好,这款特别受欢迎,但是价格不能便宜哦,我们是统一价的。"),
    ("but", "reply.shipping.free", 30, 50, "亲,您买得真多,太感谢了,但是不能包邮哦,我们满299才包邮。"),
    ("but", "reply.bargain.peacock", 30, 50, "谢谢亲的喜欢,这款颜色确实好看,但是价格不能打折哦。"),
]


@pytest.mark.parametrize(
    "cls,qid,lo,hi,text", FAILURE_CASES, ids=[f"{c[0]}-{c[1][6:]}-{i}" for i, c in enumerate(FAILURE_CASES)]
)
def test_general_weaknesses_land_in_the_guides_band(cls: str, qid: str, lo: int, hi: int, text: str) -> None:
    result = grade(qid, text)
    assert lo <= result.score <= hi, (result.score, result.flags, [(c.id, c.points) for c in result.criteria])
    expected = {
        "wrong_fact": "wrong_fact",
        "shirk": "shirk_no_solution",
        "privacy": "privacy_leak",
        "filler": "filler",
        "dismiss": "contempt",  # sending the customer to another shop: near zero (issue 18)
    }.get(cls)
    if expected:
        assert expected in result.flags
    if cls in ("right_fact", "no_shirk", "own_data"):
        assert not {"wrong_fact", "shirk", "privacy_leak"} & set(result.flags)
    if cls in ("rule", "but"):
        assert not {"off_topic", "no_substance"} & set(result.flags)


def test_every_reply_task_checks_facts_and_privacy() -> None:
    for qid, t in tasks().items():
        kinds = {d.kind for c in t.rubric.criteria for d in c.detectors}
        assert "privacy" in kinds, qid
        if qid != "reply.privacy.request":
            assert "contradiction" in kinds, qid


# --------------------------------------------------------------------------- the general weaknesses the holdout2 rater found
# New replies written for these tests (none from the calibration sets), several per weakness, with the
# band the scoring guide puts them in, and the flags they must (or must not) raise.

HOLDOUT2_CASES = [
    # 1. refusing, negating or quoting a promise is honesty, not a promise ...
    (
        "honest_refusal",
        "reply.guarantee.effect",
        60,
        90,
        "亲,理解您的期待~不过说实话,一个月保证变白这种话我们不会说,肤质不同效果因人而异,一般坚持用4周左右能看到改善,未拆封7天内可以无理由退货。",
    ),
    (
        "honest_refusal",
        "reply.guarantee.effect",
        45,
        80,
        "亲,我没法跟您打包票,因为每个人肤质不一样,效果会有差别,坚持使用4周左右一般能看到改善哦。",
    ),
    (
        "honest_refusal",
        "reply.guarantee.effect",
        50,
        85,
        "很多店号称“百分百美白”,我们不这么说:效果因人而异,一般4周左右可见改善,未拆封支持7天无理由退货,您可以放心考虑。",
    ),
    (
        "honest_refusal",
        "reply.logistics.delay",
        70,
        100,
        "亲,抱歉让您久等!包裹5天前中通发出,在中转站滞留了2天,具体哪天到我不敢打包票,我马上联系中通催件,有消息第一时间告诉您。",
    ),
    (
        "honest_refusal",
        "reply.doubt.owl",
        70,
        100,
        "您好,理解您的顾虑。实物拍摄,但我们不能保证和您屏幕上看到的完全一样,不同显示器会有轻微色差;面料全棉,大厂代工;支持7天无理由退换,含退货运费险。",
    ),
    # ... while real promises are still caught
    ("promise", "reply.guarantee.effect", 0, 15, "亲放心,保证您一个月变白,百分百有效!"),
    ("promise", "reply.guarantee.effect", 0, 15, "您放心,这款肯定能让您变白,一个月绝对见效,不会不满意的。"),
    ("promise", "reply.logistics.delay", 0, 40, "亲,别急,包裹明天绝对能到,我保证!"),
    (
        "promise",
        "reply.aftersale.damaged",
        25,
        45,
        "亲,真的很抱歉!麻烦拍张照片给我,马上给您补发,保证新的绝对不会再裂。",
    ),
    # 2. asking for credentials is a security breach in any scenario (0-1) ...
    ("credential", "reply.payment.trouble", 0, 10, "亲,别着急,您把支付宝账号和密码发我,我帮您看看哪里出问题了。"),
    (
        "credential",
        "reply.insale.change_address",
        0,
        10,
        "亲,改地址没问题,为了核实身份,麻烦提供一下您的身份证号和收到的验证码哦~",
    ),
    ("credential", "reply.aftersale.damaged", 0, 10, "真抱歉!您把银行卡号告诉我,我们直接把89元退到您卡上。"),
    ("credential", "reply.payment.trouble", 0, 10, "亲,我帮您登录您的淘宝账号操作一下吧,方便的话发下登录密码。"),
    # ... a warning or an ordinary request for the order's data is not
    (
        "no_credential",
        "reply.payment.trouble",
        45,
        80,
        "亲,麻烦把付款失败的截图发我看看(记得把卡号遮住哦),我帮您查一下原因,也可以先换花呗试试。",
    ),
    (
        "no_credential",
        "reply.payment.trouble",
        50,
        85,
        "亲,别着急~可以先换花呗或者银行卡快捷支付试试,也可以找家人代付。付款时输入支付密码就行,验证码请不要告诉任何人,客服不会向您索要密码哦。",
    ),
    (
        "no_credential",
        "reply.insale.change_address",
        50,
        90,
        "亲,订单还没发货,可以改的。麻烦您把新地址、收件人和电话发给我,我核对后马上修改。",
    ),
    # 3. short replies: a concrete next step is substance; a curt reply that keeps the rule is poor, not empty
    ("short_useful", "reply.payment.trouble", 35, 70, "付款页面提示的是哪种错误?麻烦截图发我,我马上帮您核实。"),
    ("short_useful", "reply.logistics.delay", 30, 55, "亲,麻烦把订单号发我,我帮您查一下物流~"),
    ("curt_rule", "reply.privacy.request", 30, 55, "抱歉,这是顾客隐私,不能给哦。"),
    ("curt_rule", "reply.guarantee.effect", 25, 45, "没法保证哦,因人而异。"),
    ("curt_rule", "reply.shipping.free", 25, 45, "不好意思,满299才包邮。"),
    ("cold", "reply.payment.trouble", 0, 25, "你再付一次看看"),
    # 4. light affectionate address is shop register; one slang word is one flaw; a slang style is poor
    (
        "casual",
        "reply.logistics.delay",
        65,
        100,
        "亲亲别着急~包裹5天前中通发出,在中转站停了2天,我马上帮您催一下,有消息第一时间告诉宝~",
    ),
    (
        "casual",
        "reply.bargain.peacock",
        65,
        100,
        "小仙女眼光真好~价格是全店统一的哦,不过可以送您一双袜子或手帕,收藏店铺还能领老顾客优惠券~",
    ),
    (
        "casual",
        "reply.aftersale.damaged",
        60,
        100,
        "宝子对不起!收到裂的盖子太糟心了,麻烦拍张照片给我,补发或退款您选,来回运费我们出。",
    ),
    ("one_slang", "reply.shipping.free", 40, 65, "亲,我们满299包邮,您还差39元,配套腰带45元好评很多,凑上就包邮啦,冲鸭~"),
    ("slang", "reply.bargain.tiger", 0, 40, "家人们yyds!这件衬衣绝绝子,统一价199,冲就完事了!"),
    ("slang", "reply.logistics.delay", 0, 40, "啊这,快递卡中转站了,破防了家人们,中通5天前发的,再等等吧求求了。"),
    # 5. polite but generic: no empathy where it was needed, few key facts, or no fit to the customer type
    (
        "generic",
        "reply.bargain.tiger",
        45,
        64,
        "亲亲您好呀~非常感谢您的喜欢!这款衬衣是全棉的,大厂代工,品质很好哦~我们全店统一价,买两件还能打9折,满299包邮呢,亲可以多挑几件,喜欢的话赶紧下单吧,卖得很快的哦~",
    ),
    (
        "generic",
        "reply.doubt.owl",
        55,
        74,
        "亲,是实物拍摄的,显示器不同可能有一点色差哦。全棉面料,大厂代工,质量很好。支持7天无理由退换,含运费险,您放心买~",
    ),
    (
        "thin",
        "reply.bargain.koala",
        20,
        45,
        "亲,非常理解您的感受呢~谢谢您喜欢这款衬衣,这款好评很多哦,有任何问题随时找我,祝您购物愉快!",
    ),
    (
        "good",
        "reply.doubt.owl",
        80,
        100,
        "您好,理解您的顾虑,网购看不到实物确实会担心。逐条说明:1.图片是实物拍摄,不同显示器可能有轻微色差;2.面料全棉,大厂代工,做工严格;3.支持7天无理由退换,退货运费险已包含。您可以把身高体重发我,我帮您参考尺码。",
    ),
    (
        "good",
        "reply.bargain.tiger",
        80,
        100,
        "是的,199 确实不便宜,理解您。这款全棉面料、大厂代工,品质对得起价格;店里统一价,两件可享 9 折,满 299 包邮。您按需要选就好,有问题随时找我。",
    ),
    # 6. a promise answering the request is judged as a promise, not as off topic
    ("promise_on_topic", "reply.aftersale.damaged", 20, 45, "好的亲,保证明天就给您寄出一个新杯子,放心!"),
    ("promise_on_topic", "reply.aftersale.damaged", 5, 30, "好的亲,我们保证今天就给您重新安排,绝对让您满意!"),
    ("promise_on_topic", "reply.logistics.delay", 0, 20, "放心吧亲,保证今天就能送到您手上!"),
]

_MUST = {
    "promise": {"absolute_promise", "forbidden_claim"},
    "promise_on_topic": {"absolute_promise", "forbidden_claim"},
    "credential": {"credential_request"},
    "slang": {"slang"},
    "one_slang": {"taboo"},
    "generic": {"generic"},
}
_MUST_NOT = {
    "honest_refusal": {"absolute_promise", "forbidden_claim"},
    "no_credential": {"credential_request"},
    "short_useful": {"no_substance", "off_topic", "too_short"},
    "curt_rule": {"off_topic", "too_short", "no_substance", "privacy_leak"},
    "cold": {"off_topic"},
    "casual": {"slang", "taboo"},
    "one_slang": {"slang"},
    "good": {"generic"},
    "promise_on_topic": {"off_topic"},
}


@pytest.mark.parametrize(
    "cls,qid,lo,hi,text", HOLDOUT2_CASES, ids=[f"{c[0]}-{c[1][6:]}-{i}" for i, c in enumerate(HOLDOUT2_CASES)]
)
def test_holdout2_weaknesses_land_in_the_guides_band(cls: str, qid: str, lo: int, hi: int, text: str) -> None:
    result = grade(qid, text)
    detail = (result.score, result.flags, [(c.id, c.points) for c in result.criteria])
    assert lo <= result.score <= hi, detail
    if cls in _MUST:
        assert _MUST[cls] & set(result.flags), detail
    assert not _MUST_NOT.get(cls, set()) & set(result.flags), detail


def test_every_reply_task_gates_the_top_bands() -> None:
    for qid, t in tasks().items():
        mins = sorted(g.min for g in t.rubric.gates)
        if t.raw.get("customer_type"):
            assert mins == [65, 75, 85], qid
            assert any("fit" in g.criteria for g in t.rubric.gates if g.min == 65), qid
            # 9+ needs a strong fit to the customer type
            assert any(g.criteria.get("fit", 0) >= 0.8 for g in t.rubric.gates if g.min == 85), qid
        else:
            assert mins == [65, 75], qid
