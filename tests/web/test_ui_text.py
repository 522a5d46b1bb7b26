"""Every page each role reaches reads as a finished Chinese product: a crawl over the demo data.

The crawl signs in as HR, trainer and admin, follows every same-site link (a few pages per kind of
address), takes a candidate through the exam pages, and reads what people see (text, titles, labels,
placeholders; not code boxes, the YAML editor or data people typed, marked translate="no"). It fails on
an internal identifier (snake_case, dotted event keys such as attempt.start) or an English word outside
a short allowlist on a Chinese page.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from fastapi.testclient import TestClient

from exam.db import session_scope
from exam.services import demo
from tests.conftest import csrf_of, login

ROOT = Path(__file__).resolve().parents[2]
# Words that read the same in a Chinese product: formats, standard abbreviations, measures' names.
ALLOWED = {
    "CSV", "Excel", "Word", "YAML", "JSON", "zip", "xlsx", "yaml", "yml", "csv", "UTF", "GBK", "Tab", "IME", "KPI", "QWK",
    "MAE", "Spearman", "English", "UTC", "HR", "ID", "Cronbach", "alpha", "KR", "SEM", "Chrome", "Windows",
    "Safari", "Firefox", "Edge", "macOS", "iOS", "Android", "Linux", "true", "false", "P", "Enter", "Shift", "API",
}  # fmt: skip
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
DOTTED = re.compile(r"\b[a-z][a-z_]*\.[a-z][a-z_]+\b")
WORD = re.compile(r"[A-Za-z]{2,}")
SKIP_TAGS = {"script", "style", "textarea", "pre", "code", "template", "noscript"}
READ_ATTRS = ("title", "aria-label", "placeholder", "alt")
PER_KIND = 2
MAX_PAGES = 160


class _Reader(HTMLParser):
    """What a person reads on a page, and the links it offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.lang = ""
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        void = tag in ("input", "img", "br", "hr", "meta", "link", "source", "col")
        if self._skip or tag in SKIP_TAGS or a.get("translate") == "no":
            if not void:
                self._skip.append(tag)
            return
        for name in READ_ATTRS:
            if a.get(name):
                self.text.append(a[name] or "")
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.text.append(a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


def problems_in(text: str) -> list[str]:
    """Internal identifiers and English words in what people read."""
    text = re.sub(r"\S+@\S+\.\w+", " ", text)  # e-mail addresses are data
    text = re.sub(r"https?://\S+", " ", text)
    found = [f"identifier {m}" for m in SNAKE.findall(text)]
    text = SNAKE.sub(" ", text)
    found += [
        f"key {m}" for m in DOTTED.findall(text) if not re.search(r"\.(com|cn|net|org|yaml|yml|csv|xlsx|zip|json)$", m)
    ]
    text = DOTTED.sub(" ", text)
    found += [f"English {w}" for w in WORD.findall(text) if w not in ALLOWED]
    return found


def kind_of(path: str) -> str:
    """Pages of one kind (the same address with other ids) are read a few times, not all."""
    path = re.sub(r"/\d+", "/N", path)
    return re.sub(r"/trainer/questions/[^/]+", "/trainer/questions/Q", path)


def crawl(client: TestClient, start: str, minimum: int = 3) -> dict[str, list[str]]:
    """Follow same-site links from ``start``; {url: problems} for pages with problems."""
    seen: set[str] = set()
    per_kind: dict[str, int] = {}
    queue = deque([start])
    bad: dict[str, list[str]] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        parsed = urlparse(url)
        kind = kind_of(parsed.path)
        if per_kind.get(kind, 0) >= PER_KIND:
            continue
        per_kind[kind] = per_kind.get(kind, 0) + 1
        r = client.get(url)
        assert r.status_code < 500, f"{url}: {r.status_code}"
        if r.status_code in (301, 302, 303, 307):
            queue.append(urljoin(url, r.headers["location"]))
            continue
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        pages += 1
        page = read(r.text)
        assert page.lang == "zh-CN", url
        found = problems_in(" ".join(page.text))
        if found:
            bad[url] = sorted(set(found))
        for href in page.links:
            target = urlparse(urljoin(url, href))
            if target.netloc not in ("", "testserver") or target.fragment and not target.path:
                continue
            # /api/: the JSON API and its reference for programmers (field names, HTTP headers and values are code)
            if target.path.startswith(("/static/", "/logout", "/api/")) or target.path.endswith(
                (".csv", ".xlsx", ".json", ".zip", ".yaml")
            ):
                continue
            if "download" in target.path:
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert pages >= minimum, f"the crawl from {start} reached only {pages} pages"
    return bad


@pytest.fixture
def demo_app(app, engine, settings):  # type: ignore[no-untyped-def]
    """The app on the demo data (`exam demo`: accounts, the shipped bank, an opening with 30 graded candidates)."""
    settings = settings.model_copy(update={"bank_dir": ROOT / "question_banks"})
    logins = demo.DemoLogins()
    for step in demo.STEPS:
        with session_scope(engine) as session:
            step(session, settings, logins, lambda _msg: None)
    return app, logins


@pytest.mark.parametrize(
    ("username", "password", "start"),
    [
        ("hr", "Hr-demo-2026!", "/hr"),
        ("trainer", "Trainer-demo-2026", "/trainer"),
        ("admin", "Admin-demo-2026", "/admin"),
    ],
)
def test_every_page_of_each_role_reads_as_chinese(demo_app, username, password, start) -> None:  # type: ignore[no-untyped-def]
    app, _logins = demo_app
    with TestClient(app, follow_redirects=False) as client:
        login(client, username, password)
        bad = crawl(client, start, minimum=1 if username == "admin" else 5)
        # pages no link leads to: an unknown address, a malformed one, and HR's comparison of candidates
        extras = ["/no-such-page", "/hr/openings/abc"]
        if username == "hr":
            extras.append("/hr/openings/1/compare?ids=1&ids=2&ids=3")
        for url in extras:
            r = client.get(url)
            assert r.status_code in (200, 403, 404), (url, r.status_code)
            assert "text/html" in r.headers["content-type"], url
            found = problems_in(" ".join(read(r.text).text))
            if found:
                bad[url] = found
        if username == "admin":
            # a refused form shows its error once, in the form, with the history in words
            token = csrf_of(client, "/admin")
            r = client.post(
                "/admin/users", data={"username": "x", "role": "hr", "password": "short", "csrf_token": token}
            )
            assert r.status_code == 422 and r.text.count('role="alert"') == 1, r.text
            found = problems_in(" ".join(read(r.text).text))
            if found:
                bad["POST /admin/users"] = found
    assert not bad, "\n".join(f"{url}: {', '.join(found[:12])}" for url, found in sorted(bad.items()))


def test_the_candidates_pages_and_messages_read_as_chinese(demo_app) -> None:  # type: ignore[no-untyped-def]
    app, logins = demo_app
    link = next(re.search(r"(/i/[\w-]+)", line).group(1) for line in logins.extra if "/i/" in line)  # type: ignore[union-attr]
    bad: dict[str, list[str]] = {}
    with TestClient(app, follow_redirects=False) as client:
        r = client.get(link)
        while r.status_code in (302, 303):
            r = client.get(r.headers["location"])
        bad.update({link: problems_in(" ".join(read(r.text).text))} if problems_in(" ".join(read(r.text).text)) else {})
        token = csrf_of(client, r.url.path)
        form = re.search(r'action="(/candidate/invitations/\d+/start)"', r.text)
        assert form, "the invitation page offers the start button"
        r = client.post(form.group(1), data={"csrf_token": token, "accept": "1"})
        url = r.headers["location"]
        for _section in range(6):
            r = client.get(url)
            if r.status_code in (302, 303):
                url = r.headers["location"]
                continue
            found = problems_in(" ".join(read(r.text).text))
            if found:
                bad[url] = sorted(set(found))
            submit = re.search(r'action="(/candidate/attempts/\d+/sections/[^/"]+/submit)"', r.text)
            if not submit:
                break
            # a stale save is answered with a message the page shows: it must be Chinese too
            item = re.search(r'data-position="(\d+)" data-type="(\w+)"', r.text)
            if item:
                base = url.split("?")[0]
                stale = client.post(
                    f"{base}/items/{item.group(1)}",
                    json={"version": 999, "answer": {"text": "您好"}},
                    headers={"X-CSRF-Token": csrf_of(client, url)},
                )
                message = stale.json().get("message") or ""
                assert stale.status_code in (409, 422) and re.search(r"[\u4e00-\u9fff]", message), stale.text
            r = client.post(submit.group(1), data={"csrf_token": csrf_of(client, url), "auto": "1"})
            url = r.headers["location"]
        assert "/done" in url or "timeup" in url
    assert not bad, "\n".join(f"{u}: {', '.join(f[:12])}" for u, f in sorted(bad.items()))


def test_the_crawl_catches_what_it_should() -> None:
    assert problems_in("session_start 设备") == ["identifier session_start"]
    assert problems_in("最近操作：attempt.start") == ["key attempt.start"]
    assert problems_in("页面不存在 Not Found") == ["English Not", "English Found"]
    assert problems_in("导出 Excel 文件，联系 hr@example.com") == []
    assert read('<p>看 <code>typing.net_cpm</code><span translate="no">zhang_wei</span></p>').text == ["看 "]
