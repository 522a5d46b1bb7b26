"""Sample data for the HR review pages: an opening with graded candidates, self-contained.

Used by the tests, the ranking benchmark (10,000 candidates) and the e2e test when no demo data
exists. Two modes:

- ``with_answers=True``: a small bank (typing, choice and reply questions, stored as question
  versions), and per candidate real answers graded by the real graders (typing figures, choice
  picks, rubric results with evidence), integrity events, and results/hiring computed from them.
- ``with_answers=False``: only attempts with synthetic results (fast, for the benchmark).

Either way ``Attempt.results`` is built by the exam engine's own aggregation
(:func:`exam.hiring.sections.build_results`), so it has the shape of a really graded attempt.

This module is long because it holds its small sample bank (questions, a profile) as Python data next to
the code that uses it, so that the tests and benchmarks need nothing else.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from exam.models import (
    Answer,
    Attempt,
    AttemptSection,
    IntegrityEvent,
    Invitation,
    JobProfile,
    JobProfileVersion,
    Opening,
    Question,
    QuestionVersion,
    Role,
    User,
)
from exam.services.results import GradedItem, build_results, store_results
from exam.timeutil import utcnow

__all__ = ["SAMPLE_PROFILE", "SampleOpening", "seed_opening", "ensure_profile", "ensure_bank"]

SAMPLE_PROFILE: dict[str, Any] = {
    "id": "sample_presale",
    "title": "售前客服(示例)",
    "source": {"seed": "004_71c5b7a6f1ecf885.txt", "section": "售前客服岗位说明书"},
    "description": "负责售前咨询、促成下单的网店客服。",
    "status": "active",
    "sections": [
        {"id": "typing", "title": "打字测试", "time_limit": 300, "draw": [{"type": "typing", "count": 1}]},
        {
            "id": "knowledge",
            "title": "服务知识",
            "time_limit": 1200,
            "draw": [
                {"type": "single_choice", "count": 4},
                {"type": "multiple_choice", "count": 1},
                {"type": "true_false", "count": 2},
            ],
        },
        {"id": "communication", "title": "客户回复", "time_limit": 1500, "draw": [{"type": "reply", "count": 2}]},
    ],
    "criteria": [
        {
            "id": "typing_speed",
            "label": "打字速度",
            "input": "typing.net_cpm",
            "scale": {"zero": 20, "full": 100},
            "weight": 25,
        },
        {
            "id": "typing_accuracy",
            "label": "打字准确率",
            "input": "typing.accuracy",
            "scale": {"zero": 0.85, "full": 1.0},
            "weight": 10,
        },
        {"id": "knowledge", "label": "产品与平台知识", "input": "knowledge.percent", "weight": 30},
        {"id": "communication", "label": "沟通能力", "input": "communication.percent", "weight": 35},
    ],
    "hard_requirements": [
        {"input": "typing.net_cpm", "min": 60, "label": "打字速度不低于 60 字/分钟"},
        {"input": "typing.accuracy", "min": 0.95, "label": "打字准确率不低于 95%"},
    ],
    "bands": [
        {"min": 85, "label": "强烈推荐"},
        {"min": 70, "label": "推荐"},
        {"min": 55, "label": "待定"},
        {"min": 0, "label": "不推荐"},
    ],
}

_SRC = {"seed": "004_71c5b7a6f1ecf885.txt", "section": "sample"}
# The sections of a sample paper (those of SAMPLE_PROFILE).
PAPER_SECTIONS: list[dict[str, Any]] = [
    {"id": "typing", "title": "打字测试", "time_limit": 300},
    {"id": "knowledge", "title": "服务知识", "time_limit": 1200},
    {"id": "communication", "title": "客户回复", "time_limit": 1500},
]
PASSAGE = (
    "亲,您好!欢迎光临本店,很高兴为您服务。请问有什么可以帮您的吗?这款衬衣是全棉面料,透气舒适,"
    "现在满二百九十九元包邮,两件可以享受九折优惠。如果您对尺码有疑问,可以告诉我您的身高体重,"
    "我帮您推荐合适的尺码。祝您购物愉快!"
)

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "sample.typing.greeting",
        "type": "typing",
        "topics": ["standard_phrases"],
        "difficulty": 2,
        "source": _SRC,
        "title": "标准欢迎语",
        "language": "zh",
        "time_limit": 180,
        "passage": PASSAGE,
        "explanation": "考查常用服务话术的录入速度与准确率。",
    },
    {
        "id": "sample.choice.duty",
        "type": "single_choice",
        "topics": ["presale_flow"],
        "difficulty": 1,
        "source": _SRC,
        "stem": "售前客服的主要职责是什么?",
        "options": [
            {"id": "a", "text": "处理客户投诉"},
            {"id": "b", "text": "售后服务"},
            {"id": "c", "text": "销售产品"},
            {"id": "d", "text": "提供产品信息和解答客户疑问", "correct": True},
        ],
        "explanation": "售前客服负责在购买前提供产品信息、解答疑问。",
    },
    {
        "id": "sample.choice.empathy",
        "type": "single_choice",
        "topics": ["principles"],
        "difficulty": 2,
        "source": _SRC,
        "stem": "顾客抱怨商品价格高时,首先应该怎么做?",
        "options": [
            {"id": "a", "text": "直接拒绝议价"},
            {"id": "b", "text": "先认同顾客的感受,再说明商品价值", "correct": True},
            {"id": "c", "text": "让顾客去别家看看"},
            {"id": "d", "text": "不予回复"},
        ],
        "explanation": "换位思考:先认同感受,再讲价值,避免生硬拒绝。",
    },
    {
        "id": "sample.choice.taboo",
        "type": "single_choice",
        "topics": ["language"],
        "difficulty": 2,
        "source": _SRC,
        "stem": "下列哪句话属于客服禁忌用语?",
        "options": [
            {"id": "a", "text": "亲,请稍等,我帮您查一下"},
            {"id": "b", "text": "不知道,你自己看", "correct": True},
            {"id": "c", "text": "感谢您的耐心等待"},
            {"id": "d", "text": "很抱歉给您带来不便"},
        ],
        "explanation": "“不知道,你自己看”是推诿、生硬的禁忌用语。",
    },
    {
        "id": "sample.choice.response",
        "type": "single_choice",
        "topics": ["kpi"],
        "difficulty": 2,
        "source": _SRC,
        "stem": "首次响应时间一般要求控制在多少秒以内?",
        "options": [
            {"id": "a", "text": "15 秒", "correct": True},
            {"id": "b", "text": "2 分钟"},
            {"id": "c", "text": "5 分钟"},
            {"id": "d", "text": "没有要求"},
        ],
        "explanation": "及时响应是转化的关键,首次响应通常要求在 15 秒内。",
    },
    {
        "id": "sample.choice.principles",
        "type": "multiple_choice",
        "topics": ["principles"],
        "difficulty": 3,
        "source": _SRC,
        "stem": "以下哪些属于客服沟通原则?",
        "options": [
            {"id": "a", "text": "换位思考", "correct": True},
            {"id": "b", "text": "实事求是", "correct": True},
            {"id": "c", "text": "夸大宣传"},
            {"id": "d", "text": "礼貌待人", "correct": True},
        ],
        "explanation": "换位思考、实事求是、礼貌待人都是沟通原则;夸大宣传违背诚信。",
    },
    {
        "id": "sample.tf.promise",
        "type": "true_false",
        "topics": ["principles"],
        "difficulty": 2,
        "source": _SRC,
        "stem": "为了促成下单,客服可以向顾客保证商品“绝对不会有任何问题”。",
        "answer": False,
        "explanation": "绝对化承诺违背实事求是的原则,也可能违反平台规则。",
    },
    {
        "id": "sample.tf.privacy",
        "type": "true_false",
        "topics": ["privacy"],
        "difficulty": 1,
        "source": _SRC,
        "stem": "客服不得向他人透露顾客的收货地址和电话。",
        "answer": True,
        "explanation": "保护顾客隐私是客服的基本要求。",
    },
]

_RUBRIC_COMMON = [
    {
        "id": "courtesy",
        "label": "礼貌用语",
        "max": 25,
        "detectors": [
            {"kind": "phrases", "set": "respect", "points": 8, "note": "称呼“您”"},
            {
                "kind": "phrases",
                "set": "courtesy",
                "mode": "at_least",
                "n": 2,
                "partial": True,
                "points": 14,
                "note": "礼貌用语",
            },
            {"kind": "phrases", "set": "warm_tone", "points": 3, "note": "亲切的语气"},
            {"kind": "taboo", "categories": ["rude"], "penalty": 15},
        ],
    },
    {
        "id": "empathy",
        "label": "共情与态度",
        "max": 20,
        "detectors": [
            {
                "kind": "phrases",
                "set": "empathy",
                "mode": "at_least",
                "n": 2,
                "partial": True,
                "points": 20,
                "note": "体谅顾客的感受",
            },
            {"kind": "taboo", "categories": ["blame", "shirk", "argue"], "penalty": 8},
        ],
    },
]

REPLIES: list[dict[str, Any]] = [
    {
        "id": "sample.reply.bargain",
        "type": "reply",
        "topics": ["bargaining"],
        "difficulty": 3,
        "source": _SRC,
        "stage": "presale",
        "customer_type": "tiger",
        "facts": "衬衣 199 元,店铺统一价不议价;全棉;满 299 元包邮;买两件享 9 折。",
        "messages": ["我觉得这个价钱太贵了,便宜点。"],
        "max_chars": 500,
        "rubric": {
            "criteria": _RUBRIC_COMMON
            + [
                {
                    "id": "solve",
                    "label": "解决问题",
                    "max": 40,
                    "detectors": [
                        {
                            "kind": "facts",
                            "min_hits": 1,
                            "items": [
                                {
                                    "id": "price",
                                    "label": "说明统一价",
                                    "any": ["统一价", "不议价", "199"],
                                    "points": 10,
                                },
                                {
                                    "id": "cotton",
                                    "label": "讲商品价值(全棉)",
                                    "any": ["全棉", "面料", "质量"],
                                    "points": 10,
                                },
                                {"id": "free_ship", "label": "满 299 包邮", "any": ["包邮", "299"], "points": 10},
                                {"id": "discount", "label": "两件九折", "any": ["九折", "9折", "两件"], "points": 10},
                            ],
                        }
                    ],
                },
                {
                    "id": "taboo",
                    "label": "语言禁忌",
                    "max": 15,
                    "detectors": [
                        {
                            "kind": "taboo",
                            "categories": ["refusal", "promise", "slang", "but"],
                            "points": 15,
                            "penalty": 5,
                        }
                    ],
                },
            ]
        },
        "model_answers": [
            "亲,非常理解您的想法~这款衬衣是全棉面料,品质有保障,店铺统一价不议价哦。现在满 299 元包邮,"
            "两件还能享受九折,您可以搭配一件,更划算呢。"
        ],
        "explanation": "老虎型顾客直接、重结果:简洁回应,讲清价值与优惠,不议价但给出方案。",
    },
    {
        "id": "sample.reply.late",
        "type": "reply",
        "topics": ["aftersale"],
        "difficulty": 3,
        "source": _SRC,
        "stage": "aftersale",
        "customer_type": "koala",
        "facts": "订单已发货 5 天,物流停在中转站;可以联系快递催件,超过 7 天未到可补发或退款。",
        "messages": ["我的快递怎么五天了还没到?"],
        "max_chars": 500,
        "rubric": {
            "criteria": _RUBRIC_COMMON
            + [
                {
                    "id": "solve",
                    "label": "解决问题",
                    "max": 40,
                    "detectors": [
                        {
                            "kind": "facts",
                            "min_hits": 1,
                            "items": [
                                {"id": "check", "label": "查询物流", "any": ["查询", "查一下", "物流"], "points": 10},
                                {
                                    "id": "urge",
                                    "label": "联系快递催件",
                                    "any": ["催件", "催一下", "联系快递"],
                                    "points": 10,
                                },
                                {"id": "remedy", "label": "超时可补发或退款", "any": ["补发", "退款"], "points": 10},
                                {
                                    "id": "follow",
                                    "label": "主动跟进",
                                    "any": ["跟进", "第一时间", "通知您"],
                                    "points": 10,
                                },
                            ],
                        }
                    ],
                },
                {
                    "id": "taboo",
                    "label": "语言禁忌",
                    "max": 15,
                    "detectors": [
                        {
                            "kind": "taboo",
                            "categories": ["refusal", "promise", "slang", "but"],
                            "points": 15,
                            "penalty": 5,
                        }
                    ],
                },
            ]
        },
        "model_answers": [
            "亲,非常抱歉让您久等了,我理解您着急的心情。我马上帮您查询物流并联系快递催件,"
            "有进展第一时间通知您;如果超过 7 天还没到,我们可以为您补发或退款。"
        ],
        "explanation": "物流延误:先致歉共情,再给出查询、催件、补发或退款的具体方案,并主动跟进。",
    },
]

REPLY_TEXTS: dict[str, list[str]] = {
    "sample.reply.bargain": [
        "亲,非常理解您的想法~这款衬衣是全棉面料,品质有保障,店铺统一价不议价哦。现在满 299 元包邮,两件还能享受九折,"
        "您可以搭配一件,更划算呢。谢谢您的支持!",
        "您好,理解您的心情。我们是统一价 199 元,不议价的哦,不过满 299 包邮,买两件可以打九折,您看看需要吗?谢谢!",
        "亲,不好意思哦,我们家是统一价的。衬衣是全棉的,质量很好,您放心购买。",
        "不能便宜,统一价。",
        "嫌贵你自己去别家看看吧,我们这不讲价。",
    ],
    "sample.reply.late": [
        "亲,非常抱歉让您久等了,我理解您着急的心情。我马上帮您查询物流并联系快递催件,有进展第一时间通知您;"
        "如果超过 7 天还没到,我们可以为您补发或退款。谢谢您的耐心!",
        "您好,抱歉让您着急了,我这边帮您查一下物流,马上联系快递催一下,有消息会通知您。",
        "亲,快递在路上了,请您再耐心等等哦,谢谢。",
        "这个要问快递,不归我们管。",
        "不知道,你自己查物流。",
    ],
}

NAMES_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
NAMES_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁婷雪倩琳晨欣怡佳"
SIGNAL_KINDS = ("paste", "tab_hidden", "window_blur", "copy")


@dataclass
class SampleOpening:
    """What :func:`seed_opening` created."""

    opening: Opening
    attempt_ids: list[int] = field(default_factory=list)
    candidate_ids: list[int] = field(default_factory=list)


def _hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def ensure_profile(session: Session, profile: dict[str, Any] | None = None) -> tuple[str, int]:
    """Store the sample profile (or ``profile``) as a job profile version: (id, version)."""
    profile = profile or SAMPLE_PROFILE
    row = session.get(JobProfile, profile["id"])
    if row is None:
        session.add(JobProfile(id=profile["id"], title=profile["title"], current_version=1))
        session.flush()
        session.add(
            JobProfileVersion(
                profile_id=profile["id"], version=1, content=profile, content_hash=_hash(profile), note="sample"
            )
        )
        session.flush()
        return profile["id"], 1
    return row.id, row.current_version


def ensure_bank(session: Session) -> dict[str, tuple[int, dict[str, Any]]]:
    """Store the sample questions: {question id: (version row id, content)}."""
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for content in QUESTIONS + REPLIES:
        qv = session.exec(select(QuestionVersion).where(QuestionVersion.question_id == content["id"])).first()
        if qv is None:
            session.add(
                Question(
                    id=content["id"],
                    type=content["type"],
                    title=content.get("stem") or content.get("title") or content.get("messages", [""])[0],
                    topics=" " + " ".join(content["topics"]) + " ",
                    difficulty=content["difficulty"],
                    stage=content.get("stage"),
                )
            )
            session.flush()
            qv = QuestionVersion(question_id=content["id"], version=1, content=content, content_hash=_hash(content))
            session.add(qv)
            session.flush()
        out[content["id"]] = (qv.id, qv.content)  # type: ignore[assignment]
    return out


def _name(rng: random.Random) -> str:
    return rng.choice(NAMES_FAMILY) + "".join(rng.choice(NAMES_GIVEN) for _ in range(rng.choice((1, 2))))


def _typed_text(rng: random.Random, accuracy: float) -> str:
    """The passage with some characters mistyped."""
    chars = list(PASSAGE)
    errors = int(round(len(chars) * (1 - accuracy)))
    for _ in range(errors):
        i = rng.randrange(len(chars))
        chars[i] = rng.choice(
            "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
        )
    return "".join(chars)


def _samples(rng: random.Random, total_chars: int, seconds: float) -> list[list[float]]:
    """(t, chars so far) every 5 seconds with a varying pace."""
    points: list[list[float]] = []
    t, typed = 0.0, 0.0
    pace = total_chars / seconds
    while t < seconds:
        t = min(seconds, t + 5)
        typed = min(total_chars, typed + pace * 5 * rng.uniform(0.6, 1.4))
        points.append([round(t, 1), int(typed)])
    points[-1] = [round(seconds, 1), total_chars]
    return points


@functools.lru_cache(maxsize=64)
def _reply_result(question_id: str, index: int) -> dict[str, Any]:
    """The real grader's result for one of the sample replies (the same text always grades the same)."""
    from exam.grading.rubric import Rubric, grade_reply

    q = next(r for r in REPLIES if r["id"] == question_id)
    return grade_reply(
        Rubric.model_validate(q["rubric"]),
        REPLY_TEXTS[question_id][index],
        facts=q["facts"],
        messages=q["messages"],
        model_answers=q["model_answers"],
        question=q["id"],
    ).as_dict()


