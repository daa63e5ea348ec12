"""Benchmarks of the service ledger and the roster (issues 18 and 19), on PostgreSQL.

    python bench/records.py [--bases 3000] [--out FILE] [--keep NAME]

One database (bench_records_<pid>, dropped at the end) holds a synthetic province: N bases
x 200 activities dated this year (a tenth of the bases with nothing entered for 90 days, two
fifths pushed by their platform) and N x 80 enterprises with one year of figures (1 % of
them resident in two bases). Each measurement runs in its own subprocess
(`python bench/records.py --task NAME JSON`) so that its peak memory is its own:

- the coverage page (province, one city) and the monthly chart: queries and time;
- importing an activities workbook of 10,000 rows into one base (target: <= 3 s);
- importing a roster workbook of 20,000 rows (target: >= 5,000 rows/s): first import
  (creates), the same file again (nothing changes), and with every figure changed;
- the duplicates list (selector and page): queries and time;
- pre-filling one base-year from its ledger and roster (target: <= 20 ms), and its API;
- the province-wide roster and activities exports (synchronous): time, size, peak memory.

--keep NAME (or BENCH_RECORDS_DB=NAME) uses the database NAME and keeps it: seeded on the
first run, reused by the next ones with the same --bases (the seed of 3,000 bases takes
minutes), after the previous runs' imports have been taken out again (reset task).

Prints a Markdown section; --out appends it to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PY = sys.executable
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
ACTIVITIES_PER_BASE = 200
ENTERPRISES_PER_BASE = 80
FIGURES_YEAR = 2018
CATEGORIES = ("info", "coaching", "innovation", "training", "marketing", "financing",
              "consulting", "professional")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {message}",
          file=sys.stderr, flush=True)


# --- the orchestrator ------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{PG_SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def run_task(name: str, database: str, timeout: int = 1800, **args) -> dict:
    environment = {**os.environ, "DATABASE_URL": database, "DJANGO_LOG_LEVEL": "WARNING",
                   "PYTHONWARNINGS": "ignore"}
    load = os.getloadavg()[0]
    process = subprocess.run([PY, __file__, "--task", name, json.dumps(args)], cwd=ROOT,
                             env=environment, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in process.stdout.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"task {name} failed:\n{process.stdout[-3000:]}\n"
                           f"{process.stderr[-5000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    result["load"] = round(max(load, os.getloadavg()[0]), 1)
    return result


PARTS = ("pages", "activities", "roster", "duplicates", "prefill", "exports")


def _seeded(database: str) -> dict | None:
    """The seed's figures of a kept database, None when it does not exist or is not seeded."""
    import psycopg2

    try:
        connection = psycopg2.connect(f"{PG_SERVER}/{database}")
    except psycopg2.OperationalError:
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_seed')")
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute("SELECT figures FROM bench_seed")
            row = cursor.fetchone()
            return row[0] if row else None
    finally:
        connection.close()


def _remember_seed(database: str, seed: dict) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{PG_SERVER}/{database}")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_seed (figures jsonb NOT NULL)")
        cursor.execute("INSERT INTO bench_seed VALUES (%s)", [json.dumps(seed, default=str)])
    connection.close()


def measure(bases: int, parts: tuple[str, ...] = PARTS, keep: str | None = None) -> dict:
    database = keep or f"bench_records_{os.getpid()}"
    url = f"{PG_SERVER}/{database}"
    seeded = _seeded(database) if keep else None
    if seeded is not None and seeded.get("bases") != bases:
        raise SystemExit(f"database {database} holds {seeded.get('bases')} bases, not {bases}: "
                         f"drop it or name another one")
    if seeded is None:
        if keep:
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{database}"')
    results: dict = {"bases": bases, "cores": os.cpu_count()}
    try:
        if seeded is None:
            log("migrate")
            run_task("migrate", url)
            log(f"seed: {bases} bases, {bases * ACTIVITIES_PER_BASE} activities, "
                f"{bases * ENTERPRISES_PER_BASE} enterprises")
            results["seed"] = run_task("seed", url, bases=bases)
            if keep:
                _remember_seed(database, {**results["seed"], "bases": bases})
        else:
            log(f"reuse {database}: migrate, take out the previous runs' imports")
            run_task("migrate", url)
            run_task("reset", url)
            results["seed"] = seeded
        if "pages" in parts:
            log("coverage and chart pages")
            results["pages"] = run_task("pages", url)
        if "activities" in parts:
            log("import 10,000 activities")
            results["activities_import"] = [run_task("import_activities", url, rows=10_000,
                                                     base=f"RB{i:05d}") for i in (1, 2)]
        if "roster" in parts:
            log("import a 20,000-row roster workbook")
            results["roster_import"] = run_task("import_roster", url, rows=20_000)
        if "duplicates" in parts:
            log("duplicates")
            results["duplicates"] = run_task("duplicates", url)
        if "prefill" in parts:
            log("pre-fill of one base-year")
            results["prefill"] = run_task("prefill", url)
        if "exports" in parts:
            log("province-wide exports")
            results["exports"] = {kind: run_task("export", url, kind=kind)
                                  for kind in ("roster", "activities")}
    finally:
        if not keep:
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    results["load_end"] = os.getloadavg()
    return results


