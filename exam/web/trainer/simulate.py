"""The trainers' replay page: a scripted candidate against a reception simulation (as `exam simulate` does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from exam.hiring.explain import num
from exam.services import replays
from exam.web.deps import SessionDep, TrainerUser
from exam.web.trainer.common import page

router = APIRouter(prefix="/trainer")


def _page(request: Request, result: replays.Replay, status_code: int = 200) -> Response:
    ctx = {"sim": result.simulation, "result": result, "d": result.view, "num": num, "area": "questions"}
    return page(request, "trainer/simulate.html", ctx, status_code=status_code)


@router.get("/questions/{question_id}/simulate")
def simulate_form(request: Request, question_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """The replay page with an example replies file."""
    sim = replays.simulation_of(session, question_id)
    if sim is None:
        raise HTTPException(404)
    return _page(request, replays.Replay(sim, replays.example_replies(sim)))


@router.post("/questions/{question_id}/simulate")
def simulate(
    request: Request, question_id: str, user: TrainerUser, session: SessionDep, replies: Annotated[str, Form()] = ""
) -> Response:
    """Play the replies: every customer's messages and why, the figures, the contract JSON."""
    sim = replays.simulation_of(session, question_id)
    if sim is None:
        raise HTTPException(404)
    result = replays.replay_text(sim, replies)
    return _page(request, result, 422 if result.error else 200)
