"""What the HR routers share: template helpers, the opening and attempt loaders, the shared-nothing audit."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from exam.hiring.explain import band_index, decision_label, explain_score, num, status_label, topic_label
from exam.models import Opening
from exam.web.deps import get_or_404

COMMON: dict[str, Any] = {
    "num": num,
    "band_index": band_index,
    "decision_label": decision_label,
    "status_label": status_label,
    "explain_score": explain_score,
    "topic_label": topic_label,
}


def opening_or_404(session: Session, opening_id: int) -> Opening:
    """The opening, or a 404 (after the access check: see exam.services.access)."""
    return get_or_404(session, Opening, opening_id)
