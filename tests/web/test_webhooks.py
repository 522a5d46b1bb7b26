"""Webhooks and group robots against real local HTTP receivers: events written with the change that causes
them (outbox), signed generic JSON, retries with back-off after failures and timeouts, the 企业微信 / 钉钉 / 飞书
formats and signing, and the HR page (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from exam.models import Attempt, Role, User, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookTry
from exam.services import accounts, review, webhook_delivery, webhook_formats, webhooks
from exam.services.sample import seed_opening
from exam.timeutil import utcnow
from tests.conftest import login
from tests.web.candidate_helpers import csrf, follow_and_start, hr_user, make_invitation, make_opening, seed_bank
from tests.web.webhook_receivers import (
    dingtalk_checker,
    feishu_checker,
    generic_checker,
    receiver,
    wecom_checker,
)

BASE = "https://exam.example.com"


@pytest.fixture
def hook_settings(settings):  # type: ignore[no-untyped-def]
    """Settings with a public base URL (for report links) and a short request timeout."""
    return settings.model_copy(update={"base_url": BASE, "webhook_timeout_seconds": 1.0})


def _finish(client, session: Session, opening, name: str = "张三") -> int:  # type: ignore[no-untyped-def]
    """A candidate follows the link, starts and submits every section (the app grades it): the attempt id."""
    _inv, token = make_invitation(session, opening, name)
    _, attempt_id = follow_and_start(client, token)
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    for section in ("typing", "knowledge", "communication"):
        client.post(f"/candidate/attempts/{attempt_id}/sections/{section}/submit", data={"csrf_token": t})
    return attempt_id


def _endpoint(session: Session, settings, opening, kind: str, url: str, events=(), secret: str = "") -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    endpoint = webhooks.add_endpoint(
        session, settings, hr_user(session), opening.id, kind=kind, url=url, events=events, secret=secret
    )
    session.commit()
    return endpoint


def _move(session: Session, endpoint: WebhookEndpoint, url: str) -> None:
    """Point an endpoint made with a placeholder address (its secret now known) at a running receiver."""
    endpoint.url = url
    session.add(endpoint)
    session.commit()


def _deliveries(session: Session, endpoint_id: int) -> list[WebhookDelivery]:
    session.rollback()  # end a read transaction: its snapshot is older than the deliverer's writes
    session.expire_all()
    rows = session.exec(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id).order_by(WebhookDelivery.id)
    ).all()
    session.commit()
    return list(rows)


def test_a_finished_attempt_reaches_a_signed_receiver(client, session, engine, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    endpoint = _endpoint(session, hook_settings, opening, "generic", "https://1.1.1.1/hook")
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    with receiver(generic_checker(endpoint.secret)) as rx:
        _move(session, endpoint, rx.url)
        attempt_id = _finish(client, session, opening)
        report = webhook_delivery.deliver_due(engine, hook_settings)
        got = rx.wait_for(2)
    assert report.delivered == 2 and report.failed == 0
    assert [r.ok for r in got] == [True, True], [r.problem for r in got]
    events = [r.json()["event"] for r in got]
    assert sorted(events) == ["attempt.graded", "attempt.submitted"]
    graded = next(r for r in got if r.json()["event"] == "attempt.graded")
    body = graded.json()
    assert body["attempt"]["id"] == attempt_id and body["attempt"]["candidate"] == "张三"
    assert body["attempt"]["status"] == "graded" and isinstance(body["attempt"]["hiring_score"], float)
    assert body["opening"] == {"id": opening.id, "title": opening.title}
    assert body["report_url"] == f"{BASE}/hr/attempts/{attempt_id}" and body["id"].startswith("evt_")
    assert graded.headers["x-exam-event"] == "attempt.graded"
    assert graded.headers["x-exam-delivery"].startswith("dlv_")
    # the code's own verify() agrees with the independent receiver, and refuses tampering and old requests
    ts, sig = graded.headers["x-exam-timestamp"], graded.headers["x-exam-signature"]
    assert webhook_formats.verify(endpoint.secret, graded.body, ts, sig)
    assert not webhook_formats.verify(endpoint.secret, graded.body + b" ", ts, sig)
    assert not webhook_formats.verify("whsec_other", graded.body, ts, sig)
    assert not webhook_formats.verify(endpoint.secret, graded.body, ts, sig, now=int(ts) + 301)
    rows = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
    assert [d.status for d in rows] == ["delivered", "delivered"] and all(d.tries == 1 for d in rows)
    assert webhook_delivery.deliver_due(engine, hook_settings).delivered == 0, "nothing is sent twice"


def test_a_failing_receiver_gets_the_same_delivery_again_after_the_back_off(session, engine, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    endpoint = _endpoint(session, hook_settings, opening, "generic", "https://1.1.1.1/hook")
    if True:
        with receiver(generic_checker(endpoint.secret, fail_first=2)) as rx2:
            _move(session, endpoint, rx2.url)
            delivery = webhooks.send_test(session, hr_user(session), opening.id, endpoint.id)
            start = utcnow()
            assert webhook_delivery.deliver_due(engine, hook_settings).retrying == 1
            (row,) = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
            assert row.status == "pending" and row.tries == 1 and row.last_status_code == 500
            assert timedelta(seconds=29) <= row.next_try_at - start <= timedelta(seconds=32)
            assert webhook_delivery.deliver_due(engine, hook_settings).delivered == 0, "not due before the back-off"
            webhook_delivery.deliver_due(engine, hook_settings, now=utcnow() + timedelta(seconds=31))
            (row,) = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
            assert row.tries == 2 and timedelta(minutes=1, seconds=55) <= row.next_try_at - utcnow() <= timedelta(
                minutes=2
            )
            webhook_delivery.deliver_due(engine, hook_settings, now=utcnow() + timedelta(minutes=3))
            got = rx2.wait_for(3)
    (row,) = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
    assert row.status == "delivered" and row.tries == 3 and row.last_status_code == 200
    assert len({r.headers["x-exam-delivery"] for r in got}) == 1 == len({r.json()["id"] for r in got})
    assert got[0].headers["x-exam-delivery"] == delivery.uid
    tries = session.exec(select(WebhookTry).where(WebhookTry.delivery_id == row.id).order_by(WebhookTry.id)).all()
    assert [t.status_code for t in tries] == [500, 500, 200]
    assert tries[0].error == "HTTP 500" and "try again later" in tries[0].response_excerpt and tries[2].error == ""


def test_a_slow_receiver_times_out_and_is_retried_then_fails_for_good(session, engine, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    settings = hook_settings.model_copy(update={"webhook_timeout_seconds": 0.3})
    with receiver(generic_checker("x", delay=1.0)) as rx:
        endpoint = _endpoint(session, settings, opening, "generic", rx.url)
        webhooks.send_test(session, hr_user(session), opening.id, endpoint.id)
        t0 = time.monotonic()
        assert webhook_delivery.deliver_due(engine, settings).retrying == 1
        assert time.monotonic() - t0 < 5
        (row,) = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
        assert row.status == "pending" and row.last_error.startswith("timeout") and row.last_status_code is None
        # the back-off grows: 30 s, 2 min, 10 min, 1 h, 6 h, then the delivery has failed
        later = utcnow()
        for _ in range(len(webhook_delivery.RETRY_DELAYS)):
            later += timedelta(hours=7)
            webhook_delivery.deliver_due(engine, settings, now=later)
    (row,) = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
    assert row.status == "failed" and row.tries == 6


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_group_robots_get_their_own_format_and_signing(kind, client, session, engine, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    secret = "SEC0123456789abcdef" if kind != "wecom" else ""
    checker = {"wecom": wecom_checker(), "dingtalk": dingtalk_checker(secret), "feishu": feishu_checker(secret)}
    with receiver(checker[kind], path="/robot/send") as rx:
        url = rx.url + ("?access_token=abc" if kind == "dingtalk" else "?key=abc" if kind == "wecom" else "")
        endpoint = _endpoint(session, hook_settings, opening, kind, url, secret=secret)
        assert endpoint.events == ["attempt.graded"], "a robot hears about scores by default"
        attempt_id = _finish(client, session, opening, "李四")
        report = webhook_delivery.deliver_due(engine, hook_settings)
        (got,) = rx.wait_for(1)
    assert got.ok, got.problem
    assert report.delivered == 1
    body = got.json()
    text = {
        "wecom": lambda: body["markdown"]["content"],
        "dingtalk": lambda: body["markdown"]["text"],
        "feishu": lambda: body["content"]["text"],
    }[kind]()
    assert "李四" in text and opening.title in text and "录用分" in text and "推荐等级" in text
    assert f"{BASE}/hr/attempts/{attempt_id}" in text
    if kind == "dingtalk":
        assert got.query["access_token"] == ["abc"], "the robot's own query string is kept"


def test_a_robot_error_in_a_200_answer_is_a_failed_try(session, engine, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    with receiver(wecom_checker(errcode=93000)) as rx:
        endpoint = _endpoint(session, hook_settings, opening, "wecom", rx.url)
        webhooks.send_test(session, hr_user(session), opening.id, endpoint.id)
        assert webhook_delivery.deliver_due(engine, hook_settings).retrying == 1
    (row,) = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
    assert row.status == "pending" and row.last_status_code == 200 and "93000" in row.last_error


def test_events_are_written_in_the_transaction_of_the_change(session, engine, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    endpoint = _endpoint(session, hook_settings, opening, "generic", "https://1.1.1.1/hook")
    sample = seed_opening(session, 2, seed=3, created_by=hr_user(session))
    session.commit()
    owner = hr_user(session)
    attempt = session.get(Attempt, sample.attempt_ids[0])
    assert attempt is not None
    other = _endpoint(
        session, hook_settings, sample.opening, "generic", "https://1.1.1.1/other", events=["attempt.decided"]
    )
    with pytest.raises(review.ReviewError):
        review.decide(session, owner, attempt, "hire", "")  # no note: refused, nothing written
    assert session.exec(select(WebhookEvent)).all() == []
    assert review.decide(session, owner, attempt, "hire", "面试表现好")
    events = session.exec(select(WebhookEvent)).all()
    assert [(e.kind, e.attempt_id) for e in events] == [("attempt.decided", attempt.id)]
    assert events[0].payload["attempt"]["decision"] == "hire"
    assert [d.endpoint_id for d in _deliveries(session, other.id)] == [other.id]  # type: ignore[arg-type]
    assert _deliveries(session, endpoint.id) == [], "another opening's endpoint hears nothing"  # type: ignore[arg-type]
    assert not review.decide(session, owner, attempt, "hire", "面试表现好"), "no change, no event"
    assert len(session.exec(select(WebhookEvent)).all()) == 1


def test_addresses_that_would_reach_inside_networks_are_refused(session, hook_settings) -> None:
    prod = hook_settings.model_copy(update={"environment": "production"})
    for url, message in [
        ("http://example.com/hook", "https"),
        ("ftp://example.com/x", "https"),
        ("https://user:pw@example.com/", "password"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::ffff:10.0.0.1]/", "private"),
        ("https://0.0.0.0/", "link-local"),
        ("not a url", "spaces"),
    ]:
        with pytest.raises(webhooks.WebhookError) as info:
            webhooks.check_url(hook_settings, url)
        assert message in str(info.value), (url, str(info.value))
    with pytest.raises(webhooks.WebhookError):
        webhooks.check_url(prod, "https://127.0.0.1:8443/hook")
    assert webhooks.check_url(hook_settings, "http://127.0.0.1:9/hook") == "http://127.0.0.1:9/hook"
    assert webhooks.check_url(hook_settings, "https://1.1.1.1/hook")
    allowed = hook_settings.model_copy(update={"webhook_allow_private": True})
    assert webhooks.check_url(allowed, "http://10.1.2.3/hook")


def test_hr_manages_receivers_sends_a_test_and_resends_from_the_log(client, session, engine, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    owner = hr_user(session)
    session.commit()
    assert login(client, owner.username, "Hr-test-pass-1").status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/hr/openings/{opening.id}")
    assert f"/hr/openings/{opening.id}/webhooks" in page.text
    token = csrf(client, f"/hr/openings/{opening.id}/webhooks")
    bad = client.post(
        f"/hr/openings/{opening.id}/webhooks",
        data={"csrf_token": token, "kind": "generic", "url": "https://169.254.169.254/"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "链路本地" in bad.text
    assert client.post(f"/hr/openings/{opening.id}/webhooks", data={"kind": "generic", "url": "x"}).status_code == 403
    with receiver(generic_checker("unused")) as rx:
        added = client.post(
            f"/hr/openings/{opening.id}/webhooks",
            data={"csrf_token": token, "kind": "generic", "url": rx.url, "events": ["attempt.graded"]},
            headers={"HX-Request": "true"},
        )
        assert added.status_code == 200 and rx.url in added.text and "whsec_" in added.text
        session.rollback()
        session.expire_all()
        endpoint = session.exec(select(WebhookEndpoint)).one()
        session.commit()
        assert endpoint.events == ["attempt.graded"] and endpoint.created_by_id == owner.id
        tested = client.post(
            f"/hr/openings/{opening.id}/webhooks/{endpoint.id}",
            data={"csrf_token": token, "action": "test"},
            headers={"HX-Request": "true"},
        )
        assert tested.status_code == 200 and 'id="delivery-log"' in tested.text
        webhook_delivery.deliver_due(engine, hook_settings)
        (first,) = rx.wait_for(1)
        assert not first.ok, "the receiver checks with another secret: 401"
        (row,) = _deliveries(session, endpoint.id)  # type: ignore[arg-type]
        assert row.status == "pending" and row.last_status_code == 401
        log = client.get(f"/hr/openings/{opening.id}/webhooks")
        assert "HTTP 401" in log.text and "测试事件" in log.text
        again = client.post(
            f"/hr/openings/{opening.id}/webhook-deliveries/{row.id}/resend",
            data={"csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert again.status_code == 200
        webhook_delivery.deliver_due(engine, hook_settings)  # due at once, not after the back-off
        assert len(rx.wait_for(2)) == 2
    paused = client.post(
        f"/hr/openings/{opening.id}/webhooks/{endpoint.id}", data={"csrf_token": token, "action": "disable"}
    )
    assert paused.status_code == 303
    session.rollback()
    session.expire_all()
    assert session.get(WebhookEndpoint, endpoint.id).active is False  # type: ignore[union-attr]
    session.commit()
    removed = client.post(
        f"/hr/openings/{opening.id}/webhooks/{endpoint.id}",
        data={"csrf_token": token, "action": "delete"},
        headers={"HX-Request": "true"},
    )
    assert removed.status_code == 200 and "whsec_" not in removed.text
    session.rollback()
    session.expire_all()
    assert session.exec(select(WebhookEndpoint)).all() == [] and session.exec(select(WebhookDelivery)).all() == []
    session.commit()


def test_another_hr_user_cannot_see_or_change_the_receivers(client, session, hook_settings) -> None:
    seed_bank(session)
    opening = make_opening(session)
    endpoint = _endpoint(session, hook_settings, opening, "generic", "https://1.1.1.1/hook")
    other: User = accounts.create_user(session, "hr2", Role.hr, "Hr-test-pass-1")
    session.commit()
    assert login(client, "hr2", "Hr-test-pass-1").status_code == 303  # type: ignore[attr-defined]
    assert client.get(f"/hr/openings/{opening.id}/webhooks").status_code == 404
    token = csrf(client, "/hr")
    r = client.post(f"/hr/openings/{opening.id}/webhooks/{endpoint.id}", data={"csrf_token": token, "action": "delete"})
    assert r.status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - NoAccess
        webhooks.remove_endpoint(session, other, opening.id, endpoint.id)  # type: ignore[arg-type]
    session.rollback()
    assert session.get(WebhookEndpoint, endpoint.id) is not None


def test_the_background_deliverer_sends_within_seconds_of_the_submission(session, engine, hook_settings) -> None:
    """The app's own job (started by its lifespan) delivers without anybody running the deliverer by hand."""
    from fastapi.testclient import TestClient

    from exam.app import create_app

    seed_bank(session)
    opening = make_opening(session)
    endpoint = _endpoint(session, hook_settings, opening, "generic", "https://1.1.1.1/hook")
    settings = hook_settings.model_copy(update={"webhook_interval_seconds": 60})  # the wake-up, not the poll
    with receiver(generic_checker(endpoint.secret)) as rx:
        _move(session, endpoint, rx.url)
        app = create_app(settings, engine=engine, run_background=True)
        with TestClient(app, follow_redirects=False) as client:
            rx.wait_for(1, timeout=1.0)  # let the first (empty) runs of the jobs pass
            attempt_id = _finish(client, session, opening)
            got = rx.wait_for(2, timeout=15.0)
    assert sorted(r.json()["event"] for r in got) == ["attempt.graded", "attempt.submitted"]
    assert all(r.ok for r in got) and {r.json()["attempt"]["id"] for r in got} == {attempt_id}


