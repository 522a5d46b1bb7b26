"""Finding 6: invitation links were built from the request's Host header (``Host: evil.example`` put that
name into the links HR copies). Now links use EXAM_BASE_URL, or the server's own address, never a Host."""

from __future__ import annotations

import re

from exam.app import create_app
from tests.conftest import login
from tests.security.conftest import World

LINK = re.compile(r"(https?://[^\s\"'<>]+)/i/[A-Za-z0-9_-]{43}")


def test_a_forged_host_header_does_not_reach_the_links(world: World) -> None:
    owner = world.clients["hr"]
    token = world.csrf("hr", "/hr")
    evil = {"Host": "evil.example"}
    created = owner.post(
        f"/hr/openings/{world.opening_id}/invitations",
        data={"name": "赵六", "phone": "13800138004", "csrf_token": token},
        headers={**evil, "HX-Request": "true"},
    )
    assert created.status_code == 200
    page = owner.get(f"/hr/openings/{world.opening_id}", headers=evil)
    for html in (created.text, page.text):
        bases = set(LINK.findall(html))
        assert bases, "the page shows the invitation links"
        assert "evil.example" not in html
        assert bases == {"http://testserver"}, bases
    # the usual Host (the server's own name) is kept
    assert set(LINK.findall(owner.get(f"/hr/openings/{world.opening_id}").text)) == {"http://testserver"}


def test_the_configured_base_url_is_used_for_every_link(world: World, settings, engine) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    configured = settings.model_copy(update={"base_url": "https://jobs.example.cn/exam/"})
    app = create_app(configured, engine=engine, run_background=False)
    with TestClient(app, follow_redirects=False) as client:
        assert login(client, "hr", "Hr-test-pass-1").status_code == 303
        page = client.get(f"/hr/openings/{world.opening_id}", headers={"Host": "evil.example"})
    assert set(LINK.findall(page.text)) == {"https://jobs.example.cn/exam"}
