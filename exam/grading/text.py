"""Text helpers for the rubric engine: normalisation with a position map, phrase patterns, n-grams."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "NormText",
    "compile_phrase",
    "content_chars",
    "content_positions",
    "cjk_ratio",
    "ngrams",
    "ngrams_cached",
    "is_cjk",
]

_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF))


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph."""
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


@dataclass(frozen=True)
class NormText:
    """A text normalised for matching (NFKC, lower case) with a map back to raw offsets."""

    raw: str
    norm: str
    starts: tuple[int, ...]  # raw offset of each normalised character, plus len(raw) at the end

    @classmethod
    def of(cls, raw: str) -> NormText:
        """Normalise ``raw`` character by character, remembering where each piece came from.

        Spaces between a number and an ideograph are dropped ("享 9 折" reads "享9折", "199 元" reads
        "199元"), so phrases need not allow for the spacing style of the writer."""
        parts: list[str] = []
        starts: list[int] = []
        n = len(raw)
        for i, ch in enumerate(raw):
            if ch in _SPACES and parts and _number_gap(parts[-1][-1:], raw, i, n):
                continue
            piece = unicodedata.normalize("NFKC", ch).lower() if ord(ch) > 127 else ch.lower()
            parts.append(piece)
            starts.extend([i] * len(piece))
        starts.append(len(raw))
        return cls(raw=raw, norm="".join(parts), starts=tuple(starts))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the raw text."""
        if end <= start:
            pos = self.starts[start]
            return pos, pos
        return self.starts[start], self.starts[end - 1] + 1


_SPACES = frozenset(" \u3000\u00a0")


def _number_gap(prev: str, raw: str, i: int, n: int) -> bool:
    """Whether the spaces at ``raw[i]`` sit between a digit and an ideograph (either way round)."""
    j = i
    while j < n and raw[j] in _SPACES:
        j += 1
    if j >= n or not prev:
        return False
    nxt = unicodedata.normalize("NFKC", raw[j])[:1]
    if prev.isdigit():
        return is_cjk(nxt) if nxt else False
    return is_cjk(prev) and nxt.isascii() and nxt.isdigit()


@lru_cache(maxsize=4096)
def compile_phrase(phrase: str) -> re.Pattern[str]:
    """Compile a phrase: ``re:<regex>`` is a regular expression, anything else a literal. Phrases are matched
    for their spans only, so plain groups are compiled as non-capturing ones (several times faster in
    Python's engine); a pattern with a back-reference keeps its groups."""
    if phrase.startswith("re:"):
        body = phrase[3:]
        return re.compile(body if _BACKREF.search(body) else _non_capturing(body))
    literal = unicodedata.normalize("NFKC", phrase).lower()
    return re.compile(re.escape(literal))


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


def _non_capturing(pattern: str) -> str:
    """``pattern`` with every plain ``(`` group made ``(?:`` (escapes and character classes left alone)."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or out[-1] == "[" or out[-2:] == ["[", "^"]
        elif ch == "[":
            in_class = True
        elif ch == "(" and pattern[i + 1 : i + 2] != "?":
            out.append("(?:")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_CONTENT = re.compile(r"[^\W_]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]")
_LATIN = re.compile(r"[a-zA-Z]")


def content_chars(text: str) -> int:
    """Count letters, digits and CJK ideographs (what a reader counts as the reply's length)."""
    return len(_CONTENT.findall(text))


def content_positions(text: str) -> list[int]:
    """Offsets of the characters that ``content_chars`` counts."""
    return [m.start() for m in _CONTENT.finditer(text)]


def cjk_ratio(text: str) -> float:
    """Share of CJK ideographs among ideographs and Latin letters (1.0 when there are none)."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return 1.0 if cjk + latin == 0 else cjk / (cjk + latin)


_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?%?|[a-z]+|[\u3400-\u9fff\uf900-\ufaff]+")


@lru_cache(maxsize=1024)
def ngrams_cached(text: str, n: int = 2) -> frozenset[str]:
    """``ngrams`` memoised, for texts that recur (model answers)."""
    return frozenset(ngrams(text, n))


def ngrams(text: str, n: int = 2) -> set[str]:
    """Character n-grams of each CJK run, plus whole numbers and Latin words as tokens."""
    grams: set[str] = set()
    for run in _TOKEN.findall(unicodedata.normalize("NFKC", text).lower()):
        if not is_cjk(run[0]):
            grams.add(run)
        elif len(run) < n:
            grams.add(run)
        else:
            grams.update(run[i : i + n] for i in range(len(run) - n + 1))
    return grams
