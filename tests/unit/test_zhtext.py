"""Full-width punctuation in Chinese text, and the bank rule against citing unseen documents."""

from __future__ import annotations

import pytest

from exam.banks.textlint import UNSEEN_SOURCE
from exam.zhtext import full_width, half_width_marks


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        (
            "衬衣 199 元,店铺统一价不议价;可以赠送一个小礼物(袜子或手帕)",
            "衬衣 199 元，店铺统一价不议价；可以赠送一个小礼物（袜子或手帕）",
        ),
        ("欢迎,曾可", "欢迎，曾可"),
        ("能帮我改成公司地址吗?还有", "能帮我改成公司地址吗？还有"),
        ("孔雀型:真诚赞美", "孔雀型：真诚赞美"),
    ],
)
def test_half_width_marks_in_chinese_become_full_width(text: str, fixed: str) -> None:
    assert half_width_marks(text)
    assert full_width(text) == fixed
    assert not half_width_marks(fixed)


@pytest.mark.parametrize("text", ["1,000 元", "10:30 发货", "Hello, world", "(a) 选项", "满 299 元包邮。"])
def test_numbers_latin_text_and_patterns_stay_as_they_are(text: str) -> None:
    assert full_width(text) == text and not half_width_marks(text)


@pytest.mark.parametrize(
    "stem",
    ["讲义认为最重要的是什么？", "根据岗位说明书，下列哪项正确？", "文章推荐的回复是？", "根据种子材料，哪些做法对？"],
)
def test_stems_citing_unseen_documents_are_caught(stem: str) -> None:
    assert UNSEEN_SOURCE.search(stem)


@pytest.mark.parametrize("stem", ["客户问有没有优惠，客服应当怎样回答？", "下列哪些是售前客服常见的考核指标？"])
def test_self_contained_stems_pass(stem: str) -> None:
    assert not UNSEEN_SOURCE.search(stem)


def test_the_shipped_bank_has_no_unseen_sources_and_no_half_width_marks() -> None:
    from pathlib import Path

    from exam.banks.loader import validate_paths

    bank = Path(__file__).resolve().parents[2] / "question_banks"
    problems = [str(p) for p in validate_paths([bank]) if "never see" in p.message or "half-width" in p.message]
    assert not problems, problems[:5]
