"""The trainers' workspace: the question bank, the bank as a whole (calibration, upload, download), job profiles."""

from fastapi import APIRouter

from exam.web.trainer import bank, profiles, questions, rubrics, stats

router = APIRouter()
for _module in (questions, bank, profiles, stats, rubrics):
    router.include_router(_module.router)
