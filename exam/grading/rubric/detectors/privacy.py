"""Privacy detector: another person's data given out, and requests for the customer's credentials."""

from __future__ import annotations

import re
from typing import Final, Literal

from pydantic import Field

from exam.grading.lexicon import (
    CREDENTIAL_LOGIN,
    CREDENTIAL_NEGATION,
    CREDENTIAL_REQUEST,
    PRIVACY_DATA,
    PRIVACY_OFFER,
    PRIVACY_OWN,
    PRIVACY_THIRD_PARTY,
)
from exam.grading.rubric.context import _clause_before, _Context, _evidence, _Outcome
from exam.grading.rubric.detectors.base import _Detector

_PII: Final[dict[str, re.Pattern[str]]] = {k: re.compile(v) for k, v in PRIVACY_DATA.items()}
_THIRD: Final[re.Pattern[str]] = re.compile(PRIVACY_THIRD_PARTY)
_OWN_BEFORE: Final[re.Pattern[str]] = re.compile(f"(?:{PRIVACY_OWN})[^,。!?]{{0,8}}$")
_OFFER: Final[re.Pattern[str]] = re.compile(PRIVACY_OFFER)
_REFUSED_BEFORE: Final[re.Pattern[str]] = re.compile(r"(不|没|无法|不能|不得|不会|不可以|不方便|别)[^,。!?]{0,6}$")
_SENTENCE: Final[re.Pattern[str]] = re.compile(r"[^。!?\n]+")
_CREDENTIAL_ASK: Final[re.Pattern[str]] = re.compile(f"{CREDENTIAL_REQUEST}|{CREDENTIAL_LOGIN}")
_CREDENTIAL_NEGATION: Final[re.Pattern[str]] = re.compile(CREDENTIAL_NEGATION)
_LEAK_LABELS: Final[dict[str, str]] = {
    "phone": "泄露他人电话",
    "address": "泄露他人地址",
    "name": "泄露他人姓名",
    "offer": "答应提供他人信息",
}


class PrivacyDetector(_Detector):
    """Another person's data given out: a phone number (also masked, 138xxxx5678), an address detail
    or a name, in a sentence about someone else (她, 对方, 那位买家) or answering a customer who asks
    about someone else; or an offer to pass such data on. The customer's own data read back
    (您的电话…) is no leak. Raises ``flag``.

    With ``credentials`` (default), asking the customer for a password, a verification code, a card
    or ID number, or offering to log in to their account, raises ``credential_flag`` (a warning such
    as 请不要把验证码告诉任何人 is no request)."""

    kind: Literal["privacy"]
    points: float = 0.0
    min_chars: int = Field(default=12, ge=0)
    penalty: float = Field(default=0.0, ge=0)
    flag: str = "privacy_leak"
    credentials: bool = True
    credential_flag: str = "credential_request"

    def _credential_requests(self, ctx: _Context) -> list[tuple[int, int]]:
        """Spans asking the customer for credentials, not negated earlier in their clause."""
        norm = ctx.text.norm
        asks = []
        for m in _CREDENTIAL_ASK.finditer(norm):
            clause = _clause_before(norm, m.start(), reach=30) + m.group()
            if not _CREDENTIAL_NEGATION.search(clause):
                asks.append(m.span())
        return asks

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Find personal data of a third party in the reply, and requests for the customer's credentials."""
        norm = ctx.text.norm
        leaks: list[tuple[int, int, str]] = []
        asked_about_other = any(_THIRD.search(m) for m in ctx.messages)
        for sent in _SENTENCE.finditer(norm):
            third = asked_about_other or bool(_THIRD.search(sent.group()))
            if not third:
                continue
            for kind, rx in _PII.items():
                for m in rx.finditer(norm, sent.start(), sent.end()):
                    if not _OWN_BEFORE.search(norm[max(0, m.start() - 12) : m.start()]):
                        leaks.append((m.start(), m.end(), kind))
        for m in _OFFER.finditer(norm):
            if not _REFUSED_BEFORE.search(norm[max(0, m.start() - 8) : m.start()]):
                leaks.append((m.start(), m.end(), "offer"))
        asks = self._credential_requests(ctx) if self.credentials else []
        if not leaks and not asks:
            base = self.points * ctx.clean_sheet(self.min_chars)
            return _Outcome(points=base)
        evidence = [_evidence(ctx, "privacy", s, e, self.note or _LEAK_LABELS[k]) for s, e, k in sorted(leaks)[:5]]
        evidence += [
            _evidence(ctx, "claim", s, e, "索要顾客的密码、验证码、卡号或身份证号等敏感信息") for s, e in asks[:3]
        ]
        flags = ([self.flag] if leaks else []) + ([self.credential_flag] if asks else [])
        return _Outcome(points=-self.penalty, evidence=evidence, flags=flags)
