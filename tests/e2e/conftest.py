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
SHOTS = Path(os.environ.get("EXAM_SCREENSHOTS", Path(__file__).resolve().parents[2] / "test-results" / "screenshots"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A running app: its base URL, environment and the demo output (logins, invitation link)."""

    def __init__(self, base_url: str, env: dict[str, str], demo_output: str, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
        self.base_url, self.env, self.demo_output, self.proc = base_url, env, demo_output, proc

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


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context and page (own cookies)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under test-results/screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
