"""Real-browser tests: a real `exam serve` subprocess on a fresh demo database, driven by
Playwright in Debian's Chromium. Skipped (with the reason) when Chromium or Playwright is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("EXAM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
EXAM_BIN = str(Path(sys.executable).with_name("exam"))
RESULTS = Path(os.environ.get("EXAM_TEST_RESULTS", Path(__file__).resolve().parents[2] / "test-results"))
SHOTS = Path(os.environ.get("EXAM_SCREENSHOTS", RESULTS / "screenshots"))
FAILURES = RESULTS / "e2e-failures"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# console messages that are expected, not errors of the page: the browser logs every refused request and every
# request made while the test has switched the network off
EXPECTED_CONSOLE = (
    "ERR_INTERNET_DISCONNECTED",
    "net::ERR_",
    "Failed to load resource: the server responded with a status of 409",
    "Failed to load resource: the server responded with a status of 422",
    "Failed to load resource: the server responded with a status of 404",
    "Failed to load resource: the server responded with a status of 403",
    "Failed to load resource: the server responded with a status of 401",
    "Failed to load resource: the server responded with a status of 429",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A running app: its base URL, environment and the demo output (logins, invitation link)."""

    def __init__(self, base_url: str, env: dict[str, str], demo_output: str, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
        self.base_url, self.env, self.demo_output, self.proc = base_url, env, demo_output, proc

    def invite(self, name: str, phone: str, factor: float = 1.0) -> str:
        """A new invitation link to the demo opening, made with the server's own services and secret key."""
        from sqlmodel import select

        from exam.db import make_engine, session_scope
        from exam.models import Opening
        from exam.services import openings

        engine = make_engine(self.env["EXAM_DATABASE_URL"])
        try:
            with session_scope(engine) as session:
                # the demo's open opening (the demo also has last autumn's, closed)
                opening = next(
                    o
                    for o in session.exec(select(Opening).order_by(Opening.id)).all()
                    if openings.window_state(o) != "closed"
                )
                _invitation, token = openings.invite(
                    session,
                    opening,
                    name=name,
                    phone=phone,
                    extra_time_factor=factor,
                    secret_key=self.env["EXAM_SECRET_KEY"],
                )
        finally:
            engine.dispose()
        return f"{self.base_url}/i/{token}"

    def query(self, sql: str, *args: object) -> list[tuple]:  # type: ignore[type-arg]
        """Rows of a read-only SQL query on the server's SQLite database."""
        import sqlite3

        with sqlite3.connect(self.env["EXAM_DATABASE_URL"].removeprefix("sqlite:///")) as db:
            return list(db.execute(sql, args).fetchall())

    def exam(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        """Run the `exam` command against this server's database."""
        return subprocess.run([EXAM_BIN, *args], env=self.env, capture_output=True, text=True, check=check)


def _start(tmp: Path, extra_env: dict[str, str] | None = None) -> LiveServer:
    port = _free_port()
    env = dict(os.environ)
    env.update(
        {
            "EXAM_DATA_DIR": str(tmp),
            "EXAM_DATABASE_URL": f"sqlite:///{tmp}/e2e.sqlite3",
            "EXAM_ENVIRONMENT": "development",
            "EXAM_SECRET_KEY": "e2e-secret-key-0123456789abcdef",
        }
    )
    env.update(extra_env or {})
    demo = subprocess.run(
        [EXAM_BIN, "demo", "--force", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert demo.returncode == 0, demo.stderr + demo.stdout
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(
        [EXAM_BIN, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return LiveServer(base, env, demo.stdout, proc)
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start: " + (tmp / "server.log").read_text())


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """A real server on a fresh demo database (one per test module)."""
    server = _start(tmp_path_factory.mktemp("e2e"))
    yield server
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright."""
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Keep each phase's report on the test item, so that fixtures know whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class Pages:
    """The browser pages a test opens: console errors are collected, and a failing test saves them all."""

    def __init__(self, browser) -> None:  # type: ignore[no-untyped-def]
        self.browser = browser
        self.contexts: list = []  # type: ignore[type-arg]
        self.errors: list[str] = []

    def new(self, viewport: dict[str, int] | None = None, **options):  # type: ignore[no-untyped-def]
        """A page in a fresh context (own cookies), zh-CN, at the given viewport (desktop by default)."""
        context = self.browser.new_context(locale="zh-CN", viewport=viewport or DESKTOP, **options)
        self.contexts.append(context)
        context.on("page", self.watch)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def watch(self, page) -> None:  # type: ignore[no-untyped-def]
        """Collect the page's console errors and uncaught exceptions."""
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and not any(e in msg.text for e in EXPECTED_CONSOLE)
                else None
            ),
        )

    def save(self, name: str) -> Path:
        """A screenshot and the HTML of every open page, under test-results/e2e-failures/<test>/."""
        folder = FAILURES / name.replace("/", "_").replace("[", "-").replace("]", "")
        folder.mkdir(parents=True, exist_ok=True)
        n = 0
        for context in self.contexts:
            for page in context.pages:
                n += 1
                try:
                    page.screenshot(path=str(folder / f"page{n}.png"), full_page=True)
                    (folder / f"page{n}.html").write_text(f"<!-- {page.url} -->\n" + page.content(), "utf-8")
                except Exception as exc:  # noqa: BLE001 - a closed page must not hide the test's own failure
                    (folder / f"page{n}.error.txt").write_text(str(exc), "utf-8")
        (folder / "console.txt").write_text("\n".join(self.errors), "utf-8")
        return folder

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, request) -> Iterator[Pages]:  # type: ignore[no-untyped-def]
    """Open pages with ``pages.new(viewport)``; on failure they are saved, and no console error may appear."""
    tracker = Pages(browser)
    yield tracker
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        folder = tracker.save(request.node.name)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"\n[e2e] {request.node.nodeid} failed: screenshots and HTML in {folder}")
    errors = list(tracker.errors)
    tracker.close()
    if report is not None and report.passed and errors:
        pytest.fail("console errors on the page:\n" + "\n".join(errors[:10]))


@pytest.fixture
def page(pages):  # type: ignore[no-untyped-def]
    """A fresh browser context and page (own cookies) at 1366×768."""
    return pages.new()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:  # type: ignore[no-untyped-def]
    """Run the vendored axe-core on the page; the violations of these impacts, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text("utf-8") + "\n;true")
    result = page.evaluate(
        """async () => { const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"""
    )
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in result if v["impact"] in impacts]


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under test-results/screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def poll(page, expression: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until a page expression is true (wait_for_function evaluates strings, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not _evaluate(page, expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def _evaluate(page, expression: str):  # type: ignore[no-untyped-def]
    """Evaluate, treating a navigation in progress (the page's own reload or redirect) as "not yet"."""
    try:
        return page.evaluate(expression)
    except Exception as exc:  # noqa: BLE001 - playwright's Error while the page navigates
        if "Execution context was destroyed" in str(exc) or "navigat" in str(exc):
            page.wait_for_load_state()
            return False
        raise


def tab_to(page, selector: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element matches the selector (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _evaluate(page, f"() => !!document.activeElement && document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def sign_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")


def export_download(page, kind: str, path: Path, timeout: float = 60.0) -> Path:  # type: ignore[no-untyped-def]
    """Start a ranking export ("csv" or "xlsx") with its button, watch its progress partial, then download it."""
    before = page.evaluate("() => (document.querySelector('#export-status .export-job') || {}).id || ''")
    page.click(f"#export-{kind}")
    page.wait_for_function(
        "(old) => { const el = document.querySelector('#export-status .export-job'); return el && el.id !== old; }",
        arg=before,
        timeout=timeout * 1000,
    )
    job = page.locator("#export-status .export-job")
    assert job.get_attribute("data-status") in ("queued", "running", "done")
    link = page.locator(f"#{job.get_attribute('id')} #export-download")
    link.wait_for(timeout=timeout * 1000)  # the partial polls every second until the file is ready
    assert "24 小时" in job.inner_text()
    with page.expect_download() as info:
        link.click()
    info.value.save_as(path)
    return path
