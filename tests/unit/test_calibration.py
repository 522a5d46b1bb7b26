"""Agreement metrics, and the grader against the public scored replies (the acceptance thresholds)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from exam.cli.grade import calibrate as calibrate_cmd
from exam.cli.grade import default_calibration_file
from exam.grading.calibration import (
    calibrate,
    load_scored_replies,
    mean_absolute_error,
    quadratic_weighted_kappa,
    spearman,
    to_scale10,
)

ROOT = Path(__file__).parents[2]
PUBLIC = ROOT / "tests" / "data" / "calibration" / "replies.public.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "calibration" / "replies.holdout.jsonl"
HOLDOUT2 = ROOT / "tests" / "data" / "calibration" / "replies.holdout2.jsonl"
HOLDOUT3 = ROOT / "tests" / "data" / "calibration" / "replies.holdout3.jsonl"
HOLDOUT4 = ROOT / "tests" / "data" / "calibration" / "replies.holdout4.jsonl"


def test_qwk_perfect_and_chance() -> None:
    assert quadratic_weighted_kappa([0, 5, 10], [0, 5, 10]) == pytest.approx(1.0)
    # swapping the extremes is worse than chance
    assert quadratic_weighted_kappa([0, 10], [10, 0]) < 0


def test_qwk_hand_computed() -> None:
    # ratings on 0..2; one disagreement by 1 step: observed weighted sum 0.25, expected 1.25
    assert quadratic_weighted_kappa([0, 1, 1, 2], [0, 1, 2, 2], lo=0, hi=2) == pytest.approx(0.8)


def test_qwk_rejects_out_of_range_and_mismatch() -> None:
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([11], [3])
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([1, 2], [3])
    assert math.isnan(quadratic_weighted_kappa([], []))


def test_spearman_with_ties() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ties get average ranks: x ranks [1.5,1.5,3,4], y ranks [1,2,3,4]
    assert spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833, rel=1e-6)
    assert math.isnan(spearman([3, 3, 3], [1, 2, 3]))


def test_mae() -> None:
    assert mean_absolute_error([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)


def test_scale_mapping_rounds_half_up() -> None:
    assert [to_scale10(x) for x in (0, 4.9, 5, 44.9, 45, 95, 100)] == [0, 0, 1, 4, 5, 10, 10]


def test_calibrate_groups_and_rounds_human_means() -> None:
    report = calibrate([(70, 6.5, "a"), (30, 3, "a"), (90, 9, "b"), (10, 1.5, "b")])
    assert report.overall.n == 4
    assert report.overall.mae == pytest.approx(0.25)  # 7 vs 7, 3 vs 3, 9 vs 9, 1 vs 2
    assert set(report.groups) == {"a", "b"}
    assert report.groups["a"].mae == 0
    assert "overall" in report.table() and "QWK" in report.table()
    assert report.as_dict()["groups"]["b"]["n"] == 2
    with pytest.raises(ValueError):
        calibrate([])


def test_packaged_copy_is_the_public_file() -> None:
    assert default_calibration_file().read_bytes() == PUBLIC.read_bytes()
    assert len(load_scored_replies(PUBLIC)) == 60


def _calibrate_json(*args: str) -> dict:
    result = CliRunner().invoke(calibrate_cmd, [*args, "--json", "--bank-dir", str(ROOT / "question_banks")])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# The public yardstick, and four sets that independent raters scored without seeing the grader
# (holdout..holdout3 were later used to fix general weaknesses: holdout2 was QWK 0.842 / Spearman 0.867 and
# holdout3 0.862 / 0.846 before their rounds; holdout4 0.875 / 0.795 before issue 18). Regression guards: no set
# may lose more than 0.01 QWK against its figure when issue 18 started (0.9737, 0.9583, 0.9338, 0.9412), and the
# untouched holdout4 must reach the 0.93. min_group_qwk guards against one scenario being left far behind.
SCORED_SETS = [
    pytest.param((), 60, 0.9637, None, id="public"),
    pytest.param((str(HOLDOUT),), 80, 0.9483, None, id="holdout"),
    pytest.param((str(HOLDOUT2),), 60, 0.9238, 0.75, id="holdout2"),
    pytest.param((str(HOLDOUT3),), 60, 0.9312, None, id="holdout3"),
    pytest.param((str(HOLDOUT4),), 120, 0.93, 0.85, id="holdout4"),
]


@pytest.mark.parametrize("args,n,min_qwk,min_group_qwk", SCORED_SETS)
def test_scored_sets_meet_the_agreement_targets(
    args: tuple[str, ...], n: int, min_qwk: float, min_group_qwk: float | None
) -> None:
    report = _calibrate_json(*args)
    assert report["overall"]["n"] == n
    assert report["overall"]["qwk"] >= min_qwk
    assert report["overall"]["spearman"] >= 0.85
    assert len(report["groups"]) == 10
    if min_group_qwk is not None:
        assert min(g["qwk"] for g in report["groups"].values()) >= min_group_qwk


def test_calibrate_prints_a_table(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in PUBLIC.read_text("utf-8").splitlines()[:12]]
    small = tmp_path / "mine.jsonl"
    small.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    result = CliRunner().invoke(calibrate_cmd, [str(small), "--bank-dir", str(ROOT / "question_banks")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("12 scored replies")
    assert lines[1].split() == ["group", "n", "QWK", "Spearman", "MAE"]
    assert lines[2].startswith("overall")


def test_calibrate_reports_unknown_scenarios(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"id": "x", "scenario": "reply.nope", "text": "您好", "score": 5}), "utf-8")
    result = CliRunner().invoke(calibrate_cmd, [str(f), "--bank-dir", str(ROOT / "question_banks")])
    assert result.exit_code != 0
    assert "reply.nope" in result.output
