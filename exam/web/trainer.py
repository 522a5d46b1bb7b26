"""trainer pages."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from exam.web.deps import TrainerUser, SessionDep
from exam.web.templating import render

router = APIRouter(prefix="/trainer")


@router.get("")
def home(request: Request, user: TrainerUser, session: SessionDep) -> Response:
    """The trainer home page."""
    return render(request, "trainer/home.html", {})
