"""Papers are drawn per candidate from the profile's blueprint, options shuffled, versions pinned (pure)."""

import random

import pytest

from exam.banks.loader import load_bank
from exam.services import papers
from tests.web.candidate_helpers import GOOD_BANK

BANK = load_bank([GOOD_BANK])
PROFILE = BANK.profiles["t.presale"]
VERSIONS = {qid: index + 1 for index, qid in enumerate(BANK.questions)}


def test_a_paper_follows_the_blueprint_and_pins_versions() -> None:
    paper = papers.draw_paper(PROFILE, BANK.questions, VERSIONS, random.Random(1))
    assert [s["id"] for s in paper["sections"]] == ["typing", "knowledge", "communication"]
    assert [s["time_limit"] for s in paper["sections"]] == [300, 600, 900]
    counts = {s["id"]: len(s["items"]) for s in paper["sections"]}
    assert counts == {"typing": 1, "knowledge": 5, "communication": 1}
    ids = [i["question_id"] for s in paper["sections"] for i in s["items"]]
    assert len(ids) == len(set(ids)), "a question appears twice"
    for section in paper["sections"]:
        for item in section["items"]:
            question = BANK.questions[item["question_id"]]
            assert item["version_id"] == VERSIONS[question.id]
            assert item["type"] == question.type and question.status == "active"
    knowledge_types = sorted(i["type"] for i in paper["sections"][1]["items"])
    assert knowledge_types == ["multiple_choice", "single_choice", "single_choice", "true_false", "true_false"]
    reply = paper["sections"][2]["items"][0]
    assert BANK.questions[reply["question_id"]].stage == "presale"
    assert papers.total_time_limit(paper) == 1800


def test_options_are_shuffled_per_candidate_unless_the_question_says_no() -> None:
    orders = set()
    for seed in range(40):
        paper = papers.draw_paper(PROFILE, BANK.questions, VERSIONS, random.Random(seed))
        for item in paper["sections"][1]["items"]:
            question = BANK.questions[item["question_id"]]
            if item["type"] in ("single_choice", "multiple_choice"):
                assert sorted(item["order"]) == sorted(o.id for o in question.options)
                if not question.shuffle:
                    assert item["order"] == [o.id for o in question.options]
                elif item["question_id"] == "t.sc.duty":
                    orders.add(tuple(item["order"]))
    assert len(orders) > 5, "options are not shuffled"


def test_papers_differ_between_candidates_but_repeat_for_a_seed() -> None:
    drawn = {
        tuple(
            i["question_id"]
            for s in papers.draw_paper(PROFILE, BANK.questions, VERSIONS, random.Random(seed))["sections"]
            for i in s["items"]
        )
        for seed in range(30)
    }
    assert len(drawn) > 3
    a = papers.draw_paper(PROFILE, BANK.questions, VERSIONS, random.Random(7))
    b = papers.draw_paper(PROFILE, BANK.questions, VERSIONS, random.Random(7))
    assert a == b


def test_a_bank_too_small_for_the_blueprint_is_refused() -> None:
    questions = {k: v for k, v in BANK.questions.items() if v.type != "true_false"}
    with pytest.raises(ValueError, match="cannot fill"):
        papers.draw_paper(PROFILE, questions, VERSIONS, random.Random(1))


def test_iter_items_gives_global_positions() -> None:
    paper = papers.draw_paper(PROFILE, BANK.questions, VERSIONS, random.Random(3))
    entries = list(papers.iter_items(paper))
    assert [e.position for e in entries] == list(range(7))
    assert [e.section_index for e in entries] == [0, 1, 1, 1, 1, 1, 2]


def test_summary_says_what_the_exam_contains() -> None:
    rows = papers.summary(PROFILE)
    assert rows[1] == {
        "id": "knowledge",
        "title": "服务知识",
        "time_limit": 600,
        "count": 5,
        "types": {"single_choice": 2, "multiple_choice": 1, "true_false": 2},
    }
