"""One measurement per process: `python bench/tasks.py TASK '{"json": "args"}'`.

bench/run.py starts every task in a fresh subprocess with DATABASE_URL set, so the settings
pick the database, and peak RSS is the task's own. The result is the last stdout line,
prefixed with RESULT and encoded as JSON.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TASKS = {}


def task(fn):
    TASKS[fn.__name__] = fn
    return fn


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- setup ---------------------------------------------------------------------------------


@task
def migrate(args):
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return {"seconds": time.perf_counter() - start}


@task
def make_workbook(args):
    import synth

    start = time.perf_counter()
    rows = synth.write_workbook(args["path"], args["n"])
    return {"seconds": time.perf_counter() - start, "reports": rows,
            "bytes": os.path.getsize(args["path"])}


# --- target 4: import ----------------------------------------------------------------------


@task
def import_workbook(args):
    """A first import of the synthetic workbook (every check on), timed end to end."""
    from reporting.models import Report, ReportValue, Status
    from reporting.workbook.data import read_data_workbook
    from reporting.workbook.importer import import_data_workbook

    profile = args.get("profile")
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    # A web or worker process has the broker's client loaded and connected long before an
    # import; a fresh process would spend 0.3-1 s importing it on the first enqueue.
    from portal.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1)
    baseline = rss_mb()
    start = time.perf_counter()
    if args.get("read_only"):
        book = read_data_workbook(args["path"])
        elapsed = time.perf_counter() - start
        return {"seconds": elapsed, "reports": len(book.reports), "errors": len(book.errors),
                "maxrss_mb": maxrss_mb(), "baseline_rss_mb": baseline}
    cpu = time.process_time()
    with CaptureQueriesContext(connection) as queries:
        result = import_data_workbook(file=args["path"], actor=None, status=Status.APPROVED)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    if profiler:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, color=False))
    assert result.ok, [str(e) for e in result.errors[:5]]
    reports = result.reports_created + result.reports_updated + result.reports_unchanged
    return {
        "seconds": elapsed, "cpu": cpu, "reports": reports, "created": result.reports_created,
        "values": ReportValue.objects.count(), "findings": len(result.findings),
        "queries": len(queries.captured_queries),
        "rate": reports / elapsed, "values_rate": ReportValue.objects.count() / elapsed,
        "maxrss_mb": maxrss_mb(), "baseline_rss_mb": baseline,
        "approved": Report.objects.filter(status=Status.APPROVED).count(),
    }


@task
def import_records(args):
    """The same province through import_book + DataWorkbook.from_records (no file)."""
    import synth

    from reporting.models import Status
    from reporting.workbook.data import DataWorkbook
    from reporting.workbook.importer import import_book

    book = DataWorkbook.from_records(bases=synth.bases(args["n"]),
                                     reports=synth.reports(args["n"]))
    start = time.perf_counter()
    result = import_book(book=book, actor=None, status=Status.APPROVED, source="bench")
    elapsed = time.perf_counter() - start
    assert result.ok, [str(e) for e in result.errors[:5]]
    return {"seconds": elapsed, "reports": result.reports_created,
            "rate": result.reports_created / elapsed, "maxrss_mb": maxrss_mb()}


@task
def read_compare(args):
    """Reading the big workbook: openpyxl read-only (the reader before the lxml one), then
    ours: the upload guard alone, calamine's rows alone, and read_data_workbook (guard +
    calamine + every cell checked), each run `repeats` times, best kept."""
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    from portal.uploads import check_upload
    from reporting.workbook.data import read_data_workbook

    def openpyxl_rows():
        workbook = load_workbook(args["path"], read_only=True, data_only=True)
        count = 0
        for name in ("bases", "reports"):
            sheet = workbook[name]
            sheet.reset_dimensions()
            count += sum(1 for _ in sheet.iter_rows(values_only=True))
        workbook.close()
        return count

    def calamine_rows():
        workbook = CalamineWorkbook.from_path(args["path"])
        count = sum(len(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
                    for name in ("bases", "reports"))
        workbook.close()
        return count

    def ours():
        book = read_data_workbook(args["path"])
        assert book.ok, [str(e) for e in book.errors[:5]]
        return len(book.bases) + len(book.reports) + 2

    readers = (("openpyxl", openpyxl_rows), ("guard", lambda: check_upload(args["path"])),
               ("calamine", calamine_rows), ("ours", ours))
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in readers}
    rows = 0
    for _ in range(args.get("repeats", 2)):
        for name, read in readers:
            start, cpu = time.perf_counter(), time.process_time()
            result = read()
            times[name].append((time.perf_counter() - start, time.process_time() - cpu))
            if name == "ours":
                rows = result
    return {"rows": rows, **{f"{name}_wall": min(t[0] for t in values)
                             for name, values in times.items()},
            **{f"{name}_cpu": min(t[1] for t in values) for name, values in times.items()}}


# --- issue 14: hostile uploads ---------------------------------------------------------------

HOSTILE_CASES = {
    # name: (what it is, the tests/hostile.py call that writes it)
    "rows_20mb": ("one-cell rows inflating to 20 MB", lambda h: h.row_bomb(20)),
    "rows_199mb": ("one-cell rows inflating to 199 MB", lambda h: h.row_bomb(199)),
    "row_2e9": ('one row numbered r="2000000000"', lambda h: h.far_row()),
    "column_xfd": ("one cell in column XFD", lambda h: h.far_column()),
}
HOSTILE_PATHS = ("command", "officer", "preview", "admin")


def _hostile_fixtures():
    """Base A001 with its officer and a 2018 draft; the signed-in clients of each path."""
    from django.test import Client

    from bases.models import Base, City, Role, User
    from reporting.filing import services
    from reporting.models import Report, Round

    city = City.objects.get(name="长沙市")
    base, _ = Base.objects.get_or_create(code="HOSTILE1", defaults={
        "name": "恶意文件测试基地", "city": city, "batch": 1})
    officer, _ = User.objects.get_or_create(username="bench_hostile_officer", defaults={
        "role": Role.OFFICER, "base": base})
    Round.objects.get_or_create(year=2018, defaults={"opens_on": "2000-01-01",
                                                     "deadline": "2099-12-31"})
    report = (Report.objects.filter(base=base, year=2018).first()
              or services.save_draft(base=base, year=2018, actor=officer,
                                     values={"employees": 1}, version=None))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(officer)
    return base, report, client


@task
def hostile(args):
    """One hostile workbook through one upload path, timed to its refusal; peak RSS is
    this process's (Django and the file included)."""
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import CommandError, call_command

    from bases.models import AuditEvent
    from tests import hostile as hostile_files

    label, make = HOSTILE_CASES[args["case"]]
    data = make(hostile_files)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        inflated = sum(entry.file_size for entry in archive.infolist())
    path = Path(args["dir"]) / f"{args['case']}.xlsx"
    path.write_bytes(data)
    route = args["path"]
    if route == "officer":
        base, report, client = _hostile_fixtures()
        warm_up = f"/bases/{base.code}/reports/2018/"
    elif route in ("preview", "admin"):
        client = _province_client()
        warm_up = "/data/import/" if route == "preview" else "/admin/bases/base/import/"
    if route != "command":  # the first request loads URLconf, views and templates
        assert client.get(warm_up).status_code == 200
    baseline = rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    if route == "command":
        try:
            call_command("import_workbook", str(path), stdout=io.StringIO(),
                         stderr=io.StringIO())
            message, status = "imported", 0
        except CommandError as exc:
            message, status = str(exc), 1
    else:
        upload = SimpleUploadedFile(path.name, data)
        if route == "officer":
            response = client.post(f"/bases/{base.code}/reports/2018/upload/",
                                   {"file": upload, "version": report.version})
        elif route == "preview":
            response = client.post("/data/import/", {"file": upload, "status": "approved"})
        else:
            response = client.post("/admin/bases/base/import/",
                                   {"import_file": upload, "format": "0", "resource": "0"})
        status = response.status_code
        event = AuditEvent.objects.order_by("-id").first()
        message = event.detail if event and event.outcome == "rejected" else "(not refused)"
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"case": args["case"], "label": label, "path": route, "bytes": len(data),
            "inflated": inflated, "seconds": seconds, "cpu": cpu, "status": status,
            "message": message[:160], "maxrss_mb": maxrss_mb(), "baseline_rss_mb": baseline}


