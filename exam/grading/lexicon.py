"""Shared detector sets that reply rubrics reference by name: phrase concepts, the taboo lexicon,
fact sets (rival values and contradicting claims for the fact check), the privacy and credential
patterns, and the claim-scope patterns (a promise negated, refused or quoted is not made).

A *concept* is one phrase or a list of synonymous phrases; a phrase is a literal, or a regular
expression when it starts with ``re:``. Matching runs on the reply after NFKC normalisation and
lower-casing (so ``，`` is ``,`` and ``！`` is ``!``).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CLAIM_NEGATED_BEFORE",
    "CLAIM_QUOTED_BEFORE",
    "CLAIM_DECLINED_AFTER",
    "CLAIM_REFUSED_AFTER",
    "CLAIM_SCOPED_CATEGORIES",
    "CREDENTIAL_LOGIN",
    "CREDENTIAL_NEGATION",
    "CREDENTIAL_REQUEST",
    "DISCOUNT_BUNDLE",
    "DISCOUNT_SINGLE",
    "FACT_SETS",
    "FACTS_SHIPPED",
    "NOT_SHIPPED",
    "NOT_SHIPPED_EXCUSED",
    "NOT_SHIPPED_NEW_PARCEL",
    "PHRASE_SETS",
    "PRIVACY_DATA",
    "PRIVACY_OFFER",
    "PRIVACY_OWN",
    "PRIVACY_THIRD_PARTY",
    "TABOO_FLAGS",
    "TABOO_FLAG_MIN_HITS",
    "TABOO_SETS",
]

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
        ["re:(我|很|能|都|特别|非常|完全|十分|深表|表示|可以)理解|理解(您|你|大家|亲)|理解的"],
        ["心情", "感受"],
        ["re:(着急|急用|别急|急着|急坏)"],
        ["久等", "等这么久", "等了这么久", "等太久"],
        ["re:(担心|顾虑|疑虑|不放心|别担心|放心)"],
        ["抱歉", "不好意思", "对不起", "歉意", "责任在我们", "re:是我们的(疏忽|问题|责任)"],
        ["re:我们(这边)?(的)?(没做好|没做到位|做得不好|疏忽|失误)|(检查|包装|工作|服务)没做(好|到位)|没(有)?把好关"],
        ["re:换(作|成|做)?(是)?(我|您|谁)", "将心比心", "如果是我", "设身处地", "谁都会"],
        ["扫兴", "失望", "不开心", "糟心", "遇到这种情况", "遇到这样的情况", "给您带来", "添麻烦"],
        [
            "re:(确实|的确|是的|没错|您说得对|明白|懂您|问得(很|真|特别|非常)?(好|实在|关键|直接|专业|细|仔细)|问题(都|也)?很(关键|实在|重要)|直接地问|(谢谢|感谢)(您)?(这么)?(直接|坦诚)(地)?(问|说)|考虑得(很|真|非常|特别|挺)?(周到|仔细|全面|细致))"
        ],
    ],
    # Acknowledge-first openings (tiger customers: agree, then explain).
    "agree_first": [["是的", "确实", "的确", "没错", "您说得对", "理解", "明白", "您说的是"]],
    # Greetings near the start.
    "greeting": [["您好", "你好", "欢迎光临", "在的", "亲"]],
    # F. polite closing / keeping the conversation open.
    "closing": [
        [
            "re:随时(联系|找|问|叫|咨询|来|告诉|戳|留言)",
            "re:随时(跟|和|给|向)?(您|你)?(同步|更新|通知|反馈|汇报)",
            "re:方便的话[^。!?]{0,12}(告诉|说说|发|跟)(我|一下)",
            "re:有(任何|什么)?(问题|疑问|需要|想聊的)[^。!?]{0,6}(随时|联系|找我|问我|叫我|告诉我|直接)",
            "祝您",
            "购物愉快",
            "欢迎再次光临",
            "欢迎下次",
            "我一直在",
            "跟我说一声",
            "re:您(看|觉得)(怎么样|如何|呢|可以吗)",
            "re:您(看|觉得)[^。!?,]{0,8}(哪(种|个|款|一)|合适吗|适合吗|行吗|可以吗)",
            "re:(您)?觉得呢",
            "re:(您|亲)?(喜欢|挑|选|要)(哪个|哪款|哪一个|一个)",
            "re:您看(看)?(哪|选|是|要|需要|行|可以|合适|怎么)",
            "要不要看看",
            "希望能帮",
            "re:(还|还有)(需要|想了解)",
            "re:(您|亲)(可以)?(再)?考虑(一下|考虑|看看)",
            "re:(发|告诉)我",
            "re:(需要|想要|有需要)的话[^。!?]{0,10}(我|随时|告诉|说)",
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
    # C. a concrete first step that counts as substance (the `facts` detector's `step_points`): asking the
    # customer for the evidence needed (a screenshot, a photo, the error prompt, the order number) and the
    # agent's own specific action on it (check, verify, contact, register) -- not a vague "we will handle it".
    "concrete_step": [
        [
            r"re:(截(个|一|张|一张|一下)?图|拍(个|张|一张|几张|一下)?(照|图|视频)|照片|图片|订单号|单号|(错误|报错|失败)(提示|信息|代码)"
            r"|提示(的)?(是)?(什么|啥)|(什么|啥|哪种)(错误|提示)|(显示|提示|报)(的)?(是)?什么|卡在哪|哪一步)"
        ],
        [
            r"re:(?<![给发让跟])(我|我们|我这边|我们这边)(马上|立刻|现在|先|再|来|会|这就|去)?(帮您|给您|替您|为您)?(查|核实|核对|确认一下|联系|登记|催|跟进|申请|看看|对一下)"
            r"|(帮|替|为)(您|你)(查|核实|核对|联系|登记|催|跟进|申请|看看|对一下)"
        ],
    ],
    # C. giving the reason.
    "reason": [["因为", "所以", "原因", "由于", "是为了"]],
    # C/F. a concrete suggestion or recommendation.
    "suggestion": [["推荐", "建议", "可以试试", "不妨", "您可以", "可以先", "划算", "搭配"]],
    # Other buyers' feedback (koala customers).
    "social_proof": [["好评", "评价", "买家反馈", "买家都", "大家都说", "回购", "销量"]],
    # Pushing the customer to buy now (tiger customers dislike it; the guide: "no pushing").
    "pushy": [
        [
            "re:(赶紧|赶快|抓紧|快点|快)(去)?(下单|拍下|拍|付款|买)|手慢无|卖得(很|特别|超)?快|库存不多|错过(就|了)?没|再不(买|下单|拍)"
        ]
    ],
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
                "re:不能[^,。!?]{0,6}(保证|打包票|承诺|确定效果|肯定)",
            ],
            "note": "“不能”用作生硬拒绝",
        },
        {
            "pattern": "不行",
            "category": "refusal",
            "unless": [
                "re:(如果|若|要是|万一|还是|实在|都)[^,。!?]{0,6}不行",
                "re:不行的话",
                "re:还不行(的话)?(就|再|可以|您|的话)",
                "re:行不行",
            ],
            "note": "“不行”用作生硬拒绝",
        },
        {
            "pattern": "re:没(有)?办法",
            "category": "refusal",
            "unless": ["re:想(想)?办法", "re:没办法的话"],
            "note": "“没办法”",
        },
        {"pattern": "re:(做|办)不到", "category": "refusal", "note": "“做不到”"},
        {
            "pattern": "不可以",
            "category": "refusal",
            "unless": ["re:可不可以", "re:(如果|若|要是)[^,。!?]{0,6}不可以", "re:不可以的话"],
            "note": "“不可以”",
        },
        {
            "pattern": "re:(改|给|退|换|便宜|少|帮|做|发|优惠|打折|降)不(了|上)",
            "category": "refusal",
            "note": "“…不了”式拒绝",
        },
        {
            "pattern": "re:不会(给(您|你)?)?(退|换|便宜|打折|赔|改价|同意|降价|优惠|包邮)",
            "category": "refusal",
            "note": "“不会…”式拒绝",
        },
        {"pattern": "re:(我|我们|这个)(也)?不(知道|清楚)", "category": "refusal", "note": "“不知道/不清楚”推脱"},
        {"pattern": "re:^\\s*不知道", "category": "refusal", "note": "“不知道”"},
        # "But" right after praise. Followed by a flat refusal in the same sentence it is the taboo the
        # guide names (one flaw with the refusal); followed by a rule or a reason it is a minor flaw
        # (`praise_but`: a small deduction that keeps the reply out of 9+).
        {
            "pattern": r"re:(好|不错|喜欢|漂亮|眼光|好看|值得)[^。!?]{0,8}但是",
            "category": "but",
            "note": "赞美之后紧跟“但是”",
        },
        {
            "pattern": r"re:(?:眼光|好看|漂亮|不错|喜欢|有品位|会挑|显气色|显白|显瘦|(?:真|很|挺|超|特别|确实)好)"
            r"[^。!?]{0,16}?(?:[。!?~,;]\s*(?:但是|不过)|不过)",
            "category": "but",
            "unless": [r"re:(好|不错|喜欢|漂亮|眼光|好看|值得)[^。!?]{0,8}但是"],
            "note": "赞美之后紧跟“不过/但是”",
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
            "unless": [
                "re:(百分百|100%|百分之百)(全|纯)?(棉|桑蚕丝|羊毛|真丝|正品)",
                "re:(不|没|无法)[^,。!?]{0,4}(百分百|100%|百分之百)",
            ],
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
        {
            "pattern": r"re:包(您|你)?满意|打包票|包(您|你)?(有效|变白|见效)",
            "category": "promise",
            "unless": [r"re:(不|没|无)[^,。!?]{0,3}(打)?包"],
            "note": "包满意/打包票",
        },
        # Heavy internet slang (one word is one taboo word; two or more make a slang style, see
        # TABOO_FLAG_MIN_HITS).
        {
            "pattern": r"re:yyds|绝绝子|冲鸭|冲冲冲|冲就完(事)?了|家人们|老铁|栓q|芭比q|蚌埠住|酱紫|木有|神马|肿么|666|xswl|awsl|无语子|一丢丢|啊这|(?<!拒)绝了|求求(了|你|您)|安排上|地板价|砍不动|h{3,}|懂的都懂|妥妥滴|破防|好家伙|整挺好|奥利给|卷铺盖|u1s1|dddd|nsdd|离大谱",
            "category": "slang",
            "note": "网络用语",
        },
        # Light affectionate address: normal shop register, at most a mild note (weight 0.25, no flag).
        {
            "pattern": r"re:宝子|集美|小仙女|小可爱|宝宝(?!们)",
            "category": "casual",
            "weight": 0.25,
            "note": "亲昵称呼(宝子、小仙女),略随意",
        },
        # Arguing with the customer.
        {
            "pattern": r"re:不贵(了|的|啊|呀)|一点(都|也)不贵|已经(是)?最低价|已经(很|够|非常|算)(便宜|优惠|实惠)(了)?|嫌贵|哪里贵|(都|是)(检查|验|质检)过的",
            "category": "argue",
            "note": "与顾客争辩",
        },
        # Blaming the customer (or a third party, to get out of the shop's own responsibility).
        {
            "pattern": r"re:(你|您)自己[^,。!?]{0,2}(的问题|没看|不看|没注意|操作|弄错|搞错|洗错|用错|错了|手机)|(你|您)(看|弄|洗|搞|用|操作)错|(手机|网络|卡)的问题吧|你的问题|(跟|和|与)(我|我们)(这边|店|家|店铺|这里)?(没有|没|无)(关系|关)|(跟|和|与)(我|我们)(这边|店|家|店铺)?无关|不关我们|不是我们的(问题|责任|事)",
            "category": "blame",
            "note": "指责顾客或撇清责任",
        },
        {
            "pattern": r"re:(肯定|应该|一定|估计)?是(快递|物流|快递员|快递公司)[^,。!?]{0,2}(的问题|的责任|摔|弄|压|搞|造成)|(快递|物流)(那边|公司)?(的)?(问题|责任)(吧|啊|呢)?(?=[,。!?]|$)",
            "category": "blame",
            "unless": [
                r"re:(不是|不管是|无论是|不论是)[^,。!?]{0,4}(快递|物流)",
                r"re:是(快递|物流)[^。!?]{0,20}(但|不过|也|都)[^。!?]{0,10}(我们|责任在)",
            ],
            "note": "把责任推给快递",
        },
        # Shirking: sending the customer elsewhere instead of helping.
        {
            "pattern": r"re:不归我(们)?管|(我|我们)[^,。!?]{0,4}管不(了|着)|不关我(们)?(的)?事|不是我(们)?的事|找(快递|物流|快递公司|中通|顺丰|圆通|申通|韵达|极兔|邮政|京东|支付宝|银行|平台|厂家)[^,。!?]{0,6}(去|吧)|(你|您)(可以)?自己(打|去|问|联系|查|找)|(你|您)(可以)?去(找|问)(一下)?(快递|物流|快递公司|中通|顺丰|圆通|申通|韵达|极兔|邮政|支付宝|银行|平台|厂家)|问(快递|物流)去|自己打[^,。!?]{0,8}电话|(去|到)别(家|的店|处)(买|看|问)|(看看|去)别家",
            "category": "shirk",
            "unless": [
                r"re:(我|我们|帮您|帮你|替您|给您)[^,。!?]{0,3}(找|去问|联系|咨询)",
                r"re:(不用|无需|不需要|不必|不会让)(您|你)[^,。!?]{0,3}(自己|去)",
                r"re:(您|你)?也可以[^,。!?]{0,3}(自己)?(打|去|问|联系|查|找)",
            ],
            "note": "推诿",
        },
        # Shirking to a third party as the whole answer (付款问题请联系支付宝客服, 这个要问快递): excused when
        # the reply also gives the agent's own concrete help anywhere (我这边先帮您查, 截图发我看看).
        {
            "pattern": r"re:(?<![帮替给为我])(?:请|需要|得|要|只能|麻烦)(?:您|你|亲)?(?:自己|自行)?(?:去)?(?:联系|咨询|问问?|找)(?:一下)?"
            r"(?:支付宝|银行|发卡行|快递|物流|快递公司|中通|顺丰|圆通|申通|韵达|极兔|邮政|平台|厂家|微信)"
            r"|(?:您|你)(?:可以)?自己(?:去)?(?:联系|问|找|咨询)(?:一下)?(?:支付宝|银行|快递|物流|快递公司|平台|厂家)"
            r"|这(?:个|种|事)?(?:问题)?(?:得|要|需要|只能)(?:去)?问(?:一下)?(?:支付宝|银行|快递|物流|快递公司|平台|厂家)",
            "category": "shirk",
            "unless": [r"re:(?:您|你)?也可以[^,。!?]{0,3}(?:自己)?(?:去)?(?:联系|问|找|咨询)"],
            "unless_reply": [
                r"re:(?<![给发让跟])(我|我们|我这边|我们这边)(马上|立刻|现在|先|再|来|会|这就|去|也)?(帮您|给您|替您|为您|陪您)?(查|核实|核对|确认|联系|登记|催|跟进|申请|看看|对一下|处理|一起)"
                r"|(帮|替|为)(您|你)(查|核实|核对|联系|登记|催|跟进|申请|看看|对一下|处理)",
                r"re:截(个|一|张|一张|一下)?图|(错误|报错|失败)(提示|信息)|提示(的)?(是)?(什么|啥)",
            ],
            "note": "把顾客推给第三方(支付宝、银行、快递),自己不帮忙",
        },
        # Rudeness and sarcasm.
        {
            "pattern": r"re:你谁啊|凭什么|爱买不买|别买了|不买拉倒|(就|那就|那)(别|不要)买(了|吧|啊)?(?=[,。!?]|$)|有病|烦不烦|懂不懂|废话|随便你|关我什么事|还没买就|你自己看|那您还是别买|(你|您)[^,。!?]{0,6}(太过分|过分了)|(威胁|要挟)(我|我们)?(是吧|吗)",
            "category": "rude",
            "note": "粗鲁、讽刺",
        },
    ],
}

# The flag each taboo category raises.
TABOO_FLAGS: Final[dict[str, str | None]] = {
    "casual": None,
    "refusal": "taboo",
    "but": "taboo",
    "promise": "absolute_promise",
    "slang": "slang",
    "praise_but": "praise_but",
    "argue": "argue",
    "blame": "blame",
    "shirk": "shirk",
    "rude": "rude",
}

# A category whose own flag needs this many hits; fewer raise "taboo" (one taboo word, guide 5-6):
# a single slang word is one flaw, a reply full of slang is a slang style (guide 3-4).
TABOO_FLAG_MIN_HITS: Final[dict[str, int]] = {"slang": 2}

# ---------------------------------------------------------------------------------------------
# Claim scope (taboo `promise` entries and `forbidden` claims): a promise the reply negates, refuses or
# quotes is honesty, not a promise. Each pattern runs on the text of the claim's own clause.
CLAIM_SCOPED_CATEGORIES: Final[frozenset[str]] = frozenset({"promise"})
# Words allowed between a negator and the claim ("不敢随便跟您保证", "没法给您打包票", "不能百分百保证").
_CLAIM_GAP = (
    r"(?:(?:跟|给|向|对|和|替|为|帮)?(?:您|你|大家|亲)|随便|随意|轻易|乱|胡乱|瞎|直接|随口|明确|真的|真|完全|这么|那么"
    r"|这个|这种|就|也|都|再|说|去|来|做|下|打|百分之?百|百分百|100%|肯定|一定|绝对|保证|地|的|啥|什么|任何|我们|我)"
)
_CLAIM_NEGATOR = (
    r"不敢|不能|不可能|不可以|不会|不是|并非|不好|不便|不想|不愿意?|不太(?:敢|能|好)|不应该|不该|不要|不用|不需要|无需|不必"
    r"|没法|没办法|没有办法|无法|难以|很难|不准|请勿|切勿|千万别|别"
    r"|谁(?:也|都)(?:不|没法|无法)|没(?:有)?(?:人|谁|哪家|哪个)(?:能|敢|可以)"
)
# Negated or asked about just before the claim: 不敢保证, 没法打包票, 不保证, 能不能保证, 谁敢保证.
CLAIM_NEGATED_BEFORE: Final[str] = (
    rf"(?:(?:{_CLAIM_NEGATOR}){_CLAIM_GAP}{{0,4}}"
    rf"|(?:不|没|无|勿)(?:随便|随意|轻易|乱|胡乱|瞎|敢)?"
    rf"|(?:能不能|会不会|可不可以|敢不敢|是不是|有没有|能否|是否|可否)(?:{_CLAIM_GAP}){{0,4}}"
    rf"|谁(?:能|敢|可以|又能)|哪(?:有|家|个)[^,。!?;~]{{0,6}}(?:能|敢))$"
)
# Declined just after the claim, in the rest of its clause or the next short clause: 单独给您包邮这边不好破例,
# 给您包邮的话,这个不行哦, 单独给您包邮,规则对所有买家都一样 (the claim is named to be turned down).
CLAIM_DECLINED_AFTER: Final[str] = (
    r"(?:不好|没法|不能|无法|没办法|不可以|不敢|不太好|不方便)(?:给您|为您|帮您|随便|轻易|单独|私自|擅自)?"
    r"(?:破例|开(?:这个|这种)?(?:先例|口子)|做主|答应|操作|这样做|这么做|这样办)"
    r"|破不了(?:这个)?例|做不了(?:这个)?主|开不了(?:这个|这种)?(?:先例|口子)"
    r"|(?:这个|这样|那样|这)(?:真的|实在|可能|恐怕|确实)?(?:不行|不可以|办不到|做不到|不太行)"
    r"|办不到|做不到|给不了|(?:暂时|目前|实在)?不(?:支持|允许)"
    r"|(?:规则|规定|标准|政策|价格|门槛)[^,。!?;]{0,8}(?:一样|统一|一视同仁)"
    r"|(?:所有|每位|每个|每一位|其他)的?(?:买家|顾客|客户|亲|人)[^,。!?;]{0,4}(?:一样|统一|一视同仁|公平)"
)
# Quoted or reported just before the claim: “保证变白”, 所谓的保证, 号称百分百.
CLAIM_QUOTED_BEFORE: Final[str] = r"(?:[“\"「『‘']|所谓的?|号称|宣称|声称|打着)[^,。!?;~]{0,3}$"
# The claim as the object of a refusal just after it, in the same sentence:
# 包您变白这种承诺我们真给不了, 保证变白这种话我们不会说, 百分百有效的说法都是夸大.
CLAIM_REFUSED_AFTER: Final[str] = (
    r"^[^。!?;\n]{0,14}?"
    r"(?:(?:(?:这样|这种|这类|此类|那样|那种|类似|这个|那个|这些|任何)的?)?(?:承诺|保证|打包票|包票|说法|宣传|口号)"
    r"|(?:这样|这种|那种|这些|这类|那样)的?话)"
    rf"[^。!?;\n]{{0,8}}?(?:{_CLAIM_NEGATOR}|不(?:给|说|做|打|下|乱|随便|敢)|(?:给|说|做|打|下)不(?:了|出)"
    r"|(?:是|都是|属于|纯属)(?:骗|忽悠|夸大|虚假|不负责|不靠谱|不科学|套路))"
)

# ---------------------------------------------------------------------------------------------
# Credentials (the `privacy` detector): asking the customer for a password, a verification code, a
# card or ID number, or to hand over their account, is a security and privacy breach in any scenario.
_CREDENTIAL = (
    r"(?:银行卡|信用卡|储蓄卡)(?:卡)?号(?:码)?|卡号|(?:(?:账号|账户)(?:和|跟|及|、|加)?)?"
    r"(?:支付|登录|登陆|账户|账号|银行卡|交易|取款|网银|淘宝|支付宝)?密码"
    r"|验证码|动态码|校验码|短信码|身份证(?:号(?:码)?|照片|正反面)?|cvv|安全码"
)
_TO_AGENT = r"(?:给|发给|发到|告诉|报给|私信|发送给|转给)?(?:我们|我|客服|小二|这边|咱们)"
# Between the request and the credential: no "cover it up" (截图发我,记得遮住卡号).
_CRED_GAP = r"(?:(?!遮|挡|打码|隐藏|盖住|不要|别|勿|不用|无需|不需要)[^,。!?;~])"
# A credential followed by "cover it up" (截图时把卡号遮住) is a precaution, not a request.
_CRED = rf"(?:{_CREDENTIAL})(?![^,。!?;~]{{0,3}}(?:遮|挡|打码|隐藏|盖住|涂|马赛克))"
CREDENTIAL_REQUEST: Final[str] = (
    # send / tell / give ... to me ... the credential, or the credential ... send to me
    rf"(?:发|告诉|给|报|提供|私信|发送)[^,。!?;~]{{0,3}}{_TO_AGENT}{_CRED_GAP}{{0,10}}{_CRED}"
    rf"|{_CRED}{_CRED_GAP}{{0,10}}(?:发|告诉|给|报|提供|私信|发送)(?:一下)?{_TO_AGENT}"
    # hand it over: 把卡号和密码发一下 (not 告诉任何人 / 别人)
    rf"|(?:把|将)(?:您|你)?的?[^,。!?;~]{{0,6}}{_CRED}[^,。!?;~]{{0,6}}(?:发|告诉|给|报|提供)"
    r"(?!(?:给)?(?:别人|任何人|他人|陌生人|其他人))"
    # ask for it: 提供一下您的身份证号, 报下卡号, 发一下您的验证码
    rf"|(?:提供|报)(?:一下|下)?(?:您|你)?的?{_CRED}"
    rf"|(?:发|说)(?:一下|下)(?:您|你)?的?{_CRED}|(?:发|说)(?:一下|下)?(?:您|你)的{_CRED}"
    # ask what it is: 您的支付密码是多少
    rf"|(?:您|你)的?{_CRED}(?:是)?(?:多少|什么|啥)(?!位)"
)
# The agent offering to log in to the customer's account (我帮您登录您的支付宝).
CREDENTIAL_LOGIN: Final[str] = (
    r"(?:我|我们|客服)(?:来|帮您|替您|给您|帮你|替你|这边|直接)?[^,。!?;~]{0,4}(?:登录|登陆|登上|上|进)(?:一下)?"
    r"(?:您|你)的?(?:账号|账户|支付宝|淘宝|网银|手机银行)"
)
# A negation or a warning earlier in the clause turns a request into advice (请不要把验证码告诉任何人,
# 客服不会向您索要密码); checked on the clause up to the end of the request.
CREDENTIAL_NEGATION: Final[str] = (
    r"不要|不用|不需要|无需|不必|别|勿|千万|切莫|从不|绝不|不会(?:向|跟|找|要|索要|问)|不能|不可以|不得|谨防|防止|小心|注意保护|保管好"
)

# ---------------------------------------------------------------------------------------------
# Fact slots (the `contradiction` detector): shared sets of rival values or contradicting claims.
# A set with "rivals" lists concepts of one kind (couriers, fabrics, ...): a slot naming the set
# treats every rival that its `right` phrases do not match as a contradiction. A set with "claims"
# lists phrases that contradict the fact outright. "unless" phrases excuse an overlapping match.
FACT_SETS: Final[dict[str, dict[str, list[str | list[str]]]]] = {
    "couriers": {
        "rivals": [
            ["顺丰"],
            ["中通"],
            ["圆通"],
            ["申通"],
            ["韵达"],
            ["百世", "汇通"],
            ["极兔"],
            ["re:邮政|ems"],
            ["re:京东(快递|物流)"],
            ["德邦"],
            ["天天快递"],
            ["宅急送"],
            ["丰网"],
        ],
        "unless": [
            r"re:(改|补|重新|换|另外)[^,。!?]{0,4}(发|寄)[^,。!?]{0,4}(顺丰|中通|圆通|申通|韵达|极兔|邮政|ems|京东|德邦)",
            r"re:(顺丰|中通|圆通|申通|韵达|百世|极兔|邮政|ems|京东|德邦)[^,。!?]{0,6}(补发|重发|重新发|改发)",
            r"re:(比|不像|不同于|相比|而非)[^,。!?]{0,3}(顺丰|中通|圆通|申通|韵达|百世|极兔|邮政|ems|京东|德邦)",
        ],
    },
    "fabrics": {
        "rivals": [
            ["re:全棉|纯棉|棉质|100%棉|(?<![涤聚])棉(?![混])"],
            ["re:涤棉|涤纶|聚酯|化纤|混纺|棉混|涤"],
            ["re:真丝|桑蚕丝|(?<!蚕)丝绸"],
            ["re:亚麻|苎麻|棉麻"],
            ["re:羊毛|羊绒"],
            ["莫代尔"],
            ["re:雪纺"],
            ["re:尼龙|锦纶"],
            ["re:氨纶|弹力纤维"],
            ["re:人棉|人造棉|粘胶"],
        ],
        "unless": [
            r"re:(比|不像|不同于|相比|而非|不是|不含|没有)[^,。!?]{0,4}(涤|聚酯|化纤|混纺|真丝|桑蚕丝|亚麻|苎麻|棉麻|羊毛|羊绒|莫代尔|雪纺|尼龙|锦纶|氨纶|人棉|人造棉|粘胶)"
        ],
    },
    "payment_methods": {
        "rivals": [
            ["re:支付宝|余额"],
            ["re:银行卡|快捷支付|储蓄卡|信用卡"],
            ["花呗"],
            ["re:代付"],
            ["re:微信(支付|付款|转账|扫码|付)"],
            ["货到付款"],
            ["云闪付"],
            ["白条"],
            ["re:paypal|apple ?pay"],
        ],
        "unless": [],
    },
    # The buyer is told to pay (or advance) the shipping the shop pays for.
    "buyer_pays_shipping": {
        "claims": [
            r"re:(运费|邮费|寄回的?(费用|钱))[^,。!?]{0,8}(需要|要|得|由|请)?(您|你|亲|买家|顾客)(自己|自行|先)?(来)?(承担|垫付|出|付|负责|自理)",
            r"re:(您|你|亲|买家|顾客)(需要|要|得)?(自己|自行|先)(承担|垫付|出|付)[^,。!?]{0,4}(运费|邮费)",
            r"re:运费(需要|要|得|请)?(自理|自付|到付)",
        ],
        "unless": [
            r"re:(不用|无需|不需要|不必|不会让|免得|不要)[^,。!?]{0,3}(您|你|亲)",
            r"re:(垫付|先付|先出|先寄)[^。!?]{0,14}(报销|返还|退还|补给|补偿|返给|退给|给您补|给您退|我们承担|我们出)",
        ],
    },
    # A return or exchange promised after use or after opening (the policy wants it unused or unopened).
    "used_item_return": {
        "claims": [
            r"re:(用过|用了|用完|试用|拆(开|封)(了|过|后)?|开封(了|后|过)?|穿过|洗过)[^。!?]{0,8}(也|都|照样|一样|还)(能|可以|支持)?[^。!?]{0,6}(退|换)",
        ],
        "unless": [r"re:(不能|不可以|不支持|无法|不能够|不予)[^。!?]{0,4}(退|换)", r"re:(未|没|不)(拆|开)封"],
    },
    # Return or exchange granted with no condition at all (the policy has one).
    "unconditional_return": {
        "claims": [
            r"re:(随便|无条件|怎么样都|什么情况都)(都)?(可以|能)?(退|换)",
            r"re:随时(都)?(可以|能)?(退|换)(货|款)?",
        ],
        "unless": [r"re:(7|七)天(内|之内|以内)[^,。!?]{0,6}随时"],
    },
}

# ---------------------------------------------------------------------------------------------
# Privacy (the `privacy` detector): another person's data given out in a reply.
# Personal data: a mobile number (also masked, 138xxxx5678), an address detail, a name.
PRIVACY_DATA: Final[dict[str, str]] = {
    "phone": r"(?<![0-9])1[3-9][0-9][0-9x*×#]{4}[0-9]{4}(?![0-9])|(?<![0-9])1[3-9][0-9]{9}(?![0-9])|尾号[是为]?[0-9x*]{4}",
    "address": r"(?<![同一])[0-9一二三四五六七八九十x*]+ ?(栋|幢|号楼|单元|室|楼(?!下|上|层|道|群))|[0-9]+号(院|楼)"
    r"|[a-z*×]{2,}(花园|小区|公寓|家园|苑|大厦|路|街)"
    r"|住(在)?(?!您|你|我|同|这|那|一个|哪|附近|隔壁)[\u4e00-\u9fff]{2,4}(花园|小区|公寓|家园|苑|大厦|村)",
    "name": r"(她|他|对方|那位[^,。!?]{0,4})(叫|姓)(?!什么|啥|谁)[^,。!?]{1,4}|姓[王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文]"
    r"|[王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文](女士|先生|小姐|阿姨|大姐|姐姐|大哥|姐|哥)",
}
# Someone other than the customer being answered.
PRIVACY_THIRD_PARTY: Final[str] = (
    r"她|他(?!们)|对方|那位|那个人|那个买家|别的(顾客|买家|客户)|其他(顾客|买家|客户)|另一位|邻居"
)
# The customer's own data (reading back their own address or phone is no leak).
PRIVACY_OWN: Final[str] = r"您的|你的|您(留|填|写)的|您(这边|那边)?(新)?(的)?(收货|收件)"
# An offer to pass another person's data on (no data yet, but the promise is the leak).
PRIVACY_OFFER: Final[str] = (
    r"(发|告诉|给|转)(给)?(您|你)[^,。!?]{0,6}(她|他|对方|那位|那个人)的?(电话|手机|地址|号码|联系方式|微信)"
    r"|(她|他|对方|那位[^,。!?]{0,4})的(电话|手机|地址|号码|微信)(是|在)"
)

# ---------------------------------------------------------------------------------------------
# Checks derived from the scenario facts (the `contradiction` detector's `derived`, the `forbidden`
# detector's `discounts`).
# The facts say the order has shipped (or arrived).
FACTS_SHIPPED: Final[str] = (
    r"已(?:经)?(?:发货|发出|寄出|签收|揽收)|[0-9一二三四五六七八九十两]+\s*(?:天|日|小时)前(?:已)?(?:发货|发出|寄出)|运输中|派送中"
)
# A reply saying the order has not shipped yet.
NOT_SHIPPED: Final[str] = (
    r"(?:还|仍|尚|都)(?:没|未)(?:有)?(?:发货|发出|寄出|出库)|(?<![不是])(?:未|没有|没)发货"
    r"|排队(?:等待|等候|中)?(?:发货|出库|发出)|(?:还在|正在|仍在|还要|需要)(?:打包|备货|配货|排队|出库|拣货)"
    r"|(?:预计|估计|大概|争取)[^,。!?]{0,8}(?:发货|发出|寄出)"
)
# Contexts that excuse a not-shipped phrase: denied or reported (不是没发货, 您是担心还没发货吧) or about a
# new parcel (补发的杯子预计明天发出).
NOT_SHIPPED_EXCUSED: Final[str] = r"(?:不是|并非|并不是|担心|以为|怕|觉得|误以为|是不是|并没有|不会)[^,。!?]{0,6}$"
NOT_SHIPPED_NEW_PARCEL: Final[str] = r"补发|重发|重新发|新的|换货|换一个|再发|另发|退款"
# A discount offered for one item (单件打9折, 给您打个9折) when the facts only give it for a bundle.
DISCOUNT_SINGLE: Final[str] = (
    r"单件|(?<![两二三几多])一件|单买|单拍|这一件|给(?:您|你)打|帮(?:您|你)打|打个|(?:给|帮)(?:您|你)(?:个|一个)?"
)
# Words that tie a discount to a bundle (两件9折, 搭配购买).
DISCOUNT_BUNDLE: Final[str] = r"(?:两|2|二|三|3|多|几)(?:件|款|样)|搭配|一起买|一起拍|套装|组合|凑"
