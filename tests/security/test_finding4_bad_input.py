"""Finding 4: bad input gave 28 × 500: integers at or above 2^63 in ids, pages and versions; deeply nested
YAML or JSON (RecursionError); a date in year 1; a CSV cell over 128 KB. Now each is a 4xx with a Chinese
message (a page, or JSON for the exam page's scripts) and changes nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from exam.models import Invitation, Opening, Question
from tests.security.conftest import World, exam_csrf

BIG = str(2**63)
CJK = re.compile(r"[\u4e00-\u9fff]")
DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_YAML = "a: " + "[" * 3000 + "]" * 3000


def _plain(world: World, role: str) -> TestClient:
    """The role's browser, but a server error comes back as a 500 instead of raising in the test."""
    client = TestClient(world.app, follow_redirects=False, raise_server_exceptions=False)
    client.cookies = world.clients[role].cookies
    return client


def _check(response, *, json_body: bool = False) -> None:  # type: ignore[no-untyped-def]
    assert 400 <= response.status_code < 500, (response.request.url, response.status_code, response.text[:200])
    if json_body:
        assert CJK.search(response.json()["message"]), response.text[:200]
    else:
        assert "int_parsing" not in response.text and "Input should be" not in response.text
        assert CJK.search(response.text), response.text[:200]


GETS = [
    ("hr", "/hr/openings/{BIG}"),
    ("hr", "/hr/openings/{BIG}/ranking"),
    ("hr", "/hr/openings/{BIG}/export.csv"),
    ("hr", "/hr/attempts/{BIG}"),
    ("hr", "/hr/attempts/{BIG}/data.json"),
    ("hr", "/hr/openings/abc"),
    ("hr", "/hr/openings/-1"),
    ("hr", "/hr/openings/{graded}/compare?ids={BIG}&ids=1"),
    ("hr", "/hr/openings/{graded}/ranking?page={BIG}&per_page={BIG}"),
    ("trainer", "/trainer?page={BIG}"),
    ("trainer", "/trainer/questions/new?difficulty={BIG}"),
    ("trainer", "/trainer/questions/t.sc.duty?version={BIG}"),
    ("trainer", "/trainer/questions/t.sc.duty/history?a={BIG}&b=-5"),
    ("trainer", "/trainer/profiles/t.presale/history?a={BIG}"),
    ("candidate", "/candidate/attempts/{BIG}"),
    ("candidate", "/candidate/attempts/{BIG}/state"),
    ("candidate", "/candidate/attempts/{BIG}/done"),
    ("candidate", "/candidate/invitations/{BIG}"),
]


@pytest.mark.parametrize("role,path", GETS)
def test_huge_and_malformed_integers_in_pages(world: World, role: str, path: str) -> None:
    response = _plain(world, role).get(path.format(BIG=BIG, graded=world.graded_opening_id))
    if response.status_code == 200:  # a page that clamps the value (page numbers) is fine too
        assert "page" in path or "difficulty" in path
        return
    _check(response, json_body=path.endswith("/state"))


def test_huge_integers_in_posts(world: World) -> None:
    hr, trainer, admin = _plain(world, "hr"), _plain(world, "trainer"), _plain(world, "admin")
    hr_token, tr_token = world.csrf("hr", "/hr"), world.csrf("trainer", "/trainer")
    admin_token = world.csrf("admin", "/admin")
    aid = world.graded_attempt_ids[0]
    _check(admin.post(f"/admin/users/{BIG}/password", data={"password": "Long-pass-123", "csrf_token": admin_token}))
    _check(hr.post(f"/hr/invitations/{BIG}/extra-time", data={"extra_time_factor": "1", "csrf_token": hr_token}))
    _check(
        hr.post(
            f"/hr/attempts/{aid}/override",
            data={"answer_id": BIG, "criterion_id": "x", "points": "1", "comment": "c", "csrf_token": hr_token},
        )
    )
    _check(trainer.post(f"/trainer/scored/{BIG}/delete", data={"csrf_token": tr_token}))
    _check(
        trainer.post("/trainer/questions/t.sc.duty", data={"yaml": "a: 1", "base_version": BIG, "csrf_token": tr_token})
    )


