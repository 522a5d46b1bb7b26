"""Speed of an opening's ranking with 10,000 candidates: the queries and the whole page over HTTP.

Seeds one opening with N graded candidates (synthetic results, no answers) into a SQLite file
(kept between runs unless --fresh), then times, for several sort orders and filters, the first,
middle and last page: ``ranking.fetch_page`` (the SQL alone) and ``GET /hr/openings/{id}/ranking``
through the app (queries, chart, template), plus the htmx partial; then the CSV/XLSX export jobs of all rows
(from the click to the file) and the ranking page measured while an export job runs.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, SQLModel, select  # noqa: E402

import exam.models  # noqa: E402,F401
from exam.db import make_engine  # noqa: E402
from exam.models import Opening  # noqa: E402
from exam.services import ranking  # noqa: E402
from exam.services.sample import seed_opening  # noqa: E402

CASES = [
    ("rank", True, {}),
    ("score", False, {}),
    ("name", False, {}),
    ("signals", True, {}),
    ("rank", True, {"requirements": "met", "score_min": "60"}),
    ("rank", True, {"signals": "none", "decision": "none", "status": "graded"}),
    ("rank", True, {"q": "王"}),
]


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def seed(path: Path, n: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        if session.exec(select(Opening)).first() is None:
            start = time.perf_counter()
            from exam.models import Role
            from exam.services import accounts

            owner = accounts.create_user(session, "bench-hr", Role.hr, "Bench-hr-pass-2026")
            seed_opening(session, n, in_progress=n // 100, with_answers=False, seed=42, created_by=owner)  # its owner
            session.commit()
            print(f"seeded {n} candidates in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    engine.dispose()


# --- HR pages, the candidate report and a regrade over N candidates with real answers (issue 17) --------------------

HR_USER, TRAINER_USER, BENCH_PASSWORD = "bench-hr", "bench-trainer", "Bench-hr-pass-2026"
REGRADE_QUESTION = "sample.reply.bargain"


def seed_with_answers(path: Path, n: int) -> None:
    """One opening with N candidates graded from real answers (typing, choices, two replies each), once per file."""
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        if session.exec(select(Opening)).first() is None:
            start = time.perf_counter()
            from exam.models import Role
            from exam.services import accounts

            owner = accounts.create_user(session, HR_USER, Role.hr, BENCH_PASSWORD)
            accounts.create_user(session, TRAINER_USER, Role.trainer, BENCH_PASSWORD)
            seed_opening(session, n, in_progress=n // 100, with_answers=True, seed=42, created_by=owner)
            _full_width_version(session, REGRADE_QUESTION)
            session.commit()
            print(f"seeded {n} candidates with answers in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    engine.dispose()
    import sqlite3

    with sqlite3.connect(path) as conn:
        _add_regrade_columns(conn)  # a file seeded by an older checkout


def _full_width_version(session: Session, question_id: str) -> None:
    """Make the stored sample question pass today's text rules (full-width marks), so that an edit of it validates."""
    from exam.models import QuestionVersion
    from exam.services.sample import _hash
    from exam.zhtext import full_width

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            return full_width(value)
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        return value

    row = session.exec(select(QuestionVersion).where(QuestionVersion.question_id == question_id)).one()
    row.content = fix(row.content)
    row.content_hash = _hash(row.content)
    session.add(row)


def _client(db: Path, username: str):  # type: ignore[no-untyped-def]
    """A logged-in test client of the app on this SQLite file (no background jobs unless asked)."""
    from fastapi.testclient import TestClient

    from exam.app import create_app
    from exam.settings import Settings

    settings = Settings(
        environment="test",
        data_dir=db.parent,
        database_url=f"sqlite:///{db}",
        secret_key="bench-secret-key-0123456789abcdef",
    )
    engine = make_engine(f"sqlite:///{db}")
    client = TestClient(create_app(settings, engine=engine, run_background=False))
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login", data={"username": username, "password": BENCH_PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.status_code
    client.csrf = token  # type: ignore[attr-defined]
    return client, engine


def _percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def bench_reports(db: Path, sample: int) -> dict[str, Any]:
    """GET /hr/attempts/{id} (HR's candidate report) for a sample of graded candidates: p50/p95 over the sample."""
    import random

    from exam.models import Attempt

    client, engine = _client(db, HR_USER)
    with Session(engine) as session:
        ids = list(session.exec(select(Attempt.id).where(Attempt.status == "graded").order_by(Attempt.id)).all())
    picked = random.Random(7).sample(ids, min(sample, len(ids)))
    client.get(f"/hr/attempts/{picked[0]}").raise_for_status()  # warm-up: templates, parse caches
    ms, cpu = [], []
    for attempt_id in picked:
        start, cpu_start = time.perf_counter(), time.process_time()
        client.get(f"/hr/attempts/{attempt_id}").raise_for_status()
        ms.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)  # client and app share this process
    engine.dispose()
    cpu_figures = _percentiles(cpu)
    return {**_percentiles(ms), "cpu_p50_ms": cpu_figures["p50_ms"], "cpu_p95_ms": cpu_figures["p95_ms"]}


