"""axe-core (vendored from the npm registry) on every main page of every role: no serious or critical
violation. The pages are reached as their users reach them, on the demo data."""

from __future__ import annotations

import re

import pytest

from exam.services.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import DESKTOP, PHONE, axe_violations, sign_in

pytestmark = pytest.mark.e2e

PASSWORDS = {u: p for _role, u, p, _n in DEMO_ACCOUNTS}


def _check(page, found: dict[str, list[str]], name: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    problems = axe_violations(page)
    if problems:
        found[f"{name} ({page.url})"] = problems


def test_no_serious_accessibility_violation_on_the_main_pages(live_server, pages) -> None:  # type: ignore[no-untyped-def]
    base = live_server.base_url
    found: dict[str, list[str]] = {}

    anonymous = pages.new(DESKTOP)
    anonymous.goto(f"{base}/login")
    _check(anonymous, found, "login")

    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        candidate = pages.new(viewport)
        candidate.goto(live_server.invite(f"无障碍{label}", "1360000" + str(viewport["width"]).zfill(4)))
        _check(candidate, found, f"candidate notice {label}")
        candidate.locator("#accept").check()
        candidate.locator("form[action$='/start'] button[type=submit]").click()
        candidate.wait_for_url("**/candidate/attempts/*")
        for section in range(6):  # typing, knowledge, replies, the reception desk
            if "/done" in candidate.url:
                break
            _check(candidate, found, f"candidate exam section {section} {label}")
            candidate.locator("#submit-button").click()
            candidate.locator("#confirm-ok").click()
            candidate.wait_for_load_state("networkidle")
        candidate.wait_for_url("**/done")
        _check(candidate, found, f"candidate done {label}")

    hr = pages.new(DESKTOP)
    sign_in(hr, base, "hr", PASSWORDS["hr"])
    _check(hr, found, "hr home")
    hr.locator("a[href^='/hr/openings/']").first.click()
    _check(hr, found, "hr opening")
    hr.goto(f"{base}/hr")
    hr.goto(base + hr.locator("a[href$='/ranking']").first.get_attribute("href"))
    _check(hr, found, "hr ranking")
    ids = hr.locator("#ranking-table tbody tr[data-attempt]").evaluate_all(
        "rs => rs.slice(0, 2).map(r => r.dataset.attempt)"
    )
    hr.locator("#ranking-table tbody tr[data-attempt] td.cand a").first.click()
    _check(hr, found, "hr report")
    opening = re.search(r"/hr/openings/(\d+)", hr.locator("a[href*='/ranking']").first.get_attribute("href") or "")
    if opening and len(ids) == 2:
        hr.goto(f"{base}/hr/openings/{opening.group(1)}/compare?ids={ids[0]}&ids={ids[1]}")
        _check(hr, found, "hr compare")

    trainer = pages.new(DESKTOP)
    sign_in(trainer, base, "trainer", PASSWORDS["trainer"])
    for path in (
        "/trainer",
        "/trainer/questions/new",
        "/trainer/profiles",
        "/trainer/calibration",
        "/trainer/bank/upload",
    ):
        trainer.goto(base + path)
        _check(trainer, found, f"trainer {path}")
    trainer.goto(f"{base}/trainer?type=reply")
    trainer.locator(".question-table tbody tr td.qid a").first.click()
    _check(trainer, found, "trainer question")

    admin = pages.new(DESKTOP)
    sign_in(admin, base, "admin", PASSWORDS["admin"])
    _check(admin, found, "admin home")
    admin.goto(f"{base}/admin/openings")
    _check(admin, found, "admin openings")

    assert not found, "\n".join(f"{page}: {p}" for page, problems in found.items() for p in problems)
