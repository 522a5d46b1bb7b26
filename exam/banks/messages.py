"""Bank problems in the UI language: the validator's English messages read back through gettext templates.

The validator, the loader and the uploads write one English line per problem (`path:line: message`, the
format other tools parse). Pages show the same problem in the reader's language: each message is matched
against the templates below (their English text is the msgid), its parts are translated in turn (the
subject, e.g. "reply question 'x'", and the field path stay recognisable), and an unknown message is
shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from exam.i18n import gettext as _
from exam.security import N_

# Whole messages and message tails; %(name)s parts are matched lazily and translated recursively when
# they are themselves messages (the `msg` part).
TEMPLATES: tuple[str, ...] = (
    # files and YAML
    N_("file is empty; expected a mapping with the key 'questions' or 'profile'"),
    N_("file is not valid UTF-8 (first bad byte %(byte)s); save it as UTF-8 (it may be GBK)"),
    N_("YAML syntax error: %(detail)s"),
    N_("duplicate key %(key)s (first at line %(line)s); YAML keeps only the last one"),
    N_("the top level must be a mapping with the key 'questions' or 'profile', found %(kind)s"),
    N_("unknown top-level key %(key)s (did you mean %(hint)s?); a bank file has one key, 'questions' or 'profile'"),
    N_("unknown top-level key %(key)s; a bank file has one key, 'questions' or 'profile'"),
    N_("a file holds either 'questions' or 'profile', not both"),
    N_("'profile' must be a mapping of fields, found %(kind)s"),
    N_("'questions' must be a list, found %(kind)s"),
    N_("'questions' is empty"),
    N_("duplicate question id %(id)s (first defined at %(where)s)"),
    N_("duplicate profile id %(id)s (first defined at %(where)s)"),
    N_("must be a mapping of fields, found %(kind)s"),
    N_("has no 'type'; use one of: %(types)s"),
    N_("has unknown type %(kind)s (did you mean %(hint)s?); known types: %(types)s"),
    N_("has unknown type %(kind)s; known types: %(types)s"),
    # uploads, the editor and calibration imports
    N_("the text is empty"),
    N_("the editor holds exactly one question; upload files with several"),
    N_("a question must be a mapping of fields, found %(kind)s"),
    N_("a profile must be a mapping of fields, found %(kind)s"),
    N_("no question found"),
    N_("no profile found"),
    N_("the id cannot change while editing (it is %(id)s)"),
    N_("a profile with id %(id)s already exists"),
    N_("not a valid zip archive"),
    N_("the archive holds no .yaml or .yml files"),
    N_("not a bank file: upload .yaml, .yml or a .zip of them"),
    N_("no bank files in the upload"),
    N_("no file was uploaded"),
    N_("the upload is larger than %(mb)s MB"),
    N_("no .yaml or .yml files in this directory"),
    N_("more than %(n)s lines"),
    N_("not valid JSON: %(detail)s"),
    N_("each line must be a JSON object"),
    N_("missing 'scenario' (or 'question'): the reply question's id"),
    N_("no question %(id)s in the bank"),
    N_("question %(id)s is a %(kind)s question, not a reply task"),
    N_("missing 'text': the reply"),
    N_("'text' is longer than 5000 characters"),
    N_("'score' must be a number from 0 to 10 (got %(value)s)"),
    N_("no scored replies in the file"),
    # fields
    N_("missing required field %(field)s"),
    N_("unknown field %(field)s (did you mean %(hint)s?)"),
    N_("unknown field %(field)s"),
    N_("input should be less than or equal to %(n)s"),
    N_("input should be less than %(n)s"),
    N_("input should be greater than or equal to %(n)s"),
    N_("input should be greater than %(n)s"),
    N_("input should be a valid integer"),
    N_("input should be a valid number"),
    N_("input should be a valid string"),
    N_("input should be a valid boolean"),
    N_("input should be a valid list"),
    N_("input should be a valid dictionary"),
    N_("string should match pattern %(pattern)s"),
    N_("string should have at least %(n)s characters"),
    N_("string should have at most %(n)s characters"),
    N_("list should have at least %(n)s items after validation, not %(got)s"),
    N_("list should have at least %(n)s item after validation, not %(got)s"),
    N_("list should have at most %(n)s items after validation, not %(got)s"),
    N_("unknown topic %(topic)s; known topics: %(topics)s"),
    N_("unknown question type %(kind)s; known types: %(types)s"),
    N_("unknown phrase set %(name)s; known: %(names)s"),
    N_("unknown taboo set %(name)s; known: %(names)s"),
    N_("unknown fact set %(name)s; known: %(names)s"),
    N_("criteria max must add up to 100, not %(n)s"),
    N_("value error, %(msg)s"),
    # questions
    N_("has %(n)s correct options (%(ids)s); exactly one is required"),
    N_("has no correct option; exactly one is required"),
    N_("has no correct option; at least one is required"),
    N_("has duplicate option id %(id)s (options %(a)s and %(b)s)"),
    N_("has duplicate option text %(text)s (options %(a)s and %(b)s)"),
    N_("has model answer %(n)s of %(len)s characters, more than max_chars %(max)s"),
    N_(
        "cites %(what)s, a document candidates never see; make the text stand on its own and name the document in 'source'"
    ),
    N_("has half-width punctuation in Chinese text (%(where)s); use full-width marks"),
    # profiles
    N_(
        "has bands out of order: band %(a)s min %(x)s is not below band %(b)s min %(y)s (list bands from the highest min down to 0)"
    ),
    N_("has a last band with min %(n)s; the last band must have min 0"),
    N_("has two sections with id %(id)s"),
    N_("has difficulty %(range)s; the low end must come first"),
    N_("asks for %(n)s questions (%(what)s) but the bank holds only %(have)s active ones that match"),
    N_("names topic %(topic)s, but no active %(kind)s question has it"),
    N_("filters by stages, which only these types have: %(types)s (type is %(kind)s)"),
    N_("input %(input)s is not one of the documented forms (%(forms)s)"),
    N_("input %(input)s names section %(section)s, which this profile does not have (sections: %(sections)s)"),
    N_("input %(input)s names rubric criterion %(criterion)s, which no active reply question's rubric has"),
    N_("takes %(input)s, which is not a percentage; give it a scale {zero: ..., full: ...}"),
    N_("names rubric criterion %(criterion)s, which no active reply question's rubric has"),
    N_(
        "asks for %(n)s questions, but its draw rules overlap and only %(have)s distinct active questions can fill them"
    ),
    N_(
        "asks for %(n)s questions on a paper, but its sections overlap and only %(have)s distinct active questions can fill them"
    ),
    N_("names question %(id)s, which is a %(kind)s question, not %(want)s"),
    N_("names question %(id)s, which is not in the bank"),
    N_("names question %(id)s, which is retired"),
    N_("names question %(id)s twice"),
    N_("has a scale whose zero and full are both %(n)s"),
    N_("has two bands labelled %(label)s"),
    N_("has two %(key)s with id %(id)s"),
    N_("input %(input)s names topic %(topic)s, which no active question has"),
    N_("input %(input)s names unknown topic %(topic)s"),
    N_("input %(input)s needs %(kind)s questions, but section %(section)s draws none"),
    N_("names topic %(topic)s, which no active question has"),
    N_("names unknown topic %(topic)s"),
    N_("needs %(kind)s questions, but section %(section)s draws none"),
    N_("the bank cannot fill profile %(id)s: %(have)s of %(n)s questions available"),
    N_("hard requirement %(n)s: %(msg)s"),
)
# PyYAML's syntax messages, phrase by phrase.
YAML_PHRASES: tuple[tuple[str, str], ...] = (
    (
        r"found character (?P<ch>'[^']*') that cannot start any token",
        N_("the character %(ch)s cannot start a value here (indent with spaces, not tabs)"),
    ),
    (r"found unexpected end of stream", N_("the file ends unexpectedly (a closing quote or bracket may be missing)")),
    (r"but found another document", N_("the file holds a second document (a line with ---)")),
    (
        r"mapping values are not allowed here",
        N_("a “key: value” is not allowed here (quote text that contains a colon)"),
    ),
    (r"could not find expected ':'", N_("a colon “:” is missing")),
    (
        r"expected (?P<a>'[^']*') or (?P<b>'[^']*'), but got (?P<c>'[^']*')",
        N_("expected %(a)s or %(b)s but found %(c)s"),
    ),
    (r"expected (?P<a>[^,()]+), but found (?P<c>'?[^()]+?'?)(?= \(|$)", N_("expected %(a)s but found %(c)s")),
    (r"found undefined alias (?P<a>'[^']*')", N_("the alias %(a)s is not defined")),
    (
        r" ?\(while parsing (?:a|an) (?P<what>[\w ]+) at line (?P<line>\d+)\)",
        N_(" (in the %(what)s that starts on line %(line)s)"),
    ),
    (
        r" ?\(while scanning (?:a|an) (?P<what>[\w ]+) at line (?P<line>\d+)\)",
        N_(" (in the %(what)s that starts on line %(line)s)"),
    ),
    (r" ?\(while scanning for the next token\)", ""),
    (r" ?\(expected a single document in the stream at line \d+\)", ""),
)
YAML_WHATS = {
    "flow mapping": N_("{…} mapping"),
    "flow sequence": N_("[…] list"),
    "block mapping": N_("mapping"),
    "block collection": N_("list"),
    "quoted scalar": N_("quoted text"),
    "simple key": N_("key"),
}
KINDS = {
    "a mapping": N_("a mapping"),
    "a list": N_("a list"),
    "a str": N_("text"),
    "a int": N_("a number"),
    "a float": N_("a number"),
    "a bool": N_("true or false"),
    "a NoneType": N_("empty"),
}
_CHOICES = re.compile(r"^input should be ('[^']*'(?:, '[^']*')*(?: or '[^']*')?)$")

# Tails the validator adds to a field message.
TAILS: tuple[str, ...] = (
    N_("(got %(value)s: YAML reads yes/no/true/false/on/off as booleans; quote the text)"),
    N_("(got the number %(value)s; quote it to make it text)"),
    N_("(got the text %(value)s; write the value without quotes)"),
    N_("(got %(value)s)"),
)
_SUBJECT = re.compile(
    r"^(?P<subject>(?:[a-z_]+ question '[^']*'|[a-z_]+ question #\d+|question #\d+(?: \('[^']*'\))?"
    r"|profile '[^']*'(?: section '[^']*' draw rule \d+| section '[^']*'| criterion '[^']*'| input '[^']*')?"
    r"|profile))(?P<sep>: | )(?P<rest>.+)$",
    re.S,
)
_WHERE = re.compile(r"^(?P<where>[A-Za-z_][\w.\[\]]*): (?P<msg>.+)$", re.S)
_TYPES = {
    "single_choice": N_("single-choice question"),
    "multiple_choice": N_("multiple-choice question"),
    "true_false": N_("true-or-false question"),
    "typing": N_("typing test"),
    "reply": N_("customer reply task"),
}


@cache
def _compiled(template: str) -> re.Pattern[str]:
    parts = re.split(r"(%\(\w+\)s)", template)
    pattern = "".join(f"(?P<{p[2:-2]}>.+?)" if p.startswith("%(") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$", re.S)


def _match(message: str, templates: tuple[str, ...]) -> str | None:
    for template in templates:
        m = _compiled(template).match(message)
        if m:
            values = {k: _value(k, v) for k, v in m.groupdict().items()}
            return _(template) % values
    return None


def _value(key: str, value: str) -> str:
    if key == "msg":
        return localize(value)
    if key == "detail":
        return _yaml_detail(value)
    if key == "kind" and value in KINDS:
        return _(KINDS[value])
    return value


def _yaml_detail(detail: str) -> str:
    """PyYAML's message in words, phrase by phrase (unknown phrases kept)."""
    for pattern, template in YAML_PHRASES:

        def repl(m: re.Match[str], template: str = template) -> str:
            if not template:
                return ""
            values = dict(m.groupdict())
            if "what" in values:
                values["what"] = _(YAML_WHATS[values["what"]]) if values["what"] in YAML_WHATS else values["what"]
            return _(template) % values

        detail = re.sub(pattern, repl, detail)
    return detail.strip()


