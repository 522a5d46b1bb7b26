"""Replies the rubric cannot judge, sent to a person: copies of the customer's message, another language.

Two kinds of reply look like ordinary ones to the detectors and would be scored as if they were:

- ``copies_customer``: a reply that mostly repeats the customer's own message. Stretches of at least
  ``COPY_NGRAM`` content characters (letters, digits, ideographs; punctuation and spaces ignored) that
  also occur in one of the customer's messages count as copied; when at least ``COPY_MIN_CHARS`` of
  them make up at least ``COPY_SHARE`` of the reply, the reply goes to review and the rubric grades it
  with the copied stretches blanked out, so it earns no credit for facts it only repeated.
- ``other_language``: a reply whose writing system is not the task's (the customer writes Chinese, the
  reply is in English, Japanese, Korean ...). Latin words count twice as heavily as ideographs, so a
  Chinese reply with a product code or an English brand name stays Chinese. The rubric's own guard
  (``min_cjk_ratio``) caps such a reply near zero; review tells HR to read it rather than trust that.

Pure: text in, review items and the text to grade out. Offsets are in the raw reply, as in evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from exam.grading.text import NormText, cjk_ratio, content_positions

__all__ = ["COPY_MIN_CHARS", "COPY_NGRAM", "COPY_SHARE", "ReviewCheck", "ReviewItem", "script_of", "review_reply"]

COPY_NGRAM: Final = 5
COPY_MIN_CHARS: Final = 8
COPY_SHARE: Final = 0.5
BLANK: Final = "\u3000"

SCRIPT_NAMES: Final[dict[str, str]] = {
    "zh": "中文",
    "ja": "日文",
    "ko": "韩文",
    "latin": "拉丁字母文字（如英文）",
    "cyrillic": "西里尔字母文字（如俄文）",
    "arabic": "阿拉伯文",
    "thai": "泰文",
}

_RANGES: Final[tuple[tuple[str, str], ...]] = (
    ("zh", r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]"),
    ("kana", r"[\u3040-\u30ff\u31f0-\u31ff]"),
    ("ko", r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    ("latin", r"[A-Za-z\u00c0-\u024f]+"),
    ("cyrillic", r"[\u0400-\u04ff]+"),
    ("arabic", r"[\u0600-\u06ff]+"),
    ("thai", r"[\u0e00-\u0e7f]"),
)
_PATTERNS: Final = tuple((name, re.compile(pattern)) for name, pattern in _RANGES)
_WORD_WEIGHT: Final = 2.0  # a word of an alphabet weighs as much as two ideographs


@dataclass(frozen=True)
class ReviewItem:
    """Why a person should judge this reply: a stable ``code``, a note in Chinese and the figures behind it."""

    code: str
    note: str
    share: float | None = None
    task_language: str | None = None
    reply_language: str | None = None
    spans: tuple[tuple[int, int], ...] = ()
    texts: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``spans``: the raw offsets of the copied stretches, with their text)."""
        return {
            "code": self.code,
            "note": self.note,
            "share": None if self.share is None else round(self.share, 4),
            "task_language": self.task_language,
            "reply_language": self.reply_language,
            "spans": [{"start": s, "end": e, "text": t} for (s, e), t in zip(self.spans, self.texts)],
        }


@dataclass(frozen=True)
class ReviewCheck:
    """The review items of a reply and the text the rubric should grade."""

    items: list[ReviewItem] = field(default_factory=list)
    graded_text: str = ""

    @property
    def codes(self) -> list[str]:
        """The items' codes."""
        return [i.code for i in self.items]


def script_of(text: str) -> str | None:
    """The main writing system of ``text`` (``zh``, ``ja``, ``ko``, ``latin`` ...); None for too little text."""
    weights: dict[str, float] = {}
    for name, pattern in _PATTERNS:
        found = pattern.findall(text or "")
        if found:
            weights[name] = len(found) * (_WORD_WEIGHT if name in ("latin", "cyrillic", "arabic") else 1.0)
    kana = weights.pop("kana", 0.0)
    if kana >= 2 and kana >= 0.15 * (kana + weights.get("zh", 0.0)):
        weights["ja"] = kana + weights.pop("zh", 0.0)
    elif kana:
        weights["zh"] = weights.get("zh", 0.0) + kana
    if sum(weights.values()) < 4:
        return None
    return max(weights, key=lambda k: weights[k])


def _content(text: str) -> tuple[NormText, list[int], str]:
    """The normalised text, the offsets of its content characters, and those characters as one string."""
    norm = NormText.of(text)
    at = content_positions(norm.norm)
    return norm, at, "".join(norm.norm[i] for i in at)


def _copied(reply: str, messages: Sequence[str]) -> tuple[NormText, list[int], list[bool]]:
    """For each content character of the reply, whether it lies in a stretch found in a customer message."""
    norm, at, chars = _content(reply)
    grams: set[str] = set()
    for message in messages:
        _n, _a, source = _content(message)
        grams.update(source[i : i + COPY_NGRAM] for i in range(len(source) - COPY_NGRAM + 1))
    covered = [False] * len(chars)
    for i in range(len(chars) - COPY_NGRAM + 1):
        if chars[i : i + COPY_NGRAM] in grams:
            covered[i : i + COPY_NGRAM] = [True] * COPY_NGRAM
    return norm, at, covered


def _raw_spans(norm: NormText, at: list[int], covered: list[bool]) -> list[tuple[int, int]]:
    """Merged raw spans of the covered content characters (punctuation between them included)."""
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(covered):
        if not covered[index]:
            index += 1
            continue
        end = index
        while end + 1 < len(covered) and covered[end + 1]:
            end += 1
        spans.append(norm.raw_span(at[index], at[end] + 1))
        index = end + 1
    return spans


def review_reply(text: str, messages: Sequence[str], *, min_cjk_ratio: float = 0.5) -> ReviewCheck:
    """Review items of a reply to ``messages`` and the text to grade (copied stretches blanked when it copies)."""
    text = text or ""
    items: list[ReviewItem] = []
    graded = text
    norm, at, covered = _copied(text, messages)
    copied = sum(covered)
    share = copied / len(covered) if covered else 0.0
    if copied >= COPY_MIN_CHARS and share >= COPY_SHARE - 1e-9:
        spans = _raw_spans(norm, at, covered)
        blanked = list(text)
        for index, hit in enumerate(covered):
            if hit:
                for raw in range(*norm.raw_span(at[index], at[index] + 1)):
                    blanked[raw] = BLANK
        graded = "".join(blanked)
        items.append(
            ReviewItem(
                code="copies_customer",
                note=f"回复有 {share:.0%}（{copied} 字）照抄顾客的原话；照抄的内容不计分，请人工判断这条回复。",
                share=share,
                spans=tuple(spans),
                texts=tuple(text[s:e] for s, e in spans),
            )
        )
    task = script_of(" ".join(messages)) or "zh"
    reply = script_of(text)
    guard = task == "zh" and bool(norm.norm.strip()) and cjk_ratio(norm.norm) < min_cjk_ratio
    if reply is not None and (reply != task or guard):
        items.append(
            ReviewItem(
                code="other_language",
                note=(
                    f"题目用{SCRIPT_NAMES.get(task, task)}，回复用{SCRIPT_NAMES.get(reply, reply)}写成，"
                    "评分规则无法判断，请人工阅读后给分。"
                ),
                task_language=task,
                reply_language=reply,
            )
        )
    return ReviewCheck(items=items, graded_text=graded)