# --- targets 1 and 2: annexes and rankings -------------------------------------------------


def _timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


@task
def annex(args):
    """Queries and time of all six annexes + all rankings, and the raw-SQL yardstick."""
    import rawsql

    from reporting.statistics.annexes import compute_annexes, compute_rankings

    year, compare, top = args.get("year", 2017), args.get("compare_year", 2016), args.get("top", 10)

    def orm():
        annexes = compute_annexes(year=year, compare_year=compare, cohort_batch=None)
        rankings = compute_rankings(year=year, top=top)
        assert len(annexes.tables) == 6 and rankings
        return annexes

    def raw():
        rawsql.run(year, compare, top)

    rawsql.check_same(year, compare, top)
    with CaptureQueriesContext(connection) as queries:
        annexes = orm()
    with CaptureQueriesContext(connection) as raw_queries:
        raw()
    orm_times, raw_times = [], []
    for _ in range(args.get("repeats", 7)):  # interleaved, so both see the same load
        orm_times += _timed(orm, 1)
        raw_times += _timed(raw, 1)
    return {
        "n": annexes.n, "cohort": annexes.cohort_size, "queries": len(queries.captured_queries),
        "raw_queries": len(raw_queries.captured_queries),
        "orm_median": statistics.median(orm_times), "orm_min": min(orm_times),
        "raw_median": statistics.median(raw_times), "raw_min": min(raw_times),
        "sql": [q["sql"] for q in queries.captured_queries] if args.get("sql") else None,
    }