def test_overrides_and_deadline_closes_by_the_sweep_emit_events(session, engine, hook_settings) -> None:
    from exam.models import Answer
    from exam.services import sweep

    seed_bank(session)
    owner = hr_user(session)
    sample = seed_opening(session, 2, in_progress=1, seed=3, created_by=owner)
    session.commit()
    endpoint = _endpoint(session, hook_settings, sample.opening, "generic", "https://1.1.1.1/hook")
    assert set(endpoint.events) == set(webhook_formats.EVENTS), "your own system hears every event by default"
    graded = session.get(Attempt, sample.attempt_ids[0])
    answer = session.exec(
        select(Answer).where(Answer.attempt_id == graded.id, Answer.section_id == "communication")  # type: ignore[union-attr]
    ).first()
    assert answer is not None
    criterion = answer.result["criteria"][0]["id"]
    session.commit()
    assert review.override(session, owner, graded.id, answer.id, criterion, 0.0, "回复没有针对顾客的问题")  # type: ignore[arg-type, union-attr]
    session.rollback()
    running = session.exec(select(Attempt).where(Attempt.status == "in_progress")).one()
    running.deadline_at = utcnow() - timedelta(hours=1)
    session.add(running)
    session.commit()
    assert sweep.sweep(engine, hook_settings) >= 1
    session.rollback()
    kinds = [(e.kind, e.attempt_id) for e in session.exec(select(WebhookEvent).order_by(WebhookEvent.id)).all()]
    assert kinds == [
        ("attempt.overridden", graded.id),  # type: ignore[union-attr]
        ("attempt.submitted", running.id),
        ("attempt.graded", running.id),
    ]
    assert len(_deliveries(session, endpoint.id)) == 3  # type: ignore[arg-type]


