"""`exam stats [--opening ID] [--json]`: per item facility, discrimination, responses, flags; per paper alpha or
KR-20 and SEM, on a migrated SQLite database holding the hand-computed dataset."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from exam import migrate
from exam.cli import main
from exam.db import make_engine
from tests.unit.stats import dataset


@pytest.fixture
def cli(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/stats.sqlite3"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        opening_id = dataset.knowledge_opening(session).id
    engine.dispose()
    monkeypatch.setenv("EXAM_DATABASE_URL", url)
    monkeypatch.setenv("EXAM_DATA_DIR", str(tmp_path))

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["stats", *args], catch_exceptions=False)

    run.opening_id = opening_id  # type: ignore[attr-defined]
    return run


def test_json_contract(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--json", "--min-responses", "6")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    items = {i["question"]: i for i in out["items"]}
    assert set(items) == set(dataset.ITEMS)
    for item in items.values():
        assert {"facility", "discrimination", "responses", "flags"} <= set(item) and item["responses"] == 6
    assert items["k1"]["facility"] == pytest.approx(5 / 6, abs=1e-4)
    assert items["k1"]["discrimination"] == pytest.approx(1 / (2 * math.sqrt(10)), abs=1e-4)
    assert "facility_low" in {f["code"] for f in items["k4"]["flags"]}
    paper = out["papers"][0]
    assert paper["opening"] == cli.opening_id and paper["method"] == "kr20"
    assert paper["kr20"] == pytest.approx(56 / 123, abs=1e-4)
    assert paper["sem"] == pytest.approx(math.sqrt(41 / 30) * math.sqrt(1 - 56 / 123), abs=1e-4)
    assert paper["hiring"]["alpha"] == pytest.approx(24 / 41, abs=1e-4)


def test_text_and_one_opening(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--opening", str(cli.opening_id))
    assert result.exit_code == 0, result.output
    assert (
        "k1 v1" in result.output
        and "kr20 0.46" in result.output
        and "hiring score: split-half alpha 0.59" in result.output
    )
    missing = CliRunner().invoke(main, ["stats", "--opening", "999"])
    assert missing.exit_code != 0 and "no opening 999" in missing.output
