"""Real local HTTP receivers for the webhook tests: threaded http.server instances on free ports.

Each receiver records what it got and answers according to its behaviour: a generic receiver that checks
signatures and the replay window, a slow one, a failing one, and robot-format receivers (企业微信, 钉钉, 飞书)
that check the body's shape and the signing the way those services document it (written here independently
of exam/services/webhook_formats.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit


@dataclass
class Received:
    """One request as the receiver saw it, with its verdict."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float
    ok: bool
    problem: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A running receiver: its URL, what it received, and a way to wait for requests."""

    url: str
    received: list[Received] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until ``count`` requests arrived (or the timeout passed); returns them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.received) < count and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.received)


# A behaviour gets the request and returns (status, body, verdict ok, problem).
Behaviour = Callable[[Received, int], tuple[int, bytes, bool, str]]


def generic_checker(secret: str, window: int = 300, fail_first: int = 0, delay: float = 0.0) -> Behaviour:
    """Check X-Exam-Signature = sha256=HMAC(secret, f"{ts}.{body}") and a fresh timestamp; fail the first N."""

    def behave(req: Received, n: int) -> tuple[int, bytes, bool, str]:
        if delay:
            time.sleep(delay)
        ts = req.headers.get("x-exam-timestamp", "")
        sig = req.headers.get("x-exam-signature", "")
        expected = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + req.body, hashlib.sha256).hexdigest()
        if not ts.isdigit() or abs(time.time() - int(ts)) > window:
            return 400, b"stale", False, "timestamp outside the replay window"
        if not hmac.compare_digest(expected, sig):
            return 401, b"bad signature", False, "signature mismatch"
        if n < fail_first:
            return 500, b"try again later", True, ""
        return 200, b"ok", True, ""

    return behave


def wecom_checker(errcode: int = 0) -> Behaviour:
    """企业微信: {"msgtype": "markdown", "markdown": {"content": str ≤ 4096 bytes}}; answers errcode."""

    def behave(req: Received, n: int) -> tuple[int, bytes, bool, str]:
        data = req.json()
        content = (data.get("markdown") or {}).get("content")
        ok = data.get("msgtype") == "markdown" and isinstance(content, str) and len(content.encode()) <= 4096
        body = {"errcode": errcode if ok else 40008, "errmsg": "ok" if ok and not errcode else "invalid"}
        return 200, json.dumps(body).encode(), ok, "" if ok else "bad wecom body"

    return behave


def dingtalk_checker(secret: str) -> Behaviour:
    """钉钉: markdown {title, text}; timestamp (ms, within an hour) and sign in the query string."""

    def behave(req: Received, n: int) -> tuple[int, bytes, bool, str]:
        data = req.json()
        md = data.get("markdown") or {}
        ok = data.get("msgtype") == "markdown" and isinstance(md.get("title"), str) and isinstance(md.get("text"), str)
        ts = (req.query.get("timestamp") or [""])[0]
        sign = (req.query.get("sign") or [""])[0]  # parse_qs already url-decoded it
        string_to_sign = f"{ts}\n{secret}".encode()
        expected = base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()).decode()
        fresh = ts.isdigit() and abs(time.time() * 1000 - int(ts)) < 3_600_000
        if not (fresh and hmac.compare_digest(expected, sign)):
            return 200, b'{"errcode":310000,"errmsg":"sign not match"}', False, "dingtalk sign"
        if not ok:
            return 200, b'{"errcode":300001,"errmsg":"bad body"}', False, "bad dingtalk body"
        return 200, b'{"errcode":0,"errmsg":"ok"}', True, ""

    return behave


def feishu_checker(secret: str) -> Behaviour:
    """飞书: {timestamp (s), sign, msg_type: "text", content: {text}}; sign = HMAC(key=f"{ts}\\n{secret}", b"")."""

    def behave(req: Received, n: int) -> tuple[int, bytes, bool, str]:
        data = req.json()
        ts = str(data.get("timestamp") or "")
        key = f"{ts}\n{secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 3600
        if not (fresh and hmac.compare_digest(expected, str(data.get("sign") or ""))):
            return 200, b'{"code":19021,"msg":"sign match fail or timestamp is not within one hour"}', False, "sign"
        text = (data.get("content") or {}).get("text")
        if data.get("msg_type") != "text" or not isinstance(text, str):
            return 200, b'{"code":9499,"msg":"Bad Request"}', False, "bad feishu body"
        return 200, b'{"code":0,"msg":"success","data":{}}', True, ""

    return behave


@contextmanager
def receiver(behaviour: Behaviour, path: str = "/hook") -> Iterator[Receiver]:
    """Run a receiver on 127.0.0.1 and a free port until the block ends."""
    state = Receiver(url="")
    counter = {"n": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            parts = urlsplit(self.path)
            req = Received(
                path=unquote_plus(parts.path),
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                at=time.time(),
                ok=False,
            )
            with lock:
                n = counter["n"]
                counter["n"] += 1
            status, answer, ok, problem = behaviour(req, n)
            req.ok, req.problem = ok, problem
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the client gave up (the slow receiver)
            with state.cond:
                state.received.append(req)
                state.cond.notify_all()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
