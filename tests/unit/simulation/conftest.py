"""Shared fixtures of the simulation tests: the small test simulation, the shipped ones, a registered type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from exam.banks import validate
from exam.questions import registry
from exam.questions.base import QuestionType
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


class _ChatSimulation(QuestionType):
    """A stand-in for the chat_simulation question type the integrator will register."""

    name = "chat_simulation"
    model = Simulation
    template = ""

    def public_view(self, question: Any, item: Any) -> dict[str, Any]:
        """Not used by these tests."""
        return {}


@pytest.fixture
def chat_type(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register chat_simulation for one test, so the real bank loader validates simulation files."""
    registry.all_types()
    monkeypatch.setitem(registry.TYPES, "chat_simulation", _ChatSimulation())
    validate.known_fields.cache_clear()
    yield
    validate.known_fields.cache_clear()