def bench_hr_pages(db: Path, repeat: int) -> dict[str, Any]:
    """The other pages of an opening with N candidates (HR's and the trainers'), median and max of ``repeat`` GETs."""
    from exam.models import Attempt

    hr, engine = _client(db, HR_USER)
    trainer, _ = _client(db, TRAINER_USER)
    with Session(engine) as session:
        opening_id = session.exec(select(Opening.id)).first()
        ids = list(session.exec(select(Attempt.id).where(Attempt.status == "graded").limit(3)).all())
        profile_id = session.exec(select(Opening.profile_id)).first()
    compare = "&".join(f"ids={i}" for i in ids)
    pages = [
        (hr, "HR home (openings)", "/hr"),
        (hr, "opening (invitations list)", f"/hr/openings/{opening_id}"),
        (hr, "outcomes and validity", f"/hr/openings/{opening_id}/outcomes"),
        (hr, "comparison of 3", f"/hr/openings/{opening_id}/compare?{compare}"),
        (hr, "webhooks", f"/hr/openings/{opening_id}/webhooks"),
        (hr, "printable invitations", f"/hr/openings/{opening_id}/print"),
        (hr, "report data (JSON)", f"/hr/attempts/{ids[0]}/data.json"),
        (trainer, "trainer statistics (opening)", f"/trainer/stats?opening={opening_id}"),
        (trainer, "trainer question statistics", f"/trainer/questions/{REGRADE_QUESTION}/stats"),
        (trainer, "trainer rubrics overview", "/trainer/rubrics"),
        (trainer, "trainer rubric agreement", f"/trainer/rubrics/{REGRADE_QUESTION}"),
        (trainer, "trainer blind scoring", f"/trainer/rubrics/{REGRADE_QUESTION}/blind"),
        (trainer, "trainer profile validity", f"/trainer/profiles/{profile_id}/validity"),
    ]
    out = []
    for client, label, url in pages:
        first = timed(lambda: client.get(url).raise_for_status(), 1)[0]  # noqa: B023
        ms = timed(lambda: client.get(url).raise_for_status(), repeat)  # noqa: B023
        out.append(
            {
                "page": label,
                "url": url,
                "first_ms": round(first, 1),
                "median_ms": round(statistics.median(ms), 1),
                "max_ms": round(max(ms), 1),
            }
        )
    engine.dispose()
    return {"repeat": repeat, "pages": out}


def _edited_question(session: Session) -> str:
    """The regraded question with one rubric item worth less (a different score for many replies)."""
    from exam.models import Question
    from exam.services import workspace

    row = session.get(Question, REGRADE_QUESTION)
    content = json.loads(json.dumps(workspace.version_of(session, REGRADE_QUESTION, row.current_version).content))  # type: ignore[union-attr]
    for criterion in content["rubric"]["criteria"]:
        if criterion["id"] == "solve":  # stating the shop's single price is worth less: many scores and ranks move
            criterion["detectors"][0]["items"][0]["points"] = 4
    return workspace.question_yaml(content)


def _add_regrade_columns(conn: Any) -> None:
    """A file seeded before migration 0010 gets its columns (as the migration adds them), when the models have them."""
    from exam.models import RubricRegrade

    have = {row[1] for row in conn.execute("PRAGMA table_info(rubricregrade)")}
    wanted = {
        "status": "VARCHAR(16) NOT NULL DEFAULT 'done'",
        "done": "INTEGER NOT NULL DEFAULT 0",
        "lease_until": "DATETIME",
        "finished_at": "DATETIME",
        "error": "TEXT NOT NULL DEFAULT ''",
    }
    for name, ddl in wanted.items():
        if name not in have and name in RubricRegrade.__table__.c:  # type: ignore[attr-defined]
            conn.execute(f"ALTER TABLE rubricregrade ADD COLUMN {name} {ddl}")


