"""HR pages: openings and invitations, the ranking with exports and comparison, candidates' reports and decisions."""

from __future__ import annotations

from fastapi import APIRouter

from exam.web.hr import candidates, delivery, exports, openings, outcomes, ranking, tokens, webhooks

router = APIRouter()
for _module in (openings, delivery, ranking, exports, candidates, outcomes, webhooks, tokens):
    router.include_router(_module.router)
