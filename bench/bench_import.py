"""Import benchmark: 100,000 training attendance rows through ``import_table`` versus a raw
``executemany`` of the same rows.

Set-up (not timed): a fresh database with 13 regions, 5,000 providers and 2,000 training
sessions, inserted with bulk inserts, and a CSV of attendance rows (all seven columns, the
session columns agreeing with the registered sessions, every provider/session pair distinct).

Each case runs in its own process on its own copy of that database (a copied SQLite file, or a
PostgreSQL database made from the seed with ``CREATE DATABASE ... TEMPLATE``):

* ``import_table``: the service on the CSV bytes, checks and bulk inserts, then the commit;
* ``executemany``: the floor: parse the CSV with the csv module, map codes to ids with one
  query per table, one DB-API ``executemany`` INSERT, commit. No checks at all.

Child mode: ``python -m bench.bench_import child CASE DATABASE_URL CSV_PATH``.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

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

NAME = "import"
PROVIDERS = 5_000
SESSIONS = 2_000
REGION_CODES = ["UA-77", "UA-14", "UA-63", "UA-68", "UA-09", "UA-05", "UA-35", "UA-32",
                "UA-56", "UA-59", "UA-07", "UA-18", "UA-30"]
MODULE_SETS = ["identification,referral", "victim_rights,psychosocial",
               "legal_aid,labour_exploitation", "child_trafficking,data_protection,referral"]


def run(quick: bool = False, database_url: str | None = None) -> Outcome:
    """Set up, run both cases in fresh processes, and return the table rows."""
    rows_wanted = 20_000 if quick else 100_000
    backend = "PostgreSQL" if database_url else "SQLite"
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="nrm-bench-import-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "attendance.csv"
        if database_url:
            with postgres_databases(database_url) as created:
                seed_url, seed_name = create_postgres_database(database_url)
                created.append(seed_name)
                _seed(seed_url, csv_path, rows_wanted)
                results = {}
                for case in ("service", "executemany"):
                    url, name = create_postgres_database(database_url, template=seed_name)
                    created.append(name)
                    results[case] = run_child("bench.bench_import", "child", case, url,
                                              str(csv_path))
        else:
            seed_path = workdir / "seed.sqlite3"
            _seed(f"sqlite:///{seed_path}", csv_path, rows_wanted)
            results = {}
            for case in ("service", "executemany"):
                copy = workdir / f"{case}.sqlite3"
                shutil.copyfile(seed_path, copy)
                results[case] = run_child("bench.bench_import", "child", case,
                                          f"sqlite:///{copy}", str(csv_path))

    labels = {"service": "import_table + commit", "executemany": "csv + executemany baseline"}
    for case, result in results.items():
        if "error" in result:
            outcome.rows.append(Row(NAME, labels[case], backend, note=result["error"][:120]))
            continue
        outcome.rows.append(Row(NAME, labels[case], backend, seconds=result["seconds"],
                                peak_mb=result["peak_mb"], rows=result["value"]))
    service, floor = results.get("service", {}), results.get("executemany", {})
    if "seconds" in service and "seconds" in floor and floor["seconds"] > 0:
        outcome.notes.append(
            f"import ({backend}): import_table took {service['seconds'] / floor['seconds']:.1f}x "
            f"the time of the raw executemany baseline for {rows_wanted:,} attendance rows "
            f"({service['seconds']:.2f} s vs {floor['seconds']:.2f} s); peak memory growth "
            f"{service['peak_mb']:.1f} MB vs {floor['peak_mb']:.1f} MB."
        )
    outcome.notes.append(
        "import: peak memory is the resident-set high-water mark during the timed call minus the "
        "resident set before it (Linux VmHWM, reset just before; ru_maxrss elsewhere), each "
        "case in a fresh process; the CSV bytes are read before."
    )
    return outcome


def _seed(database_url: str, csv_path: Path, rows_wanted: int) -> None:
    """Create the schema, regions, providers and sessions; write the attendance CSV."""
    from sqlalchemy import insert, select, text

    from monitor.extensions import db
    from monitor.models import Provider, Region, TrainingSession

    rng = random.Random(20130415)
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
        db.session.execute(insert(Region), [
            {"code": code, "name": f"Region {code}", "joined_year": 2012 + i % 3}
            for i, code in enumerate(REGION_CODES)
        ])
        region_ids = dict(db.session.execute(select(Region.code, Region.id)).all())
        db.session.execute(insert(Provider), [
            {"code": f"P{i:05d}", "profession": "social_worker",
             "region_id": region_ids[REGION_CODES[i % len(REGION_CODES)]]}
            for i in range(PROVIDERS)
        ])
        sessions = []
        first_day = date(2012, 3, 1)
        for i in range(SESSIONS):
            sessions.append({
                "code": f"S{i:05d}",
                "held_on": first_day + timedelta(days=(i * 3) % 4000),
                "region_id": region_ids[REGION_CODES[i % len(REGION_CODES)]],
                "hours": float(8 + 4 * (i % 4)),
                "modules": MODULE_SETS[i % len(MODULE_SETS)],
            })
        db.session.execute(insert(TrainingSession), sessions)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()

    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["provider_code", "session_code", "hours_attended", "session_date",
                         "region", "session_hours", "modules"])
        for i in range(rows_wanted):
            provider = i % PROVIDERS
            # For one provider, successive rows move 100 sessions on: every pair is distinct.
            session = sessions[((i // PROVIDERS) * 100 + provider % 100) % SESSIONS]
            hours = session["hours"] if rng.random() < 0.8 else session["hours"] / 2
            region = REGION_CODES[int(session["code"][1:]) % len(REGION_CODES)]
            writer.writerow([f"P{provider:05d}", session["code"], f"{hours:g}",
                             session["held_on"].isoformat(), region, f"{session['hours']:g}",
                             session["modules"].replace(",", ";")])


# Child side -------------------------------------------------------------------------------------


def _child_service(database_url: str, csv_path: str) -> None:
    from monitor.extensions import db
    from monitor.registry.importing import import_table

    app = make_app(database_url)
    data = Path(csv_path).read_bytes()
    with app.app_context():
        def work() -> int:
            result = import_table("attendance", "attendance.csv", data)
            db.session.commit()
            return result.created["training_attendance"]

        emit(measure(work))


def _child_executemany(database_url: str, csv_path: str) -> None:
    from sqlalchemy.engine import make_url

    data = Path(csv_path).read_bytes()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.database)
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        placeholder = "?"
    else:
        import psycopg

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = psycopg.connect(conninfo)
        placeholder = "%s"

    def work() -> int:
        cur = conn.cursor()
        cur.execute("SELECT code, id FROM provider")
        providers = dict(cur.fetchall())
        cur.execute("SELECT code, id FROM training_session")
        sessions = dict(cur.fetchall())
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        next(reader)
        params = [(providers[r[0]], sessions[r[1]], float(r[2])) for r in reader]
        cur.executemany(
            "INSERT INTO training_attendance (provider_id, session_id, hours_attended) "
            f"VALUES ({placeholder}, {placeholder}, {placeholder})",
            params,
        )
        conn.commit()
        return len(params)

    emit(measure(work))
    conn.close()


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "child":
        case, database_url, csv_path = argv[1:]
        {"service": _child_service, "executemany": _child_executemany}[case](database_url, csv_path)
        return 0
    print("Run the benchmarks with: python -m bench.run --only import", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
