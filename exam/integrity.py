"""Integrity signal kinds: what the exam page and the server record, and which of them HR sees as signals."""

from __future__ import annotations

from exam.security import N_

# Integrity event kinds HR sees as signals (others, e.g. session_start, are context only).
SIGNAL_KINDS = {
    "paste": N_("Paste attempt"),
    "drop": N_("Drop attempt"),
    "copy": N_("Copy attempt"),
    "cut": N_("Cut attempt"),
    "tab_hidden": N_("Left the exam tab"),
    "window_blur": N_("Left the exam window"),
    "second_session": N_("Second session or device"),
    "no_keystrokes": N_("Characters arrived without keystrokes"),
    "impossible_rhythm": N_("Impossible typing rhythm"),
}
CLIENT_KINDS = {"paste", "drop", "copy", "cut", "tab_hidden", "window_blur"}