def bench_regrade(db: Path) -> dict[str, Any]:
    """Apply an edited rubric of a reply question every candidate answered, on a copy of the file (the seed stays).

    As the trainers' page does: the edit is saved and queued, then the background job's function runs it
    (``regrade.run_due``, else the synchronous ``apply_edit`` of older code). The job logs its two phases.
    """
    import logging

    from sqlmodel import func

    from exam.models import Answer, Question, User
    from exam.services import regrade

    copy = _copy(db, "regrade")
    phases: list[Any] = []

    class Phases(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            phases.append(record.args)

    logging.getLogger("exam.regrade").addHandler(Phases())
    logging.getLogger("exam.regrade").setLevel(logging.INFO)
    engine = make_engine(f"sqlite:///{copy}")
    with Session(engine) as session:
        replies = session.exec(
            select(func.count()).select_from(Answer).where(Answer.question_id == REGRADE_QUESTION)
        ).one()
        trainer = session.exec(select(User).where(User.username == TRAINER_USER)).one()
        base = session.get(Question, REGRADE_QUESTION).current_version  # type: ignore[union-attr]
        yaml_text = _edited_question(session)
        session.commit()
        start, cpu = time.perf_counter(), time.process_time()
        if hasattr(regrade, "run_due"):
            queued = regrade.queue_edit(session, trainer, REGRADE_QUESTION, yaml_text, base)
            session.commit()
            regrade.run_due(engine)
            regrade_id = queued.regrade.id  # type: ignore[union-attr]
        else:
            report = regrade.apply_edit(session, trainer, REGRADE_QUESTION, yaml_text, base)
            session.commit()
            regrade_id = report.regrade.id  # type: ignore[union-attr]
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with Session(engine) as session:
        from exam.models import RankChange, RubricRegrade

        row = session.get(RubricRegrade, regrade_id)
        changes = session.exec(select(func.count()).select_from(RankChange).where(RankChange.regrade_id == regrade_id))
        result = {
            "replies": replies,
            "regraded": row.answers,  # type: ignore[union-attr]
            "status": getattr(row, "status", "done"),
            "rank_changes": changes.one(),
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),  # this process's CPU: less sensitive to other work on the machine
        }
        if phases:
            result["grade_seconds"] = round(phases[-1][2], 2)
            result["write_seconds"] = round(phases[-1][3], 2)
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    return result


def _copy(db: Path, suffix: str) -> Path:
    """A copy of the seeded file (a benchmark that writes leaves the seed as it was)."""
    import sqlite3

    copy = db.with_name(f"{db.stem}-{suffix}.sqlite3")
    for end in ("", "-wal", "-shm"):
        Path(str(copy) + end).unlink(missing_ok=True)
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
        _add_regrade_columns(dst)
    return copy


