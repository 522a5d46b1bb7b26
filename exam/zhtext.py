"""Chinese text hygiene: half-width punctuation inside Chinese text found (for linters) and made full-width."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

# Half-width marks and their full-width forms in Chinese text.
FULL_WIDTH: Final[dict[str, str]] = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_OR_FULL = _CJK + r"，。；：？！（）“”‘’、《》【】…—～"
# A half-width mark touching Chinese on one side (spaces between do not count as a gap).
_MARK = re.compile(rf"(?<=[{_CJK_OR_FULL}]) ?([,;:?!])|([,;:?!]) ?(?=[{_CJK}])")
_PAREN = re.compile(r"\(([^()\n]*)\)")
_HAS_CJK = re.compile(rf"[{_CJK}]")
# A mark between two digits or two Latin letters/digits is not Chinese punctuation (1,000 / 10:30 / a:b).
_ASCII_PAIR = re.compile(r"[0-9A-Za-z][,:][0-9A-Za-z]")


def _mark(match: re.Match[str]) -> str:
    mark = match.group(1) or match.group(2)
    return FULL_WIDTH[mark]


def full_width(text: str) -> str:
    """The text with half-width , ; : ? ! ( ) that belong to Chinese sentences made full-width."""
    if not text or not _HAS_CJK.search(text):
        return text
    out = _PAREN.sub(lambda m: f"（{m.group(1)}）" if _HAS_CJK.search(m.group(1)) else m.group(0), text)
    pieces: list[str] = []
    pos = 0
    for m in _MARK.finditer(out):
        start, end = m.span()
        around = out[max(0, start - 1) : end + 1]
        if _ASCII_PAIR.fullmatch(around.strip()):
            continue
        pieces.append(out[pos:start])
        pieces.append(_mark(m))
        pos = end
    pieces.append(out[pos:])
    return "".join(pieces)


def half_width_marks(text: str) -> list[str]:
    """The half-width marks that ``full_width`` would change, each with a little context (for lint messages)."""
    if full_width(text) == text:
        return []
    found: list[str] = []
    for m in _PAREN.finditer(text):
        if _HAS_CJK.search(m.group(1)):
            found.append(m.group(0)[:12])
    for m in _MARK.finditer(text):
        start, end = m.span()
        if _ASCII_PAIR.fullmatch(text[max(0, start - 1) : end + 1].strip()):
            continue
        found.append(text[max(0, start - 3) : end + 3])
    return found or [text[:12]]


# Surnames read differently from the character's common reading (曾 is zeng as a surname, not ceng).
SURNAMES: Final[dict[str, str]] = {
    "曾": "zeng1",
    "单": "shan4",
    "仇": "qiu2",
    "解": "xie4",
    "区": "ou1",
    "查": "zha1",
    "朴": "piao2",
    "盖": "ge3",
    "乐": "yue4",
    "缪": "miao4",
    "翟": "zhai2",
    "覃": "qin2",
    "种": "chong2",
    "召": "shao4",
    "秘": "bi4",
    "员": "yun4",
    "尉": "yu4",
    "万": "wan4",
    "柏": "bai3",
    "繁": "po2",
    "折": "she2",
}


@lru_cache(maxsize=50_000)
def pinyin_key(name: str) -> tuple[str, ...]:
    """A sort key that orders Chinese names as readers expect (by pinyin with tones, surnames read as
    surnames), others by their letters."""
    from pypinyin import Style, lazy_pinyin

    name = name.strip()
    parts = [p.lower() for p in lazy_pinyin(name, style=Style.TONE3, errors="default")]
    if name and name[0] in SURNAMES and parts:
        parts[0] = SURNAMES[name[0]]
    return tuple(parts)
