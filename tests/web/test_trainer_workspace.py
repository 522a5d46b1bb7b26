"""The trainers' workspace: list and filter, edit with a live preview, versions and diffs, retiring,
upload and download, job profiles, trying replies and calibration."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from sqlmodel import select

from exam.banks.loader import load_bank
from exam.models import AuditLog, JobProfile, JobProfileVersion, Question, QuestionVersion, ScoredReply
from exam.services.bank_store import import_bank
from tests.conftest import csrf_of

GOOD_BANK = "tests/data/good_bank"

NEW_TF = """id: tf.workspace.new.001
type: true_false
topics: [principles]
difficulty: 2
source: {seed: 000_seed.txt, section: 沟通原则}
stem: 与客户沟通时应当实事求是。
answer: true
explanation: 实事求是是沟通原则之一。
"""


@pytest.fixture
def bank(session):  # type: ignore[no-untyped-def]
    """The test bank imported into the database."""
    import_bank(session, load_bank([GOOD_BANK]))
    session.commit()


@pytest.fixture
def trainer(client, login_as, bank):  # type: ignore[no-untyped-def]
    """A signed-in trainer and a CSRF token."""
    user = login_as("trainer")
    return user, csrf_of(client, "/trainer")


def _versions(session, qid: str) -> list[int]:  # type: ignore[no-untyped-def]
    session.rollback()
    return [
        v.version
        for v in session.exec(
            select(QuestionVersion).where(QuestionVersion.question_id == qid).order_by(QuestionVersion.version)
        ).all()
    ]


def test_only_trainers_get_in(client, login_as) -> None:
    assert client.get("/trainer").status_code == 401
    login_as("hr")
    assert client.get("/trainer").status_code == 403
    assert client.get("/trainer/profiles").status_code == 403


def test_list_filter_and_search(client, trainer) -> None:
    page = client.get("/trainer")
    assert page.status_code == 200
    assert "t.reply.bargain" in page.text and "t.typing.greeting" in page.text
    assert "题库" in page.text  # Chinese UI by default
    only_tf = client.get(
        "/trainer", params={"type": "true_false"}, headers={"HX-Request": "true", "HX-Target": "question-table"}
    )
    assert only_tf.status_code == 200 and "<html" not in only_tf.text
    ids = set(re.findall(r'href="/trainer/questions/([^"/?]+)"', only_tf.text))
    assert ids and all(i.startswith("t.tf.") for i in ids), ids
    by_topic = client.get("/trainer", params={"topic": "bargaining"}).text
    assert "t.reply.bargain" in by_topic and "t.reply.delay" not in by_topic
    by_difficulty = client.get("/trainer", params={"difficulty": "1", "type": "typing"}).text
    assert "t.typing.closing" in by_difficulty and "t.typing.greeting" not in by_difficulty
    search = client.get("/trainer", params={"q": "快递"}).text  # the delay reply's first message
    assert "t.reply.delay" in search and "t.reply.bargain" not in search
    by_id = client.get("/trainer", params={"q": "REPLY.BARG"}).text
    assert "t.reply.bargain" in by_id and "t.typing.greeting" not in by_id
    wildcard = client.get("/trainer", params={"q": "%"}).text
    assert "t.reply.bargain" not in wildcard
    assert "t.reply.bargain" not in client.get("/trainer", params={"status": "retired"}).text


def test_create_preview_save_edit_diff_retire(client, trainer, session) -> None:
    user, token = trainer
    editor = client.get("/trainer/questions/new", params={"type": "true_false", "topic": "principles"})
    assert editor.status_code == 200 and 'hx-post="/trainer/questions/preview"' in editor.text
    assert "delay:500ms" in editor.text

    # live preview: the candidate's view (the exam page's own partial), the key apart
    ok = client.post("/trainer/questions/preview", data={"yaml": NEW_TF, "creating": "1", "csrf_token": token})
    assert ok.status_code == 200
    assert "与客户沟通时应当实事求是。" in ok.text and 'name="answer-0"' in ok.text
    assert "<html" not in ok.text

    # inline errors with the YAML line numbers
    bad = NEW_TF.replace("difficulty: 2", "difficulty: 9").replace("answer: true", "answer: 是的")
    shown = client.post("/trainer/questions/preview", data={"yaml": bad, "creating": "1", "csrf_token": token})
    assert shown.status_code == 422
    assert 'data-line="4"' in shown.text and 'data-line="7"' in shown.text
    assert "第 4 行" in shown.text
    syntax = client.post("/trainer/questions/preview", data={"yaml": "id: [oops\n", "csrf_token": token})
    assert syntax.status_code == 422 and "YAML 语法错误" in syntax.text

    # saving invalid text changes nothing
    refused = client.post("/trainer/questions", data={"yaml": bad, "csrf_token": token})
    assert refused.status_code == 422 and session.get(Question, "tf.workspace.new.001") is None

    created = client.post("/trainer/questions", data={"yaml": NEW_TF, "csrf_token": token})
    assert created.status_code == 303
    assert created.headers["location"] == "/trainer/questions/tf.workspace.new.001?notice=created"
    assert _versions(session, "tf.workspace.new.001") == [1]
    shown = client.get(created.headers["location"])
    assert "已创建" in shown.text and "与客户沟通时应当实事求是。" in shown.text

    # the same id again is refused
    again = client.post("/trainer/questions", data={"yaml": NEW_TF, "csrf_token": token})
    assert again.status_code == 422 and "already exists" in again.text

    edit = client.get("/trainer/questions/tf.workspace.new.001/edit")
    assert edit.status_code == 200 and 'name="base_version" value="1"' in edit.text
    assert "与客户沟通时应当实事求是。" in edit.text

    # unchanged content: no new version, and the trainer is told so
    same = client.post(
        "/trainer/questions/tf.workspace.new.001", data={"yaml": NEW_TF, "base_version": "1", "csrf_token": token}
    )
    assert same.status_code == 303 and same.headers["location"].endswith("notice=unchanged")
    assert "未生成新版本" in client.get(same.headers["location"]).text
    assert _versions(session, "tf.workspace.new.001") == [1]

    # an edit makes version 2
    edited = NEW_TF.replace("应当实事求是", "应当实事求是、诚实守信")
    saved = client.post(
        "/trainer/questions/tf.workspace.new.001",
        data={"yaml": edited, "base_version": "1", "note": "more precise", "csrf_token": token},
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("notice=updated")
    assert _versions(session, "tf.workspace.new.001") == [1, 2]

    # a stale editor (based on version 1) gets a conflict, and nothing is saved
    stale = client.post(
        "/trainer/questions/tf.workspace.new.001", data={"yaml": NEW_TF, "base_version": "1", "csrf_token": token}
    )
    assert stale.status_code == 409 and _versions(session, "tf.workspace.new.001") == [1, 2]

    # the id cannot change while editing
    renamed = client.post(
        "/trainer/questions/tf.workspace.new.001",
        data={"yaml": edited.replace("new.001", "new.002"), "base_version": "2", "csrf_token": token},
    )
    assert renamed.status_code == 422 and session.get(Question, "tf.workspace.new.002") is None

    # history: who and when, and a unified diff (default: the last change)
    history = client.get("/trainer/questions/tf.workspace.new.001/history")
    assert history.status_code == 200
    assert "v1" in history.text and "v2" in history.text and "more precise" in history.text
    assert (user.display_name or user.username) in history.text
    assert '<span class="d-del">-stem: 与客户沟通时应当实事求是。</span>' in history.text
    assert '<span class="d-add">+stem: 与客户沟通时应当实事求是、诚实守信。</span>' in history.text
    diff = client.get(
        "/trainer/questions/tf.workspace.new.001/history",
        params={"a": 2, "b": 1},
        headers={"HX-Request": "true", "HX-Target": "diff"},
    )
    assert "<html" not in diff.text and '<span class="d-add">+stem: 与客户沟通时应当实事求是。</span>' in diff.text
    old = client.get("/trainer/questions/tf.workspace.new.001", params={"version": 1})
    assert "与客户沟通时应当实事求是。" in old.text and "当前版本" in old.text

    # retire: hidden from the active list, history kept; reactivate brings it back
    retired = client.post(
        "/trainer/questions/tf.workspace.new.001/status", data={"status": "retired", "csrf_token": token}
    )
    assert retired.status_code == 303
    session.rollback()
    assert session.get(Question, "tf.workspace.new.001").status == "retired"
    assert _versions(session, "tf.workspace.new.001") == [1, 2, 3]
    assert "tf.workspace.new.001" not in client.get("/trainer").text
    assert "tf.workspace.new.001" in client.get("/trainer", params={"status": "retired"}).text
    assert "tf.workspace.new.001" in client.get("/trainer", params={"status": "all"}).text
    assert "v3" in client.get("/trainer/questions/tf.workspace.new.001/history").text
    page = client.get(retired.headers["location"])
    assert "已停用" in page.text and "重新启用" in page.text
    client.post("/trainer/questions/tf.workspace.new.001/status", data={"status": "active", "csrf_token": token})
    assert "tf.workspace.new.001" in client.get("/trainer").text
    session.rollback()
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.target_id == "tf.workspace.new.001"))]
    assert actions == ["question.create", "question.update", "question.update", "question.update"]


def test_retiring_warns_when_a_profile_can_no_longer_be_filled(client, trainer, session) -> None:
    _, token = trainer
    # the test profile draws one typing question with topic standard_phrases and difficulty 1-3
    client.post("/trainer/questions/t.typing.greeting/status", data={"status": "retired", "csrf_token": token})
    r = client.post("/trainer/questions/t.typing.closing/status", data={"status": "retired", "csrf_token": token})
    page = client.get(r.headers["location"])
    assert "t.presale" in page.text and "alert-warn" in page.text


def test_every_type_starts_from_a_valid_template(client, trainer) -> None:
    for kind in ("single_choice", "multiple_choice", "true_false", "typing", "reply"):
        page = client.get("/trainer/questions/new", params={"type": kind, "topic": "aftersale", "difficulty": 3})
        assert page.status_code == 200, kind
        assert "alert-error" not in page.text, kind
        assert f"type: {kind}" in page.text and "aftersale.new.001" in page.text


def test_type_cannot_change(client, trainer) -> None:
    _, token = trainer
    edit = client.get("/trainer/questions/t.typing.closing/edit")
    text = re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', edit.text, re.S).group(1)
    text = html.unescape(text).replace("type: typing", "type: true_false")
    r = client.post(
        "/trainer/questions/preview", data={"yaml": text, "editing": "t.typing.closing", "csrf_token": token}
    )
    assert r.status_code == 422


def test_upload_malformed_changes_nothing_and_lists_lines(client, trainer, session) -> None:
    _, token = trainer
    before = session.exec(select(QuestionVersion)).all()
    good = NEW_TF.replace("\n", "\n    ").strip()
    bad = (
        "questions:\n  - " + good + "\n  - id: tf.workspace.bad\n    type: true_false\n    topics: [principles]\n"
        "    difficulty: 6\n    source: {seed: a, section: b}\n    stem: x\n    answer: true\n    explanation: e\n"
    )
    r = client.post(
        "/trainer/bank/upload",
        data={"csrf_token": token},
        files=[("files", ("mixed.yaml", bad.encode(), "application/x-yaml"))],
    )
    assert r.status_code == 422
    assert "mixed.yaml:13: 判断题 'tf.workspace.bad'的字段 difficulty：应当不大于 5" in html.unescape(r.text)
    assert "未导入任何内容" in r.text
    session.rollback()
    assert len(session.exec(select(QuestionVersion)).all()) == len(before)
    assert session.get(Question, "tf.workspace.new.001") is None  # the good one in the same file is not imported
    # a YAML syntax error, and a non-YAML file
    r = client.post(
        "/trainer/bank/upload",
        data={"csrf_token": token},
        files=[
            ("files", ("broken.yaml", b"questions:\n  - id: [x\n", "application/x-yaml")),
            ("files", ("notes.txt", b"hello", "text/plain")),
        ],
    )
    assert r.status_code == 422 and "broken.yaml:" in r.text and "notes.txt:1:" in r.text


def test_upload_good_file_imports(client, trainer, session) -> None:
    _, token = trainer
    text = "questions:\n  - " + NEW_TF.replace("\n", "\n    ").strip() + "\n"
    r = client.post(
        "/trainer/bank/upload",
        data={"csrf_token": token, "note": "from the review"},
        files=[("files", ("new.yaml", text.encode(), "application/x-yaml"))],
    )
    assert r.status_code == 200, r.text
    assert "tf.workspace.new.001" in r.text
    session.rollback()
    version = session.exec(select(QuestionVersion).where(QuestionVersion.question_id == "tf.workspace.new.001")).one()
    assert version.note == "from the review"


def test_download_round_trips(client, trainer, session) -> None:
    _, token = trainer
    r = client.get("/trainer/bank/download")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "profiles/t.presale.yaml" in names and any(n.startswith("replies/") for n in names)
    before = len(session.exec(select(QuestionVersion)).all())
    again = client.post(
        "/trainer/bank/upload",
        data={"csrf_token": token},
        files=[("files", ("bank.zip", r.content, "application/zip"))],
    )
    assert again.status_code == 200, again.text
    session.rollback()
    assert len(session.exec(select(QuestionVersion)).all()) == before
    assert "新建 0 道，更新 0 道，未变 12 道" in again.text and "未变 1 个" in again.text
    # one question as a bank file
    one = client.get("/trainer/questions/t.reply.bargain/download")
    assert one.status_code == 200 and one.text.startswith("questions:") and "t.reply.bargain" in one.text
    assert load_bank_text(one.text).questions["t.reply.bargain"].type == "reply"


def load_bank_text(text: str):  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.yaml"
        path.write_text(text, encoding="utf-8")
        return load_bank([path])


def test_profile_edit_validates(client, trainer, session) -> None:
    _, token = trainer
    assert "t.presale" in client.get("/trainer/profiles").text
    editor = client.get("/trainer/profiles/t.presale")
    assert editor.status_code == 200 and "alert-error" not in editor.text
    text = html.unescape(re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', editor.text, re.S).group(1))
    assert "count: 2" in text
    # the blueprint is checked against the bank: 50 single-choice questions are not there
    too_many = text.replace("{type: single_choice, count: 2", "{type: single_choice, count: 50", 1)
    line = next(i for i, text in enumerate(too_many.splitlines(), 1) if "count: 50" in text)
    check = client.post("/trainer/profiles/check", data={"yaml": too_many, "editing": "t.presale", "csrf_token": token})
    assert check.status_code == 422 and f'data-line="{line}"' in check.text and "要抽 50 道题" in check.text
    refused = client.post(
        "/trainer/profiles/t.presale", data={"yaml": too_many, "base_version": "1", "csrf_token": token}
    )
    assert refused.status_code == 422
    # the model is checked too (weights must be positive)
    bad_model = text.replace("weight: 30", "weight: -1", 1)
    assert client.post("/trainer/profiles/check", data={"yaml": bad_model, "csrf_token": token}).status_code == 422
    # a valid change makes version 2; the check shows the blueprint against the bank
    changed = text.replace("title: 售前客服（测试）", "title: 售前客服（测试二）")
    ok = client.post("/trainer/profiles/check", data={"yaml": changed, "editing": "t.presale", "csrf_token": token})
    assert ok.status_code == 200 and "售前客服（测试二）" in ok.text
    saved = client.post("/trainer/profiles/t.presale", data={"yaml": changed, "base_version": "1", "csrf_token": token})
    assert saved.status_code == 303
    session.rollback()
    assert session.get(JobProfile, "t.presale").current_version == 2
    assert len(session.exec(select(JobProfileVersion)).all()) == 2
    history = client.get("/trainer/profiles/t.presale/history")
    assert "+  title: 售前客服（测试二）" in history.text or "+title: 售前客服（测试二）" in history.text


def test_new_profile(client, trainer, session) -> None:
    _, token = trainer
    editor = client.get("/trainer/profiles/new")
    assert editor.status_code == 200
    text = html.unescape(re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', editor.text, re.S).group(1))
    text = text.replace("count: 5}", "count: 1}")
    r = client.post("/trainer/profiles", data={"yaml": text, "csrf_token": token})
    assert r.status_code == 303, r.text
    session.rollback()
    assert session.get(JobProfile, "new_profile") is not None
    assert client.post("/trainer/profiles", data={"yaml": text, "csrf_token": token}).status_code == 422


def test_try_a_reply_shows_score_and_evidence(client, trainer) -> None:
    _, token = trainer
    page = client.get("/trainer/questions/t.reply.bargain")
    assert "model_answers" not in page.text and "礼貌用语" in page.text
    r = client.post(
        "/trainer/questions/t.reply.bargain/try",
        data={
            "text": "亲，非常理解您的心情，我们店铺是统一价不议价的哦，不过买两件可以享受 9 折优惠。",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200
    assert '<mark class="good"' in r.text and "统一价不议价" in r.text
    assert re.search(r'class="kpi">\d+\.\d</span>', r.text)
    empty = client.post("/trainer/questions/t.reply.bargain/try", data={"text": " ", "csrf_token": token})
    assert empty.status_code == 422
    # against the unsaved rubric in the editor
    edit = client.get("/trainer/questions/t.reply.bargain/edit")
    text = html.unescape(re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', edit.text, re.S).group(1))
    r = client.post("/trainer/try", data={"yaml": text, "text": "亲，您好，统一价不议价哦。", "csrf_token": token})
    assert r.status_code == 200 and "统一价不议价" in r.text
    r = client.post("/trainer/try", data={"yaml": "id: [", "text": "亲", "csrf_token": token})
    assert r.status_code == 422


def test_scored_replies_and_calibration(client, trainer, session) -> None:
    _, token = trainer
    replies = [
        ("亲，非常理解您的心情，我们店铺是统一价不议价的哦，不过买两件可以享受 9 折优惠，很划算呢！", 9),
        ("不能便宜。", 1),
        ("亲，您好，我们是统一价哦。", 5),
    ]
    for text, score in replies:
        r = client.post(
            "/trainer/questions/t.reply.bargain/scored",
            data={"text": text, "human_score": str(score), "csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 200
    assert "QWK" in r.text
    bad = client.post(
        "/trainer/questions/t.reply.bargain/scored",
        data={"text": "亲", "human_score": "11", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422
    client.post(
        "/trainer/questions/t.reply.delay/scored",
        data={
            "text": "亲，非常抱歉让您久等了，我马上联系快递催促，并跟进物流。",
            "human_score": "8",
            "csrf_token": token,
        },
    )
    assert len(session.exec(select(ScoredReply)).all()) == 4
    page = client.get("/trainer/calibration")
    assert page.status_code == 200
    for word in ("QWK", "Spearman", "MAE", "t.reply.bargain", "t.reply.delay", "不能便宜。"):
        assert word in page.text, word
    one = client.get("/trainer/calibration", params={"question": "t.reply.delay"})
    assert "不能便宜。" not in one.text
    # delete one
    reply = session.exec(select(ScoredReply).where(ScoredReply.text == "不能便宜。")).one()
    r = client.post(f"/trainer/scored/{reply.id}/delete", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "不能便宜。" not in r.text


def test_english_locale(client, trainer) -> None:
    _, token = trainer
    client.post("/locale", data={"locale": "en", "next": "/trainer", "csrf_token": token})
    page = client.get("/trainer")
    assert "Question bank" in page.text and "New question" in page.text


def test_scored_replies_from_jsonl_all_or_nothing(client, trainer, session) -> None:
    _, token = trainer
    lines = [
        '{"scenario": "t.reply.bargain", "text": "亲，统一价不议价哦，买两件九折。", "score": 6}',
        '{"scenario": "t.reply.delay", "text": "亲，我马上联系快递催促。", "score": 7.5}',
        '{"scenario": "t.sc.duty", "text": "x", "score": 3}',
        '{"scenario": "t.reply.bargain", "text": "", "score": 11}',
        "not json",
    ]
    r = client.post(
        "/trainer/calibration/import",
        data={"csrf_token": token},
        files={"file": ("mine.jsonl", "\n".join(lines).encode(), "application/jsonl")},
    )
    assert r.status_code == 422
    text = html.unescape(r.text)
    assert "mine.jsonl:3: 题目 't.sc.duty' 是 single_choice 题，不是回复题" in text
    assert "mine.jsonl:4: 缺少 text" in text and "mine.jsonl:4: score 应当是 0 到 10 之间的数" in text
    assert "mine.jsonl:5: 不是有效的 JSON" in text
    session.rollback()
    assert session.exec(select(ScoredReply)).all() == []
    r = client.post(
        "/trainer/calibration/import",
        data={"csrf_token": token},
        files={"file": ("mine.jsonl", "\n".join(lines[:2]).encode(), "application/jsonl")},
    )
    assert r.status_code == 200 and "已添加 2 条评分回复" in r.text
    assert "t.reply.delay" in r.text and "QWK" in r.text


def test_calibration_of_the_real_bank_with_the_public_replies(client, login_as, session) -> None:
    """The shipped bank's rubrics against the public scored replies, as a trainer sees them."""
    import_bank(session, load_bank(["question_banks"]))
    session.commit()
    login_as("trainer")
    token = csrf_of(client, "/trainer")
    raw = open("tests/data/calibration/replies.public.jsonl", "rb").read()
    r = client.post(
        "/trainer/calibration/import",
        data={"csrf_token": token},
        files={"file": ("replies.public.jsonl", raw, "application/jsonl")},
    )
    assert r.status_code == 200, html.unescape(r.text)[-2000:]
    assert "评分细则校准" in r.text
    overall = re.search(r'<tr class="overall">.*?</tr>', r.text, re.S).group(0)
    figures = re.findall(r'<td class="num[^"]*">([^<]+)</td>', overall)
    n, qwk = int(figures[0]), float(figures[1])
    assert n == sum(1 for line in raw.splitlines() if line.strip())
    assert -1 <= qwk <= 1