def test_huge_integers_in_the_exam_api(world: World) -> None:
    client, token = _plain(world, "candidate"), exam_csrf(world)
    headers = {"X-CSRF-Token": token}
    for path, body in (
        (f"/candidate/attempts/{BIG}/items/0", {"version": 0, "answer": {"text": "a"}}),
        (f"/candidate/attempts/{world.attempt_id}/items/{BIG}", {"version": 0, "answer": {"text": "a"}}),
        (f"/candidate/attempts/{world.attempt_id}/items/0", {"version": int(BIG), "answer": {"text": "a"}}),
        (f"/candidate/attempts/{BIG}/events", {"events": []}),
        (f"/candidate/attempts/{world.attempt_id}/items/{BIG}/flag", {"flagged": True}),
    ):
        _check(client.post(path, json=body, headers=headers), json_body=True)


def test_deeply_nested_json_is_refused(world: World) -> None:
    client, token = _plain(world, "candidate"), exam_csrf(world)
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    save = client.post(
        f"/candidate/attempts/{world.attempt_id}/items/0",
        content='{"version": 0, "answer": {"text": ' + DEEP_JSON + "}}",
        headers=headers,
    )
    _check(save, json_body=True)
    events = client.post(
        f"/candidate/attempts/{world.attempt_id}/events", content='{"events": ' + DEEP_JSON + "}", headers=headers
    )
    _check(events, json_body=True)
    trainer = _plain(world, "trainer")
    imported = trainer.post(
        "/trainer/calibration/import",
        files={"file": ("r.jsonl", ('{"question_id": ' + DEEP_JSON + "}\n").encode())},
        data={"csrf_token": world.csrf("trainer", "/trainer")},
    )
    _check(imported)
    assert "r.jsonl:1" in imported.text


def test_json_that_a_browser_cannot_send_is_refused(world: World) -> None:
    client, token = _plain(world, "candidate"), exam_csrf(world)
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    url = f"/candidate/attempts/{world.attempt_id}/items/0"
    for body in (
        '{"version": 0, "answer": {"text": NaN}}',
        '{"version": Infinity, "answer": {}}',
        "{",
        "\xff\xfe",
        "[]",
    ):
        _check(client.post(url, content=body.encode("latin-1"), headers=headers), json_body=True)


def test_deeply_nested_yaml_is_refused_with_its_line(world: World, session) -> None:  # type: ignore[no-untyped-def]
    trainer, token = _plain(world, "trainer"), world.csrf("trainer", "/trainer")
    questions = session.exec(select(func.count()).select_from(Question)).one()
    for path in ("/trainer/questions/preview", "/trainer/profiles/check", "/trainer/questions", "/trainer/profiles"):
        _check(trainer.post(path, data={"yaml": DEEP_YAML, "csrf_token": token}))
    tried = trainer.post("/trainer/try", data={"yaml": DEEP_YAML, "text": "您好", "csrf_token": token})
    _check(tried)
    upload = trainer.post(
        "/trainer/bank/upload", files={"files": ("deep.yaml", DEEP_YAML.encode())}, data={"csrf_token": token}
    )
    _check(upload)
    assert "deep.yaml:1" in upload.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(Question)).one() == questions


def test_dates_out_of_range_are_refused(world: World, session) -> None:  # type: ignore[no-untyped-def]
    hr, token = _plain(world, "hr"), world.csrf("hr", "/hr")
    before = session.exec(select(func.count()).select_from(Opening)).one()
    for opens, closes in (
        ("0001-01-01", "0001-01-02"),
        ("9999-12-31", "9999-12-31 23:59"),
        ("1999-12-31", "2030-01-01"),
    ):
        response = hr.post(
            "/hr/openings",
            data={
                "title": "日期",
                "profile_id": "t.presale",
                "opens_at": opens,
                "closes_at": closes,
                "csrf_token": token,
            },
        )
        _check(response)
        assert "2000" in response.text and "2100" in response.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(Opening)).one() == before


def test_a_csv_cell_over_the_limit_is_a_row_problem(world: World, session) -> None:  # type: ignore[no-untyped-def]
    hr, token = _plain(world, "hr"), world.csrf("hr", "/hr")
    before = session.exec(select(func.count()).select_from(Invitation)).one()
    text = 'name,phone\n"' + "长" * 140_000 + '",13800000000\n'
    response = hr.post(
        f"/hr/openings/{world.opening_id}/invitations/csv",
        files={"file": ("big.csv", text.encode())},
        data={"csrf_token": token},
    )
    _check(response)
    session.rollback()
    assert session.exec(select(func.count()).select_from(Invitation)).one() == before
