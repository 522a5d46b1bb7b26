"""The base of refusals shown to users: an English msgid, its parameters, and the translation."""

from __future__ import annotations

from typing import Any

__all__ = ["UserError"]


class UserError(ValueError):
    """A refused action; ``message`` is an English msgid, ``params`` fill its ``%(name)s`` placeholders.

    ``str(exc)`` is the English text; :meth:`translated` is the text in the current UI language.
    """

    def __init__(self, message: str, **params: Any) -> None:
        self.message, self.params = message, params
        super().__init__(message % params if params else message)

    def translated(self) -> str:
        """The message in the current UI language."""
        from exam.i18n import gettext

        text = gettext(self.message)
        return text % self.params if self.params else text