def _pick_choice(rng: random.Random, q: dict[str, Any], right: bool) -> dict[str, Any]:
    if q["type"] == "true_false":
        return {"answer": q["answer"] if right else not q["answer"]}
    correct = [o["id"] for o in q["options"] if o.get("correct")]
    wrong = [o["id"] for o in q["options"] if not o.get("correct")]
    if q["type"] == "single_choice":
        return {"choice": correct[0] if right else rng.choice(wrong)}
    return {"choices": correct if right else sorted(set(correct[:1] + [rng.choice(wrong)]))}


def _attempt_with_answers(
    session: Session,
    rng: random.Random,
    opening: Opening,
    profile: dict[str, Any],
    bank: dict[str, tuple[int, dict[str, Any]]],
    attempt: Attempt,
    ability: float,
    submitted: datetime,
) -> list[Answer]:
    """Answers graded by the real graders; sets the attempt's results and hiring fields."""
    from exam.grading.typing import grade_typing

    answers: list[Answer] = []
    graded: list[GradedItem] = []
    items: dict[str, list[dict[str, Any]]] = {s["id"]: [] for s in PAPER_SECTIONS}
    position = 0
    start = attempt.started_at
    # typing
    accuracy = min(1.0, max(0.8, rng.gauss(0.93 + 0.07 * ability, 0.015)))
    speed = max(15.0, rng.gauss(35 + 75 * ability, 10))
    typed = _typed_text(rng, accuracy)
    seconds = min(180.0, len(typed) / speed * 60)
    if seconds >= 180.0:
        typed = typed[: int(speed * 3)]
    qid = "sample.typing.greeting"
    figures = grade_typing(PASSAGE, typed, seconds).as_dict()
    figures["seconds"] = round(seconds, 1)
    samples = _samples(rng, len(typed), seconds)
    ans = Answer(
        attempt_id=attempt.id,
        question_id=qid,
        question_version_id=bank[qid][0],
        section_id="typing",
        position=position,
        response={
            "text": typed,
            "seconds": round(seconds, 1),
            "samples": samples,
            "start": start.isoformat(),
            "end": (start + timedelta(seconds=seconds)).isoformat(),
        },
        score=float(figures["accuracy"]),
        max_score=1.0,
        result=figures,
    )
    answers.append(ans)
    graded.append(GradedItem.of_answer(ans, "typing", QUESTIONS[0]["topics"]))
    items["typing"].append({"question_id": qid, "version_id": bank[qid][0], "type": "typing"})
    position += 1
    # knowledge
    for q in QUESTIONS[1:]:
        right = rng.random() < 0.3 + 0.65 * ability
        response = _pick_choice(rng, q, right)
        score = 1.0 if right else 0.0
        correct = [o["id"] for o in q["options"] if o.get("correct")] if "options" in q else q["answer"]
        if q["type"] == "single_choice":
            correct = correct[0]
        picked = response.get("choice", response.get("choices", response.get("answer")))
        ans = Answer(
            attempt_id=attempt.id,
            question_id=q["id"],
            question_version_id=bank[q["id"]][0],
            section_id="knowledge",
            position=position,
            response=response,
            score=score,
            max_score=1.0,
            result={"correct": correct, "picked": picked},
        )
        answers.append(ans)
        graded.append(GradedItem.of_answer(ans, q["type"], q["topics"]))
        items["knowledge"].append({"question_id": q["id"], "version_id": bank[q["id"]][0], "type": q["type"]})
        position += 1
    # communication
    for q in REPLIES:
        pool = REPLY_TEXTS[q["id"]]
        index = min(len(pool) - 1, max(0, int(round((1 - ability) * (len(pool) - 1) + rng.gauss(0, 0.7)))))
        text = pool[index]
        result = copy.deepcopy(_reply_result(q["id"], index))
        ans = Answer(
            attempt_id=attempt.id,
            question_id=q["id"],
            question_version_id=bank[q["id"]][0],
            section_id="communication",
            position=position,
            response={"text": text},
            score=float(result["score"]),
            max_score=100.0,
            result=result,
        )
        answers.append(ans)
        graded.append(GradedItem.of_answer(ans, "reply", q["topics"]))
        items["communication"].append({"question_id": q["id"], "version_id": bank[q["id"]][0], "type": "reply"})
        position += 1
    attempt.paper = {
        "profile_id": profile["id"],
        "profile_version": opening.profile_version,
        "sections": [{**s, "items": items[s["id"]]} for s in PAPER_SECTIONS],
    }
    store_results(attempt, build_results(attempt.paper, graded, profile))
    return answers