@task
def statistics_page(args):
    """Issue 21: the statistics page (six annexes, charts with the city breakdown and five
    years of trends) through the test client with production settings, warm (cached) and
    cold (every cached figure unreachable), and the cached computations on a miss against
    the raw-SQL yardstick (the work of `annex`: annexes + rankings)."""
    import rawsql

    from reporting.statistics import cache

    year, compare, top = args.get("year", 2017), args.get("compare_year", 2016), 10
    client = _province_client()
    assert client.get("/healthz").status_code == 200  # URLconf, middleware, views loaded
    url = f"/statistics/?year={year}&compare_year={compare}"

    def get() -> float:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        return elapsed

    cold_page = []
    for _ in range(args.get("cold_repeats", 3)):
        cache.bases_changed()  # a new token: every cached figure is a miss
        cold_page.append(get())
    get()
    warm = [get() for _ in range(args.get("warm_repeats", 30))]
    with CaptureQueriesContext(connection) as queries:
        get()

    def cold_computation():
        cache.bases_changed()
        start = time.perf_counter()
        annexes = cache.compute_annexes(year=year, compare_year=compare, cohort_batch=None)
        cache.compute_rankings(year=year, top=top)
        assert len(annexes.tables) == 6
        return time.perf_counter() - start

    rawsql.check_same(year, compare, top)
    cold, raw = [], []
    for _ in range(args.get("repeats", 5)):  # interleaved, so both see the same load
        cold.append(cold_computation())
        raw += _timed(lambda: rawsql.run(year, compare, top), 1)
    start = time.perf_counter()
    refreshed = cache.refresh(years=[year])
    refresh_seconds = time.perf_counter() - start
    return {"warm_median": statistics.median(warm), "warm_p90": sorted(warm)[
                int(len(warm) * 0.9) - 1], "warm_min": min(warm), "warm_n": len(warm),
            "warm_queries": len(queries.captured_queries),
            "cold_page": cold_page, "cold_median": statistics.median(cold),
            "raw_median": statistics.median(raw), "cold": cold, "raw": raw,
            "ratio": statistics.median(cold) / statistics.median(raw),
            "refresh_seconds": refresh_seconds, "refreshed": refreshed}


@task
def explain(args):
    """EXPLAIN ANALYZE of every statistics query (PostgreSQL): plans and execution times."""
    from reporting.statistics.annexes import compute_annexes, compute_rankings

    with CaptureQueriesContext(connection) as queries:
        compute_annexes(year=2017, compare_year=2016, cohort_batch=None)
        compute_rankings(year=2017, top=10)
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            best = None
            for _ in range(args.get("repeats", 5)):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0][0]
                if best is None or plan["Execution Time"] < best["Execution Time"]:
                    best = plan
            nodes = []

            def walk(node, nodes=nodes):
                name = node["Node Type"]
                if "Index Name" in node:
                    name += f" using {node['Index Name']}"
                elif "Relation Name" in node:
                    name += f" on {node['Relation Name']}"
                nodes.append(name)
                for child in node.get("Plans", []):
                    walk(child)

            walk(best["Plan"])
            plans.append({"sql": query["sql"][:160], "ms": best["Execution Time"],
                          "nodes": nodes})
    return {"plans": plans, "total_ms": sum(p["ms"] for p in plans)}


