"""Finding 5: JSON bodies had no size cap (100 MB posted to a candidate's save was read whole). Now every
endpoint has a cap: a Content-Length over it is refused at once, and a body without one (chunked) is
refused as soon as it passes the cap, without reading the rest."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json

from tests.security.conftest import World, exam_csrf

MB = 1024 * 1024


def test_a_large_json_save_is_a_413_with_a_message(world: World) -> None:
    token = exam_csrf(world)
    body = json.dumps({"version": 0, "answer": {"text": "字" * (3 * MB // 3 + 10)}}).encode()
    response = world.clients["candidate"].post(
        f"/candidate/attempts/{world.attempt_id}/items/0",
        content=body,
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and "过大" in response.json()["message"]


def test_every_kind_of_endpoint_is_capped(world: World) -> None:
    hr_token = world.csrf("hr", "/hr")
    big_form = {"name": "x" * (3 * MB), "phone": "13800000000", "csrf_token": hr_token}
    r = world.clients["hr"].post(f"/hr/openings/{world.opening_id}/invitations", data=big_form)
    assert r.status_code == 413 and "过大" in r.text
    r = world.clients["candidate"].post(
        f"/candidate/attempts/{world.attempt_id}/events",
        content=b'{"events": [' + b'{"kind": "blur"},' * 40_000 + b'{"kind": "blur"}]}',
        headers={"X-CSRF-Token": exam_csrf(world), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    r = world.clients["trainer"].post(
        "/trainer/bank/upload",
        files={"files": ("big.yaml", b"a: b\n" * (2 * MB))},
        data={"csrf_token": world.csrf("trainer", "/trainer")},
    )
    assert r.status_code == 413


def test_a_streamed_body_is_not_read_past_the_cap(world: World) -> None:
    """100 MB offered in 1 MB chunks without a Content-Length: the app stops after the cap."""
    pulled = {"n": 0}
    token = exam_csrf(world)
    cookies = "; ".join(f"{k}={v}" for k, v in world.clients["candidate"].cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/candidate/attempts/{world.attempt_id}/items/0",
        "raw_path": f"/candidate/attempts/{world.attempt_id}/items/0".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"x-csrf-token", token.encode()),
            (b"cookie", cookies.encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    chunk = b'{"version": 0, "answer": {"text": "' + b"a" * MB

    async def receive():  # type: ignore[no-untyped-def]
        pulled["n"] += 1
        if pulled["n"] > 100:
            return {"type": "http.request", "body": b'"}}', "more_body": False}
        return {"type": "http.request", "body": chunk if pulled["n"] == 1 else b"a" * MB, "more_body": True}

    sent: list[dict] = []

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    async def run() -> None:
        async with world.app.router.lifespan_context(world.app):
            await world.app(scope, receive, send)

    # in a thread of its own: a browser test earlier in the session (Playwright's sync API) may leave an event loop
    # running in this one, where asyncio.run refuses to start
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert pulled["n"] <= 2, f"read {pulled['n']} MB of a body capped at 256 KB"
