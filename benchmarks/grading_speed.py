"""Speed of the pure grading engines: typing (2,000-character passages) and replies per second."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exam.cli.grade import _load_reply_tasks  # noqa: E402
from exam.grading.calibration import load_scored_replies  # noqa: E402
from exam.grading.rubric import grade_reply  # noqa: E402
from exam.grading.typing import grade_typing  # noqa: E402

ALPHABET = "的一是在不了有和人这中大为上个我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所"


def passage_pair(rng: random.Random, length: int, error_rate: float) -> tuple[str, str]:
    """A random passage and a typed version with substitutions, insertions and deletions."""
    ref = "".join(rng.choice(ALPHABET) for _ in range(length))
    typed: list[str] = []
    for ch in ref:
        r = rng.random()
        if r < error_rate / 3:
            typed.append(rng.choice(ALPHABET))
        elif r < 2 * error_rate / 3:
            continue
        elif r < error_rate:
            typed.extend([ch, rng.choice(ALPHABET)])
        else:
            typed.append(ch)
    return ref, "".join(typed)


def bench_typing(runs: int, length: int) -> dict[str, float]:
    """Milliseconds per typing grade of a ``length``-character passage (median, max)."""
    rng = random.Random(1)
    pairs = [passage_pair(rng, length, 0.05) for _ in range(runs)]
    times = []
    for ref, typed in pairs:
        t0 = time.perf_counter()
        grade_typing(ref, typed, 600)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "passage_chars": length,
        "runs": runs,
        "median_ms": round(statistics.median(times), 2),
        "max_ms": round(max(times), 2),
    }


def bench_replies(seconds: float, bank_dir: Path, replies_file: Path) -> dict[str, float]:
    """Replies graded per second on one core, cycling through the scored replies."""
    tasks, problems = _load_reply_tasks(str(bank_dir))
    rows = [r for r in load_scored_replies(replies_file) if r["scenario"] in tasks]
    if not rows:
        raise SystemExit(f"no gradable replies (bank problems: {problems[:3]})")
    jobs = [(tasks[r["scenario"]], r["text"]) for r in rows]
    for task, text in jobs:  # warm caches (compiled patterns), as a long-running server would
        grade_reply(task.rubric, text, facts=task.facts, messages=task.messages, model_answers=task.model_answers)
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for task, text in jobs:
            grade_reply(task.rubric, text, facts=task.facts, messages=task.messages, model_answers=task.model_answers)
        done += len(jobs)
    elapsed = time.perf_counter() - start
    return {"replies": done, "seconds": round(elapsed, 2), "replies_per_second": round(done / elapsed, 1)}


def main() -> None:
    """Run both benchmarks and print the figures (``--json`` for machine output)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--typing-runs", type=int, default=50)
    parser.add_argument("--passage-chars", type=int, default=2000)
    parser.add_argument("--reply-seconds", type=float, default=5.0)
    parser.add_argument("--bank-dir", type=Path, default=ROOT / "question_banks")
    parser.add_argument("--replies", type=Path, default=ROOT / "exam" / "data" / "calibration" / "replies.public.jsonl")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {
        "typing": bench_typing(args.typing_runs, args.passage_chars),
        "replies": bench_replies(args.reply_seconds, args.bank_dir, args.replies),
    }
    if args.json:
        print(json.dumps(result))
        return
    t, r = result["typing"], result["replies"]
    print(
        f"typing: {t['passage_chars']}-char passage graded in {t['median_ms']} ms median, {t['max_ms']} ms max "
        f"({t['runs']} runs; target well under 100 ms)"
    )
    print(
        f"replies: {r['replies_per_second']} replies/s on one core ({r['replies']} in {r['seconds']} s; "
        f"target at least 1000)"
    )


if __name__ == "__main__":
    main()
