"""Finding 2: login throttling locked people out. Refused tries while throttled counted as failures (one wrong
try every 15 minutes kept any account locked), the per-address limit locked a whole office, and Retry-After
said 115 s while a try after 125 s was still refused.

Now: refused tries neither count nor extend the delay, Retry-After is honest (a try after it is checked),
the per-address limit is far above the per-account one and never holds a right password back more than a
minute, and a drip of wrong tries from somewhere else cannot keep the right password out."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from exam.models import Role
from exam.services import accounts
from exam.timeutil import utcnow
from tests.conftest import csrf_of

PASSWORD = "Right-pass-2026!"


class Clock:
    """An injected clock: the account service reads the time from it."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:  # type: ignore[no-untyped-def]
    c = Clock()
    monkeypatch.setattr(accounts, "utcnow", c)
    return c


@pytest.fixture
def victim(session):  # type: ignore[no-untyped-def]
    user = accounts.create_user(session, "boss", Role.admin, PASSWORD)
    session.commit()
    return user


def _try(session, settings, password: str, ip: str, clock: Clock, username: str = "boss") -> accounts.LoginResult:  # type: ignore[no-untyped-def]
    result = accounts.login(session, settings, username, password, ip, now=clock())
    session.commit()
    return result


def _post(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)})


def test_retry_after_is_honest_and_refused_tries_do_not_extend_it(client, victim, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert _post(client, "boss", "wrong-password-1").status_code == 401
    refused = _post(client, "boss", PASSWORD)
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 60
    assert "秒" in refused.text
    # hammering while throttled changes nothing
    for _ in range(30):
        clock.advance(wait / 40)
        again = _post(client, "boss", "wrong-password-2")
        assert again.status_code == 429
        assert int(again.headers["Retry-After"]) <= wait
    clock.now = clock.now  # the tries above took (30/40) of the wait
    left = int(_post(client, "boss", "x" * 10).headers["Retry-After"])
    clock.advance(left)
    # exactly Retry-After seconds later the try is checked: a wrong password is a 401, not a 429
    assert _post(client, "boss", "wrong-password-3").status_code == 401
    second = _post(client, "boss", PASSWORD)
    assert second.status_code == 429
    clock.advance(int(second.headers["Retry-After"]))
    assert _post(client, "boss", PASSWORD).status_code == 303


def test_a_slow_drip_of_wrong_tries_cannot_keep_the_right_password_out(session, settings, victim, clock) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(13)
    # the attacker guesses fast first, then keeps one wrong try going every 14 minutes for two days
    for _ in range(12):
        _try(session, settings, "guess-" + str(rng.random()), "203.0.113.9", clock)
        clock.advance(1)
    user_tries = 0
    for step in range(2 * 24 * 60 // 14):
        _try(session, settings, "drip-" + str(step), "203.0.113.9", clock)
        clock.advance(rng.uniform(60, 14 * 60 - 61))
        if step % 7 == 0:  # now and then the real user signs in from the office
            first = _try(session, settings, PASSWORD, "198.51.100.20", clock)
            if first.user is None:
                assert 0 < first.wait_seconds <= 60, first
                clock.advance(first.wait_seconds)
                first = _try(session, settings, PASSWORD, "198.51.100.20", clock)
            assert first.user is not None, f"locked out at step {step}"
            user_tries += 1
        clock.advance(30)
    assert user_tries > 20


def test_the_drip_from_the_users_own_address_does_not_lock_the_account(session, settings, victim, clock) -> None:  # type: ignore[no-untyped-def]
    # the case: a few mistakes, then one wrong try every 15 minutes, forever, from the user's address
    for step in range(8):
        _try(session, settings, f"typo-{step}", "198.51.100.20", clock)
        clock.advance(2)
    for step in range(40):
        assert _try(session, settings, f"wrong-{step}", "198.51.100.20", clock).error in ("invalid", "throttled")
        clock.advance(15 * 60)
    result = _try(session, settings, PASSWORD, "198.51.100.20", clock)
    if result.user is None:
        assert result.wait_seconds <= 60
        clock.advance(result.wait_seconds)
        result = _try(session, settings, PASSWORD, "198.51.100.20", clock)
    assert result.user is not None


def test_one_office_address_does_not_lock_everybody_out(session, settings, victim, clock) -> None:  # type: ignore[no-untyped-def]
    office = "192.0.2.44"
    # 40 colleagues mistype their passwords a few times each (200 failures from one address)
    for n in range(40):
        for _ in range(5):
            _try(session, settings, "typo-typo", office, clock, username=f"user{n}")
        clock.advance(2)
    result = _try(session, settings, PASSWORD, office, clock)
    if result.user is None:
        assert 0 < result.wait_seconds <= 60
        clock.advance(result.wait_seconds)
        result = _try(session, settings, PASSWORD, office, clock)
    assert result.user is not None
    assert settings.login_max_failures * 10 <= accounts.address_limit(settings)


def test_guessing_is_still_slowed(session, settings, victim, clock) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for _ in range(60):
        result = _try(session, settings, "guess", "203.0.113.9", clock)
        checked += result.error == "invalid"
        clock.advance(1)
    assert checked <= settings.login_max_failures + 2, "a minute of guessing checks only a handful of passwords"
