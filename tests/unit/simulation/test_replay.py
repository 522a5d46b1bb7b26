"""The replay contract (`exam simulate SIMULATION_ID --replies-file F --json`): its JSON shape and its input."""

from __future__ import annotations

import json

import pytest

from exam.simulation.model import Simulation
from exam.simulation.replay import parse_replies, replay

from .test_engine import HAPPY

CONTRACT_METRICS = {"reply_rate", "mean_response_s", "p90_response_s", "conversion_rate", "order_value", "quality"}


def test_the_contract_shape(mini: Simulation) -> None:
    out = replay(mini, HAPPY)
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out
    assert {"customers", "metrics"} <= set(out)
    assert CONTRACT_METRICS <= set(out["metrics"])
    for customer in out["customers"]:
        assert {"id", "outcome", "first_response_s", "response_times_s", "order_value", "messages"} <= set(customer)
        assert customer["outcome"] in {"ordered", "resolved", "left", "complained", "open"}
        assert all(isinstance(t, (int, float)) for t in customer["response_times_s"])
        assert isinstance(customer["order_value"], (int, float))
        times = [m["at"] for m in customer["messages"]]
        assert times == sorted(times)
        for message in customer["messages"]:
            assert {"at", "from", "text"} <= set(message) and message["from"] in {"customer", "candidate"}
            if message["from"] == "customer":
                assert message["why"]["kind"] in {"arrival", "rule", "nudge", "leave"}
    assert [c["id"] for c in out["customers"]] == ["tiger", "koala"]
    reply = out["customers"][0]["replies"][0]
    assert {"step", "stage", "at", "text", "score", "flags", "criteria", "rule"} <= set(reply)
    assert {"id", "label", "points", "max", "evidence"} <= set(reply["criteria"][0])


def test_nulls_when_nothing_was_answered(mini: Simulation) -> None:
    out = replay(mini, [])
    assert [c["first_response_s"] for c in out["customers"]] == [None, None]
    assert [c["response_times_s"] for c in out["customers"]] == [[], []]
    assert [(c["outcome"], c["order_value"]) for c in out["customers"]] == [("left", 0), ("left", 0)]
    metrics = out["metrics"]
    assert metrics["mean_response_s"] is None and metrics["p90_response_s"] is None
    assert metrics["reply_rate"] == 0.0 and metrics["conversion_rate"] == 0.0
    assert metrics["order_value"] is None and metrics["quality"] is None


def test_the_replies_file_format() -> None:
    assert parse_replies([{"at": 3, "customer": "c1", "text": "您好"}, [4.5, "c2", "在的"]]) == [
        (3.0, "c1", "您好"),
        (4.5, "c2", "在的"),
    ]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"at": 1}, "the replies must be a JSON list"),
        ([{"at": 1, "text": "您好"}], "replies[1]: missing 'customer'"),
        ([{"at": -1, "customer": "c", "text": "您好"}], "replies[1]: 'at' must be a number of seconds >= 0, got -1"),
        (
            [{"at": True, "customer": "c", "text": "您好"}],
            "replies[1]: 'at' must be a number of seconds >= 0, got True",
        ),
        (
            [{"at": 1, "customer": "c", "text": "好"}, {"at": 2, "customer": "c", "text": 5}],
            "replies[2]: 'customer' and 'text' must be strings",
        ),
        (["您好"], "replies[1]: expected"),
    ],
)
def test_bad_replies_files_name_the_entry(data: object, error: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_replies(data)
    assert str(info.value).startswith(error)


def test_a_refused_reply_names_its_entry(mini: Simulation) -> None:
    with pytest.raises(ValueError, match=r"^replies\[2\]: customer 'koala' arrives at 30 s"):
        replay(mini, [(10, "tiger", "您好"), (12, "koala", "您好")])