def bench_statistics(db: Path, repeat: int) -> dict[str, Any]:
    """The statistics job over N candidates (``stats.refresh``, on a copy), then the pages that show its snapshots."""
    from exam.services import stats

    copy = _copy(db, "stats")
    engine = make_engine(f"sqlite:///{copy}")
    start, cpu = time.perf_counter(), time.process_time()
    scopes = stats.refresh(engine)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    trainer, engine = _client(copy, TRAINER_USER)
    hr, _ = _client(copy, HR_USER)
    with Session(engine) as session:
        opening_id = session.exec(select(Opening.id)).first()
    pages = []
    for client, label, url in (
        (trainer, "trainer statistics (opening)", f"/trainer/stats?opening={opening_id}"),
        (trainer, "trainer question statistics", f"/trainer/questions/{REGRADE_QUESTION}/stats"),
        (hr, "outcomes and validity", f"/hr/openings/{opening_id}/outcomes"),
        (hr, "ranking (with SEM bands)", f"/hr/openings/{opening_id}/ranking"),
    ):
        client.get(url).raise_for_status()
        ms = timed(lambda: client.get(url).raise_for_status(), repeat)  # noqa: B023
        pages.append(
            {"page": label, "url": url, "median_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1)}
        )
    engine.dispose()
    for end in ("", "-wal", "-shm"):
        Path(str(copy) + end).unlink(missing_ok=True)
    return {
        "refresh_seconds": round(seconds, 2),
        "refresh_cpu_seconds": round(cpu, 2),
        "scopes": scopes,
        "pages": pages,
    }


def hr_benchmarks(db: Path, n: int, repeat: int, sample: int, regrade: bool) -> dict[str, Any]:
    """Seed (once) and run the HR part: the report's percentiles, the other pages, the regrade."""
    seed_with_answers(db, n)
    out: dict[str, Any] = {"db": str(db), "report": bench_reports(db, sample), **bench_hr_pages(db, repeat)}
    out["statistics"] = bench_statistics(db, repeat)
    if regrade:
        out["regrade"] = bench_regrade(db)
    return out


def print_hr(hr: dict[str, Any]) -> None:
    """The HR part as a table."""
    r = hr["report"]
    print(
        f"candidate report over {r['n']} candidates: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, max {r['max_ms']} ms"
    )
    print(f"{'page':<32} {'first':>8} {'median':>8} {'max':>8}")
    for p in hr["pages"]:
        print(f"{p['page']:<32} {p['first_ms']:>8} {p['median_ms']:>8} {p['max_ms']:>8}")
    st = hr["statistics"]
    print(f"statistics job (stats.refresh, {st['scopes']} scopes): {st['refresh_seconds']} s; then:")
    for p in st["pages"]:
        print(f"  {p['page']:<30} {p['median_ms']:>8} {p['max_ms']:>8}")
    if "regrade" in hr:
        g = hr["regrade"]
        phases = (
            f", graded in {g['grade_seconds']} s, written in {g['write_seconds']} s" if "write_seconds" in g else ""
        )
        print(
            f"regrade of {g['regraded']} of {g['replies']} replies: {g['seconds']} s (CPU {g['cpu_seconds']} s){phases} "
            f"({g['rank_changes']} rank changes, {g['status']})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "exam-ranking-10k.sqlite3")
    parser.add_argument("--fresh", action="store_true", help="Delete the database file first.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--hr", action="store_true", help="Also time the HR pages, the report and a regrade.")
    parser.add_argument("--hr-only", action="store_true", help="Only the HR part (not the ranking and exports).")
    parser.add_argument("--hr-db", type=Path, default=Path(tempfile.gettempdir()) / "exam-hr-10k.sqlite3")
    parser.add_argument("--report-sample", type=int, default=200, help="Candidates whose report is timed.")
    parser.add_argument("--no-regrade", action="store_true")
    args = parser.parse_args()
    if args.hr_only:
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(str(args.hr_db) + suffix).unlink(missing_ok=True)
        hr = hr_benchmarks(args.hr_db, args.candidates, args.repeat, args.report_sample, not args.no_regrade)
        print(json.dumps({"hr": hr}, ensure_ascii=False, indent=2)) if args.json else print_hr(hr)
        return
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
    seed(args.db, args.candidates)

    from fastapi.testclient import TestClient

    from exam.app import create_app
    from exam.settings import Settings

    engine = make_engine(f"sqlite:///{args.db}")
    with Session(engine) as session:
        opening_id = session.exec(select(Opening.id)).first()
        total = ranking.count_matching(session, opening_id)  # type: ignore[arg-type]
    settings = Settings(
        environment="test",
        data_dir=args.db.parent,
        database_url=f"sqlite:///{args.db}",
        secret_key="bench-secret-key-0123456789abcdef",
    )
    app = create_app(settings, engine=engine, run_background=False)
    client = TestClient(app)
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert (
        client.post(
            "/login",
            data={"username": "bench-hr", "password": "Bench-hr-pass-2026", "csrf_token": token},
            follow_redirects=False,
        ).status_code
        == 303
    )

    results = []
    for sort, desc, filters in CASES:
        f = ranking.Filters.parse(filters)
        with Session(engine) as session:
            matching = ranking.count_matching(session, opening_id, f)  # type: ignore[arg-type]
        pages = max(1, -(-matching // ranking.PER_PAGE))
        for label, page in (("first", 1), ("middle", max(1, pages // 2)), ("last", pages)):
            with Session(engine) as session:
                sql = timed(
                    lambda: ranking.fetch_page(session, opening_id, f, sort=sort, desc=desc, page=page),  # type: ignore[arg-type]
                    args.repeat,
                )
            params = {**filters, "sort": sort, "dir": "desc" if desc else "asc", "page": str(page)}
            http = timed(
                lambda: client.get(f"/hr/openings/{opening_id}/ranking", params=params).raise_for_status(), args.repeat
            )
            htmx = timed(
                lambda: client.get(
                    f"/hr/openings/{opening_id}/ranking",
                    params=params,
                    headers={"HX-Request": "true", "HX-Target": "ranking-results"},
                ).raise_for_status(),
                args.repeat,
            )
            results.append(
                {
                    "sort": sort,
                    "desc": desc,
                    "filters": filters,
                    "matching": matching,
                    "page": label,
                    "page_no": page,
                    "sql_ms": round(statistics.median(sql), 1),
                    "page_ms": round(statistics.median(http), 1),
                    "partial_ms": round(statistics.median(htmx), 1),
                }
            )
    jobs = export_jobs(client, engine, settings, opening_id)  # type: ignore[arg-type]
    report = {
        "candidates": total,
        "per_page": ranking.PER_PAGE,
        "repeat": args.repeat,
        "cases": results,
        "export_jobs": jobs,
    }
    if args.hr:
        report["hr"] = hr_benchmarks(args.hr_db, args.candidates, args.repeat, args.report_sample, not args.no_regrade)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"{total} candidates in one opening, {ranking.PER_PAGE} per page, median of {args.repeat} runs (ms)")
    print(f"{'sort':<8} {'filters':<44} {'match':>6} {'page':>11} {'SQL':>7} {'page':>7} {'htmx':>7}")
    for r in results:
        fl = ",".join(f"{k}={v}" for k, v in r["filters"].items()) or "-"
        order = f"{r['sort']}{'↓' if r['desc'] else '↑'}"
        print(
            f"{order:<8} {fl:<44} {r['matching']:>6} {r['page'] + ' ' + str(r['page_no']):>11} "
            f"{r['sql_ms']:>7} {r['page_ms']:>7} {r['partial_ms']:>7}"
        )
    print_export_jobs(jobs)
    if "hr" in report:
        print_hr(report["hr"])


# --- export jobs -----------------------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, int(round(0.95 * len(ordered))) - 1))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def export_jobs(client, engine, settings, opening_id: int, idle_requests: int = 20) -> dict:  # type: ignore[no-untyped-def]
    """Each export of all rows as HR asks for it: the request that starts the job, the time from that click to the
    finished file, the download; and the ranking page's latency while the job runs vs. idle. The runner runs as the
    app's job loop runs it, in a thread of this process (``asyncio.to_thread``) that waits for a child process
    (``exports.run_due_isolated``, "process"); and, for comparison, with the export's work in that thread itself
    (``exports.run_due``, "thread")."""
    import threading

    from exam.models import ExportJob
    from exam.services import exports

    page = f"/hr/openings/{opening_id}/ranking"
    idle = _percentiles(timed(lambda: client.get(page).raise_for_status(), idle_requests))
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', client.get(page).text).group(1)  # type: ignore[union-attr]
    out: dict = {"ranking_idle": idle}
    runners = {"process": lambda: exports.run_due_isolated(engine, settings), "thread": lambda: exports.run_due(engine)}
    for mode, kind in (("process", "csv"), ("process", "xlsx"), ("thread", "csv"), ("thread", "xlsx")):
        clicked = time.perf_counter()
        started = client.post(
            f"/hr/openings/{opening_id}/exports",
            data={"csrf_token": token, "kind": kind, "query": ""},
            follow_redirects=False,
        )
        start_ms = (time.perf_counter() - clicked) * 1000
        assert started.status_code == 303, started.text
        job_id = int(started.headers["location"].rsplit("/", 1)[1])
        runner = threading.Thread(target=runners[mode])
        runner.start()
        during: list[float] = []
        while runner.is_alive():  # HR keeps working on the ranking while the export runs
            during += timed(lambda: client.get(page).raise_for_status(), 1)
        runner.join()
        done_s = time.perf_counter() - clicked
        with Session(engine) as session:
            job = session.get(ExportJob, job_id)
            assert job is not None and job.status == "done", job
            rows, size = job.rows_done, job.size
        got = time.perf_counter()
        body = client.get(f"/hr/openings/{opening_id}/exports/{job_id}/file").raise_for_status().content
        download_ms = (time.perf_counter() - got) * 1000
        assert len(body) == size and (kind != "csv" or body.count(b"\r\n") == rows + 1)
        out[f"{mode}.{kind}"] = {
            "rows": rows,
            "bytes": size,
            "start_request_ms": round(start_ms, 1),
            "click_to_done_s": round(done_s, 2),
            "download_ms": round(download_ms, 1),
            "ranking_during": _percentiles(during) if during else None,
        }
    return out


def print_export_jobs(jobs: dict) -> None:  # type: ignore[type-arg]
    """The export jobs' figures as lines of text."""
    idle = jobs["ranking_idle"]
    print(f"ranking page idle: p50 {idle['p50_ms']} ms, p95 {idle['p95_ms']} ms ({idle['n']} requests)")
    for key, j in jobs.items():
        if key == "ranking_idle":
            continue
        d = j["ranking_during"] or {"p50_ms": "-", "p95_ms": "-", "n": 0}
        print(
            f"export job {key}: {j['rows']} rows, {j['bytes'] / 1e6:.1f} MB; start request "
            f"{j['start_request_ms']} ms; click to done {j['click_to_done_s']} s; download {j['download_ms']} ms; "
            f"ranking page meanwhile p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms ({d['n']} requests)"
        )


if __name__ == "__main__":
    main()
