"""Chinese text hygiene: half-width punctuation inside Chinese text found (for linters) and made full-width."""

from __future__ import annotations

import re
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
