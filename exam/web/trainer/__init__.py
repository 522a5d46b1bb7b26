"""The trainers' workspace: the question bank, the bank as a whole (calibration, upload, download), job profiles."""

from fastapi import APIRouter

from exam.web.trainer import bank, profiles, questions, rubrics, simulate, stats

router = APIRouter()
for _module in (questions, bank, profiles, stats, rubrics, simulate):
    router.include_router(_module.router)
