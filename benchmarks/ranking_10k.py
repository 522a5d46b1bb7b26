"""Speed of an opening's ranking with 10,000 candidates: the queries and the whole page over HTTP.

Seeds one opening with N graded candidates (synthetic results, no answers) into a SQLite file
(kept between runs unless --fresh), then times, for several sort orders and filters, the first,
middle and last page: ``ranking.fetch_page`` (the SQL alone) and ``GET /hr/openings/{id}/ranking``
through the app (queries, chart, template), plus the htmx partial and the CSV/XLSX exports.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "exam-ranking-10k.sqlite3")
    parser.add_argument("--fresh", action="store_true", help="Delete the database file first.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
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
    exports = {}
    for kind in ("csv", "xlsx"):
        ms = timed(lambda: client.get(f"/hr/openings/{opening_id}/export.{kind}").raise_for_status(), 1)
        exports[kind] = round(ms[0], 0)
    report = {
        "candidates": total,
        "per_page": ranking.PER_PAGE,
        "repeat": args.repeat,
        "cases": results,
        "export_ms": exports,
    }
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
    print(f"exports of all rows: CSV {exports['csv']:.0f} ms, XLSX {exports['xlsx']:.0f} ms")


if __name__ == "__main__":
    main()