def _subject(text: str) -> str:
    m = re.match(r"^([a-z_]+) question (.+)$", text)
    if m and m.group(1) in _TYPES:
        return f"{_(_TYPES[m.group(1)])} {m.group(2)}"
    m = re.match(r"^question #(\d+)(?: \(('[^']*')\))?$", text)
    if m:
        return _("question %(n)s in the file") % {"n": m.group(1)} + (f" {m.group(2)}" if m.group(2) else "")
    m = re.match(r"^profile ('[^']*') section ('[^']*') draw rule (\d+)$", text)
    if m:
        return _("job profile %(id)s, section %(section)s, draw rule %(n)s") % {
            "id": m.group(1),
            "section": m.group(2),
            "n": m.group(3),
        }
    m = re.match(r"^profile ('[^']*') (section|criterion|input) ('[^']*')$", text)
    if m:
        what = {"section": _("section"), "criterion": _("criterion"), "input": _("input")}[m.group(2)]
        return _("job profile %(id)s, %(what)s %(name)s") % {"id": m.group(1), "what": what, "name": m.group(3)}
    m = re.match(r"^profile ('[^']*')$", text)
    if m:
        return _("job profile %(id)s") % {"id": m.group(1)}
    return _("job profile") if text == "profile" else text


def _body(message: str) -> str:
    """A message without subject: a known template, or a known one followed by a known tail ("(got 9)")."""
    cut = message.rfind(" (")
    while cut > 0:
        tail = _match(message[cut + 1 :], TAILS)
        if tail is not None:
            head = _body(message[:cut])
            if head != message[:cut]:
                return head + tail
        cut = message.rfind(" (", 0, cut)
    found = _match(message, TEMPLATES)
    if found is not None:
        return found
    m = _CHOICES.match(message)
    if m:
        return _("should be one of %(choices)s") % {"choices": m.group(1)}
    return message


def localize(message: str) -> str:
    """A problem message in the current UI language (unknown messages unchanged)."""
    message = message.strip()
    found = _match(message, TEMPLATES)
    if found is not None:
        return found
    m = _SUBJECT.match(message)
    if m:
        subject, rest = _subject(m.group("subject")), m.group("rest")
        if m.group("sep") == ": ":
            w = _WHERE.match(rest)
            if w and not _compiled(TEMPLATES[0]).match(rest):
                body = _body(w.group("msg"))
                if body != w.group("msg"):
                    return _("%(subject)s, field %(field)s: %(message)s") % {
                        "subject": subject,
                        "field": w.group("where"),
                        "message": body,
                    }
            return _("%(subject)s: %(message)s") % {"subject": subject, "message": _body(rest)}
        return _("%(subject)s %(message)s") % {"subject": subject, "message": _body(rest)}
    return _body(message)


def problem_line(path: str, line: int, message: str) -> str:
    """One problem as `path:line: message`, the message in the UI language."""
    return f"{path}:{line}: {localize(message)}"
