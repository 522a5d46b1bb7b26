"""Ranking exports as background jobs (ask → progress → download), who may see them, the claim of a job by one
worker, failures in words, expiry; and the ranking's totals and chart following its filters."""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from exam.hiring import export
from exam.hiring.explain import export_table
from exam.i18n import set_locale
from exam.models import Attempt, AuditLog, ExportChunk, ExportJob, Role
from exam.services import accounts, exports, ranking, review
from exam.services.sample import seed_opening
from exam.timeutil import utcnow
from tests.conftest import PASSWORDS, csrf_of

HX = {"HX-Request": "true"}


@pytest.fixture
def data(session):  # type: ignore[no-untyped-def]
    """An opening with 12 graded candidates (no answers: the export reads the results) and 1 still at work."""
    owner = accounts.get_user(session, "hr") or accounts.create_user(session, "hr", Role.hr, PASSWORDS["hr"])
    sample = seed_opening(session, 12, in_progress=1, seed=11, with_answers=False, created_by=owner)
    session.commit()
    return sample


@pytest.fixture
def hr(login_as):  # type: ignore[no-untyped-def]
    return login_as("hr")


def _ask(client, opening_id: int, kind: str = "csv", query: str = "", htmx: bool = False):  # type: ignore[no-untyped-def]
    token = csrf_of(client, f"/hr/openings/{opening_id}/ranking")
    return client.post(
        f"/hr/openings/{opening_id}/exports",
        data={"csrf_token": token, "kind": kind, "query": query},
        headers=HX if htmx else {},
    )


def _job_id(response) -> int:  # type: ignore[no-untyped-def]
    if response.status_code == 303:
        return int(response.headers["location"].rsplit("/", 1)[1])
    return int(re.search(r'id="export-job-(\d+)"', response.text).group(1))  # type: ignore[union-attr]


def _reference(session, opening, query: dict[str, str], kind: str) -> bytes:  # type: ignore[no-untyped-def]
    """The file as the synchronous export made it (the same pure functions, all rows in one go)."""
    session.rollback()
    filters = ranking.Filters.parse(query)
    sort = query.get("sort", "rank")
    desc = query.get("dir", "desc") != "asc"
    set_locale("zh_CN")
    rows = ranking.export_rows(session, opening.id, filters, sort=sort, desc=desc)
    headers, table = export_table(rows, review.profile_of(session, opening))
    if kind == "csv":
        return export.to_csv(headers, table)
    return export.to_xlsx(headers, table, title="排名", widths=exports.XLSX_WIDTHS)


def _fresh(session, job_id: int) -> ExportJob | None:  # type: ignore[no-untyped-def]
    """The job row as the database has it now (ends the test's read transaction, forgets loaded rows)."""
    session.rollback()
    session.expire_all()
    return session.get(ExportJob, job_id)


def _cells(body: bytes) -> list[list[object]]:
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(body)).active.iter_rows()]


# --- the lifecycle -------------------------------------------------------------------------------------------


