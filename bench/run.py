"""Run the benchmarks and print a table of their figures (times are printed, never asserted).

    python -m bench.run                      # every benchmark, full size, SQLite
    python -m bench.run --quick              # smaller inputs, for a quick look
    python -m bench.run --only import        # one benchmark (repeat --only for more)
    python -m bench.run --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
                                             # on PostgreSQL: throw-away databases are
                                             # created on that server and dropped after
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time

from bench.support import Row, print_table

#: benchmark name -> module with ``run(quick, database_url) -> Outcome``
BENCHMARKS = {
    "import": "bench.bench_import",
    "demo": "bench.bench_demo",
    "surveys": "bench.bench_surveys",
    "fieldwork": "bench.bench_fieldwork",
    "analysis": "bench.bench_analysis",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME",
                        help="run only this benchmark (" + ", ".join(BENCHMARKS) + "); repeatable")
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL server URL to benchmark on instead of SQLite")
    args = parser.parse_args(argv)

    names = args.only or list(BENCHMARKS)
    print(f"NRM Monitor benchmarks · Python {platform.python_version()} · {platform.machine()} · "
          f"{os.cpu_count()} CPUs · {'quick' if args.quick else 'full'} · "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}", flush=True)
    rows: list[Row] = []
    notes: list[str] = []
    for name in names:
        started = time.perf_counter()
        print(f"running {name} ...", flush=True)
        module = importlib.import_module(BENCHMARKS[name])
        try:
            outcome = module.run(quick=args.quick, database_url=args.database_url)
        except Exception as exc:  # report and carry on with the next benchmark
            rows.append(Row(name, "failed", note=f"{type(exc).__name__}: {exc}"[:160]))
            continue
        rows.extend(outcome.rows)
        notes.extend(outcome.notes)
        print(f"  {name} done in {time.perf_counter() - started:.1f} s", flush=True)
    print()
    print_table(rows)
    if notes:
        print()
        for note in notes:
            print("* " + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
