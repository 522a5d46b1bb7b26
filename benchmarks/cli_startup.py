"""Start-up time of the `exam` command: wall time of whole runs and `python -X importtime` of the imports.

Runs each command several times in a fresh interpreter and prints the median wall time, CPU time (user +
system, less sensitive to other work on the machine) and total import time, and the packages whose imports
took longest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPLY = (
    "亲，您好！非常抱歉让您久等了，包裹因暴雨在中转站滞留，预计明天发出，我会一直帮您跟进物流，有消息第一时间通知您。"
)


def commands(reply_file: Path) -> dict[str, list[str]]:
    """The measured commands (arguments after ``python -m exam.cli``)."""
    return {
        "exam --help": ["--help"],
        "exam grade reply": [
            *("grade", "reply", "reply.logistics.delay", "--text-file", str(reply_file)),
            *("--bank-dir", str(ROOT / "question_banks")),
        ],
    }


def parse_importtime(stderr: str) -> tuple[float, list[tuple[float, str]]]:
    """Total import time (s) and the self time (s) per top-level package, heaviest first."""
    per_package: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cumulative, name = line.split(":", 1)[1].split("|", 2)
        root = name.strip().split(".")[0]
        per_package[root] = per_package.get(root, 0) + int(self_us)
    ranked = sorted(((us / 1e6, name) for name, us in per_package.items()), reverse=True)
    return sum(t for t, _ in ranked), ranked


def run(python: str, args: list[str], cwd: Path, env: dict[str, str], importtime: bool) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system) of one run (s), and its stderr."""
    cmd = [
        python,
        *(["-X", "importtime"] if importtime else []),
        "-c",
        "from exam.cli import main; main()",
        *args,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, cpu, done.stderr


def measure(pythons: list[str], runs: int, top: int) -> dict[str, dict[str, dict[str, object]]]:
    """Figures per interpreter and command; the interpreters' runs alternate, so that they share the machine's noise."""
    env = dict(os.environ)
    results: dict[str, dict[str, dict[str, object]]] = {python: {} for python in pythons}
    with tempfile.TemporaryDirectory() as tmp:
        reply = Path(tmp) / "reply.txt"
        reply.write_text(REPLY, encoding="utf-8")
        for label, cmd in commands(reply).items():
            timed: dict[str, list[tuple[float, float]]] = {python: [] for python in pythons}
            imports: dict[str, list[float]] = {python: [] for python in pythons}
            heaviest: dict[str, list[tuple[float, str]]] = {}
            for index in range(runs):
                for python in pythons:
                    wall, cpu, _ = run(python, cmd, Path(tmp), env, importtime=False)
                    timed[python].append((wall, cpu))
                    if index % 2 == 0:
                        total, heaviest[python] = parse_importtime(run(python, cmd, Path(tmp), env, importtime=True)[2])
                        imports[python].append(total)
            for python in pythons:
                walls, cpus = [t[0] for t in timed[python]], [t[1] for t in timed[python]]
                results[python][label] = {
                    "wall_median_s": round(statistics.median(walls), 3),
                    "wall_min_s": round(min(walls), 3),
                    "cpu_median_s": round(statistics.median(cpus), 3),
                    "imports_median_s": round(statistics.median(imports[python]), 3),
                    "heaviest_imports": [
                        {"package": name, "self_s": round(t, 3)} for t, name in heaviest[python][:top]
                    ],
                }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="Runs per command and interpreter (default 7).")
    parser.add_argument("--json", action="store_true", help="Machine-readable output.")
    parser.add_argument("--top", type=int, default=5, help="How many of the heaviest packages to show.")
    parser.add_argument(
        "--python",
        action="append",
        help="An interpreter whose `exam` is measured, e.g. of a virtual environment with the wheel installed "
        "(installed packages carry compiled bytecode; a checkout run with PYTHONDONTWRITEBYTECODE=1 compiles "
        "every module at every start, and that is measured too). Repeat to compare (runs alternate).",
    )
    args = parser.parse_args()
    pythons = args.python or [sys.executable]
    load_before = os.getloadavg()[0]
    results = measure(pythons, args.runs, args.top)
    if args.json:
        print(json.dumps({"runs": args.runs, "load_average": load_before, "results": results}, indent=2))
        return
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; {args.runs} runs each")
    for python, figures_by_command in results.items():
        print(python)
        for label, figures in figures_by_command.items():
            heavy = ", ".join(f"{h['package']} {h['self_s']:.3f}" for h in figures["heaviest_imports"])  # type: ignore[attr-defined]
            print(
                f"  {label:<18} wall median {figures['wall_median_s']:.3f} s (min {figures['wall_min_s']:.3f} s), "
                f"CPU median {figures['cpu_median_s']:.3f} s, imports median {figures['imports_median_s']:.3f} s"
            )
            print(f"  {'':<18} heaviest imports (self time): {heavy}")


if __name__ == "__main__":
    main()