def test_the_page_speaks_chinese_with_receivers_and_a_log(client, session, hook_settings) -> None:
    from tests.web.test_ui_text import problems_in, read

    seed_bank(session)
    opening = make_opening(session)
    owner = hr_user(session)
    for kind in webhook_formats.KINDS:
        endpoint = _endpoint(session, hook_settings, opening, kind, f"https://1.1.1.1/{kind}", secret="SECabc")
        webhooks.send_test(session, owner, opening.id, endpoint.id)
    session.commit()
    assert login(client, owner.username, "Hr-test-pass-1").status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/hr/openings/{opening.id}/webhooks")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    reader = read(page.text)
    assert reader.lang.startswith("zh")
    text = " ".join(t for t in reader.text if not t.strip().startswith(f"{owner.username} ·"))  # the signed-in user
    assert problems_in(text) == []
    assert page.text.count('data-status="pending"') == 4 and "企业微信群机器人" in page.text


def test_several_deliverers_at_once_send_each_delivery_once(session, engine, hook_settings) -> None:
    """Three deliverers (as in three worker processes) race for the same due deliveries: each goes out once."""
    import threading

    seed_bank(session)
    opening = make_opening(session)
    owner = hr_user(session)
    endpoint = _endpoint(session, hook_settings, opening, "generic", "https://1.1.1.1/hook")
    with receiver(generic_checker(endpoint.secret, delay=0.05)) as rx:
        _move(session, endpoint, rx.url)
        uids = {webhooks.send_test(session, owner, opening.id, endpoint.id).uid for _ in range(30)}  # type: ignore[arg-type]
        barrier = threading.Barrier(3)
        reports: list[webhook_delivery.DeliverReport] = []

        def run() -> None:
            barrier.wait()
            reports.append(webhook_delivery.deliver_due(engine, hook_settings))

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        got = rx.wait_for(30, timeout=5)
    assert sorted(r.headers["x-exam-delivery"] for r in got) == sorted(uids), "every delivery exactly once"
    assert sum(r.delivered for r in reports) == 30 and all(r.ok for r in got)
    assert {d.status for d in _deliveries(session, endpoint.id)} == {"delivered"}  # type: ignore[arg-type]


def test_the_command_delivers_what_is_due(session, engine, hook_settings, monkeypatch) -> None:
    from click.testing import CliRunner

    from exam.cli import main

    if engine.dialect.name != "sqlite":
        pytest.skip("the command reads the database from the environment: checked on the SQLite file")
    seed_bank(session)
    opening = make_opening(session)
    endpoint = _endpoint(session, hook_settings, opening, "generic", "https://1.1.1.1/hook")
    with receiver(generic_checker(endpoint.secret)) as rx:
        _move(session, endpoint, rx.url)
        webhooks.send_test(session, hr_user(session), opening.id, endpoint.id)
        monkeypatch.setenv("EXAM_DATABASE_URL", str(engine.url))
        monkeypatch.setenv("EXAM_SECRET_KEY", "test-secret-key-0123456789abcdef")
        result = CliRunner().invoke(main, ["webhooks", "deliver"])
        assert result.exit_code == 0, result.output
        assert "delivered: 1, will retry: 0, failed: 0" in result.output
        (got,) = rx.wait_for(1)
    assert got.ok and got.json()["event"] == "ping" and got.json()["report_url"] is None  # no EXAM_BASE_URL
