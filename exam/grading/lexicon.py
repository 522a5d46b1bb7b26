"""Shared detector sets (phrase concepts and the taboo lexicon) that reply rubrics reference by name.

A *concept* is one phrase or a list of synonymous phrases; a phrase is a literal, or a regular
expression when it starts with ``re:``. Matching runs on the reply after NFKC normalisation and
lower-casing (so ``，`` is ``,`` and ``！`` is ``!``).
"""
from __future__ import annotations

from typing import Final

__all__ = ["PHRASE_SETS", "TABOO_SETS", "TABOO_FLAGS"]

_EMOJI = r"re:[\U0001F300-\U0001FAFF\u2600-\u27BF]|\[(微笑|笑脸|玫瑰|爱心|抱抱|害羞|飞吻)\]|[:;]-?\)"

PHRASE_SETS: Final[dict[str, list[str | list[str]]]] = {
    # A. courtesy: polite words, one concept each.
    "courtesy": [
        ["您好", "你好"],
        "re:亲(?![自友戚人切身手近生眼属])",
        "re:(?<![申邀])请",
        ["谢谢", "感谢", "多谢", "谢啦"],
        ["抱歉", "不好意思", "对不起", "歉意", "见谅"],
        ["欢迎"],
        ["麻烦您", "辛苦您", "劳烦", "麻烦亲"],
        [_EMOJI],
    ],
    # Respectful address.
    "respect": ["您"],
    # Warm tone markers: modal particles, tilde, emoji.
    "warm_tone": [["re:[哦呢呀啦哟噢]", "~", _EMOJI]],
    # B. empathy: acknowledging the feeling or the concern, reviewing one's own side.
    "empathy": [
        ["re:(我|很|能|都|特别|非常|完全|十分|深表|表示|可以)理解|理解(您|你|大家)|理解的"],
        ["心情", "感受"],
        ["re:(着急|急用|别急|急着|急坏)"],
        ["久等", "等这么久", "等了这么久", "等太久"],
        ["re:(担心|顾虑|疑虑|不放心|别担心|放心)"],
        ["抱歉", "不好意思", "对不起", "歉意", "责任在我们", "是我们的(疏忽|问题|责任)"],
        ["re:换(作|成|做)?(是)?(我|您)", "将心比心", "如果是我", "设身处地"],
        ["扫兴", "失望", "不开心", "糟心", "遇到这种情况", "遇到这样的情况", "给您带来", "添麻烦"],
        ["re:(确实|的确|是的|没错|您说得对|明白|懂您|问得(很|真|特别|非常)?(好|实在|关键|直接|专业|细|仔细)|问题(都|也)?很(关键|实在|重要)|直接地问)"],
    ],
    # Acknowledge-first openings (tiger customers: agree, then explain).
    "agree_first": [["是的", "确实", "的确", "没错", "您说得对", "理解", "明白", "您说的是"]],
    # Greetings near the start.
    "greeting": [["您好", "你好", "欢迎光临", "在的", "亲"]],
    # F. polite closing / keeping the conversation open.
    "closing": [
        [
            "re:随时(联系|找|问|叫|咨询|来|告诉|戳|留言)",
            "re:有(任何|什么)?(问题|疑问|需要|想聊的)[^。!?]{0,6}(随时|联系|找我|问我|叫我|告诉我|直接)",
            "祝您",
            "购物愉快",
            "欢迎再次光临",
            "欢迎下次",
            "我一直在",
            "跟我说一声",
            "re:您(看|觉得)(怎么样|如何|呢|可以吗)",
            "re:(您)?觉得呢",
            "re:(您|亲)?(喜欢|挑|选|要)(哪个|哪款|哪一个|一个)",
            "要不要看看",
            "希望能帮",
            "re:(还|还有)(需要|想了解)",
            "re:(发|告诉)我",
        ]
    ],
    # C. a concrete next step taken by the agent.
    "next_step": [
        [
            "re:我(这边|这里)?(马上|现在|立刻|立即|第一时间|会|来|先|去|帮您|给您|已经)",
            "马上",
            "第一时间",
            "re:帮您(查|登记|联系|催|安排|看看|处理|核实|跟进|申请|备注|修改|改|确认|对一下)",
            "re:(一有|有)(更新|进展|消息|结果)",
            "跟进",
            "盯着",
        ]
    ],
    # C. giving the reason.
    "reason": [["因为", "所以", "原因", "由于", "是为了"]],
    # C/F. a concrete suggestion or recommendation.
    "suggestion": [["推荐", "建议", "可以试试", "不妨", "您可以", "可以先", "划算", "搭配"]],
    # Other buyers' feedback (koala customers).
    "social_proof": [["好评", "评价", "买家反馈", "买家都", "大家都说", "回购", "销量"]],
    # Sloppy chat style: words separated by spaces instead of punctuation.
    "sloppy": [r"re:[\u4e00-\u9fff] +[\u4e00-\u9fff]"],
    # Calling the customer 你 (a curt tone in a shop's written reply).
    "curt_you": [r"re:你(?!们|好)"],
}

