"""Names people read for the bank's source documents and rubric rules (trainers' pages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exam.i18n import gettext as _
from exam.security import N_

# The seed documents the shipped bank was written from, by file name, named by their titles.
SEED_TITLES: dict[str, str] = {
    "000_e5723416190840f8.txt": N_("“网店客服服务技巧” (collected articles)"),
    "001_96ade4f655a0456b.txt": N_("“电子商务视角下网店客服工作质量提升策略” (paper)"),
    "002_75cf23a3e03b5ced.txt": N_("“Online store customer service communication skills” (article in English)"),
    "003_e690b138405b6531.txt": N_("“淘宝售中客服沟通技巧” (training handout)"),
    "004_71c5b7a6f1ecf885.txt": N_("“售前客服” (collected material: reception flow, job description, exam paper)"),
}
DETECTOR_LABELS: dict[str, str] = {
    "phrases": N_("wording"),
    "position": N_("wording at the start or end"),
    "facts": N_("facts of the scenario"),
    "taboo": N_("taboo language"),
    "forbidden": N_("forbidden promises"),
    "length": N_("length"),
    "similarity": N_("closeness to the model replies"),
    "relevance": N_("on topic"),
    "privacy": N_("privacy"),
    "contradiction": N_("contradicts the facts"),
}
NOTE_LABELS: dict[str, str] = {
    "demo import": N_("imported with the demo data"),
    "sample": N_("sample data"),
}


def source_title(seed: str | None) -> str:
    """A source document by its title (the file name when it is not one of the known documents)."""
    if not seed:
        return ""
    return _(SEED_TITLES[seed]) if seed in SEED_TITLES else seed


def detector_words(detector: Mapping[str, Any]) -> str:
    """A rubric rule in words: what it checks, its note or phrase set, and its points ("措辞：称呼“您” +5 分")."""
    from exam.questions._reply_points import describe

    kind = str(detector.get("kind") or "phrases")
    what = _(DETECTOR_LABELS[kind]) if kind in DETECTOR_LABELS else _("other rule")
    note = str(detector.get("note") or "")
    shown = ""
    if note:
        text, translate = describe(note)
        shown = _(text) if translate else text
    elif detector.get("set"):
        text, translate = describe(str(detector["set"]))
        shown = _(text) if translate else ""
    points = detector.get("points")
    if points is None and detector.get("penalty") is not None:
        points = -float(detector["penalty"])
    out = f"{what}{_(': ')}{shown}" if shown else what
    if isinstance(points, (int, float)):
        out += " " + (_("%(n)s points") % {"n": f"{points:+g}".replace("-", "−")})
    return out


def note_label(note: str | None) -> str:
    """A version note in words (known automatic notes translated, people's own notes as written)."""
    if not note:
        return ""
    if note.startswith("upload: "):
        return _("uploaded: %(files)s") % {"files": note[len("upload: ") :]}
    return _(NOTE_LABELS[note]) if note in NOTE_LABELS else note