def _db_cpu(run: dict) -> str:
    seconds = run.get("db_cpu")
    return "" if seconds is None else f" + {seconds:.2f} s CPU of PostgreSQL's backend"


def section(results: dict) -> str:
    seed, pages = results["seed"], results.get("pages")
    lines = [
        f"## Service ledger and roster (issues 18 and 19), {time.strftime('%Y-%m-%d')}",
        "",
        f"PostgreSQL, {results['bases']:,} bases: {seed['activities']:,} activities dated "
        f"this year, {seed['institutions']:,} institutions, {seed['enterprises']:,} "
        f"enterprises with {FIGURES_YEAR} figures ({seed['duplicates']:,} credit codes in two "
        f"bases). Shared machine ({results['cores']} cores, other work running): load "
        "average at each measurement in the last column; the figures are upper bounds.",
        "",
        "| Measurement | Result | Queries | Load |",
        "|---|---|---|---|",
    ]
    for label, row in pages["pages"].items() if pages else ():
        lines.append(f"| {label} | {row['ms']:.0f} ms (median of {row['repeats']}) | "
                     f"{row['queries']} | {pages['load']} |")
    for number, run in enumerate(results.get("activities_import", ()), 1):
        lines.append(f"| Import 10,000 activities into one base (run {number}) | "
                     f"{run['seconds']:.2f} s wall, {run['cpu']:.2f} s CPU of the Python "
                     f"process (reading alone {run['read']:.2f} s){_db_cpu(run)}, "
                     f"{run['created']:,} created, {run['history']:,} history records | "
                     f"{run['queries']} | {run['load']} |")
    roster = results.get("roster_import")
    for key, label in (("first", "first import (creates)"), ("again", "same file again"),
                       ("changed", "every figure changed")) if roster else ():
        run = roster[key]
        lines.append(f"| Roster workbook, 20,000 rows, {label} | {run['seconds']:.2f} s wall = "
                     f"{run['rows_per_second']:,.0f} rows/s; {run['cpu']:.2f} s CPU of the "
                     f"Python process (reading alone {run['read']:.2f} s); "
                     f"{run['summary']} | {run['queries']} | {roster['load']} |")
    duplicates = results.get("duplicates")
    if duplicates is not None:
        lines += [f"| Duplicates of {FIGURES_YEAR} (selector) | "
                  f"{duplicates['selector_ms']:.0f} ms, {duplicates['count']:,} enterprises | "
                  f"{duplicates['selector_queries']} | {duplicates['load']} |",
                  f"| 重复入驻 page (province) | {duplicates['page_ms']:.0f} ms | "
                  f"{duplicates['page_queries']} | {duplicates['load']} |"]
    prefill = results.get("prefill", {"years": {}})
    for year, run in prefill["years"].items():
        lines += [f"| Pre-fill of one base's {year} report from its records (`prefill_for`; "
                  f"{run['codes']} figures) | {run['ms']:.1f} ms (median of 21, best "
                  f"{run['best_ms']:.1f} ms) | {run['queries']} | {prefill['load']} |",
                  f"| `GET /api/v1/bases/RB00001/prefill/{year}/` (province, session) | "
                  f"{run['api_ms']:.1f} ms (median of 11) | {run['api_queries']} | "
                  f"{prefill['load']} |"]
    for kind, label in (("roster", f"Province-wide roster export ({FIGURES_YEAR})"),
                        ("activities", "Province-wide activities export (this year)")
                        ) if "exports" in results else ():
        run = results["exports"][kind]
        lines.append(f"| {label} | {run['seconds']:.1f} s wall, {run['cpu']:.1f} s CPU, "
                     f"{run['rows']:,} rows, "
                     f"{run['bytes'] / 2**20:.1f} MB, peak RSS {run['peak_mb']:.0f} MB | "
                     f"{run['queries']} | {run['load']} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", type=int, default=3000)
    parser.add_argument("--out", help="append the section to this file")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated, of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--keep", metavar="NAME", default=os.environ.get("BENCH_RECORDS_DB"),
                        help="use the database NAME, seeded once and kept between runs")
    parser.add_argument("--task", nargs=2, metavar=("NAME", "JSON"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.task:
        name, arguments = options.task
        import records_tasks

        outcome = records_tasks.TASKS[name](json.loads(arguments))
        outcome.setdefault("peak_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print("RESULT " + json.dumps(outcome, default=str), flush=True)
        return
    results = measure(options.bases, tuple(options.parts.split(",")), options.keep)
    saved = Path(tempfile.gettempdir()) / "bench-records-last.json"
    saved.write_text(json.dumps(results, default=str))
    log(f"figures saved in {saved}")
    text = section(results)
    print(text)
    if options.out:
        with open(options.out, "a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
