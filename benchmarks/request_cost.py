"""Server CPU per request, by kind: one candidate, one request at a time, against a real `exam serve`.

Less sensitive to other work on the machine than a load test (the server's own CPU time is counted, read from
/proc for its process), so it is the figure to compare before and after a change to the request path:

    .venv/bin/python benchmarks/request_cost.py                       # this checkout
    .venv/bin/python benchmarks/request_cost.py --server-exam /path/to/other/.venv/bin/exam --json

Seeds the demo and a few invitations in a fresh SQLite file (or the PostgreSQL database of --database-url,
as load_exam.py does), starts `exam serve --workers 1`, starts exams, and times ``--requests`` requests of
each kind: the link, the notice, the start, the exam page, /state, an autosave (a reply growing as typed,
the version tracked), the ceiling app's one insert for comparison (``benchmarks/ceiling_app.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_exam import (  # noqa: E402
    CSRF_RE,
    EXAM_BIN,
    ITEM_RE,
    REPLY_TEXT,
    free_port,
    reset_postgres,
    seed,
    start_ceiling,
    start_server,
)
from benchmarks.server import HOST, TLS, exam_env, stop_server  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and its reaped children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / CLK_TCK


class Cost:
    """Times requests of one kind: wall time at the client, CPU time of the server process."""

    def __init__(self, pid: int, only: list[str] | None = None) -> None:
        self.pid, self.only, self.kinds = pid, only, {}

    def measure(self, kind: str, calls: list[Any]) -> None:
        if self.only is not None and kind not in self.only:
            return
        cpu0, wall0 = cpu_seconds(self.pid), time.perf_counter()
        statuses: dict[str, int] = {}
        for call in calls:
            status = str(call().status_code)
            statuses[status] = statuses.get(status, 0) + 1
        wall, cpu = time.perf_counter() - wall0, cpu_seconds(self.pid) - cpu0
        n = len(calls)
        self.kinds[kind] = {
            "requests": n,
            "cpu_ms_per_request": round(cpu * 1000 / n, 2),
            "wall_ms_per_request": round(wall * 1000 / n, 2),
            "status": statuses,
        }


def started(base: str, token: str) -> tuple[httpx.Client, int, str, list[tuple[int, str, int]]]:
    """A candidate's client in the exam: (client, attempt id, CSRF token, items of the running section)."""
    client = httpx.Client(verify=TLS, base_url=base, timeout=30)
    r = client.get(f"/i/{token}")
    intro = r.headers["location"]
    csrf = CSRF_RE.search(client.get(intro).text).group(1)  # type: ignore[union-attr]
    r = client.post(f"{intro}/start", data={"accept": "1", "csrf_token": csrf})
    attempt_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/candidate/attempts/{attempt_id}").text
    items = [(int(p), t, int(v)) for p, t, v in ITEM_RE.findall(page)]
    return client, attempt_id, CSRF_RE.search(page).group(1), items  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests of each kind (starts: a tenth)")
    parser.add_argument("--database-url", help="a PostgreSQL database whose name contains 'bench'")
    parser.add_argument("--server-exam", help="serve with this `exam` (another checkout's, for before/after)")
    parser.add_argument("--only", nargs="*", default=None, help="time only these kinds (e.g. save state)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="exam-cost-"))
    url = args.database_url or f"sqlite:///{tmp}/cost.sqlite3"
    secret = "bench-" + secrets.token_urlsafe(32)
    env = exam_env(url, tmp, secret)
    if url.startswith("postgresql"):
        reset_postgres(url, False)
    starts = max(10, min(300, args.requests // 10))
    _, tokens = seed(env, url, secret, starts + 1, args.server_exam or EXAM_BIN)
    port = free_port()
    proc = start_server(env, port, 1, tmp / "server.log", args.server_exam or EXAM_BIN)
    base = f"http://{HOST}:{port}"
    cost = Cost(proc.pid, args.only)
    try:
        for token in tokens[:3]:  # warm up: the first requests parse and cache the bank
            started(base, token)
        links = [httpx.Client(verify=TLS, base_url=base, timeout=30) for _ in tokens[3:starts]]
        cost.measure("link", [lambda c=c, t=t: c.get(f"/i/{t}") for c, t in zip(links, tokens[3:starts], strict=True)])
        intros = [(c, c.get(f"/i/{t}").headers["location"]) for c, t in zip(links, tokens[3:starts], strict=True)]
        cost.measure("intro", [lambda c=c, u=u: c.get(u) for c, u in intros])
        forms = [(c, u, CSRF_RE.search(c.get(u).text).group(1)) for c, u in intros]  # type: ignore[union-attr]
        cost.measure(
            "start",
            [lambda c=c, u=u, k=k: c.post(f"{u}/start", data={"accept": "1", "csrf_token": k}) for c, u, k in forms],
        )
        client, attempt_id, csrf, items = started(base, tokens[-1])
        page = f"/candidate/attempts/{attempt_id}"
        cost.measure("page", [lambda: client.get(page)] * args.requests)
        cost.measure("state", [lambda: client.get(f"{page}/state")] * args.requests)
        position, qtype, version = items[0]
        if qtype == "typing":
            version = client.post(f"{page}/items/{position}/start", headers={"X-CSRF-Token": csrf}).json()["version"]
        box = {"version": version, "n": 0}

        def save() -> httpx.Response:
            box["n"] += 1
            text = (REPLY_TEXT * 20)[: box["n"] % 2000 + 1]
            r = client.post(
                f"{page}/items/{position}",
                json={"version": box["version"], "answer": {"text": text}, "meta": {"inputs": box["n"]}},
                headers={"X-CSRF-Token": csrf},
            )
            if r.status_code == 200:
                box["version"] = r.json()["version"]
            return r

        cost.measure("save", [save] * args.requests)
    finally:
        stop_server(proc)
    ceiling_url = url if url.startswith("postgresql") else f"sqlite:///{tmp}/ceiling.sqlite3"
    cport = free_port()
    cproc = start_ceiling(env, ceiling_url, "sqlmodel", cport, 1, tmp / "ceiling.log")
    try:
        ceiling = Cost(cproc.pid)
        with httpx.Client(verify=TLS, base_url=f"http://{HOST}:{cport}", timeout=30) as c:
            for _ in range(50):
                c.post("/save", json={"text": "x"})
            ceiling.measure("ceiling_insert", [lambda: c.post("/save", json={"text": REPLY_TEXT})] * args.requests)
    finally:
        stop_server(cproc)
    result = {"engine": "postgresql" if url.startswith("postgresql") else "sqlite", **cost.kinds, **ceiling.kinds}
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"{'kind':<16}{'CPU ms/request':>16}{'wall ms/request':>17}  status")
        for kind, row in result.items():
            if isinstance(row, dict):
                print(f"{kind:<16}{row['cpu_ms_per_request']:>16}{row['wall_ms_per_request']:>17}  {row['status']}")
        print(f"load average {result['load_average']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
