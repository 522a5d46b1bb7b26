"""Fault tests share the security suite's world (owners, candidates taking a real exam)."""

from tests.security.conftest import world  # noqa: F401
