"""Trainers see a reply rubric's caps and calibration on its page, and in the try page the raw points, the
calibrated score and each cap with the phrase that raised it (issue 18)."""

from __future__ import annotations

import html
import re

import pytest

from exam.banks.loader import load_bank
from exam.services.bank_store import import_bank
from tests.conftest import csrf_of


@pytest.fixture
def trainer(client, login_as, session):  # type: ignore[no-untyped-def]
    """A signed-in trainer with the shipped reply tasks imported."""
    import_bank(session, load_bank(["question_banks/replies"]))
    session.commit()
    login_as("trainer")
    return csrf_of(client, "/trainer")


def test_rubric_page_shows_caps_and_calibration(client, trainer) -> None:
    page = client.get("/trainer/questions/reply.bargain.tiger")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "封顶" in text and "contempt" in text and "轻蔑、讽刺或指责顾客" in text
    caps = re.search(r'<table class="table small caps-table">(.*?)</table>', page.text, re.S)
    assert caps and re.search(r"<code class=\"muted\">contempt</code></td>\s*<td class=\"num\">10</td>", caps.group(1))
    calibration = re.search(r'<table class="table small calibration-table">(.*?)</table>', page.text, re.S)
    assert calibration and "replies.v1" in text
    scaled = [float(x) for x in re.findall(r'<td class="num">([0-9.]+)</td>', calibration.group(1))]
    assert len(scaled) == 22 and scaled[:11] == list(range(0, 101, 10))  # raw points, then the scores
    assert scaled[11:] == sorted(scaled[11:]) and scaled[-1] == 100
    assert "留一场景检验" in text


def test_try_page_names_the_capping_phrase_and_the_calibration(client, trainer) -> None:
    r = client.post(
        "/trainer/questions/reply.bargain.tiger/try",
        data={"text": "页面上写得清清楚楚统一价不议价,自己不会看吗?一件就是199,没得商量。", "csrf_token": trainer},
    )
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "原始得分" in text and "校准后" in text and "replies.v1" in text
    assert "轻蔑、讽刺或指责顾客 ≤ 10 · “写得清清楚楚”" in text
    assert '<mark class="bad"' in r.text
    assert re.search(r'class="kpi">(\d+\.\d)</span>', r.text).group(1) == "10.0"
    fine = client.post(
        "/trainer/questions/reply.bargain.tiger/try",
        data={
            "text": "是的亲,199确实不便宜,理解您的感受。全棉面料、大厂代工,品质对得起价格;店铺统一价不议价,"
            "两件可享9折,满299包邮,您按需要选就好,有问题随时找我,谢谢~",
            "csrf_token": trainer,
        },
    )
    assert fine.status_code == 200 and "封顶" not in html.unescape(fine.text).split("原始得分")[1].split("</p>")[0]
    assert float(re.search(r'class="kpi">(\d+\.\d)</span>', fine.text).group(1)) >= 85


def test_evidence_notes_are_translated_and_never_raw_regex(client, trainer) -> None:
    r = client.post(
        "/trainer/questions/reply.privacy.request/try",
        data={"text": "亲,抱歉哦,客户的电话和地址都要保密,想拼单可以在小区群里问问~", "csrf_token": trainer},
    )
    assert r.status_code == 200
    notes = re.findall(r'<span class="muted">(?:<span translate="no">)?([^<]*)</span>', r.text)
    assert notes and not any("|" in n for n in notes)  # no 地址|收货 alternatives
    marks = re.findall(r"<mark [^>]*>([^<]*)</mark>", r.text)
    assert marks and all(len(m) >= 1 for m in marks)
    scenario = re.findall(
        r'<li class="ev-good">✓ <span translate="no">([^<]*)</span> <span class="muted">(?:<span translate="no">)?与场景说法一致</span>',
        r.text,
    )
    assert scenario and all(len(t) >= 3 for t in scenario)  # never 厂代, 度左 and other fragments
    english = client.post(
        "/trainer/questions/reply.privacy.request/try",
        data={"text": "好的", "csrf_token": trainer},
    )
    assert "phrases" not in english.text and "no model answers" not in english.text
