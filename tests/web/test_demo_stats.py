"""The demo makes every statistics page meaningful on the first run: flagged questions with enough answers,
a reliable paper with an SEM, blind scores, hires with outcomes, replies sent to a person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from exam.app import create_app
from exam.db import make_engine
from exam.models import Answer, BlindScore, HireOutcome, Opening, StatsSnapshot
from exam.services import demo
from exam.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Iterator[tuple[Settings, object]]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("demo")
    settings = Settings(
        environment="test",
        data_dir=folder,
        database_url=f"sqlite:///{folder}/demo.sqlite3",
        secret_key="test-secret-key-0123456789abcdef",
        bank_dir=ROOT / "question_banks",
    )
    demo.create_demo(settings, echo=lambda _line: None)
    engine = make_engine(settings.database_url)
    yield settings, engine
    engine.dispose()


def _login(client: TestClient, username: str, password: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (
        client.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code == 303
    )


def test_demo_data_behind_the_figures(demo_db) -> None:  # type: ignore[no-untyped-def]
    _settings, engine = demo_db
    with Session(engine) as s:
        items = s.get(StatsSnapshot, "items").data["items"]  # type: ignore[union-attr]
        enough = [i for i in items if i["enough_responses"]]
        assert len(enough) >= 60 and any(i["flags"] for i in enough)
        codes = {f["code"] for i in enough for f in i["flags"]}
        assert {"discrimination_low", "facility_high"} <= codes
        assert all(i["mean_seconds"] for i in enough)
        past = s.exec(select(Opening).where(Opening.title.contains("2025"))).one()  # type: ignore[attr-defined]
        figures = s.get(StatsSnapshot, f"opening:{past.id}").data  # type: ignore[union-attr]
        knowledge = next(x for x in figures["sections"] if x["id"] == "knowledge")["reliability"]
        assert knowledge["alpha"] > 0.7 and knowledge["n"] == 200
        assert figures["hiring"]["sem"] > 0
        assert s.exec(select(func.count()).select_from(HireOutcome)).one() >= 20
        assert s.exec(select(func.count()).select_from(BlindScore)).one() >= 20
        reviews = [a.result.get("review") for a in s.exec(select(Answer)).all() if (a.result or {}).get("review")]
        codes = {r["code"] for review in reviews for r in review}
        assert {"copies_customer", "other_language"} <= codes


def test_demo_pages_for_trainers_and_hr(demo_db) -> None:  # type: ignore[no-untyped-def]
    settings, engine = demo_db
    app = create_app(settings, engine=engine, run_background=False)
    with Session(engine) as s:
        past = s.exec(select(Opening).where(Opening.title.contains("2025"))).one()  # type: ignore[attr-defined]
    with TestClient(app, follow_redirects=False) as client:
        _login(client, "trainer", "Trainer-demo-2026")
        stats_page = client.get("/trainer/stats")
        assert stats_page.status_code == 200 and 'id="flagged-table"' in stats_page.text
        assert client.get("/trainer?flagged=1").text.count('class="badge flag"') >= 3
        rubrics = client.get("/trainer/rubrics")
        assert rubrics.status_code == 200 and rubrics.text.count("/blind") >= 10
    with TestClient(app, follow_redirects=False) as client:
        _login(client, "hr", "Hr-demo-2026!")
        page = client.get(f"/hr/openings/{past.id}/outcomes")
        assert page.status_code == 200 and 'id="validity-table"' in page.text and 'id="small-sample"' in page.text
        assert client.get(f"/hr/openings/{past.id}/ranking").text.count('class="sem-band"') >= 20
