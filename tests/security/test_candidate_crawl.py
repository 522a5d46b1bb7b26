"""A crawl of everything a candidate's browser receives during a whole exam: every page and partial, every
linked script and style sheet, every JSON answer of the exam page's calls. None of it may carry an answer
key, a rubric detector, a model answer, an explanation, a score, or anyone else's name or contact."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlmodel import select

from exam.models import Attempt, Invitation, QuestionVersion
from exam.services import papers
from tests.security.conftest import World, exam_csrf
from tests.web.test_candidate_no_leaks import SECRET_KEYS, _secrets

SCORE_KEYS = ('"hiring_score"', '"score"', '"band"', '"results"', "hiring_score", '"max_score"', '"points"')


class Links(HTMLParser):
    """Same-origin URLs a browser would fetch or follow from a page (href, src, GET forms)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src", "hx-get", "data-state-url"):
            if values.get(name):
                self.urls.append(values[name] or "")
        if tag == "form" and (values.get("method") or "get").lower() == "get" and values.get("action"):
            self.urls.append(values["action"] or "")


def _crawl(client, start: list[str], seen: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    queue = list(start)
    while queue:
        url = queue.pop()
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/") or path in seen or path.startswith(("/logout", "/i/")):
            continue
        response = client.get(path)
        seen[path] = response.text
        if response.status_code in (301, 302, 303, 307) and "location" in response.headers:
            queue.append(urljoin(path, response.headers["location"]))
        if "html" in response.headers.get("content-type", ""):
            parser = Links()
            parser.feed(response.text)
            queue.extend(urljoin(path, u) for u in parser.urls if not u.startswith(("#", "javascript:", "data:")))


def test_nothing_secret_reaches_the_candidates_browser(world: World, session) -> None:  # type: ignore[no-untyped-def]
    client, token = world.clients["candidate"], exam_csrf(world)
    aid = world.attempt_id
    attempt = session.get(Attempt, aid)
    entries = list(papers.iter_items(attempt.paper))
    version_ids = [e.item["version_id"] for e in entries]
    contents = [
        v.content for v in session.exec(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids))).all()
    ]  # type: ignore[attr-defined]
    sections = [s["id"] for s in attempt.paper["sections"]]
    others = [i for i in session.exec(select(Invitation)).all() if i.id != world.invitation_id]
    session.commit()
    secrets = _secrets(contents)
    people = {x for i in others for x in (i.name, i.email, i.phone) if x and len(x) >= 2}
    assert secrets and people

    received: dict[str, str] = {}
    api: list[str] = []
    for index, section in enumerate(sections):
        _crawl(
            client,
            ["/candidate", f"/candidate/invitations/{world.invitation_id}", f"/candidate/attempts/{aid}"],
            received,
        )
        for entry in entries:
            if entry.section_index != index:
                continue
            base = f"/candidate/attempts/{aid}/items/{entry.position}"
            for call in (
                client.post(f"{base}/start", json={}, headers={"X-CSRF-Token": token}),
                client.post(
                    base,
                    json={"version": 0, "answer": {"text": "您好", "choice": "0"}},
                    headers={"X-CSRF-Token": token},
                ),
                client.post(f"{base}/flag", json={"flagged": True}, headers={"X-CSRF-Token": token}),
            ):
                api.append(call.text)
        api.append(client.get(f"/candidate/attempts/{aid}/state").text)
        api.append(
            client.post(
                f"/candidate/attempts/{aid}/events",
                json={"events": [{"kind": "blur"}]},
                headers={"X-CSRF-Token": token},
            ).text
        )
        submitted = client.post(f"/candidate/attempts/{aid}/sections/{section}/submit", data={"csrf_token": token})
        assert submitted.status_code == 303
        received.pop(f"/candidate/attempts/{aid}", None)  # the next section's page is new
        received[f"section-{index}"] = client.get(f"/candidate/attempts/{aid}").text
    _crawl(client, [f"/candidate/attempts/{aid}/done", "/candidate"], received)
    assert any(p.startswith("/static/js/") for p in received), "the crawl follows the page's scripts"
    assert len(received) >= 10 and len(api) >= 10
    assert any("done" in p for p in received)

    bodies = list(received.items()) + [(f"api-{n}", text) for n, text in enumerate(api)]
    found = []
    for where, text in bodies:
        for secret in secrets | people:
            if secret in text:
                found.append((where, secret[:40]))
        for key in SECRET_KEYS + SCORE_KEYS:
            if key in text and not where.startswith("/static/"):
                found.append((where, key))
    assert not found, found[:20]
    assert re.search(r"[\u4e00-\u9fff]", received[f"/candidate/attempts/{aid}/done"])
