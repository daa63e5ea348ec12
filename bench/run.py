"""`make bench`: the performance benchmarks of issue 8; writes BENCHMARKS.md.

Every measurement runs in its own subprocess (bench/tasks.py) with DATABASE_URL set, so the
settings pick the database and peak memory is the measurement's own. PostgreSQL databases
(bench_<pid>_*) and SQLite files are created here and dropped at the end, whatever happens.

    python bench/run.py [--quick] [--skip-load] [--out BENCHMARKS.md]
    python bench/run.py --hostile

--quick runs the sizes 100 and 1,000 only and a 40-second load test (a smoke test of the
benchmark itself); figures for the issue come from the full run. --hostile runs only the
hostile uploads of issue 14 (about a minute) and prints their table. --statistics runs only
the statistics page of issue 21 at 3,000 bases (about 5 minutes) and prints its table.

Background work goes to Redis (BROKER, database 15, emptied before and after), as in
production: the imports enqueue their statistics refresh instead of running it inside the
timed import, and the web export is written by a Celery worker that the benchmark starts
for it (`celery_worker`), so the figure includes the queue.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = str(Path(sys.executable))
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/15")
YEAR = 2017  # the annexes' year; 2016 is the comparison year; 2018 is the open round
OPEN_YEAR = 2018
PASSWORD = "Deadline-Day-2026!"
SECRET_KEY = secrets.token_urlsafe(50)
THINK = (10, 30)  # seconds between two actions of one user
SPAWN_RATE = 2  # users started per second
ANNEX_REPEATS = 5
#: Hostile workbooks (bench/tasks.py HOSTILE_CASES), each sent through every upload path.
HOSTILE_CASES = ("rows_20mb", "rows_199mb", "row_2e9", "column_xfd")
HOSTILE_PATHS = ("command", "officer", "preview", "admin")
OLD_INDEXES = (  # ReportValue's indexes before migration 0002, for the A/B comparisons
    'CREATE INDEX "reporting_reportvalue_report_id_fd788775" '
    'ON "reporting_reportvalue" ("report_id")',
    'CREATE INDEX "reporting_reportvalue_code_edca08af" ON "reporting_reportvalue" ("code")',
    'CREATE INDEX "reporting_reportvalue_code_edca08af_like" '
    'ON "reporting_reportvalue" ("code" varchar_pattern_ops)',
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {message}", flush=True)


def load1() -> float:
    return round(os.getloadavg()[0], 1)


# --- databases ---------------------------------------------------------------------------


class Databases:
    """PostgreSQL databases and SQLite files of this run; all removed by `drop_all`."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.prefix = f"bench_{os.getpid()}"
        self.pg: list[str] = []

    def _admin(self, *statements: str) -> None:
        import psycopg2

        connection = psycopg2.connect(f"{PG_SERVER}/postgres")
        connection.autocommit = True  # CREATE/DROP DATABASE refuse a transaction block
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def postgres(self, name: str) -> str:
        database = f"{self.prefix}_{name}"
        self._admin(f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"')
        self.pg.append(database)
        return f"{PG_SERVER}/{database}"

    def sqlite(self, name: str) -> str:
        return f"sqlite:///{self.tmp / f'{name}.sqlite3'}"

    def execute(self, url: str, *statements: str) -> None:
        import psycopg2

        connection = psycopg2.connect(url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.close()

    def drop_all(self) -> None:
        for database in self.pg:
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            except Exception as exc:  # report, keep dropping the others
                print(f"could not drop {database}: {exc}", file=sys.stderr)


def cpu_times() -> list[int]:
    """The machine's CPU jiffies: user nice system idle iowait irq softirq steal ..."""
    with open("/proc/stat") as handle:
        return [int(part) for part in handle.readline().split()[1:]]


def server_facts() -> dict[str, str]:
    import psycopg2

    connection = psycopg2.connect(f"{PG_SERVER}/postgres")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        facts = {"version": cursor.fetchone()[0]}
        for name in ("shared_buffers", "work_mem", "autovacuum", "synchronous_commit",
                     "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {name}")
            facts[name] = cursor.fetchone()[0]
    connection.close()
    return facts


# --- tasks -------------------------------------------------------------------------------


def run_task(name: str, database: str, timeout: int = 600, env: dict | None = None,
             **args) -> dict:
    environment = {**os.environ, "DATABASE_URL": database, "DJANGO_LOG_LEVEL": "WARNING",
                   "PYTHONWARNINGS": "ignore", "CELERY_BROKER_URL": BROKER, **(env or {})}
    before = load1()
    started = time.perf_counter()
    process = subprocess.run([PY, str(BENCH / "tasks.py"), name, json.dumps(args)],
                             cwd=ROOT, env=environment, capture_output=True, text=True,
                             timeout=timeout)
    lines = [line for line in process.stdout.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"task {name} failed:\n{process.stdout[-3000:]}\n"
                           f"{process.stderr[-5000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    result["load"] = max(before, load1())
    result["task_wall"] = time.perf_counter() - started
    return result


# --- background work ---------------------------------------------------------------------


def empty_broker() -> None:
    """Drop whatever earlier runs (or the imports' refreshes) left in the benchmark's Redis
    database; fails the benchmark when Redis does not answer."""
    import redis

    redis.Redis.from_url(BROKER, socket_timeout=5).flushdb()


class celery_worker:  # noqa: N801 (a context manager used like a function)
    """A Celery worker (`celery -A portal worker`, one process) on the benchmark's broker and
    database, started before and stopped after the block; waits until it is ready."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log

    def __enter__(self) -> subprocess.Popen:
        empty_broker()
        self.handle = self.log.open("w")
        self.process = subprocess.Popen(
            [PY, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "-n", f"bench{os.getpid()}@%h"],
            cwd=ROOT, env={**os.environ, "CELERY_BROKER_URL": BROKER, **self.env},
            stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while " ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n"
                                   f"{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        return self.process

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.handle.close()


# --- the load test -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


class LoadSampler:
    """The 1-minute load average every 5 s while a locust run lasts (it lags, so a single
    reading before or after says little about the run itself)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(5):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self.samples.append(os.getloadavg()[0])
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    @property
    def label(self) -> str:
        return (f"{sum(self.samples) / len(self.samples):.1f} mean, "
                f"{max(self.samples):.1f} max")


def locust(prefix: Path, host: str, env: dict, *, users: int, rate: float, seconds: int,
           scenario: str) -> dict:
    sampler = LoadSampler()
    command = [PY, "-m", "locust", "-f", str(BENCH / "locustfile.py"), "--headless",
               "-u", str(users), "-r", str(rate), "-t", f"{seconds}s", "--host", host,
               "--csv", str(prefix), "--only-summary", "--stop-timeout", "15",
               "--loglevel", "WARNING"]
    with sampler:
        process = subprocess.run(command, cwd=ROOT, env={**env, "BENCH_SCENARIO": scenario},
                                 capture_output=True, text=True, timeout=seconds + 120)
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise RuntimeError(f"locust failed:\n{process.stdout[-3000:]}\n{process.stderr[-3000:]}")
    rows = list(csv.DictReader(stats_file.open()))
    failures_file = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
    return {"rows": rows, "failures": failures, "load": sampler.label}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, nearest rank (as locust reports them)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def windows(record: dict) -> dict:
    """p50/p95/p99 of the whole run, of its steady state (all 100 users running) and of the
    steady state without the login POST (one Argon2 hash)."""
    times = record["times"]
    spawned = record["spawned"][0] if record["spawned"] else 0.0
    selections = {
        "whole run": times,
        "steady state": [t for t in times if t[0] >= spawned],
        "steady state without login": [t for t in times if t[0] >= spawned
                                       and t[1] != "login"],
        "whole run without login": [t for t in times if t[1] != "login"],
    }
    out = {}
    for label, chosen in selections.items():
        values = [t[2] for t in chosen]
        out[label] = {"count": len(values), "failures": sum(1 for t in chosen if t[3]),
                      **{f"p{q}": percentile(values, q) for q in (50, 95, 99)}}
    return out


def production_env(tmp: Path) -> dict[str, str]:
    """DJANGO_DEBUG=0 through bench_settings, with the static files collected (once) into
    the benchmark's temporary folder: pages render as in production."""
    static = tmp / "static"
    env = {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(BENCH),
           "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": SECRET_KEY,
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0",
           "CELERY_BROKER_URL": BROKER,
           "BENCH_STATIC_ROOT": str(static), "DJANGO_LOG_LEVEL": "WARNING",
           "EXPORT_DIR_FOR_BENCH": str(tmp / "exports")}
    if not (static / "staticfiles.json").exists():
        subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                       env={**os.environ, **env}, check=True, capture_output=True)
    return env


def load_test(databases: Databases, tmp: Path, results: dict, *, quick: bool) -> None:
    log("load test: 300 bases on PostgreSQL, accounts, gunicorn")
    url = results["pg_300"]  # the export's 300-base province, imported by the real import
    env = {**production_env(tmp), "DATABASE_URL": url}
    accounts = tmp / "accounts.json"
    setup = run_task("load_setup", url, env=env, path=str(accounts), year=OPEN_YEAR,
                     password=PASSWORD, admins=10, sessions=20, think=THINK)
    results["load_setup"] = setup
    log("form page cost in-process (300 bases, and the big database)")
    results["form_cost"] = {
        300: run_task("form_page_cost", url, env=env, year=OPEN_YEAR),
        "big": run_task("form_page_cost", results["pg_big"], env={**env, "DATABASE_URL":
                                                                   results["pg_big"]},
                        year=OPEN_YEAR)}
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    workers = 4
    gunicorn = subprocess.Popen(
        [PY, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=open(tmp / "gunicorn.log", "w"), start_new_session=True)  # noqa: SIM115
    try:
        wait_for(f"{host}/healthz")
        locust_env = {**os.environ, "BENCH_ACCOUNTS": str(accounts),
                      "BENCH_SAVED": str(tmp / "saved.json")}
        seconds = 40 if quick else 100 // SPAWN_RATE + 120  # ramp-up, then 2 min at 100
        log(f"locust: 100 users, think time {THINK[0]}-{THINK[1]} s, {seconds} s")
        deadline = locust(tmp / "deadline", host, locust_env, users=100, rate=SPAWN_RATE,
                          seconds=seconds, scenario="deadline")
        deadline["windows"] = windows(json.loads((tmp / "saved.json").read_text()))
        deadline["seconds"], deadline["rate"] = seconds, SPAWN_RATE
        results["deadline"] = deadline
        results["verify"] = run_task(
            "load_verify", url, env=env, saved=str(tmp / "saved.json"), year=OPEN_YEAR,
            reserved=[session["base"] for session in json.loads(accounts.read_text())
                      ["sessions"]])
        for scenario in ("form", "layout", "healthz"):
            log(f"locust: saturated {scenario}")
            saturated = locust(tmp / scenario, host, locust_env, users=16, rate=16,
                               seconds=10 if quick else 20, scenario=scenario)
            results[f"saturated_{scenario}"] = saturated
        results["gunicorn"] = {"workers": workers, "host": host}
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(gunicorn.pid, signal.SIGKILL)


# --- the run -----------------------------------------------------------------------------


def hostile(databases: Databases, tmp: Path) -> dict:
    """Each hostile workbook through each upload path, one subprocess each (peak RSS)."""
    url = databases.postgres("hostile")
    run_task("migrate", url)
    folder = tmp / "hostile"
    folder.mkdir(exist_ok=True)
    results = {}
    for case in HOSTILE_CASES:
        for path in HOSTILE_PATHS:
            log(f"hostile upload: {case} through {path}")
            results[(case, path)] = run_task("hostile", url, case=case, path=path,
                                             dir=str(folder))
    return results


def statistics_only(databases: Databases, tmp: Path, n: int = 3000) -> dict:
    """The statistics page at `n` bases on PostgreSQL (the synthetic province, imported)."""
    scratch = databases.sqlite("scratch")
    run_task("migrate", scratch)
    workbook = tmp / f"province{n}.xlsx"
    run_task("make_workbook", scratch, path=str(workbook), n=n)
    url = databases.postgres(f"n{n}")
    run_task("migrate", url)
    log(f"postgresql {n}: import")
    run_task("import_workbook", url, path=str(workbook))
    log(f"postgresql {n}: statistics page")
    result = run_task("statistics_page", url, env={**production_env(tmp), "DATABASE_URL": url})
    result["n"] = n
    return result


def measure(databases: Databases, tmp: Path, quick: bool, skip_load: bool) -> dict:
    sizes = (100, 1000) if quick else (100, 1000, 3000)
    big = sizes[-1]
    results: dict = {"sizes": sizes, "import": {}, "annex": {}, "started": time.time(),
                     "annex_repeats": ANNEX_REPEATS}
    scratch = databases.sqlite("scratch")
    run_task("migrate", scratch)
    workbooks = {}
    for n in sorted({*sizes, 300}):
        workbooks[n] = tmp / f"province{n}.xlsx"
        results.setdefault("workbooks", {})[n] = run_task(
            "make_workbook", scratch, path=str(workbooks[n]), n=n)
    log("reader: openpyxl read-only vs the data workbook reader")
    results["reader"] = run_task("read_compare", scratch, path=str(workbooks[big]), repeats=1)

    for vendor in ("postgresql", "sqlite"):
        for n in sizes:
            url = databases.postgres(f"n{n}") if vendor == "postgresql" else \
                databases.sqlite(f"n{n}")
            run_task("migrate", url)
            log(f"{vendor} {n}: import")
            results["import"][(vendor, n)] = [run_task("import_workbook", url,
                                                       path=str(workbooks[n]))]
            log(f"{vendor} {n}: annexes")
            results["annex"][(vendor, n)] = run_task("annex", url, repeats=ANNEX_REPEATS)
            if vendor == "postgresql" and n == big:
                results["pg_big"] = url
    # Repeat the big PostgreSQL import, and once with the three old ReportValue indexes.
    url = results["pg_big"]
    for label, extra in (("repeat", ()), ("repeat 2", ()), ("old indexes", OLD_INDEXES)):
        other = databases.postgres(f"n{big}_{label.replace(' ', '_')}")
        run_task("migrate", other)
        if extra:
            databases.execute(other, *extra)
        log(f"postgresql {big}: import ({label})")
        outcome = run_task("import_workbook", other, path=str(workbooks[big]))
        outcome["label"] = label
        if extra:
            results["import_old_indexes"] = outcome
            log("statistics queries with the old indexes (EXPLAIN ANALYZE)")
            results["explain_old"] = run_task("explain", other)
        else:
            results["import"][("postgresql", big)].append(outcome)
    log("statistics queries with the new indexes (EXPLAIN ANALYZE)")
    results["explain_new"] = run_task("explain", url)

    log("export: time against bare openpyxl, peak memory at 300 and at the big size")
    export_300 = results["pg_300"] = databases.postgres("n300")
    run_task("migrate", export_300)
    run_task("import_workbook", export_300, path=str(workbooks[300]))
    results["export_time"] = run_task("export_timing", url, path=str(tmp / "export.xlsx"))
    results["export_peak"] = {
        n: run_task("export", db, path=str(tmp / f"export{n}.xlsx"))
        for n, db in ((300, export_300), (big, url))}
    results["export_tracemalloc"] = {
        n: run_task("export", db, path=str(tmp / f"export{n}.xlsx"), tracemalloc=True)
        for n, db in ((300, export_300), (big, url))}
    log("export through the web UI: the job, its progress, the download (a Celery worker)")
    env = {**production_env(tmp), "DATABASE_URL": url}
    with celery_worker(env, tmp / "worker.log"):
        results["export_view"] = run_task("export_view", url, env=env)
    log("statistics page (issue 21): warm, cold, cold computations against raw SQL")
    results["statistics_page"] = {**run_task("statistics_page", url, env=env), "n": big}

    log("pages: queries with 10 and 100 rows; the audit log with 500,000 events")
    pages_db = databases.postgres("pages")
    run_task("migrate", pages_db)
    results["pages"] = run_task("pages", pages_db)
    results["audit_count"] = run_task("audit_count", url, events=500_000)
    results["hostile"] = hostile(databases, tmp)

    if not skip_load:
        load_test(databases, tmp, results, quick=quick)
    results["finished"] = time.time()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--hostile", action="store_true",
                        help="only the hostile uploads of issue 14; prints their table")
    parser.add_argument("--statistics", action="store_true",
                        help="only the statistics page of issue 21; prints its table")
    parser.add_argument("--render", metavar="PICKLE",
                        help="only write the report from the figures a run saved")
    options = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    import report

    saved = Path(tempfile.gettempdir()) / "bench-last-run.pickle"
    if options.render:
        results, facts, quick = pickle.loads(Path(options.render).read_bytes())
        report.write(Path(options.out), results, facts, quick=quick)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    databases = Databases(tmp)
    if options.hostile or options.statistics:
        empty_broker()
        try:
            if options.hostile:
                print("\n".join(report.hostile_section(hostile(databases, tmp))))
            else:
                print("\n".join(report.statistics_section(statistics_only(databases, tmp))))
        finally:
            databases.drop_all()
            shutil.rmtree(tmp, ignore_errors=True)
            empty_broker()
        return
    facts = {"pg": server_facts(), "load_start": os.getloadavg(), "cpu_start": cpu_times()}
    empty_broker()
    log(f"temporary files in {tmp}; PostgreSQL databases {databases.prefix}_*")
    try:
        results = measure(databases, tmp, options.quick, options.skip_load)
    finally:
        databases.drop_all()
        shutil.rmtree(tmp, ignore_errors=True)
        empty_broker()
    facts["load_end"] = os.getloadavg()
    facts["cpu_end"] = cpu_times()
    saved.write_bytes(pickle.dumps((results, facts, options.quick)))
    log(f"figures saved in {saved} (re-render: bench/run.py --render {saved})")
    report.write(Path(options.out), results, facts, quick=options.quick)
    log(f"wrote {options.out} in {(results['finished'] - results['started']) / 60:.1f} min")
    print(report.summary(results))


if __name__ == "__main__":
    main()
