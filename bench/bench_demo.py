"""Demo generation benchmark: time and peak memory of ``monitor.demo.build_demo`` per size.

Each size runs in its own process on a fresh, empty database (a SQLite file in a temporary
folder, or a throw-away PostgreSQL database), calling
``build_demo(size, seed=..., reset=False)`` inside an application context and committing.
Quick mode runs the small and medium sizes only.

Also timed: ``outcome_frame(size, seed)``, the same data generated without a database, which the
analysis simulation runs over many seeds (mean of several seeds, in one process).

Child mode: ``python -m bench.bench_demo child SIZE DATABASE_URL``.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.support import (
    Outcome,
    Row,
    create_postgres_database,
    emit,
    make_app,
    measure,
    postgres_databases,
    run_child,
)

NAME = "demo"
SEED = 20120301
SIZES = ("small", "medium", "large")
QUICK_SIZES = ("small", "medium")


def run(quick: bool = False, database_url: str | None = None) -> Outcome:
    outcome = Outcome()
    backend = "PostgreSQL" if database_url else "SQLite"
    sizes = QUICK_SIZES if quick else SIZES
    with tempfile.TemporaryDirectory(prefix="nrm-bench-demo-") as tmp:
        for size in sizes:
            if database_url:
                with postgres_databases(database_url) as created:
                    url, name = create_postgres_database(database_url)
                    created.append(name)
                    result = run_child("bench.bench_demo", "child", size, url)
            else:
                url = f"sqlite:///{Path(tmp) / f'demo-{size}.sqlite3'}"
                result = run_child("bench.bench_demo", "child", size, url)
            if "error" in result:
                outcome.rows.append(Row(NAME, "build_demo", f"{size}, {backend}",
                                        note=result["error"][:160]))
            else:
                described = result["value"]
                outcome.rows.append(Row(NAME, "build_demo", f"{size}, {backend}",
                                        seconds=result["seconds"], peak_mb=result["peak_mb"],
                                        rows=described["rows"], note=described["note"]))
    for size, seeds in ((("small", 20), ("medium", 5)) if quick
                        else (("small", 20), ("medium", 10), ("large", 2))):
        result = run_child("bench.bench_demo", "frame", size, str(seeds))
        if "error" in result:
            outcome.rows.append(Row(NAME, "outcome_frame", f"{size}, no database",
                                    note=result["error"][:160]))
        else:
            outcome.rows.append(Row(NAME, "outcome_frame", f"{size}, no database",
                                    seconds=result["seconds"] / seeds, peak_mb=result["peak_mb"],
                                    rows=result["value"]["rows"],
                                    note=f"per seed, mean of {seeds} seeds"))
    outcome.notes.append(
        "demo: build_demo(size, seed, reset=False) plus commit on an empty database (registry, "
        "surveys, follow-up invitations, responses and answers); Rows is the sum of the counts "
        "in its summary; peak memory "
        "is the resident-set high-water mark during the call minus the resident set before it "
        "(Linux VmHWM, reset just before), each size in a fresh process."
    )
    return outcome


#: Summary fields that are not counts of rows loaded.
NOT_ROWS = frozenset({"seed", "pilot_regions", "trained_providers", "tryout_invitations",
                      "links"})
#: Counts shown in the note, when the summary has them.
SHOWN = ("providers", "persons", "episodes", "invitations", "responses", "answers")


def _describe(summary: Any) -> dict[str, Any]:
    """Rows loaded (the sum of the summary's counts) and a short note of the main counts."""
    if dataclasses.is_dataclass(summary) and not isinstance(summary, type):
        summary = dataclasses.asdict(summary)
    if not isinstance(summary, Mapping):
        return {"rows": None, "note": ""}
    counts = {key: value for key, value in summary.items()
              if isinstance(value, int) and not isinstance(value, bool) and key not in NOT_ROWS}
    note = ", ".join(f"{key} {counts[key]:,}" for key in SHOWN if key in counts)
    return {"rows": sum(counts.values()) or None, "note": note}


def _child(size: str, database_url: str) -> None:
    from monitor.demo import build_demo
    from monitor.extensions import db

    app = make_app(database_url)
    with app.app_context():
        db.create_all()

        def work() -> dict[str, Any]:
            summary = build_demo(size, seed=SEED, reset=False,
                                 links_path=Path(tempfile.gettempdir()) / "bench-demo-links.csv")
            db.session.commit()
            return _describe(summary)

        emit(measure(work))


def _frame_child(size: str, seeds: int) -> None:
    from monitor.demo import outcome_frame

    def work() -> dict[str, Any]:
        rows = 0
        for seed in range(SEED, SEED + seeds):
            rows = len(outcome_frame(size, seed))
        return {"rows": rows}

    emit(measure(work))


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "child":
        _child(argv[1], argv[2])
        return 0
    if len(argv) == 3 and argv[0] == "frame":
        _frame_child(argv[1], int(argv[2]))
        return 0
    print("Run the benchmarks with: python -m bench.run --only demo", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