@pytest.mark.parametrize("qid", ["t.sc.duty", "t.mc.payment", "t.tf.main_task", "t.typing.greeting", "t.reply.bargain"])
def test_each_type_shows_the_candidate_view_and_the_key(client, trainer, qid) -> None:
    page = client.get(f"/trainer/questions/{qid}")
    assert page.status_code == 200
    assert "candidate-frame" in page.text and "key-box" in page.text
    assert 'name="correct"' not in page.text
    edit = client.get(f"/trainer/questions/{qid}/edit")
    assert edit.status_code == 200 and "alert-error" not in edit.text and "candidate-frame" in edit.text
    assert client.get(f"/trainer/questions/{qid}", params={"version": 9}).status_code == 404


def test_unknown_items_are_404(client, trainer) -> None:
    _, token = trainer
    assert client.get("/trainer/questions/no.such").status_code == 404
    assert client.get("/trainer/profiles/no.such").status_code == 404
    assert (
        client.post("/trainer/questions/no.such/status", data={"status": "retired", "csrf_token": token}).status_code
        == 404
    )
    assert (
        client.post("/trainer/questions/t.sc.duty/status", data={"status": "gone", "csrf_token": token}).status_code
        == 422
    )
    empty = client.post(
        "/trainer/bank/upload", data={"csrf_token": token}, files=[("files", ("", b"", "application/octet-stream"))]
    )
    assert empty.status_code == 422


def test_posts_need_the_csrf_token(client, trainer, session) -> None:
    assert client.post("/trainer/questions", data={"yaml": NEW_TF}).status_code == 403
    session.rollback()
    assert session.get(Question, "tf.workspace.new.001") is None


def test_demo_step_imports_the_bank(session, settings) -> None:
    from pathlib import Path

    from exam.services import demo
    from exam.services.demo import STEPS, DemoError

    assert demo.bank_step in STEPS
    said: list[str] = []
    demo.bank_step(session, settings.model_copy(update={"bank_dir": Path(GOOD_BANK)}), None, said.append)
    session.commit()
    assert session.get(Question, "t.reply.bargain") is not None and session.get(JobProfile, "t.presale") is not None
    assert "12 created" in said[0]
    with pytest.raises(DemoError):
        demo.bank_step(
            session,
            settings.model_copy(update={"bank_dir": Path("tests/data/bad_banks/several_problems.yaml")}),
            None,
            said.append,
        )
