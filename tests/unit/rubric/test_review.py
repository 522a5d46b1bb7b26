"""Replies the rubric cannot judge: copies of the customer's message and replies in another language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from exam.cli.grade import grade
from exam.grading.rubric import grade_reply
from exam.grading.rubric.review import BLANK, review_reply, script_of
from tests.unit.rubric.helpers import points, rubric_of

ROOT = Path(__file__).parents[3]
MESSAGE = "收到的杯子盖子是裂的!你们怎么发货的?不给我解决我就给差评!"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("亲，您好，您的包裹已经发出啦", "zh"),
        ("Hello, thank you for your order, it ships tomorrow.", "latin"),
        ("こんにちは、ご注文ありがとうございます。", "ja"),
        ("안녕하세요 주문 감사합니다", "ko"),
        ("Здравствуйте, спасибо за заказ", "cyrillic"),
        ("亲，您的 iPhone 15 Pro 256GB 已经发货，订单号 SF1234567890。", "zh"),  # brand and codes stay Chinese
        ("ok", None),  # too little text to tell
    ],
)
def test_script_of(text: str, script: str | None) -> None:
    assert script_of(text) == script


def test_a_reply_that_mostly_copies_the_customer_goes_to_review() -> None:
    reply = "您好，" + MESSAGE
    check = review_reply(reply, [MESSAGE])
    assert check.codes == ["copies_customer"]
    item = check.items[0]
    # content characters: 您好 (2) + the message's 10 + 7 + 10 = 29, of which the message's 27 are copied
    assert item.share == pytest.approx(27 / 29)
    assert item.texts == (MESSAGE[:-1],)  # the copied stretch, up to its last content character
    assert reply[item.spans[0][0] : item.spans[0][1]] == item.texts[0]
    # the rubric grades the reply with the copy blanked out, offsets unchanged
    assert len(check.graded_text) == len(reply)
    assert check.graded_text.startswith("您好，" + BLANK) and "杯子" not in check.graded_text
    assert item.as_dict()["spans"][0]["text"] == MESSAGE[:-1]


def test_quoting_a_few_words_is_not_copying() -> None:
    reply = (
        "亲，非常抱歉让您收到盖子裂开的杯子，给您添麻烦了。我马上为您补发一个新的杯子，运费由我们承担，今天就安排发出。"
    )
    assert review_reply(reply, [MESSAGE]).items == []


def test_copied_facts_earn_nothing() -> None:
    rubric = rubric_of({"kind": "phrases", "phrases": ["中转站"], "points": 30}, max_points=30)
    message = "我的包裹在中转站滞留三天了，怎么回事？"
    own_words = "您好，我马上联系快递公司，中转站那边今天一定给您催件，有消息第一时间告诉您。"
    copied = "您好，我的包裹在中转站滞留三天了，怎么回事？"
    assert points(rubric, own_words, messages=[message]) == 30
    result = grade_reply(rubric, copied, messages=[message])
    assert result.criteria[0].points == 0
    assert [r["code"] for r in result.review] == ["copies_customer"]


def test_a_reply_in_another_language_goes_to_review() -> None:
    text = "Hello, thank you for your message. We will send you a new cup today."
    check = review_reply(text, [MESSAGE])
    assert check.codes == ["other_language"]
    assert (check.items[0].task_language, check.items[0].reply_language) == ("zh", "latin")
    assert "中文" in check.items[0].note
    assert check.graded_text == text  # graded as written: the rubric's own guard caps it
    assert review_reply("亲，马上给您补发一个新杯子，今天发出。", [MESSAGE]).items == []
    assert review_reply("", [MESSAGE]).items == []


def test_grade_reply_json_has_the_review_list(tmp_path: Path) -> None:
    bank = str(ROOT / "question_banks")
    f = tmp_path / "reply.txt"
    f.write_text("Dear customer, your parcel is on its way and will arrive soon.", "utf-8")
    result = CliRunner().invoke(grade, ["reply", "reply.logistics.delay", "--text-file", str(f), "--bank-dir", bank])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [r["code"] for r in out["review"]] == ["other_language"]
    f.write_text("亲，理解您着急的心情，包裹已经在路上了，我马上联系快递帮您催一下，有进展第一时间告诉您。", "utf-8")
    out = json.loads(
        CliRunner().invoke(grade, ["reply", "reply.logistics.delay", "--text-file", str(f), "--bank-dir", bank]).output
    )
    assert out["review"] == []
