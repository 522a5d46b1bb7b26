"""Shared fixtures of the simulation tests: the small test simulation and the shipped ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exam.simulation.model import Simulation

ROOT = Path(__file__).resolve().parents[3]
MINI = ROOT / "tests" / "data" / "simulations" / "mini.yaml"
BANK = ROOT / "question_banks" / "simulations"
SHIPPED = sorted(BANK.glob("*.yaml"))


def load(path: Path) -> Simulation:
    """The first simulation of a bank file."""
    return Simulation.model_validate(yaml.safe_load(path.read_text("utf-8"))["questions"][0])


@pytest.fixture(scope="session")
def mini() -> Simulation:
    """tests/data/simulations/mini.yaml: a tiger (price, 改价, related sale, pay, bye) and a koala (hello, size, bye)."""
    return load(MINI)
