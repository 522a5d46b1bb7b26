"""Display labels shared by several pages (translated at call time)."""

from __future__ import annotations

from exam.i18n import gettext as _


def flag_labels() -> dict[str, str]:
    """Rubric flag names as people read them."""
    return {
        "empty": _("empty reply"),
        "wrong_language": _("wrong language"),
        "too_short": _("too short"),
        "rude": _("rude"),
        "contempt": _("contempt or sarcasm"),
        "privacy_leak": _("privacy leak"),
        "forbidden_claim": _("forbidden claim"),
        "off_topic": _("off topic"),
        "no_substance": _("no substance"),
        "blame": _("blames the customer"),
        "shirk": _("shirks responsibility"),
        "slang": _("slang"),
        "absolute_promise": _("absolute promise"),
        "sloppy": _("sloppy"),
        "thin_answer": _("thin answer"),
        "taboo": _("taboo language"),
        "wrong_fact": _("wrong fact"),
        "wrong_facts": _("several wrong facts"),
        "filler": _("filler"),
        "shirk_no_solution": _("shirks without a solution"),
        "credential_request": _("asks for passwords or card data"),
        "brief": _("curt reply"),
        "generic": _("generic for its band"),
        "praise_but": _("but right after praise"),
        "argue": _("argues with the customer"),
    }


def flag_label(flag: str) -> str:
    """One rubric flag's label (the id itself when unknown)."""
    return flag_labels().get(flag, flag)
