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


def language_labels() -> dict[str, str]:
    """Writing systems named by the reply review (exam.grading.rubric.review)."""
    return {
        "zh": _("Chinese"),
        "ja": _("Japanese"),
        "ko": _("Korean"),
        "latin": _("a Latin-script language such as English"),
        "cyrillic": _("a Cyrillic-script language such as Russian"),
        "arabic": _("Arabic"),
        "thai": _("Thai"),
    }


def review_text(item: dict) -> str:
    """Why a reply needs a person, in the UI language (an item of a grading result's ``review`` list)."""
    code = item.get("code")
    if code == "copies_customer":
        share = float(item.get("share") or 0.0)
        return _(
            "%(share)s of the reply repeats the customer's own message. The rubric gives no credit for the "
            "copied words; read the reply and judge it yourself."
        ) % {"share": f"{share:.0%}"}
    if code == "other_language":
        names = language_labels()
        task, reply = item.get("task_language") or "", item.get("reply_language") or ""
        return _(
            "The task is in %(task)s but the reply is written in %(reply)s. The rubric cannot judge it; "
            "read it and give the marks yourself."
        ) % {"task": names.get(task, task), "reply": names.get(reply, reply)}
    return str(item.get("note") or code or "")
