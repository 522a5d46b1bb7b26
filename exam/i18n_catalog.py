"""Extract the UI's messages and check that the Chinese catalogs translate every one."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from exam.i18n import translations

ROOT = Path(__file__).resolve().parent.parent
CFG = Path(__file__).parent / "locale" / "babel.cfg"


def extract_messages() -> dict[str, list[str]]:
    """Every msgid in exam/ and templates/, with where it is used."""
    from babel.messages.frontend import parse_mapping_cfg

    with CFG.open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(str(ROOT), method_map, options_map):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def missing_translations(locale: str = "zh_CN") -> dict[str, list[str]]:
    """Messages the locale's catalogs do not translate."""
    catalog = translations(locale)
    return {m: where for m, where in extract_messages().items() if catalog.gettext(m) == m and not _same_ok(m)}


def _same_ok(msgid: str) -> bool:
    """Messages that read the same in Chinese (numbers, codes)."""
    return not any(ch.isalpha() for ch in msgid)


if __name__ == "__main__":
    for msgid, where in sorted(missing_translations().items()):
        print(f"{where[0]}: {msgid!r}")
