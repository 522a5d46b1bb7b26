"""Reception simulation core (模拟接待台): bank models, the deterministic desk engine, figures and replay (pure)."""

from exam.simulation.engine import DeskError, State, advance, finish, reply, start, state_from_dict, state_to_dict
from exam.simulation.model import Simulation
from exam.simulation.replay import parse_replies, replay, transcript

__all__ = [
    "DeskError",
    "Simulation",
    "State",
    "advance",
    "finish",
    "parse_replies",
    "replay",
    "reply",
    "start",
    "state_from_dict",
    "state_to_dict",
    "transcript",
]
