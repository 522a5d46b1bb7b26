"""Password hashing and policy."""

import pytest
from passlib.hash import argon2

from exam import security


def test_hash_is_argon2id_with_owasp_parameters() -> None:
    h = security.hash_password("correct horse battery")
    assert h.startswith("$argon2id$")
    info = argon2.from_string(h)
    assert info.type.lower() == "id"
    assert info.memory_cost >= 19456 and info.rounds >= 2 and info.parallelism >= 1


def test_verify_and_update_upgrades_weak_hash() -> None:
    weak = argon2.using(type="ID", memory_cost=1024, rounds=1).hash("correct horse battery")
    ok, new_hash = security.verify_password("correct horse battery", weak)
    assert ok and new_hash and new_hash.startswith("$argon2id$")
    assert argon2.from_string(new_hash).memory_cost >= 19456
    ok, again = security.verify_password("correct horse battery", new_hash)
    assert ok and again is None
    assert security.verify_password("wrong horse", new_hash) == (False, None)


def test_unknown_user_still_costs_a_verification() -> None:
    assert security.verify_password("whatever-password", None) == (False, None)


@pytest.mark.parametrize("pw", ["short1", "password123", "12345678", "Qwerty123", "woaini1314", "aaaaaaaaaa"])
def test_policy_refuses(pw: str) -> None:
    with pytest.raises(security.PasswordPolicyError):
        security.check_password_policy(pw)


def test_policy_length_bounds() -> None:
    security.check_password_policy("x7-Kq!pz")  # 8 characters
    security.check_password_policy("Ab1-" * 16)  # 64 characters
    security.check_password_policy("长城客服-Zq9" * 10)  # non-ASCII is fine
    with pytest.raises(security.PasswordPolicyError):
        security.check_password_policy("a" * 120 + "bcdefghij")
    with pytest.raises(security.PasswordPolicyError):
        security.check_password_policy("hr-person", username="HR-person")


def test_csrf_token_is_bound_to_cookie() -> None:
    token = security.csrf_token_for("k" * 32, "cookie-a")
    assert security.csrf_token_valid("k" * 32, "cookie-a", token)
    assert not security.csrf_token_valid("k" * 32, "cookie-b", token)
    assert not security.csrf_token_valid("k" * 32, None, token)
    assert not security.csrf_token_valid("k" * 32, "cookie-a", None)