# --- target 3: the data workbook export -------------------------------------------------


def _export_querysets(year: int):
    from bases.models import Base
    from reporting.workbook.exports import reports_to_export

    return Base.objects.all(), reports_to_export(year=year, scope="approved")


@task
def export(args):
    """write_data_workbook of one year (all bases) to a file: time, peak RSS or tracemalloc."""
    from reporting.workbook.data import write_data_workbook

    bases, reports = _export_querysets(args.get("year", 2017))
    connection.ensure_connection()
    baseline = rss_mb()
    if args.get("tracemalloc"):
        import tracemalloc

        tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    count = write_data_workbook(args["path"], bases=bases, reports=reports)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    result = {"seconds": elapsed, "cpu": cpu, "reports": count, "maxrss_mb": maxrss_mb(),
              "baseline_rss_mb": baseline, "bytes": os.path.getsize(args["path"])}
    if args.get("tracemalloc"):
        import tracemalloc

        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return result


@task
def export_timing(args):
    """write_data_workbook against the bare yardstick, interleaved 3 times in one process."""
    runs: dict[str, list[dict]] = {"export": [], "bare": []}
    for _ in range(args.get("repeats", 3)):
        runs["export"].append(export(args))
        runs["bare"].append(bare_export(args))
    return {name: {"wall": min(r["seconds"] for r in values),
                   "wall_median": statistics.median(r["seconds"] for r in values),
                   "cpu": min(r["cpu"] for r in values)} for name, values in runs.items()}


