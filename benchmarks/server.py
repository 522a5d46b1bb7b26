"""A server subprocess for the benchmarks: start it in its own process group, wait for /healthz, stop it."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only
# One TLS context for every client the benchmarks make. httpx builds one per client otherwise (loading the CA
# bundle), which cost the load generator ~10 ms of CPU per simulated candidate: with hundreds of candidates
# arriving at once, the generator, not the server, was the bottleneck (81 % of its CPU in a 400-candidate start).
# The benchmarks speak plain HTTP to 127.0.0.1; the context is never used for a connection.
TLS = ssl.create_default_context()


def exam_env(url: str, data_dir: Path, secret: str) -> dict[str, str]:
    """The environment of a benchmark's `exam` commands and server (also set in this process, for the exam
    modules the benchmark imports to seed the database)."""
    env = dict(os.environ)
    env.update(
        {
            "EXAM_DATABASE_URL": url,
            "EXAM_DATA_DIR": str(data_dir),
            "EXAM_SECRET_KEY": secret,
            "EXAM_ENVIRONMENT": "development",
            "EXAM_BANK_DIR": str(ROOT / "question_banks"),
            "EXAM_TRUSTED_PROXIES": "false",
        }
    )
    os.environ.update({k: v for k, v in env.items() if k.startswith("EXAM_")})
    return env


def launch(
    command: list[str], env: dict[str, str], port: int, log_path: Path, what: str = "the server"
) -> subprocess.Popen:  # type: ignore[type-arg]
    """Run ``command`` (its output in ``log_path``) and return once it answers /healthz; exit if it cannot."""
    log = open(log_path, "w")
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited:\n" + log_path.read_text())
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    sys.exit(f"{what} did not start within 60 s:\n" + log_path.read_text())


def stop_server(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """SIGTERM to the server (uvicorn stops its workers), SIGKILL to its process group after 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    try:  # leftover workers of our own process group
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
