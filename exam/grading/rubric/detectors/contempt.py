"""Contempt detector: rudeness, contempt, sarcasm, blame of the customer, sending them away and arguing.

What an expert punishes whatever else a reply does (the scoring guide's 0-2 "rude"): one such phrase
raises ``flag`` (capped near zero by default), and the cap names the phrase. Each hit is read in
context: a phrase that is negated just before (不会让您失望, 不是您的问题, 绝不会说“爱买不买”), quoted
or reported (“爱买不买”这种话), or excused by its entry's ``unless`` is not contempt.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from exam.grading.rubric.context import Phrase, _Context, _evidence, _find, _Outcome, _overlaps
from exam.grading.rubric.detectors.base import _Detector
from exam.grading.rubric.evidence import Evidence
from exam.grading.text import compile_phrase

# Who the customer is in the patterns below.
_YOU = r"(?:你|您|亲)"
# What the customer asked for or about, in the scenarios and beyond.
_WANT = r"(?:包邮|便宜|打折|优惠|降价|讲价|砍价|退|换|赔|保证|送|免费)"

# Each top-level alternative of a pattern starts with a literal character: Python's engine then skips ahead to
# where a match can start (a leading group or class makes it try every position, ten times slower).
# Category -> the note shown with a hit (Chinese: evidence is read by trainers and HR).
CONTEMPT_CATEGORIES: Final[dict[str, str]] = {
    "rude": "粗鲁、骂人",
    "contempt": "轻蔑、看不起顾客",
    "sarcasm": "反问、讽刺顾客",
    "blame": "指责顾客",
    "dismiss": "赶顾客走(爱买不买、去别家)",
    "argue": "与顾客争辩、不耐烦",
}

CONTEMPT_ENTRIES: Final[list[dict[str, object]]] = [
    # Rudeness and insults.
    {
        "pattern": r"re:你谁啊|有病|神经病|脑子(有病|进水|坏了)|没长眼|眼瞎|滚(吧|开|蛋|远)|闭嘴|什么玩意|搞笑吧|呵呵"
        r"|废话(吗|嘛|啊)|说什么废话",
        "category": "rude",
    },
    {"pattern": r"re:懂不懂|烦不烦|有完没完|你这人|想什么呢|做梦(吧|呢)", "category": "rude"},
    {"pattern": r"re:凭什么(给|让|帮|要|跟|告诉)?(你|您)", "category": "rude"},
    {"pattern": r"re:关我(什么|啥|屁)事|(跟|和|与)(我|我们)(这边|店|家|店铺)?有(什么|啥)关系", "category": "rude"},
    {
        "pattern": r"re:你[^,。!?]{0,6}太(离谱|过分|奇葩|搞笑)|您[^,。!?]{0,6}太(离谱|过分|奇葩|搞笑)|要求也?太(离谱|过分|奇葩)",
        "category": "rude",
    },
    {"pattern": r"re:(差评|投诉)(威胁|要挟)|(威胁|要挟|吓唬)(我|我们|谁)", "category": "rude"},
    # Contempt: looking down on the customer, their money or their complaint.
    {
        "pattern": r"re:(钱|运费|块)[^,。!?]{0,3}(都|也|连)舍不得|舍不得(花|出)(钱|运费)|买不起|没见过世面|这点(钱|小事)",
        "category": "contempt",
    },
    {"pattern": r"re:是不是没[^,。!?]{0,8}(买过|用过|见过|网购过)", "category": "contempt"},
    {
        "pattern": r"re:懒得(解释|说|回|理|跟|管)|动不动就|大惊小怪|小题大做|矫情|事儿?[真太]多|至于(吗|嘛)",
        "category": "contempt",
    },
    {
        "pattern": r"re:真是的|(?<![佩舒说信克征制收屈])服了|无语|行了吧|满意了吧|够了吧|得了吧|随便你|爱咋咋|小气|抠门",
        "category": "contempt",
    },
    {
        "pattern": r"re:天天催|一直催|老是催|总是催|一天到晚催|急什么(?!时候|时间)|催什么|吵什么|闹什么|嚷什么",
        "category": "contempt",
    },
    # Sarcasm: rhetorical questions at the customer's expense.
    {"pattern": r"re:(这|这个|这点|这么简单的)(都|也)不会(用)?(吗|啊|呀|呢)?(?=[?,。!]|$)", "category": "sarcasm"},
    {"pattern": r"re:(自己)?不会(自己)?(看|查|读|认字)(吗|啊|嘛|呀)|看不懂(吗|啊|嘛)|不识字", "category": "sarcasm"},
    {
        "pattern": r"re:也叫(贵|多|慢|小贵)|都叫(贵|多|慢|小贵)|还叫(贵|多|慢|小贵)|还嫌[^,。!?]{0,8}\?",
        "category": "sarcasm",
    },
    {"pattern": rf"re:就想{_WANT}|还让我(给|帮)?(你|您)|又不是(慈善|开银行|做慈善)", "category": "sarcasm"},
    {
        "pattern": r"re:又不是我们?(开|管|生产|造|定|弄)的|我们?有什么办法[啊呢呀]?(?=[,。!?]|$)"
        r"|催我也?没用|我(能|又能)怎么办",
        "category": "sarcasm",
        "unless": [r"re:(看看|想想|看|想|一起)(我|我们)有什么办法"],
    },
    # Blame of the customer.
    {
        "pattern": rf"re:谁知道是不是|(肯定|一定|明明|那)是{_YOU}自己|是不是你自己[^,。!?]{{0,4}}(摔|弄|搞|用|碰|洗|操作)",
        "category": "blame",
    },
    {
        "pattern": rf"re:{_YOU}(自己)?(的)?(屏幕|手机|网|网络|电脑|卡|账户|眼睛)(的)?问题|(那|这)是{_YOU}(自己)?的问题"
        r"|你自己的问题",
        "category": "blame",
        "unless": [
            r"re:(不是|并非|并不是|不一定是|未必是)[^,。!?]{0,3}(你|您)",
            r"re:(可能|也许|或许|有可能|一般|常见|通常|如果|若|看看|检查)[^,。!?]{0,6}(你|您|亲)",
        ],
    },
    {"pattern": rf"re:{_YOU}(下单前)?自己(没|不)(看|注意|仔细)|写得(清清楚楚|明明白白)", "category": "blame"},
    # Sending the customer away.
    {"pattern": r"re:爱买不买|不买拉倒|不买就算|爱要不要|不要拉倒|爱退不退", "category": "dismiss"},
    {"pattern": r"re:(就|那就|那|干脆|索性)(别|不要|甭)(买|拍|下单)(?=[了呗吧啊]|[,。!?]|$)", "category": "dismiss"},
    {"pattern": r"re:(嫌贵|贵|不放心|担心|怕)[^,。!?]{0,4}就(别|不要)(买|拍)", "category": "dismiss"},
    {
        "pattern": rf"re:(去|到)(别家|别的店|其他店|隔壁|拼多多|别处)(买|看|问|吧|啊|呗)|别家{_WANT}?{_YOU}?去别家",
        "category": "dismiss",
        "unless": [r"re:(不用|不必|无需|不需要)[^,。!?]{0,3}(去|到)"],
    },
    {"pattern": r"re:省得麻烦|没得商量|别来(问|烦)|别问了|问我(也)?没用", "category": "dismiss"},
    {
        "pattern": r"re:还没买就(想|要|问)|你自己看(吧|去)?(?=[,。!?]|$)|(您|你)还是别(买|拍)(了|吧)",
        "category": "dismiss",
    },
    # Arguing with the customer and talking down.
    {
        "pattern": r"re:说了(多少|几)遍|跟你说了|都说了|早说了|说过了|说了(不|没得?)(讲价|议价|打折|包邮|优惠|便宜|退|换)",
        "category": "argue",
    },
    {"pattern": r"re:(你|您)还想(多便宜|怎么样|要多便宜|要怎样)|还(想|要)(怎么|咋)样", "category": "argue"},
]

# A hit is not contempt when this ends the text of its clause just before it: negated or denied.
_NEGATED: Final[re.Pattern[str]] = re.compile(
    r"(?:不是|并不是|并非|不会|绝不会|决不会|不要|千万别|别(?![人家的处])|不用|没有|不能|不该|从不|绝不|决不|不怪|怎么会)"
    r"[^,。!?;~]{0,4}$"
)
_CLAUSE_BREAK: Final[re.Pattern[str]] = re.compile(r"[,。!?;~\n]")
_OPEN_QUOTES: Final[str] = "“「『‘"
_CLOSE_QUOTES: Final[str] = "”」』’"


class ContemptEntry(BaseModel):
    """One contempt pattern with its category and the phrases whose overlap excuses it."""

    model_config = ConfigDict(extra="forbid")

    pattern: Phrase
    category: str = "contempt"
    unless: list[Phrase] = Field(default_factory=list)
    note: str | None = None


def _clause_before(norm: str, start: int, reach: int = 12) -> str:
    """The text of the clause just before ``start``."""
    before = norm[max(0, start - reach) : start]
    cut = None
    for m in _CLAUSE_BREAK.finditer(before):
        cut = m.end()
    return before if cut is None else before[cut:]


def _quoted(norm: str, start: int) -> bool:
    """Whether ``start`` lies inside a quotation (more opening than closing quote marks before it)."""
    before = norm[:start]
    opened = sum(before.count(q) for q in _OPEN_QUOTES)
    closed = sum(before.count(q) for q in _CLOSE_QUOTES)
    return opened > closed or before.count('"') % 2 == 1


class ContemptDetector(_Detector):
    """Contempt, sarcasm, rudeness, blame of the customer, sending them away and arguing, in context:
    each hit costs ``penalty`` (at most ``max_penalty``) and any hit raises ``flag``."""

    kind: Literal["contempt"]
    categories: list[str] | None = Field(default=None, description="only these categories (default: all)")
    entries: list[ContemptEntry] = Field(default_factory=list, description="more patterns, after the built-in ones")
    builtin: bool = True
    penalty: float = Field(default=15.0, ge=0)
    max_penalty: float | None = Field(default=None, ge=0)
    flag: str = "contempt"

    @cached_property
    def all_entries(self) -> list[ContemptEntry]:
        """Built-in entries plus inline ones, filtered by ``categories``."""
        base = [ContemptEntry.model_validate(e) for e in CONTEMPT_ENTRIES] if self.builtin else []
        entries = base + list(self.entries)
        if self.categories is not None:
            entries = [e for e in entries if e.category in self.categories]
        return entries

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], ContemptEntry]]:
        """Each entry's compiled pattern (searched directly: most replies match none)."""
        return [(compile_phrase(e.pattern), e) for e in self.all_entries]

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Report each contemptuous phrase not negated, quoted or excused; one hit per span."""
        norm = ctx.text.norm
        hits: list[tuple[tuple[int, int], ContemptEntry]] = []
        excused: list[Evidence] = []
        for rx, entry in self._patterns:
            if rx.search(norm) is None:
                continue
            spans = _find(ctx, entry.pattern)
            unless = [sp for u in entry.unless for sp in _find(ctx, u)]
            for span in spans:
                if any(_overlaps(span, h) for h, _ in hits):
                    continue  # one phrase, one hit: a character never counts twice
                if any(_overlaps(span, u) for u in unless):
                    continue
                if _NEGATED.search(_clause_before(norm, span[0])) or _quoted(norm, span[0]):
                    excused.append(_evidence(ctx, "phrase", span[0], span[1], "否定或引述,不算轻蔑"))
                    continue
                hits.append((span, entry))
        if not hits:
            return _Outcome(evidence=excused)
        hits.sort(key=lambda h: h[0])
        ctx.contempt.extend(span for span, _ in hits)
        evidence = [
            _evidence(ctx, "contempt", s, e, entry.note or CONTEMPT_CATEGORIES.get(entry.category, entry.category))
            for (s, e), entry in hits
        ]
        penalty = self.penalty * len(hits)
        if self.max_penalty is not None:
            penalty = min(penalty, self.max_penalty)
        return _Outcome(points=-penalty, evidence=evidence + excused, flags=[self.flag])
