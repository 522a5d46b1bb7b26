"""Password hashing (argon2id via libpass), password policy, session tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from exam.errors import UserError

if TYPE_CHECKING:
    from passlib.context import CryptContext

# OWASP (2024+) minimum for argon2id: m=19 MiB, t=2, p=1. We use m=19 MiB, t=3, p=1.
ARGON2_MEMORY_KIB = 19456
ARGON2_TIME_COST = 3
ARGON2_PARALLELISM = 1


@lru_cache
def pwd_context() -> CryptContext:
    """The password hashing context (passlib is imported on first use: commands that hash nothing start faster)."""
    from passlib.context import CryptContext

    return CryptContext(
        schemes=["argon2"],
        deprecated="auto",
        argon2__type="ID",
        argon2__memory_cost=ARGON2_MEMORY_KIB,
        argon2__time_cost=ARGON2_TIME_COST,
        argon2__parallelism=ARGON2_PARALLELISM,
    )


PASSWORD_MIN = 8
PASSWORD_MAX = 128


# Verifying against a valid argon2id hash of a random secret keeps the time of a login for an unknown
# user close to that of a known one. Made on first use, not at import (commands start faster).
@lru_cache
def _dummy_hash() -> str:
    """A valid argon2id hash of a random secret."""
    return pwd_context().hash(secrets.token_urlsafe(16))


def N_(message: str) -> str:
    """Mark a message for translation without translating it now."""
    return message


class PasswordPolicyError(UserError):
    """A password that the policy refuses; the message (an English msgid) says why."""


@lru_cache
def common_passwords() -> frozenset[str]:
    """The most common passwords (lower-cased), refused as account passwords."""
    text = resources.files("exam.data").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_policy(password: str, *, username: str = "") -> None:
    """Raise PasswordPolicyError if the password is too short, too long or too common."""
    if len(password) < PASSWORD_MIN:
        raise PasswordPolicyError(N_("The password must have at least %(n)s characters."), n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise PasswordPolicyError(N_("The password must have at most %(n)s characters."), n=PASSWORD_MAX)
    lowered = password.lower()
    if lowered in common_passwords():
        raise PasswordPolicyError(N_("This password is one of the most common passwords; choose another."))
    if username and lowered == username.lower():
        raise PasswordPolicyError(N_("The password must not be the user name."))
    if len(set(password)) < 3:
        raise PasswordPolicyError(N_("The password must not repeat one or two characters."))


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return pwd_context().hash(password)


def verify_password(password: str, stored_hash: str | None) -> tuple[bool, str | None]:
    """Verify; return (ok, new_hash) where new_hash is set when the hash needs an upgrade."""
    if not stored_hash:
        pwd_context().verify(password, _dummy_hash())
        return False, None
    try:
        return pwd_context().verify_and_update(password, stored_hash)
    except (ValueError, TypeError):
        return False, None


def new_token() -> str:
    """A new unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored in the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token_for(secret_key: str, csrf_cookie: str) -> str:
    """The CSRF token bound to the browser's CSRF cookie (double submit, signed)."""
    return hmac.new(secret_key.encode(), b"csrf:" + csrf_cookie.encode(), hashlib.sha256).hexdigest()


def csrf_token_valid(secret_key: str, csrf_cookie: str | None, submitted: str | None) -> bool:
    """Whether a submitted CSRF token matches the browser's cookie."""
    if not csrf_cookie or not submitted:
        return False
    return hmac.compare_digest(csrf_token_for(secret_key, csrf_cookie), submitted)
