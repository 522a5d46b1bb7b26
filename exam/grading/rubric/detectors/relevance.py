"""Relevance detector: overlap with the customer's messages and the scenario's facts (else off topic)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final, Literal

from pydantic import Field

from exam.grading.rubric.context import Concept, _Context, _evidence, _find, _Outcome, _overlaps
from exam.grading.rubric.detectors.base import _Detector
from exam.grading.rubric.evidence import Evidence
from exam.grading.text import NormText

# Characters and words too generic to show that a reply is about the scenario.
_STOP_CHARS: Final[frozenset[str]] = frozenset(
    "的了吗呢啊吧哦呀是我你您他她它们这那就也都还很在有和与及个不要会能可以一么给把被让对说着过得地哪啥怎吗嘛么啦"
)
_STOP_GRAMS: Final[frozenset[str]] = frozenset(
    "亲亲 亲爱 客服 店铺 本店 小店 宝贝 商品 顾客 客户 买家 时候 什么 如果 问题 已经 需要 觉得 可能 一直 非常 "
    "谢谢 感谢 抱歉 理解 喜欢 现在 今天 昨天 东西 其他 这款 那款 一下 朋友 真的 没有 怎么 为什么".split()
)


# A shared run counts from this many characters on: one- and two-character pieces are fragments
# (厂代, 度左, 由退), not evidence a person would accept.
_MIN_RUN: Final[int] = 3
_LONGEST_RUN: Final[int] = 24
_CONTENT_RUN: Final[re.Pattern[str]] = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]+")


@lru_cache(maxsize=512)
def _scenario_pieces(facts: str, messages: tuple[str, ...]) -> frozenset[str]:
    """Every piece of ``_MIN_RUN`` to ``_LONGEST_RUN`` characters of the scenario's facts and messages (within
    runs of content characters), normalised as replies are."""
    pieces: set[str] = set()
    for text in (facts, *messages):
        for run in _CONTENT_RUN.findall(NormText.of(text).norm):
            for i in range(len(run)):
                for j in range(i + _MIN_RUN, min(len(run), i + _LONGEST_RUN) + 1):
                    pieces.add(run[i:j])
    return frozenset(pieces)


def _substantive(run: str) -> bool:
    """A run that is more than generic words: at least two characters that are not stop characters, or a
    number of two or more digits."""
    if run.isdigit():
        return len(run) >= 2
    return sum(1 for ch in run if ch not in _STOP_CHARS) >= 2 and run not in _STOP_GRAMS


def _shared_runs(ctx: _Context, pieces: frozenset[str], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest runs of the reply (normalised offsets), left to right and never overlapping each other or
    ``taken``, that the scenario's wording also has."""
    runs: list[tuple[int, int]] = []
    norm = ctx.text.norm
    for m in _CONTENT_RUN.finditer(norm):
        i, end = m.start(), m.end()
        while i + _MIN_RUN <= end:
            j = i + _MIN_RUN
            if norm[i:j] not in pieces:
                i += 1
                continue
            while j < end and j - i < _LONGEST_RUN and norm[i : j + 1] in pieces:
                j += 1
            for a, b in _outside((i, j), taken):
                if b - a >= _MIN_RUN and _substantive(norm[a:b]):
                    runs.append((a, b))
            i = j
    return runs


def _outside(span: tuple[int, int], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``span`` that no span in ``taken`` covers."""
    parts = [span]
    for t0, t1 in taken:
        parts = [p for a, b in parts for p in ((a, min(b, t0)), (max(a, t1), b)) if p[1] > p[0]]
    return parts


class RelevanceDetector(_Detector):
    """Overlap with the customer's message and the scenario facts; too little raises ``off_topic`` in a
    reply of at least ``min_chars`` characters (a shorter one is judged by the ``too_short`` guard).

    Hits are the listed ``terms`` found (one each) and, with ``use_scenario``, the scenario's wording the
    reply shares: runs of at least three characters, each character counted once, two characters making
    one hit (a run of 中转站 is 1.5 hits)."""

    kind: Literal["relevance"]
    points: float
    terms: list[Concept] = Field(default_factory=list)
    use_scenario: bool = True
    target: int = Field(default=6, ge=1)
    min_hits: int = Field(default=1, ge=0)
    flag: str = "off_topic"
    min_chars: int = Field(default=12, ge=0)

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Count the listed terms and the shared scenario wording found in the reply."""
        evidence: list[Evidence] = []
        hits = 0.0
        taken: list[tuple[int, int]] = []
        for concept in self.terms:
            spans = [sp for sp in _find(ctx, concept) if not any(_overlaps(sp, t) for t in taken)]
            if spans:
                hits += 1
                taken.append(spans[0])
                evidence.append(_evidence(ctx, "term", spans[0][0], spans[0][1], self.note or _TERM_NOTE))
        if self.use_scenario:
            for s, e in _shared_runs(ctx, _scenario_pieces(ctx.facts, ctx.messages), taken):
                hits += 1 if ctx.text.norm[s:e].isdigit() else (e - s) / 2
                evidence.append(_evidence(ctx, "term", s, e, _SCENARIO_NOTE))
        share = min(1.0, hits / self.target)
        # A reply too short to be about anything else is not off topic: the too_short guard judges it.
        flags = [self.flag] if hits < self.min_hits and ctx.length >= self.min_chars else []
        return _Outcome(points=self.points * share, evidence=evidence, flags=flags)


_TERM_NOTE: Final[str] = "题目关键词"
_SCENARIO_NOTE: Final[str] = "与场景说法一致"
