"""Relevance detector: overlap with the customer's messages and the scenario's facts (else off topic)."""

from __future__ import annotations

from functools import lru_cache
from typing import Final, Literal

from pydantic import Field

from exam.grading.rubric.context import Concept, _concept_label, _Context, _evidence, _find, _Outcome
from exam.grading.rubric.detectors.base import _Detector
from exam.grading.rubric.evidence import Evidence
from exam.grading.text import ngrams

# Characters and words too generic to show that a reply is about the scenario.
_STOP_CHARS: Final[frozenset[str]] = frozenset(
    "的了吗呢啊吧哦呀是我你您他她它们这那就也都还很在有和与及个不要会能可以一么给把被让对说着过得地哪啥怎吗嘛么啦"
)
_STOP_GRAMS: Final[frozenset[str]] = frozenset(
    "亲亲 亲爱 客服 店铺 本店 小店 宝贝 商品 顾客 客户 买家 时候 什么 如果 问题 已经 需要 觉得 可能 一直 非常 "
    "谢谢 感谢 抱歉 理解 喜欢 现在 今天 昨天 东西 其他 这款 那款 一下 朋友 真的 没有 怎么 为什么".split()
)


@lru_cache(maxsize=512)
def _scenario_terms(facts: str, messages: tuple[str, ...]) -> frozenset[str]:
    """Content bigrams (and numbers of two or more digits) of the scenario's facts and messages."""
    terms = set()
    for gram in ngrams(" ".join((facts, *messages))):
        if gram[0].isdigit():
            if len(gram.rstrip("%")) >= 2:
                terms.add(gram)
        elif gram.isascii():
            continue
        elif len(gram) == 2 and not (set(gram) & _STOP_CHARS) and gram not in _STOP_GRAMS:
            terms.add(gram)
    return frozenset(terms)


class RelevanceDetector(_Detector):
    """Overlap with the customer's message and the scenario facts; too little raises ``off_topic`` in a
    reply of at least ``min_chars`` characters (a shorter one is judged by the ``too_short`` guard)."""

    kind: Literal["relevance"]
    points: float
    terms: list[Concept] = Field(default_factory=list)
    use_scenario: bool = True
    target: int = Field(default=6, ge=1)
    min_hits: int = Field(default=1, ge=0)
    flag: str = "off_topic"
    min_chars: int = Field(default=12, ge=0)

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Count distinct scenario terms (and listed ``terms``) found in the reply."""
        evidence: list[Evidence] = []
        hits = 0
        if self.use_scenario:
            for term in sorted(_scenario_terms(ctx.facts, ctx.messages) & ctx.grams):
                idx = ctx.text.norm.find(term)
                if idx >= 0:
                    hits += 1
                    evidence.append(_evidence(ctx, "term", idx, idx + len(term), "场景关键词"))
        for concept in self.terms:
            spans = _find(ctx, concept)
            if spans:
                hits += 1
                evidence.append(_evidence(ctx, "term", spans[0][0], spans[0][1], _concept_label(concept)))
        share = min(1.0, hits / self.target)
        # A reply too short to be about anything else is not off topic: the too_short guard judges it.
        flags = [self.flag] if hits < self.min_hits and ctx.length >= self.min_chars else []
        return _Outcome(points=self.points * share, evidence=evidence, flags=flags)