@task
def bare_export(args):
    """The yardstick: bare openpyxl write-only writing the same cells from a list in memory."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import WriteOnlyCell

    from reporting import indicators
    from reporting.models import ReportValue
    from reporting.workbook.data import BASE_COLUMNS, REPORT_KEYS

    bases, reports = _export_querysets(args.get("year", 2017))
    base_rows = [list(row) for row in bases.order_by("code").values_list(
        "code", "name", "city__name", "county", "batch")]
    keys = list(reports.order_by("base__code", "year").values_list("id", "base__code", "year"))
    stored: dict[int, dict] = {}
    for report_id, code, value in ReportValue.objects.filter(
            report__in=reports).values_list("report_id", "code", "value"):
        stored.setdefault(report_id, {})[code] = value
    report_rows = []
    for report_id, base_code, year in keys:
        values = stored.get(report_id, {})
        report_rows.append([base_code, year, *(
            None if values.get(i.code) is None else i.from_storage(values[i.code])
            for i in indicators.ENTERED)])
    formats = [None, None, *("#,##0" + ("." + "0" * i.decimals if i.decimals else "")
                             for i in indicators.ENTERED)]
    start, cpu = time.perf_counter(), time.process_time()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("bases")
    sheet.append(list(BASE_COLUMNS))  # the export's two header rows: the same cell count
    sheet.append(list(BASE_COLUMNS))
    for row in base_rows:
        sheet.append(row)
    sheet = workbook.create_sheet("reports")
    sheet.append([*REPORT_KEYS, *indicators.ENTERED_CODES])
    sheet.append([*REPORT_KEYS, *indicators.ENTERED_CODES])
    for row in report_rows:
        # The same cells as the export: numbers carry their format (thousands separators).
        cells = []
        for value, number_format in zip(row, formats, strict=True):
            if number_format is None or value is None or isinstance(value, bool):
                cells.append(value)
            else:
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = number_format
                cells.append(cell)
        sheet.append(cells)
    workbook.save(args["path"])
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
            "reports": len(report_rows), "cells": sum(map(len, base_rows + report_rows))}


def _province_client():
    return _role_client("province")


def _role_client(role: str):
    """A test client signed in with `role`, the second factor verified."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bases.models import User

    user, _ = User.objects.get_or_create(username=f"bench_{role}_client",
                                         defaults={"role": role})
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench",
                                                 defaults={"confirmed": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@task
def export_view(args):
    """The province's data export through the web UI, as the browser gets it: above
    EXPORT_INLINE_MAX_REPORTS the request starts an export job (a detached process) and
    redirects to its page, which polls the status until the file is ready."""
    from django.conf import settings

    year = args.get("year", 2017)
    client = _province_client()
    assert client.get("/healthz").status_code == 200  # URLconf, middleware, views loaded
    reports = _export_querysets(year)[1].count()
    start = time.perf_counter()
    response = client.get(f"/data/export/?year={year}&status=approved")
    request_seconds = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    job_url = response["Location"]
    progress, state = [], None
    while time.perf_counter() - start < 600:
        status = client.get(f"{job_url}status/").json()
        state = status["state"]
        if not progress or progress[-1] != status["rows_done"]:
            progress.append(status["rows_done"])
        if state in ("done", "failed", "expired"):
            break
        time.sleep(0.2)
    done_seconds = time.perf_counter() - start
    assert state == "done", status
    page = client.get(job_url)
    assert page.status_code == 200 and "已完成" in page.content.decode()
    started = time.perf_counter()
    download = client.get(status["download_url"])
    size = sum(len(chunk) for chunk in download.streaming_content)
    return {"request_seconds": request_seconds, "seconds": done_seconds,
            "download_seconds": time.perf_counter() - started, "bytes": size,
            "progress_steps": len(progress), "progress": progress[:12],
            "inline_max": settings.EXPORT_INLINE_MAX_REPORTS, "reports": reports,
            "maxrss_mb": maxrss_mb()}


@task
def audit_count(args):
    """The audit log page with a few and with many AuditEvent rows (its paginator counts at
    most AUDIT_LOG_COUNT_CAP + 1 of them), against a full COUNT(*) of the table."""
    from bases.models import AuditEvent

    table = AuditEvent._meta.db_table
    client = _role_client("audit")

    def page_seconds() -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            response = client.get("/audit/")
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
        return min(times)

    small_events = AuditEvent.objects.count()
    small = page_seconds()
    with connection.cursor() as cursor:
        cursor.execute(f"""INSERT INTO {table} (at, actor_username, event, object_repr, outcome,
                           detail) SELECT now() - (i || ' seconds')::interval, 'u' || mod(i, 300),
                           'report_saved', 'report:HN' || mod(i, 300), 'success', ''
                           FROM generate_series(1, %s) AS i""", [args["events"]])
        cursor.execute(f"ANALYZE {table}")
    large = page_seconds()
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        total = cursor.fetchone()[0]
        count_seconds = time.perf_counter() - start
    return {"events": total, "small_events": small_events, "small_page_seconds": small,
            "page_seconds": large, "count_seconds": count_seconds}


# --- target 6: list pages --------------------------------------------------------------

PAGES = [  # (role, url)
    ("province", "/reports/?year=2018"),
    ("province", "/bases/"),
    ("province", "/rounds/2018/"),
    ("province", "/handovers/"),
    ("audit", "/audit/"),
    ("province", "/admin/bases/base/"),
    ("province", "/admin/reporting/report/"),
    ("province", "/admin/reporting/extension/"),
    ("province", "/admin/bases/handover/"),
    ("province", "/admin/authtoken/tokenproxy/"),
    ("security", "/admin/bases/user/"),
    ("security", "/admin/axes/accessattempt/"),
]


@task
def pages(args):
    """Queries of every list page (and admin change list) with 10 rows and with 100 rows."""
    import datetime as dt

    from axes.models import AccessAttempt
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    from bases.models import AuditEvent, Base, City, Handover, Role, User
    from reporting.models import Extension, Report, ReportValue, Round, Status

    round_ = Round.objects.create(year=2018, opens_on=dt.date(2018, 1, 1),
                                  deadline=dt.date(2099, 12, 31))
    city = City.objects.first()
    clients = {}
    for role in ("province", "audit", "security"):
        user = User(username=f"bench_{role}", role=role, password_changed_at=timezone.now())
        user.set_password("Bench-Pages-2026!")
        user.save()
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        # The session's first write after a login (then at most once a minute) is not the
        # cost of the pages measured below.
        client.get("/healthz")
        clients[role] = client
    mover = User.objects.get(username="bench_province")

    def add(count: int, start: int) -> None:
        bases = Base.objects.bulk_create(
            Base(code=f"P{start + i:04d}", name=f"基地{start + i}", city=city, batch=1)
            for i in range(count))
        officers = User.objects.bulk_create(
            User(username=f"pofficer{start + i}", role=Role.OFFICER, base=base)
            for i, base in enumerate(bases))
        reports = Report.objects.bulk_create(
            Report(base=base, year=2018, status=Status.SUBMITTED, submitted_at=timezone.now(),
                   first_submitted_at=timezone.now()) for base in bases)
        ReportValue.objects.bulk_create(
            ReportValue(report=report, code="building_area", value=100) for report in reports)
        Extension.objects.bulk_create(
            Extension(round=round_, base=base, deadline=dt.date(2100, 1, 1)) for base in bases)
        Handover.objects.bulk_create(
            Handover(base=base, to_user=officer, by=mover) for base, officer in
            zip(bases, officers, strict=True))
        Token.objects.bulk_create(Token(user=officer, key=f"{officer.pk:040d}")
                                  for officer in officers)
        AccessAttempt.objects.bulk_create(
            AccessAttempt(username=f"locked{start + i}", ip_address="127.0.0.1",
                          user_agent="bench", failures_since_start=5, get_data="",
                          post_data="", http_accept="", path_info="/accounts/login/")
            for i in range(count))
        AuditEvent.objects.bulk_create(AuditEvent(event="login", actor_username=f"u{start + i}")
                                       for i in range(count))

    def count(role: str, url: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = clients[role].get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts = sum(1 for q in queries.captured_queries if "COUNT(" in q["sql"].upper())
        return len(queries.captured_queries), counts

    results = {}
    with override_settings(DEBUG=False):
        add(10, 0)
        small = {url: count(role, url) for role, url in PAGES}
        add(90, 10)
        large = {url: count(role, url) for role, url in PAGES}
    for _role, url in PAGES:
        results[url] = {"queries_10": small[url][0], "queries_100": large[url][0],
                        "counts": large[url][1]}
    return results


# --- target 5: deadline day --------------------------------------------------------------


@task
def load_setup(args):
    """Open the round, create one officer per base and the TOTP admins; write their accounts.

    Run with the gunicorn server's settings and secret key: the pre-made sessions of the
    saturation run are signed with it.
    """
    import datetime as dt
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.password_validation import validate_password
    from django.test import Client
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bases.models import Base, Role, User
    from reporting import indicators
    from reporting.filing import services
    from reporting.filing.forms import as_form_text
    from reporting.models import Report, ReportValue, Round, Status

    year, password = args["year"], args["password"]
    Round.objects.update_or_create(year=year, defaults={
        "opens_on": dt.date(year, 1, 1),
        "deadline": timezone.localdate() + dt.timedelta(days=30)})
    bases = list(Base.objects.order_by("code"))
    validate_password(password, User(username="officer0000", role=Role.OFFICER))
    hashed, now = make_password(password), timezone.now()  # one hash for all: fast setup
    User.objects.bulk_create(
        User(username=f"officer{i:04d}", role=Role.OFFICER, base=base, password=hashed,
             password_changed_at=now) for i, base in enumerate(bases))
    admins = []
    for i in range(args["admins"]):
        admin = User(username=f"padmin{i:02d}", role=Role.PROVINCE, password=hashed,
                     password_changed_at=now)
        admin.save()
        key = secrets.token_hex(20)
        TOTPDevice.objects.create(user=admin, name="bench", key=key, confirmed=True)
        admins.append({"username": admin.username, "key": key})
    # The locustfile computes codes itself: check it agrees with django-otp.
    from django_otp.oath import TOTP
    from totp import totp

    reference = TOTP(bytes.fromhex(admins[0]["key"]))
    reference.time = 1e9
    assert totp(admins[0]["key"], at=1e9) == str(reference.token()).zfill(6)

    last_year: dict[int, dict[str, object]] = {}
    for base_id, code, stored in ReportValue.objects.filter(
            report__year=year - 1, report__status=Status.APPROVED).values_list(
            "report__base_id", "code", "value"):
        last_year.setdefault(base_id, {})[code] = indicators.BY_CODE[code].from_storage(stored)
    officers = []
    for i, base in enumerate(bases):
        values = last_year.get(base.pk, {})
        officers.append({"username": f"officer{i:04d}", "base": base.code, "values": {
            i.code: [i.kind, None if values.get(i.code) is None else as_form_text(
                values[i.code])] for i in indicators.ENTERED}})
    # Sessions for the saturated form-page run: the last officers, each with a saved draft
    # (so the page does all its work: values, last year, soft findings and their medians).
    sessions = []
    for officer in User.objects.filter(role=Role.OFFICER).select_related("base").order_by(
            "-username")[:args["sessions"]]:
        services.save_draft(base=officer.base, year=year, actor=officer,
                            values=last_year.get(officer.base_id, {}), version=None)
        client = Client()
        client.force_login(officer)
        sessions.append({"sessionid": client.cookies["sessionid"].value,
                         "base": officer.base.code})
    reserved = {session["base"] for session in sessions}
    config = {"year": year, "password": password, "admins": admins, "sessions": sessions,
              "think": args["think"],
              "officers": [o for o in officers if o["base"] not in reserved]}
    Path(args["path"]).write_text(json.dumps(config))
    return {"officers": len(config["officers"]), "admins": len(admins), "think": args["think"],
            "sessions": len(sessions), "drafts": Report.objects.filter(year=year).count()}


@task
def form_page_cost(args):
    """In-process cost of an officer's form page (a saved draft) and of its median query."""
    import datetime as dt

    from django.test import Client

    from bases.models import Base, Role, User
    from reporting import indicators
    from reporting.filing import services
    from reporting.filing.selectors import previous_year_medians
    from reporting.models import ReportValue, Round, Status

    year = args["year"]
    Round.objects.get_or_create(year=year, defaults={
        "opens_on": dt.date(year, 1, 1), "deadline": dt.date(2099, 12, 31)})
    base = Base.objects.order_by("-code").first()
    officer = User.objects.filter(base=base).first() or User.objects.create(
        username="bench_form_cost", role=Role.OFFICER, base=base)
    values = {code: indicators.BY_CODE[code].from_storage(value) for code, value in
              ReportValue.objects.filter(report__base=base, report__year=year - 1,
                                         report__status=Status.APPROVED)
              .values_list("code", "value")}
    if not base.reports.filter(year=year).exists():
        services.save_draft(base=base, year=year, actor=officer, values=values, version=None)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(officer)
    url = f"/bases/{base.code}/reports/{year}/"
    assert client.get(url).status_code == 200

    def cpu(fn, repeats=5):
        times = []
        for _ in range(repeats):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        return min(times)

    from django.core.cache import cache

    def cold(fn):
        def run():
            cache.clear()
            fn()
        return run

    page = cpu(lambda: client.get(url))
    page_cold = cpu(cold(lambda: client.get(url)))  # the medians recomputed
    medians = cpu(lambda: previous_year_medians(year))
    medians_cold = cpu(cold(lambda: previous_year_medians(year)))
    return {"bases": Base.objects.count(), "page_cpu": page, "medians_cpu": medians,
            "page_cold_cpu": page_cold, "medians_cold_cpu": medians_cold,
            "previous_values": ReportValue.objects.filter(
                report__year=year - 1, report__status=Status.APPROVED).count()}


@task
def load_verify(args):
    """No lost writes: every report is in the database with the values last saved."""
    from reporting import indicators
    from reporting.models import Report, Status

    year = args["year"]
    saved = json.loads(Path(args["saved"]).read_text())["saved"]
    problems = []
    by_base = {entry["base"]: entry for entry in saved.values()}
    reports = {r.base.code: r for r in Report.objects.filter(year=year).select_related(
        "base").prefetch_related("values")}
    for base_code, entry in by_base.items():
        report = reports.get(base_code)
        if report is None:
            problems.append(f"{base_code}: missing")
            continue
        expected = {code: indicators.BY_CODE[code].parse(raw)
                    for code, raw in entry["values"].items()}
        expected = {code: value for code, value in expected.items() if value is not None}
        if report.value_map() != expected:
            problems.append(f"{base_code}: values differ from the last save")
        status = Status.SUBMITTED if entry["submitted"] else Status.DRAFT
        if report.status != status:
            problems.append(f"{base_code}: {report.status}, expected {status}")
    reserved = set(args.get("reserved", []))
    unexpected = sorted(set(reports) - set(by_base) - reserved)
    return {
        "saved_reports": len(by_base),
        "submitted_by_locust": sum(1 for e in by_base.values() if e["submitted"]),
        "submitted_in_db": sum(1 for r in reports.values() if r.status == Status.SUBMITTED),
        "unexpected_reports": unexpected[:10], "problems": problems[:20],
        "problem_count": len(problems) + len(unexpected),
    }


if __name__ == "__main__":
    name = sys.argv[1]
    arguments = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    outcome = TASKS[name](arguments)
    print("RESULT " + json.dumps(outcome, default=str), flush=True)