# Each taboo entry: a pattern (literal or re:) with its category, and context exceptions
# ("unless": a phrase whose match overlapping the hit excuses it).
TABOO_SETS: Final[dict[str, list[dict[str, object]]]] = {
    "taboo": [
        # Flat refusals (negative language).
        {
            "pattern": "不能",
            "category": "refusal",
            "unless": [
                "re:不能让(您|你|亲|大家)(失望|吃亏|受委屈|白|久等|等太久|担心|为难)",
                "re:能不能",
                "re:不能不",
                "re:(如果|若|万一|要是)[^,。!?]{0,6}不能",
            ],
            "note": "“不能”用作生硬拒绝",
        },
        {
            "pattern": "不行",
            "category": "refusal",
            "unless": [
                "re:(如果|若|要是|万一|还是|实在|都)[^,。!?]{0,6}不行",
                "re:不行的话",
                "re:行不行",
            ],
            "note": "“不行”用作生硬拒绝",
        },
        {"pattern": "re:没(有)?办法", "category": "refusal", "unless": ["re:想(想)?办法", "re:没办法的话"], "note": "“没办法”"},
        {"pattern": "re:(做|办)不到", "category": "refusal", "note": "“做不到”"},
        {
            "pattern": "不可以",
            "category": "refusal",
            "unless": ["re:可不可以", "re:(如果|若|要是)[^,。!?]{0,6}不可以", "re:不可以的话"],
            "note": "“不可以”",
        },
        {"pattern": "re:(改|给|退|换|便宜|少|帮|做|发|优惠|打折|降)不(了|上)", "category": "refusal", "note": "“…不了”式拒绝"},
        {"pattern": "re:不会(给(您|你)?)?(退|换|便宜|打折|赔|改价|同意|降价|优惠|包邮)", "category": "refusal", "note": "“不会…”式拒绝"},
        {"pattern": "re:(我|我们|这个)(也)?不(知道|清楚)", "category": "refusal", "note": "“不知道/不清楚”推脱"},
        {"pattern": "re:^\\s*不知道", "category": "refusal", "note": "“不知道”"},
        # "But" right after praise.
        {
            "pattern": r"re:(好|不错|喜欢|漂亮|眼光|好看|值得)[^。!?]{0,8}但是",
            "category": "but",
            "note": "赞美之后紧跟“但是”",
        },
        # Absolute promises.
        {
            "pattern": "保证",
            "category": "promise",
            "unless": [
                r"re:(不|没|无|难|别)[^,。!?]{0,4}保证",
                r"re:保证[^,。!?]{0,6}不了",
                "re:[“\"「']保证",
                "保证金",
            ],
            "note": "绝对化承诺“保证”",
        },
        {
            "pattern": "绝对",
            "category": "promise",
            "unless": [r"re:(不|没)[^,。!?]{0,2}绝对", r"re:绝对(会)?(为您|给您)?(保密|不会(泄露|透露|外泄))"],
            "note": "绝对化用语“绝对”",
        },
        {
            "pattern": "re:百分百|100%|百分之百",
            "category": "promise",
            "unless": ["re:(百分百|100%|百分之百)(全|纯)?(棉|桑蚕丝|羊毛|真丝|正品)", "re:(不|没|无法)[^,。!?]{0,4}(百分百|100%|百分之百)"],
            "note": "绝对化用语“百分百”",
        },
        {
            "pattern": r"re:肯定(有效|没问题|满意|好用|变|合适|行|不会有问题|能(变|到|见效|用好)|会(变|满意|喜欢|有效|见效|到|好))",
            "category": "promise",
            "unless": [r"re:(不|没)[^,。!?]{0,2}肯定"],
            "note": "绝对化承诺“肯定…”",
        },
        {
            "pattern": r"re:一定(会|能|可以|让您|让你)",
            "category": "promise",
            "unless": [r"re:不一定", r"re:一定(会|能)?(尽力|尽快|认真|重视|帮您|为您|给您)"],
            "note": "绝对化承诺“一定会”",
        },
        {"pattern": r"re:包(您|你)?满意|打包票|包(您|你)?(有效|变白|见效)", "category": "promise", "unless": [r"re:(不|没|无)[^,。!?]{0,3}(打)?包"], "note": "包满意/打包票"},
        # Heavy internet slang.
        {
            "pattern": r"re:yyds|绝绝子|冲鸭|集美|栓q|蚌埠住|酱紫|木有|神马|肿么|666|xswl|awsl|无语子|一丢丢",
            "category": "slang",
            "note": "网络用语",
        },
        # Arguing with the customer.
        {"pattern": r"re:不贵(了|的|啊|呀)|已经(是)?最低价|嫌贵|哪里贵", "category": "argue", "note": "与顾客争辩"},
        # Blaming the customer.
        {
            "pattern": r"re:(你|您)自己[^,。!?]{0,2}(的问题|没看|不看|没注意|操作|弄错|搞错|洗错|用错|错了|手机)|(你|您)(看|弄|洗|搞|用|操作)错|(手机|网络|卡)的问题吧|你的问题|(跟|和|与)我们(这边)?(没有|没|无)(关系|关)|不关我们|不是我们的(问题|责任|事)",
            "category": "blame",
            "note": "指责顾客或撇清责任",
        },
        # Shirking.
        {
            "pattern": r"re:不归我(们)?管|找快递(去|吧)|(你|您)(可以)?自己(打|去|问|联系|查|找)|不是我(们)?的事|问(快递|物流)去|自己打[^,。!?]{0,8}电话",
            "category": "shirk",
            "note": "推诿",
        },
        # Rudeness and sarcasm.
        {
            "pattern": r"re:你谁啊|凭什么|爱买不买|别买了|不买拉倒|有病|烦不烦|懂不懂|废话|随便你|关我什么事|还没买就|你自己看|那您还是别买",
            "category": "rude",
            "note": "粗鲁、讽刺",
        },
    ],
}

# The flag each taboo category raises.
TABOO_FLAGS: Final[dict[str, str]] = {
    "refusal": "taboo",
    "but": "taboo",
    "promise": "absolute_promise",
    "slang": "slang",
    "argue": "argue",
    "blame": "blame",
    "shirk": "shirk",
    "rude": "rude",
}
