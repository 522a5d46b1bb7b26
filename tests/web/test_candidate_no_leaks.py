"""Nothing a candidate's browser can fetch carries answer keys, rubrics, model answers or explanations.

Two checks over every candidate page, partial and JSON response of a whole exam:
1. no secret text (explanations, model answers, rubric labels and detector phrases that are not part of
   the public question text) and no secret field names appear;
2. flipping every key and rewriting every rubric in the database leaves the exam pages byte-identical
   (apart from clocks and tokens): what the candidate sees does not depend on the secrets at all.
"""

import json
import re
from typing import Any

from sqlmodel import select

from exam.models import Attempt, QuestionVersion
from tests.web.candidate_helpers import csrf, make_invitation, make_opening, seed_bank

SECRET_KEYS = (
    '"correct"',
    '"rubric"',
    '"model_answers"',
    '"explanation"',
    '"detectors"',
    " correct=",
    "data-correct",
    '"order"',
    '"version_id"',
    '"question_id"',
)
VOLATILE = [
    (re.compile(r'<meta name="csrf-token" content="[0-9a-f]+">'), "CSRF"),
    (re.compile(r'name="csrf_token" value="[0-9a-f]+"'), "CSRF"),
    (re.compile(r'data-page="[^"]+"'), "PAGE"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00"), "TIME"),
]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _public_text(content: dict) -> str:
    parts = [content.get(k, "") for k in ("stem", "passage", "title", "facts")]
    parts += content.get("messages") or []
    parts += [o["text"] for o in content.get("options") or []]
    return "\n".join(parts)


def _secrets(contents: list[dict]) -> set[str]:
    public = "\n".join(_public_text(c) for c in contents)
    secrets: set[str] = set()
    for content in contents:
        candidates = [content["explanation"], *content.get("model_answers", [])]
        candidates += _strings(content.get("rubric") or {})
        for text in candidates:
            text = text.strip()
            if len(text) >= 2 and not text.startswith("re:") and not text.isascii() and text not in public:
                secrets.add(text)
    return secrets


def _normalise(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _flip(content: dict) -> dict:
    """The same question with every secret changed: other keys, other rubric, other explanations."""
    out = json.loads(json.dumps(content))
    out["explanation"] = "改过的解析" + out["explanation"]
    if out["type"] == "single_choice":
        right = next(i for i, o in enumerate(out["options"]) if o.get("correct"))
        for i, o in enumerate(out["options"]):
            o["correct"] = i == (right + 1) % len(out["options"])
    elif out["type"] == "multiple_choice":
        flipped = [not o.get("correct") for o in out["options"]]
        if not any(flipped):
            flipped[0] = True
        for o, c in zip(out["options"], flipped):
            o["correct"] = c
    elif out["type"] == "true_false":
        out["answer"] = not out["answer"]
    elif out["type"] == "reply":
        for criterion in out["rubric"]["criteria"]:
            criterion["label"] = "改" + criterion["label"]
        out["model_answers"] = ["完全不同的范文。"]
    return out


def test_no_answer_key_or_rubric_reaches_the_candidate(client, session) -> None:
    seed_bank(session)
    opening = make_opening(session, show_result=True)
    invitation, token = make_invitation(session, opening, "张三", phone="13800138000")
    responses: list[tuple[str, str]] = []

    def keep(label: str, response) -> Any:  # type: ignore[no-untyped-def]
        responses.append((label, response.text))
        return response

    r = keep("link", client.get(f"/i/{token}"))
    intro = r.headers["location"]
    keep("intro", client.get(intro))
    keep("home", client.get("/candidate"))
    r = keep("start", client.post(f"{intro}/start", data={"accept": "1", "csrf_token": csrf(client, intro)}))
    attempt_id = int(r.headers["location"].rsplit("/", 1)[1])
    base = f"/candidate/attempts/{attempt_id}"
    session.rollback()
    attempt = session.get(Attempt, attempt_id)
    version_ids = [i["version_id"] for s in attempt.paper["sections"] for i in s["items"]]
    rows = session.exec(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids))).all()  # type: ignore[union-attr]
    originals = {row.id: row.content for row in rows}
    secrets = _secrets(list(originals.values()))
    assert any("九折" in s for s in secrets) and any("范文" not in s for s in secrets)

    def set_contents(flipped: bool) -> None:
        session.rollback()  # a fresh transaction: the app wrote since our last read
        for row in session.exec(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids))).all():  # type: ignore[union-attr]
            row.content = _flip(originals[row.id]) if flipped else originals[row.id]
            session.add(row)
        session.commit()

    position = 0
    for section in attempt.paper["sections"]:
        page = keep(f"exam {section['id']}", client.get(base)).text
        state = keep(f"state {section['id']}", client.get(f"{base}/state")).text
        set_contents(True)
        assert _normalise(client.get(base).text) == _normalise(page), f"the {section['id']} page depends on the keys"
        assert _normalise(client.get(f"{base}/state").text) == _normalise(state)
        set_contents(False)
        t = csrf(client, base)
        headers = {"X-CSRF-Token": t}
        for item in section["items"]:
            kind = item["type"]
            version = 0
            if kind == "typing":
                r = keep("typing start", client.post(f"{base}/items/{position}/start", headers=headers))
                version = r.json()["version"]
            answer = {
                "single_choice": {"choice": "0"},
                "multiple_choice": {"choices": ["0", "1"]},
                "true_false": {"answer": "true"},
            }.get(kind, {"text": "亲，您好！感谢您的耐心等待。"})
            r = keep(
                f"save {kind}",
                client.post(f"{base}/items/{position}", headers=headers, json={"version": version, "answer": answer}),
            )
            assert r.status_code == 200, r.text
            keep(
                f"stale {kind}",
                client.post(f"{base}/items/{position}", headers=headers, json={"version": version, "answer": answer}),
            )
            keep(
                f"invalid {kind}",
                client.post(
                    f"{base}/items/{position}",
                    headers=headers,
                    json={"version": version + 1, "answer": {"choice": "99", "text": 5}},
                ),
            )
            keep(f"flag {kind}", client.post(f"{base}/items/{position}/flag", headers=headers, json={"flagged": True}))
            position += 1
        keep("events", client.post(f"{base}/events", headers=headers, json={"events": [{"kind": "copy"}]}))
        keep(f"exam {section['id']} answered", client.get(base))
        keep("submit", client.post(f"{base}/sections/{section['id']}/submit", data={"csrf_token": t}))
    keep(
        "late",
        client.post(
            f"{base}/items/0",
            headers={"X-CSRF-Token": csrf(client, "/candidate")},
            json={"version": 0, "answer": {"text": "x"}},
        ),
    )
    done = keep("done", client.get(f"{base}/done"))
    assert "您的成绩" in done.text, "the opening shows a result summary; it must still hold no keys"
    keep("home after", client.get("/candidate"))
    keep("intro after", client.get(intro))
    keep("other attempt", client.get(f"/candidate/attempts/{attempt_id + 1}"))

    assert len(responses) > 40
    for label, text in responses:
        for key in SECRET_KEYS:
            assert key not in text, f"{label}: {key}"
        for secret in secrets:
            assert secret not in text, f"{label} shows secret text {secret!r}"