def _synthetic_results(rng: random.Random, profile: dict[str, Any], ability: float) -> dict[str, Any]:
    accuracy = min(1.0, max(0.8, rng.gauss(0.93 + 0.07 * ability, 0.015)))
    net = max(10.0, rng.gauss(35 + 75 * ability, 10))
    knowledge = max(0.0, min(100.0, rng.gauss(30 + 65 * ability, 10)))
    comm = max(0.0, min(100.0, rng.gauss(25 + 70 * ability, 10)))
    # one made-up item per section stands for the section's questions
    items = [
        GradedItem(
            0,
            "typing",
            "typing",
            ("standard_phrases",),
            accuracy,
            1.0,
            {"net_cpm": round(net, 1), "gross_cpm": round(net / max(accuracy, 0.5), 1), "accuracy": round(accuracy, 4)},
            answered=True,
        ),
        GradedItem(1, "knowledge", "single_choice", ("principles",), knowledge / 100 * 20, 20.0, answered=True),
        GradedItem(
            2,
            "communication",
            "reply",
            ("bargaining",),
            comm * 3,
            300.0,
            {"score": comm, "criteria": [{"id": "courtesy", "label": "礼貌用语", "points": comm * 0.75, "max": 75.0}]},
            answered=True,
        ),
    ]
    return build_results({"sections": PAPER_SECTIONS}, items, profile)