def test_csv_job_from_click_to_download(client, session, engine, data, hr, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    query = "requirements=met&sort=score&dir=desc"
    started = _ask(client, oid, "csv", query)
    assert started.status_code == 303 and "/exports/" in started.headers["location"]
    job_id = _job_id(started)
    page = client.get(f"/hr/openings/{oid}/exports/{job_id}", headers=HX)
    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.text and "排队中" in page.text
    assert client.get(f"/hr/openings/{oid}/exports/{job_id}/file").status_code == 409
    full = client.get(f"/hr/openings/{oid}/exports/{job_id}")
    assert full.status_code == 200 and "排名导出" in full.text and "<html" in full.text

    # the runner, with a small progress step so that 12 rows make several pieces; progress seen as it goes
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 4)
    seen: list[tuple[str, int | None, int]] = []
    real_update = exports._update

    def watch(engine_, job, tries, piece=None, **values):  # type: ignore[no-untyped-def]
        real_update(engine_, job, tries, piece, **values)
        with engine_.connect() as conn:
            row = conn.exec_driver_sql(f"SELECT status, rows_total, rows_done FROM exportjob WHERE id = {job}").one()
        seen.append((row[0], row[1], row[2]))

    monkeypatch.setattr(exports, "_update", watch)
    assert exports.run_due(engine)["done"] == 1
    met = [s for s in seen if s[0] == "running"]
    assert [s[2] for s in met] == sorted(s[2] for s in met) and seen[-1][0] == "done"
    total = seen[-1][1]
    assert total and total > 4 and {4, 8} <= {s[2] for s in met}  # progress every 4 rows
    session.rollback()
    assert len(session.exec(select(ExportChunk).where(ExportChunk.job_id == job_id)).all()) == -(-total // 4)

    done = client.get(f"/hr/openings/{oid}/exports/{job_id}", headers=HX)
    assert "hx-trigger" not in done.text and 'id="export-download"' in done.text
    assert "24 小时" in done.text and "已完成" in done.text
    r = client.get(f"/hr/openings/{oid}/exports/{job_id}/file")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and "filename*=UTF-8''" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert r.content == _reference(session, data.opening, {"requirements": "met", "sort": "score"}, "csv")
    met_count = len(
        session.exec(select(Attempt).where(Attempt.opening_id == oid, Attempt.hard_requirements_met.is_(True))).all()
    )
    assert r.content.count(b"\r\n") - 1 == met_count == total
    entry = session.exec(select(AuditLog).where(AuditLog.action == "ranking.export")).one()
    assert entry.after == {"format": "csv", "filters": {"requirements": "met"}, "sort": "score", "job": job_id}
    assert session.exec(select(AuditLog).where(AuditLog.action == "ranking.export.download")).first() is not None


def test_xlsx_job_over_htmx_keeps_the_cells(client, session, engine, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    started = _ask(client, oid, "xlsx", "sort=name&dir=asc", htmx=True)
    assert started.status_code == 200 and 'hx-trigger="every 1s"' in started.text  # the partial, in place
    job_id = _job_id(started)
    assert exports.run_due(engine)["done"] == 1
    r = client.get(f"/hr/openings/{oid}/exports/{job_id}/file")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert _cells(r.content) == _cells(_reference(session, data.opening, {"sort": "name", "dir": "asc"}, "xlsx"))
    assert len(_cells(r.content)) == 14  # the header and 13 candidates


def test_same_export_twice_is_one_job_and_the_open_jobs_are_capped(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    first = _job_id(_ask(client, oid, "csv", "band=推荐"))
    assert _job_id(_ask(client, oid, "csv", "band=推荐")) == first  # a double click
    for n in range(exports.MAX_OPEN_PER_USER - 1):
        _ask(client, oid, "csv", f"score_min={n}")
    refused = _ask(client, oid, "csv", "score_min=99", htmx=True)
    assert refused.status_code == 422 and "个导出正在进行" in refused.text
    assert _ask(client, oid, "pdf").status_code == 422


def test_a_failed_export_says_so_in_chinese(client, session, engine, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    job_id = _job_id(_ask(client, oid, "csv"))
    job = _fresh(session, job_id)
    job.kind = "pdf"  # a row no runner can produce (as from an older or newer version of the app)
    session.add(job)
    session.commit()
    assert exports.run_due(engine) == {"purged": 0, "failed": 1}
    page = client.get(f"/hr/openings/{oid}/exports/{job_id}", headers=HX)
    assert "导出失败" in page.text and "重新导出" in page.text and "hx-trigger" not in page.text
    assert "ValueError" not in page.text  # the reason is in the log and the row, not on the page
    assert client.get(f"/hr/openings/{oid}/exports/{job_id}/file").status_code == 409
    assert "unknown export format" in _fresh(session, job_id).error


def test_finished_files_expire(client, session, engine, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    job_id = _job_id(_ask(client, oid, "csv"))
    exports.run_due(engine)
    assert client.get(f"/hr/openings/{oid}/exports/{job_id}/file").status_code == 200
    assert exports.purge(engine, utcnow() + exports.KEEP - timedelta(minutes=1)) == 0
    assert exports.purge(engine, utcnow() + exports.KEEP + timedelta(minutes=1)) == 1
    assert _fresh(session, job_id) is None
    assert not session.exec(select(ExportChunk).where(ExportChunk.job_id == job_id)).all()
    assert client.get(f"/hr/openings/{oid}/exports/{job_id}").status_code == 404


def test_old_urls_answer_at_once_when_small_and_start_a_job_when_large(client, session, data, hr, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    r = client.get(f"/hr/openings/{oid}/export.csv?sort=score")
    assert r.status_code == 200 and r.content == _reference(session, data.opening, {"sort": "score"}, "csv")
    monkeypatch.setattr(exports, "SYNC_LIMIT", 5)
    r = client.get(f"/hr/openings/{oid}/export.xlsx?signals=none")
    assert r.status_code == 303 and re.search(r"/exports/\d+$", r.headers["location"])
    job = _fresh(session, _job_id(r))
    assert job.kind == "xlsx" and job.status == "queued" and job.params["filters"] == [["signals", "none"]]


# --- who may see a job ----------------------------------------------------------------------------------------


def test_another_hr_user_gets_404_for_the_job_and_its_file(client, session, engine, data, hr, login_as) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    job_id = _job_id(_ask(client, oid, "csv"))
    exports.run_due(engine)
    mine = seed_opening(session, 2, seed=3, with_answers=False, title="别的岗位", created_by=hr)
    session.commit()
    assert client.get(f"/hr/openings/{mine.opening.id}/exports/{job_id}").status_code == 404  # not that opening's
    assert client.get(f"/hr/openings/{mine.opening.id}/exports/{job_id}/file").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_of(client, "/hr")})
    login_as("hr", "hr2")
    assert client.get(f"/hr/openings/{oid}/exports/{job_id}").status_code == 404
    assert client.get(f"/hr/openings/{oid}/exports/{job_id}/file").status_code == 404
    token = csrf_of(client, "/hr")
    assert client.post(f"/hr/openings/{oid}/exports", data={"csrf_token": token, "kind": "csv"}).status_code == 404


def test_asking_for_an_export_needs_the_csrf_token(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/hr/openings/{data.opening.id}/exports", data={"kind": "csv"})
    assert r.status_code == 403
    session.rollback()
    assert session.exec(select(ExportJob)).first() is None


# --- one worker per job ------------------------------------------------------------------------------------------


def _queued(session, data, hr_user) -> int:  # type: ignore[no-untyped-def]
    job = exports.start(session, hr_user, data.opening, "csv", exports.Request(ranking.Filters(), "rank", True))
    return int(job.id)


def test_two_claimers_one_wins(session, engine, data) -> None:  # type: ignore[no-untyped-def]
    owner = accounts.get_user(session, "hr")
    job_id = _queued(session, data, owner)
    session.commit()
    barrier = threading.Barrier(2)
    won: list[object] = []

    def worker() -> None:
        barrier.wait()
        won.append(exports.claim(engine))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won, key=str) == sorted([None, (job_id, 1)], key=str)
    assert exports.claim(engine) is None


def test_a_dead_workers_job_is_taken_over_and_the_slow_worker_stops(session, engine, data) -> None:  # type: ignore[no-untyped-def]
    owner = accounts.get_user(session, "hr")
    job_id = _queued(session, data, owner)
    session.commit()
    first = exports.claim(engine)
    assert first == (job_id, 1)
    assert exports.claim(engine, utcnow() + timedelta(minutes=1)) is None  # the lease holds
    second = exports.claim(engine, utcnow() + exports.LEASE + timedelta(seconds=1))
    assert second == (job_id, 2)
    assert exports.run(engine, *first) == "lost"  # the first worker comes back: the job is no longer its own
    assert exports.run(engine, *second) == "done"
    assert _fresh(session, job_id).status == "done"


# --- the ranking's totals and chart follow its filters ---------------------------------------------------------


def _figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>', html))


def _chart_total(html: str) -> int:
    table = html.split('id="dist-table"', 1)[1].split("</table>", 1)[0]
    return sum(int(row[-1]) for row in re.findall(r'<td class="num">(\d+)</td><td class="num">(\d+)</td>'
                                                  r'<td class="num">(\d+)</td>', table))  # fmt: skip


def test_totals_and_chart_follow_the_filters(client, session, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    attempts = session.exec(select(Attempt).where(Attempt.opening_id == oid)).all()
    met = [a for a in attempts if a.hard_requirements_met]
    assert 0 < len(met) < len(attempts)
    session.commit()
    whole = client.get(f"/hr/openings/{oid}/ranking").text
    assert f"共 {len(attempts)} 人" in whole and "筛选后" not in whole
    assert _figures(whole)["应聘者"] == str(len(attempts))
    assert _chart_total(whole) == sum(a.hiring_score is not None for a in attempts)

    page = client.get(f"/hr/openings/{oid}/ranking?requirements=met").text
    assert f"筛选后 {len(met)} 人，共 {len(attempts)} 人" in page
    figures = _figures(page)
    assert figures["应聘者"] == str(len(met)) and figures["满足硬性要求"] == str(len(met))
    assert _chart_total(page) == sum(a.hiring_score is not None for a in met)
    mean = sum(a.hiring_score for a in met) / len(met)
    assert (
        figures["平均录用分"] == f"{mean:.1f}".rstrip("0").rstrip(".")
        or abs(float(figures["平均录用分"]) - mean) < 0.06
    )

    # the filter form's htmx request gets the table and, out of band, the totals and the chart
    hx = {"HX-Request": "true", "HX-Target": "ranking-results", "HX-Trigger": "ranking-filters"}
    partial = client.get(f"/hr/openings/{oid}/ranking?requirements=met", headers=hx).text
    assert 'id="ranking-summary-block" hx-swap-oob="true"' in partial and "<html" not in partial
    assert f"筛选后 {len(met)} 人" in partial and _chart_total(partial) == _chart_total(page)
    # a new sort or page changes neither: the table alone
    sorted_only = client.get(f"/hr/openings/{oid}/ranking?sort=score", headers={**hx, "HX-Trigger": ""}).text
    assert "ranking-summary-block" not in sorted_only and 'id="ranking-table"' in sorted_only


def test_filtered_stats_match_the_filtered_rows(session, data) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    for query in ({}, {"requirements": "failed"}, {"signals": "none", "status": "graded"}, {"q": data.opening.title}):
        filters = ranking.Filters.parse(query)
        stats = ranking.opening_stats(session, oid, filters)
        rows = list(ranking.export_rows(session, oid, filters))
        assert stats.total == len(rows) == ranking.count_matching(session, oid, filters)
        assert stats.all_total == ranking.count_matching(session, oid)
        assert stats.met == sum(1 for r in rows if r.attempt.hard_requirements_met)
        met, failed = ranking.distribution(session, oid, filters=filters)
        assert (stats.bins_met, stats.bins_failed) == (met, failed)
        assert sum(met) + sum(failed) == stats.scored == sum(r.attempt.hiring_score is not None for r in rows)


def test_deleting_a_candidate_deletes_the_exports_that_name_them(client, session, engine, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    job_id = _job_id(_ask(client, oid, "csv"))
    exports.run_due(engine)
    token = csrf_of(client, "/hr")
    r = client.post(
        f"/hr/attempts/{data.attempt_ids[0]}/delete",
        data={"csrf_token": token, "confirm": "yes", "comment": "本人要求"},
    )
    assert r.status_code == 303
    assert _fresh(session, job_id) is None
    assert not session.exec(select(ExportChunk).where(ExportChunk.job_id == job_id)).all()
    assert client.get(f"/hr/openings/{oid}/exports/{job_id}/file").status_code == 404


def test_the_app_runs_exports_in_a_child_process(client, session, engine, settings, data, hr) -> None:  # type: ignore[no-untyped-def]
    oid = data.opening.id
    assert exports.run_due_isolated(engine, settings) == {"purged": 0}  # nothing waits: no process is started
    job_id = _job_id(_ask(client, oid, "xlsx"))
    assert exports.run_due_isolated(engine, settings) == {"purged": 0, "done": 1}
    body = client.get(f"/hr/openings/{oid}/exports/{job_id}/file").content
    assert _cells(body) == _cells(_reference(session, data.opening, {}, "xlsx"))
