"""Simulation bank models: valid items, and invalid ones reported as `path:line: message` by the bank loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from exam.banks.loader import read_bank
from exam.questions.base import ordered_dump
from exam.simulation.model import Simulation, step_facts
from exam.simulation.shop import gifts, order_value, promotion_text

from .conftest import MINI

TEXT = MINI.read_text("utf-8")
SUBJECT = "chat_simulation question 'sim.test.mini'"


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence - 1]


def problems(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    """(line, message) of every problem the bank loader finds in ``text``."""
    path = tmp_path / "sim.yaml"
    path.write_text(text, "utf-8")
    return [(p.line, p.message) for p in read_bank([path])[1]]


def mutate(old: str, new: str) -> str:
    """The test simulation with one unique piece of text replaced."""
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def test_the_test_simulation_is_valid(mini: Simulation) -> None:
    assert [c.id for c in mini.customers] == ["tiger", "koala"]
    assert mini.customer("koala").delay_s() == 12  # koala default (seed 003: hesitant)
    assert mini.customer("tiger").step("related").patience_s(mini.customer("tiger")) == 60
    assert mini.service_stage() == "presale"


def test_the_loader_accepts_it(tmp_path: Path) -> None:
    assert problems(tmp_path, TEXT) == []


# (replaced, replacement, line holding this text in the mutated file, expected message)
CASES = [
    (
        "goto: pay\n        add: [{product: belt}]",
        "goto: pya\n        add: [{product: belt}]",
        "goto: pya",
        "customer 'tiger' step 'related' rule 1 goes to unknown step 'pya' (did you mean 'pay'?); "
        "steps: price, change_price, related, pay, bye",
    ),
    (
        "      rules:\n      - end: true\n  explanation",
        "      rules:\n      - when: {score_min: 50}\n        end: true\n  explanation",
        "- when: {score_min: 50}",
        "customer 'koala' step 'bye' rule 1 is the last one but has a `when`; the last rule must have none",
    ),
    (
        "- when: {criterion: solve, min: 0.5}\n        goto: related\n        add: [{product: shirt, variant: M}]\n"
        "        note: 先认同",
        "- when: {criterion: solv, min: 0.5}\n        goto: related\n        add: "
        "[{product: shirt, variant: M}]\n        note: 先认同",
        "criterion: solv",
        "customer 'tiger' step 'price' rule 2 names criterion 'solv', which this step's rubric does not have "
        "(did you mean 'solve'?); criteria: courtesy, honesty, solve",
    ),
    (
        "- when: {flag: forbidden_claim}\n        goto: change_price",
        "- when: {flag: forbiden_claim}\n        goto: change_price",
        "forbiden_claim",
        "customer 'tiger' step 'price' rule 1 tests flag 'forbiden_claim', which this step's rubric never raises "
        "(did you mean 'forbidden_claim'?)",
    ),
    (
        "add: [{product: shirt, variant: L}]",
        "add: [{product: shirt, variant: XXL}]",
        "variant: XXL",
        "customer 'koala' step 'size' rule 1 adds an item that names variant 'XXL', which product 'shirt' does not "
        "have; variants: M, L",
    ),
    (
        "add: [{product: shirt, variant: L}]",
        "add: [{product: shirt, variant: L, qty: 3}]",
        "qty: 3",
        "customer 'koala' step 'size' rule 1 adds an item that takes 3 of 'shirt' L, but only 2 are in stock",
    ),
    (
        "add: [{product: belt}]",
        "add: [{product: belts}]",
        "product: belts",
        "customer 'tiger' step 'related' rule 1 adds an item that names unknown product 'belts' (did you mean "
        "'belt'?); products: shirt, belt",
    ),
    (
        "    at: 30\n",
        "    at: 600\n",
        "at: 600",
        "customer 'koala' arrives at 600 s, not before the end of the simulation (600 s)",
    ),
    (
        "      - goto: pay\n        outcome: ordered\n",
        "      - goto: pay\n        end: true\n        outcome: ordered\n",
        "      - goto: pay",
        "customers[1].steps[3].rules[2]: a rule needs exactly one of `goto: <step id>` and `end: true`",
    ),
    (
        "message: 付好了。",
        "mesage: 付好了。",
        "mesage:",
        "customers[1].steps[4]: unknown field 'mesage' (did you mean 'message'?)",
    ),
    (
        "        goto: change_price\n",
        "        goto: related\n",
        "    - id: change_price",
        "customer 'tiger' step 'change_price' is never reached: no rule goes to it from the first step",
    ),
    (
        "        add: [{product: shirt, variant: L}]\n        outcome: ordered",
        "        outcome: ordered",
        "        outcome: ordered",
        None,
    ),  # the koala's rule: the third "outcome: ordered" of the file
    (
        "    - id: bye\n      stage: farewell\n      message: 好的，谢谢。",
        "    - id: size\n      stage: farewell\n      message: 好的，谢谢。",
        "    - id: size",
        "customer 'koala' has step id 'size' twice",
    ),
    (
        "    product: shirt\n    steps:\n    - id: hello",
        "    product: shrit\n    steps:\n    - id: hello",
        "product: shrit",
        "customer 'koala' is about unknown product 'shrit' (did you mean 'shirt'?); products: shirt, belt",
    ),
    (
        "    - {id: belt, name: 休闲腰带, price: 45}",
        "    - {id: belt, name: 休闲腰带, price: 0}",
        "price: 0",
        "shop.products[2].price: input should be greater than 0 (got 0)",
    ),
    (
        "{kind: full_reduction, threshold: 200, amount: 20}",
        "{kind: full_reduction, threshold: 200, off: 20}",
        "off: 20",
        "shop.promotions[2]: missing required field 'amount'",
    ),  # YAML reads `off` as false
]


@pytest.mark.parametrize("old, new, where, message", CASES, ids=[c[2].strip()[:24] for c in CASES])
def test_invalid_items_are_reported_at_their_line(
    tmp_path: Path, old: str, new: str, where: str, message: str | None
) -> None:
    text = mutate(old, new)
    found = problems(tmp_path, text)
    if message is None:  # the koala orders without ever putting anything in the cart
        message = "customer 'koala' step 'size' rule 1 ends in an order, but nothing is ever put in the cart"
        line = line_of(text, where, 3)
    elif where in ("    - id: size", "    - id: change_price"):
        line = line_of(text, where, 2)  # the first is a fact or claim item id of a rubric, or the first step
    else:
        line = line_of(text, where)
    assert any(ln == line and msg.startswith(SUBJECT) and message in msg for ln, msg in found), (line, found)


def test_a_rubric_that_does_not_add_up_is_reported_at_its_anchor(tmp_path: Path) -> None:
    text = mutate(
        "          max: 30\n          detectors:\n          - {kind: phrases, set: respect, points: 10}",
        "          max: 20\n          detectors:\n          - {kind: phrases, set: respect, points: 10}",
    )
    found = problems(tmp_path, text)
    assert found and all("criteria max must add up to 100, not 90" in message for _, message in found)
    assert line_of(text, "- &courtesy") + 1 >= found[0][0] >= line_of(TEXT, "rubric:")


def test_one_customer_is_not_a_simulation(tmp_path: Path) -> None:
    text = TEXT[: TEXT.index("  - id: koala")] + TEXT[TEXT.index("  explanation:") :]
    assert problems(tmp_path, text) == [
        (
            line_of(text, "customers:"),
            f"{SUBJECT}: customers: list should have at least 2 items after validation, not 1",
        )
    ]


def test_direct_validation_names_the_customer_and_step() -> None:
    data = yaml.safe_load(
        mutate("goto: pay\n        add: [{product: belt}]", "goto: pya\n        add: [{product: belt}]")
    )
    with pytest.raises(ValidationError) as info:
        Simulation.model_validate(data["questions"][0])
    assert "customer 'tiger' step 'related' rule 1 goes to unknown step 'pya'" in str(info.value)


def test_export_round_trips_and_the_schema_names_the_type(mini: Simulation) -> None:
    exported = ordered_dump(mini)
    assert list(exported)[:6] == ["id", "type", "topics", "difficulty", "source", "title"]
    assert Simulation.model_validate(exported) == mini
    schema = Simulation.model_json_schema()
    assert schema["properties"]["type"]["const"] == "chat_simulation"


def test_the_shop_card_as_facts(mini: Simulation) -> None:
    tiger = mini.customer("tiger")
    facts = step_facts(mini, tiger, tiger.step("price"))
    assert facts.startswith("纯棉衬衣 199 元；另有 45 元的休闲腰带；")
    assert "任选两件享 9 折；全店满 200 元减 20 元；全店满 150 元送帆布袋" in facts
    assert facts.endswith("客服不得：修改商品价格。")
    assert [promotion_text(p) for p in mini.shop.promotions] == [
        "任选两件享 9 折",
        "全店满 200 元减 20 元",
        "全店满 150 元送帆布袋",
    ]


def test_order_values_by_hand(mini: Simulation) -> None:
    from exam.simulation.shop import CartItem

    shop = mini.shop
    shirt, belt = CartItem(product="shirt", variant="M"), CartItem(product="belt")
    # one shirt: 199, one item so no 9 折, 199 < 200 so no 满减
    assert order_value(shop, [shirt]) == 199
    # shirt + belt: (199 + 45) x 0.9 = 219.6, >= 200 so minus 20 = 199.6
    assert order_value(shop, [shirt, belt]) == 199.6
    # two belts: 90 x 0.9 = 81, below 200
    assert order_value(shop, [CartItem(product="belt", qty=2)]) == 81
    # 满赠 on the discounted amount: 81 < 150, no gift; 219.6 >= 150, a gift
    assert gifts(shop, [CartItem(product="belt", qty=2)]) == []
    assert gifts(shop, [shirt, belt]) == ["帆布袋"]
