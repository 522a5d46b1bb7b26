"""gettext through Babel: English msgids, Simplified Chinese first; catalogs merged per locale."""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("exam_locale", default="zh_CN")


@cache
def translations(locale: str) -> NullTranslations:
    """All catalogs of a locale (every .po under locale/<locale>/LC_MESSAGES) merged."""
    from babel.messages.mofile import write_mo  # imported here: commands that translate nothing start faster
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    merged: Translations | None = None
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        t = Translations(fp=buf)
        if merged is None:
            merged = t
        else:
            merged.merge(t)
    return merged or NullTranslations()


def set_locale(locale: str) -> None:
    """Set the locale for the current request or task."""
    _current.set(locale if locale in LOCALES else LOCALES[0])


def get_locale() -> str:
    """The locale of the current request or task."""
    return _current.get()


def gettext(message: str) -> str:
    """Translate a message into the current locale."""
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a plural form."""
    return translations(get_locale()).ngettext(singular, plural, n)


_ = gettext


def pick_locale(cookie: str | None, user_locale: str | None, accept_language: str | None, default: str) -> str:
    """The locale to use: explicit choice, then the user's, then the default (Chinese first)."""
    for candidate in (cookie, user_locale):
        if candidate in LOCALES:
            return candidate  # type: ignore[return-value]
    return default
