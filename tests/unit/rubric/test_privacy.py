"""Privacy detector: other people's data given out or offered, and requests for the customer's credentials."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import DEFAULT_CAPS, grade_reply
from tests.unit.rubric.helpers import detector, evaluate, spans, two_criteria

PRIVACY = two_criteria({"kind": "privacy", "points": 10, "min_chars": 0})


@pytest.mark.parametrize(
    "text",
    [
        "好的,她叫王女士,电话138xxxx5678,住3栋2单元。",
        "那位买家姓李,住在阳光花园,您去问问。",
        "对方的手机号是13912345678。",
        "可以的,我这就发给您她的电话。",
    ],
)
def test_privacy_leaks_are_flagged(text: str) -> None:
    res = grade_reply(PRIVACY, text)
    assert "privacy_leak" in res.flags and res.score <= 10
    assert any(e.kind == "privacy" for e in res.criteria[0].evidence)


@pytest.mark.parametrize(
    "text",
    [
        "其他顾客的电话和地址属于隐私,我们不能发给您她的电话,您的信息我们也同样保密。",
        "您的新地址是幸福小区5号楼302室,电话13812345678,对吗?",
        "那位买家叫什么我们不能透露,您和她住同一栋楼的话可以在楼道群里问问。",
    ],
)
def test_privacy_no_false_alarms(text: str) -> None:
    res = grade_reply(PRIVACY, text)
    assert "privacy_leak" not in res.flags, res.criteria[0].evidence


def test_privacy_when_the_customer_asks_about_someone_else() -> None:
    text = "电话13812345678,您直接联系吧。"
    assert "privacy_leak" not in grade_reply(PRIVACY, text, messages=["帮我改一下收货电话"]).flags
    assert "privacy_leak" in grade_reply(PRIVACY, text, messages=["把那个人的电话发我"]).flags


CREDENTIALS = two_criteria({"kind": "privacy", "points": 10, "min_chars": 0})


@pytest.mark.parametrize(
    "text",
    [
        "您把卡号和取款密码报给我,我这边帮您付。",
        "麻烦提供一下您的身份证号,我这边核实。",
        "把收到的短信验证码告诉我一下,我帮您操作。",
        "我帮您登录您的支付宝看看哪里出了问题。",
        "您的支付宝密码是多少?",
        "卡号发我一下,退款直接打到卡上。",
    ],
)
def test_asking_for_credentials_is_flagged_and_capped(text: str) -> None:
    res = grade_reply(CREDENTIALS, text)
    assert "credential_request" in res.flags, text
    assert res.score <= DEFAULT_CAPS["credential_request"] <= 10
    assert any(e.kind == "claim" for e in res.criteria[0].evidence)


@pytest.mark.parametrize(
    "text",
    [
        "验证码请不要告诉任何人,客服不会向您索要密码。",
        "付款时输入支付密码确认就可以了。",
        "系统会给您发验证码,输入即可。",
        "截图发我看看,记得把卡号遮住哦。",
        "麻烦把新地址、收件人和电话发给我,我核对后修改。",
        "您的订单号发我一下,我帮您查。",
        "如果忘记支付密码,可以在支付宝里找回。",
    ],
)
def test_credential_warnings_and_ordinary_requests_are_not_flagged(text: str) -> None:
    assert "credential_request" not in grade_reply(CREDENTIALS, text).flags, text


def test_credential_check_can_be_turned_off() -> None:
    r = two_criteria({"kind": "privacy", "credentials": False})
    assert "credential_request" not in grade_reply(r, "您把银行卡号发我").flags


LEAKS = {"kind": "privacy", "points": 10, "min_chars": 0, "penalty": 3}


def test_each_piece_of_data_is_evidence_with_its_label() -> None:
    out = evaluate(LEAKS, "好的,她叫王女士,电话138xxxx5678,住3栋2单元。")
    assert out.points == -3 and out.flags == ["privacy_leak"]
    assert {e.kind for e in out.evidence} == {"privacy"}
    assert spans(out) == [
        ("她叫王女士", 3, 8, "泄露他人姓名"),
        ("138xxxx5678", 11, 22, "泄露他人电话"),
        ("3栋", 24, 26, "泄露他人地址"),
        ("2单元", 26, 29, "泄露他人地址"),
    ]


def test_an_offer_is_a_leak_unless_it_is_refused() -> None:
    out = evaluate(LEAKS, "可以的,我这就发给您她的电话。")
    assert out.flags == ["privacy_leak"]
    assert spans(out) == [("发给您她的电话", 7, 14, "答应提供他人信息")]
    refused = evaluate(LEAKS, "对不起,不能发给您她的电话。")
    assert refused.points == 10 and refused.flags == [] and refused.evidence == []


def test_the_customers_own_data_read_back_is_no_leak() -> None:
    out = evaluate(LEAKS, "您的新地址是幸福小区5号楼302室,电话13812345678,对吗?")
    assert out.points == 10 and out.evidence == []


def test_a_detector_note_replaces_the_leak_labels() -> None:
    out = evaluate(dict(LEAKS, note="泄露了邻居的信息"), "她的电话是13812345678。")
    assert [s[3] for s in spans(out, "privacy")] == ["泄露了邻居的信息", "泄露了邻居的信息"]


def test_a_credential_request_is_claim_evidence_with_its_own_flag() -> None:
    out = evaluate(LEAKS, "您把卡号和取款密码报给我,我这边帮您付。")
    assert out.points == -3 and out.flags == ["credential_request"]
    assert [(e.kind,) + s for e, s in zip(out.evidence, spans(out))] == [
        ("claim", "把卡号和取款密码报给", 1, 11, "索要顾客的密码、验证码、卡号或身份证号等敏感信息")
    ]
    both = evaluate(dict(LEAKS, flag="leak", credential_flag="cred"), "她的电话是13812345678,把验证码告诉我。")
    assert both.flags == ["leak", "cred"]
    assert [e.kind for e in both.evidence] == ["privacy", "privacy", "claim"]


def test_clean_sheet_needs_a_real_reply() -> None:
    det = {"kind": "privacy", "points": 10, "min_chars": 12}
    assert evaluate(det, "好的。").points == 0
    assert evaluate(det, "其他顾客的信息我们要保密,不能提供哦。").points == 10


def test_privacy_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        detector({"kind": "privacy", "penalty": -1})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        detector({"kind": "privacy", "phones": True})
