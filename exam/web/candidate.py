"""candidate pages."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from exam.web.deps import CandidateUser, SessionDep
from exam.web.templating import render

router = APIRouter(prefix="/candidate")


@router.get("")
def home(request: Request, user: CandidateUser, session: SessionDep) -> Response:
    """The candidate home page."""
    return render(request, "candidate/home.html", {})