def seed_opening(
    session: Session,
    n: int = 30,
    *,
    seed: int = 1,
    title: str = "售前客服 · 示例岗位",
    with_answers: bool = True,
    profile: dict[str, Any] | None = None,
    created_by: User | None = None,
    now: datetime | None = None,
    in_progress: int = 0,
    batch: int = 1000,
) -> SampleOpening:
    """An opening with ``n`` graded candidates (plus ``in_progress`` unfinished ones)."""
    rng = random.Random(seed)
    now = now or utcnow()
    profile = profile or SAMPLE_PROFILE
    profile_id, version = ensure_profile(session, profile)
    bank = ensure_bank(session) if with_answers else {}
    opening = Opening(
        title=title,
        profile_id=profile_id,
        profile_version=version,
        opens_at=now - timedelta(days=14),
        closes_at=now + timedelta(days=14),
        retention_days=180,
        created_by_id=created_by.id if created_by else None,
        owner_id=created_by.id if created_by else None,
    )
    session.add(opening)
    session.flush()
    out = SampleOpening(opening=opening)
    tag = secrets.token_hex(3)
    total = n + in_progress
    for start in range(0, total, batch):
        users: list[User] = []
        invitations: list[Invitation] = []
        for i in range(start, min(total, start + batch)):
            name = _name(rng)
            users.append(
                User(
                    username=f"s{opening.id}-{tag}-{i}",
                    display_name=name,
                    role=Role.candidate,
                    email=f"cand{i}.{tag}@example.cn",
                )
            )
        session.add_all(users)
        session.flush()
        for user in users:
            invitations.append(
                Invitation(
                    opening_id=opening.id,
                    token_hash=secrets.token_hex(32),  # type: ignore[arg-type]
                    name=user.display_name,
                    email=user.email,
                    candidate_id=user.id,
                    created_at=now - timedelta(days=10),
                    expires_at=opening.closes_at,
                    notice_accepted_at=now - timedelta(days=9),
                )
            )
        session.add_all(invitations)
        session.flush()
        attempts: list[Attempt] = []
        abilities: list[float] = []
        for i, (user, inv) in enumerate(zip(users, invitations), start=start):
            ability = rng.betavariate(2.2, 1.6)
            started = now - timedelta(days=rng.uniform(1, 9), minutes=rng.uniform(0, 600))
            finished = i < n
            attempt = Attempt(
                opening_id=opening.id,
                candidate_id=user.id,
                invitation_id=inv.id,  # type: ignore[arg-type]
                status="graded" if finished else "in_progress",
                started_at=started,
                deadline_at=started + timedelta(minutes=50),
                submitted_at=started + timedelta(minutes=rng.uniform(25, 48)) if finished else None,
                graded_at=started + timedelta(minutes=49) if finished else None,
                current_section=3 if finished else 1,
                signal_count=0 if rng.random() < 0.7 else rng.randint(1, 6),
            )
            if finished and not with_answers:
                store_results(attempt, _synthetic_results(rng, profile, ability))
            if not finished:
                attempt.signal_count = 0
            attempts.append(attempt)
            abilities.append(ability)
        session.add_all(attempts)
        session.flush()
        extra: list[Any] = []
        for attempt, ability in zip(attempts, abilities):
            out.attempt_ids.append(attempt.id)  # type: ignore[arg-type]
            out.candidate_ids.append(attempt.candidate_id)
            if attempt.status != "graded" or not with_answers:
                continue
            extra.extend(
                _attempt_with_answers(
                    session, rng, opening, profile, bank, attempt, ability, attempt.submitted_at or now
                )
            )
            session.add(attempt)
            t = attempt.started_at
            for position, section in enumerate(PAPER_SECTIONS):
                sid, minutes = section["id"], section["time_limit"] // 60
                extra.append(
                    AttemptSection(
                        attempt_id=attempt.id,
                        section_id=sid,
                        position=position,
                        started_at=t,
                        deadline_at=t + timedelta(minutes=minutes),
                        submitted_at=t + timedelta(minutes=minutes * rng.uniform(0.5, 0.95)),
                    )
                )
                t = t + timedelta(minutes=minutes)
            for _ in range(attempt.signal_count):
                kind = rng.choice(SIGNAL_KINDS)
                detail: dict[str, Any] = {"section": rng.choice(("typing", "knowledge", "communication"))}
                if kind == "paste":
                    detail["chars"] = rng.randint(8, 60)
                elif kind in ("tab_hidden", "window_blur"):
                    detail["seconds"] = round(rng.uniform(2, 90), 1)
                extra.append(
                    IntegrityEvent(
                        attempt_id=attempt.id,
                        kind=kind,
                        detail=detail,  # type: ignore[arg-type]
                        at=attempt.started_at + timedelta(seconds=rng.uniform(30, 2400)),
                    )
                )
        session.add_all(extra)
        session.flush()
    return out
