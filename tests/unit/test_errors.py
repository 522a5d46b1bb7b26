"""The refusals users see share one base: English msgid, parameters, translation."""

from __future__ import annotations

import pytest

from exam.errors import UserError
from exam.i18n import set_locale
from exam.security import PasswordPolicyError
from exam.services.accounts import AccountError
from exam.services.data_rights import DataRightsError
from exam.services.openings import OpeningError
from exam.services.review import ReviewError


@pytest.mark.parametrize("cls", [AccountError, OpeningError, ReviewError, DataRightsError, PasswordPolicyError])
def test_user_errors_keep_msgid_params_and_translate(cls) -> None:  # type: ignore[no-untyped-def]
    exc = cls("The comment is too long (at most %(n)s characters).", n=5)
    assert isinstance(exc, UserError) and isinstance(exc, ValueError)
    assert exc.message == "The comment is too long (at most %(n)s characters)." and exc.params == {"n": 5}
    assert str(exc) == "The comment is too long (at most 5 characters)."
    set_locale("en")
    try:
        assert exc.translated() == str(exc)
    finally:
        set_locale("zh_CN")
    assert cls("A 100% plain message.").translated()  # no params: no %-formatting


def test_account_error_wraps_a_policy_refusal() -> None:
    policy = PasswordPolicyError("The password must have at least %(n)s characters.", n=12)
    wrapped = AccountError.from_policy(policy)
    assert (wrapped.message, wrapped.params, str(wrapped)) == (policy.message, policy.params, str(policy))
