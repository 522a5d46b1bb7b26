"""hr pages."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from exam.web.deps import HRUser, SessionDep
from exam.web.templating import render

router = APIRouter(prefix="/hr")


@router.get("")
def home(request: Request, user: HRUser, session: SessionDep) -> Response:
    """The hr home page."""
    return render(request, "hr/home.html", {})
