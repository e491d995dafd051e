"""What the benchmarks share: throw-away databases, measured child processes, the results table.

Every measured case runs in a fresh Python process, so one case's memory and caches do not
colour the next. The child reports its wall time and its peak memory growth: the resident set
size high-water mark after the timed work minus the resident set just before it, i.e. after
imports, app start-up and reading the input file (see ``measure``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH-RESULT "
SECRET_KEY = "benchmark-only-secret-key-not-for-production"


@dataclass
class Row:
    """One line of the results table."""

    benchmark: str
    case: str
    size: str = ""
    seconds: float | None = None
    peak_mb: float | None = None
    rows: int | None = None
    note: str = ""


@dataclass
class Outcome:
    """What a benchmark module returns: its table rows and sentences printed under the table."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def peak_rss_mb() -> float:
    """This process's resident set size high-water mark so far, in MB (Linux reports KiB).

    Beware: on Linux ``ru_maxrss`` survives fork and exec, so a child starts with its parent's
    peak; ``measure`` prefers the kernel's per-process counters where it can reset them.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def _proc_status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's resident-set high-water mark to the current size (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return _proc_status_mb("VmHWM") is not None


def measure(work: Callable[[], Any]) -> dict[str, Any]:
    """Run ``work`` once; return seconds, peak memory growth in MB, and what ``work`` returned.

    Peak growth is the resident set high-water mark after ``work`` minus the resident set just
    before it. On Linux the mark is reset first (``/proc/self/clear_refs``) and read from
    ``VmHWM``; elsewhere it is ``ru_maxrss`` after minus before, which misses a peak lower than
    one reached earlier in the process.
    """
    precise = _reset_peak()
    before = _proc_status_mb("VmRSS") if precise else peak_rss_mb()
    start = time.perf_counter()
    value = work()
    seconds = time.perf_counter() - start
    after = _proc_status_mb("VmHWM") if precise else peak_rss_mb()
    return {"seconds": seconds, "peak_mb": max((after or 0) - (before or 0), 0.0),
            "baseline_mb": before, "method": "VmHWM-reset" if precise else "ru_maxrss",
            "value": value}


def emit(result: dict[str, Any]) -> None:
    """Child side: print the result for the parent to read."""
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def run_child(module: str, *args: str, timeout: float = 3600) -> dict[str, Any]:
    """Run ``python -m module args`` from the repository root; return its emitted result.

    A failing child gives ``{"error": "..."}`` instead of raising, so one broken case does not
    stop the other benchmarks.
    """
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"}


def make_app(database_url: str):
    """The application bound to ``database_url``, configured for a benchmark."""
    from monitor import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": SECRET_KEY,
        "ARGON2_PROFILE": "test",
    })


# Throw-away databases ---------------------------------------------------------------------------


def _admin_engine(server_url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(drivername="postgresql+psycopg")
    return url, create_engine(url, isolation_level="AUTOCOMMIT")


def create_postgres_database(server_url: str, template: str | None = None) -> tuple[str, str]:
    """Create an empty (or a copy of ``template``) database on the server; return (url, name)."""
    from sqlalchemy import text

    url, admin = _admin_engine(server_url)
    name = f"nrm_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(server_url: str, name: str) -> None:
    from sqlalchemy import text

    _, admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def postgres_databases(server_url: str) -> Iterator[list[str]]:
    """Collects names of databases created during the block and drops them all at its end."""
    names: list[str] = []
    try:
        yield names
    finally:
        for name in reversed(names):
            try:
                drop_postgres_database(server_url, name)
            except Exception as exc:  # keep dropping the others
                print(f"warning: could not drop database {name}: {exc}", file=sys.stderr)


def fmt(value: float | int | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    """Print the results as an aligned text table."""
    headers = ["Benchmark", "Case", "Size", "Rows", "Time (s)", "Rows/s", "Peak mem (MB)", "Note"]
    lines = []
    for r in rows:
        rate = r.rows / r.seconds if r.rows and r.seconds else None
        lines.append([r.benchmark, r.case, r.size, fmt(r.rows, ","), fmt(r.seconds, ".2f"),
                      fmt(rate, ",.0f"), fmt(r.peak_mb, ".1f"), r.note])
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(headers)]
    numeric = {3, 4, 5, 6}

    def render(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    print(render(headers))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(render(line))
