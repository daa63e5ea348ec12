"""The measurements of bench/records.py, one per subprocess (DATABASE_URL set by the caller)."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from records import ACTIVITIES_PER_BASE, CATEGORIES, ENTERPRISES_PER_BASE, FIGURES_YEAR  # noqa: E402

TASKS = {}


def task(fn):
    TASKS[fn.__name__] = fn
    return fn


@task
def migrate(args):
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return {}


@task
def reset(args):
    """Take out what the imports of earlier runs wrote into a kept database (--keep): the
    activities and history of the two import bases, the roster of the roster's base; then
    VACUUM ANALYZE, so the next run meets the tables as after a seed."""
    from bases.ledger.models import LedgerChange, ServiceActivity
    from bases.models import Base
    from bases.roster.models import Enterprise, EnterpriseYear, RosterChange

    imported = list(Base.objects.filter(code__in=("RB00001", "RB00002"))
                    .values_list("id", flat=True))
    roster = list(Base.objects.filter(code="RZ00001").values_list("id", flat=True))
    ServiceActivity.objects.filter(base__in=imported).exclude(external_id="").delete()
    LedgerChange.objects.filter(base__in=imported).delete()
    RosterChange.objects.filter(base__in=roster).delete()
    EnterpriseYear.objects.filter(enterprise__base__in=roster).delete()
    Enterprise.objects.filter(base__in=roster).delete()
    for model in (ServiceActivity, LedgerChange, RosterChange, EnterpriseYear, Enterprise):
        _sql(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {}


def _sql(statement: str, params: list | None = None) -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
    return time.perf_counter() - start


@task
def seed(args):
    """The synthetic province, written by PostgreSQL itself (INSERT ... SELECT)."""
    from bases.models import Base, City, Role, User

    n = args["bases"]
    cities = list(City.objects.order_by("sort_order").values_list("id", flat=True))
    Base.objects.bulk_create([
        Base(code=f"RB{i:05d}", name=f"合成基地{i:05d}", city_id=cities[i % len(cities)],
             batch=i % 5 + 1, year_designated=2010) for i in range(1, n + 1)], batch_size=1000)
    # Two bases in five have a platform account that pushed their activities.
    platforms = []
    for base_id, code in Base.objects.filter(code__startswith="RB").values_list("id", "code"):
        if int(code[2:]) % 5 in (1, 3):
            user = User(username=f"platform-{code}", role=Role.PLATFORM, base_id=base_id)
            user.set_unusable_password()
            platforms.append(user)
    User.objects.bulk_create(platforms, batch_size=1000)
    today = timezone.localdate()
    days = (today - dt.date(today.year, 1, 1)).days + 1
    timings = {}
    timings["institutions"] = _sql(
        "INSERT INTO bases_institution (base_id, external_id, created_at, updated_at, name, "
        "credit_code, categories, since, until) SELECT b.id, '', now(), now(), "
        "'合作机构' || g, '', '[\"training\", \"coaching\"]'::jsonb, date '2015-01-01', NULL "
        "FROM bases_base b CROSS JOIN generate_series(1, 2) g")
    # A tenth of the bases (code ending in 0) entered nothing for 120 days or more.
    timings["activities"] = _sql(
        "INSERT INTO bases_serviceactivity (base_id, external_id, created_at, updated_at, "
        "created_by_id, updated_by_id, date, category, title, provider_id, "
        "enterprises_served, note) "
        "SELECT b.id, '', t.at, t.at, p.id, p.id, "
        "make_date(%s, 1, 1) + ((g * 7 + b.id) %% %s)::int, "
        "(%s::text[])[1 + (g + b.id) %% 8], '合成活动' || g, NULL, (g * 13 + b.id) %% 60, '' "
        "FROM bases_base b CROSS JOIN generate_series(1, %s) g "
        "LEFT JOIN bases_user p ON p.base_id = b.id AND p.role = 'platform' "
        "CROSS JOIN LATERAL (SELECT now() - make_interval(days => CASE "
        "WHEN right(b.code, 1) = '0' THEN 120 + g %% 200 ELSE g %% 80 END) AS at) t",
        [today.year, days, list(CATEGORIES), ACTIVITIES_PER_BASE])
    # Credit codes: unique per enterprise, except the 80th of each base, which repeats the
    # 1st of the next base (resident in both: a duplicate).
    timings["enterprises"] = _sql(
        "INSERT INTO bases_enterprise (base_id, name, credit_code, moved_in, moved_out, "
        "small_micro, high_tech, high_tech_cert, high_tech_valid_until, industry, contact, "
        "created_at, updated_at, created_by_id, updated_by_id) "
        "SELECT b.id, '合成企业' || b.code || '-' || g, '9143' || lpad((CASE WHEN g = %s "
        "THEN substr(b.code, 3)::int * %s + 1 ELSE (substr(b.code, 3)::int - 1) * %s + g END)"
        "::text, 14, '0'), date '2015-01-01' + g, NULL, g %% 5 <> 0, g %% 10 = 0, "
        "CASE WHEN g %% 10 = 0 THEN 'GR2018' || g ELSE '' END, "
        "CASE WHEN g %% 10 = 0 THEN date '2021-12-31' END, 'C', '', now(), now(), NULL, NULL "
        "FROM bases_base b CROSS JOIN generate_series(1, %s) g",
        [ENTERPRISES_PER_BASE, ENTERPRISES_PER_BASE, ENTERPRISES_PER_BASE,
         ENTERPRISES_PER_BASE])
    timings["figures"] = _sql(
        "INSERT INTO bases_enterpriseyear (enterprise_id, year, employees, ent_total_assets, "
        "ent_revenue, ent_profit, ent_tax, trademarks, software_copyrights, "
        "invention_patents, utility_model_patents, design_patents, updated_at, "
        "updated_by_id) SELECT e.id, %s, 10 + e.id %% 90, 1000.25 + e.id %% 977, "
        "800.5 + e.id %% 613, (e.id %% 200) - 50.75, 30.01 + e.id %% 17, e.id %% 3, "
        "e.id %% 4, e.id %% 2, e.id %% 5, e.id %% 2, now(), NULL FROM bases_enterprise e",
        [FIGURES_YEAR])
    _sql("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM bases_serviceactivity), "
                       "(SELECT count(*) FROM bases_institution), "
                       "(SELECT count(*) FROM bases_enterprise), "
                       "(SELECT count(*) FROM (SELECT credit_code FROM bases_enterprise "
                       "GROUP BY credit_code HAVING count(*) > 1) d)")
        activities, institutions, enterprises, duplicates = cursor.fetchone()
    return {"activities": activities, "institutions": institutions,
            "enterprises": enterprises, "duplicates": duplicates, "platforms": len(platforms),
            "timings": timings}


def _client(role: str, **scope):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bases.models import User

    user, _ = User.objects.get_or_create(username=f"bench_{role}", defaults={
        "role": role, **scope})
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench",
                                                 defaults={"confirmed": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _page(client, url: str, repeats: int = 5) -> dict:
    client.get(url)  # warm: templates, the session's first save
    times, queries = [], 0
    for _ in range(repeats):
        reset_queries()  # the log keeps 9,000 queries: a full one counts none
        with CaptureQueriesContext(connection) as context:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(context)
    return {"ms": statistics.median(times), "queries": queries, "repeats": repeats,
            "bytes": len(response.content)}


@task
def pages(args):
    from bases.models import City, Role

    changsha = City.objects.get(name="长沙市")
    province = _client(Role.PROVINCE)
    city = _client(Role.CITY, city=changsha)
    year = timezone.localdate().year
    return {"pages": {
        "Coverage page, province (summary by city, reminders)": _page(province, "/ledger/"),
        "Coverage page, province, one city (per-base table)":
            _page(province, f"/ledger/?city={changsha.pk}"),
        "Coverage page, city viewer": _page(city, "/ledger/"),
        "Monthly chart, province": _page(province, f"/ledger/chart/?year={year}"),
        "Monthly chart, one base": _page(province, f"/bases/RB00001/ledger/chart/?year={year}"),
    }}


def _officer(code: str):
    from bases.models import Base, City, Role, User

    base = Base.objects.filter(code=code).first() or Base.objects.create(
        code=code, name=f"导入基地{code}", city=City.objects.first(), year_designated=2010)
    officer = User.objects.filter(base=base, role=Role.OFFICER).first()
    if officer is None:
        officer = User(username=f"officer-{code}", role=Role.OFFICER, base=base)
        officer.set_unusable_password()
        officer.save()
    return base, officer


def _backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, when the server runs on
    this machine (its /proc is readable); None otherwise. Less sensitive than wall time to
    what else runs on a shared machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_import(run, read) -> dict:
    start = time.perf_counter()
    read()
    read_seconds = time.perf_counter() - start
    backend = _backend_cpu()
    with CaptureQueriesContext(connection) as context:
        start, cpu = time.perf_counter(), time.process_time()
        result = run()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert result.ok, [str(error) for error in result.errors[:5]]
    after = _backend_cpu()
    return {"seconds": seconds, "cpu": cpu, "read": read_seconds, "queries": len(context),
            "db_cpu": None if backend is None or after is None else after - backend,
            "result": result}


@task
def import_activities(args):
    from openpyxl import Workbook

    from bases.ledger import workbook
    from bases.ledger.categories import LABELS
    from bases.ledger.models import LedgerChange

    base, officer = _officer(args["base"])
    today = timezone.localdate()
    days = (today - dt.date(today.year, 1, 1)).days + 1
    labels = list(LABELS.values())
    path = Path(tempfile.mkdtemp()) / "activities.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet(workbook.SHEET)
    sheet.append([text for _key, text in workbook.COLUMNS])
    for i in range(args["rows"]):
        sheet.append([(dt.date(today.year, 1, 1) + dt.timedelta(days=i % days)).isoformat(),
                      labels[i % 8], f"导入活动{i}", i % 100, "", "", f"EXT-{i}"])
    book.save(path)
    before = LedgerChange.objects.count()
    outcome = _timed_import(
        lambda: workbook.import_activities(base=base, actor=officer, file=str(path)),
        lambda: workbook.read_activities(str(path), base=base))
    result = outcome.pop("result")
    path.unlink()
    return {**outcome, "created": result.created,
            "history": LedgerChange.objects.count() - before, "bytes": 0}


@task
def import_roster(args):
    from openpyxl import Workbook

    from bases.credit_code import check_character
    from bases.roster import workbook

    base, officer = _officer("RZ00001")
    rows = args["rows"]
    folder = Path(tempfile.mkdtemp())

    def write(path: Path, bump: int) -> None:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(workbook.SHEET)
        columns = workbook.ENTERPRISE_COLUMNS + workbook.FIGURE_COLUMNS
        sheet.append([text for _key, text in columns])
        sheet.append([key for key, _text in columns])
        for i in range(rows):
            first17 = f"91430200MA{i:07d}"
            high = i % 10 == 0
            sheet.append([f"导入企业{i:05d}", first17 + check_character(first17),
                          (dt.date(2015, 1, 1) + dt.timedelta(days=i % 700)).isoformat(), None,
                          "是" if i % 5 else "否", "是" if high else "否",
                          f"GR{i}" if high else None, "2021-12-31" if high else None, "C",
                          10 + i % 90 + bump, 1000.25 + i % 977, 800.5 + i % 613,
                          (i % 200) - 50.75, 30.01 + i % 17, i % 3, i % 4, i % 2, i % 5, i % 2])
        book.save(path)

    first, changed = folder / "roster.xlsx", folder / "roster-changed.xlsx"
    write(first, 0)
    write(changed, 1)
    out = {}
    for key, path in (("first", first), ("again", first), ("changed", changed)):
        outcome = _timed_import(
            lambda path=path: workbook.import_roster(base=base, actor=officer,
                                                     year=FIGURES_YEAR, file=str(path)),
            lambda path=path: workbook.read_roster(str(path), base=base, year=FIGURES_YEAR))
        result = outcome.pop("result")
        outcome["rows_per_second"] = rows / outcome["seconds"]
        outcome["summary"] = (f"{result.created:,} created, {result.updated:,} updated, "
                              f"{result.figures:,} figures written, "
                              f"{result.unchanged:,} unchanged")
        out[key] = outcome
    out["bytes"] = first.stat().st_size
    for path in (first, changed):
        path.unlink()
    return out


@task
def duplicates(args):
    from bases.models import Role
    from bases.roster.services import duplicates_for_year

    times = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as context:
            start = time.perf_counter()
            found = duplicates_for_year(FIGURES_YEAR)
            times.append((time.perf_counter() - start) * 1000)
    page = _page(_client(Role.PROVINCE), f"/roster/duplicates/?year={FIGURES_YEAR}", repeats=3)
    return {"count": len(found), "selector_ms": statistics.median(times),
            "selector_queries": len(context), "page_ms": page["ms"],
            "page_queries": page["queries"]}


@task
def prefill(args):
    """Pre-filling one base-year from its records (target: <= 20 ms, constant queries):
    the selector, and the API answer. The roster year has the figures; this year has the
    ledger (200 activities) and the residents without figures."""
    from bases.models import Base, Role
    from reporting.filing.prefill import prefill_for

    base = Base.objects.get(code="RB00001")
    client = _client(Role.PROVINCE)
    years = {}
    for year in sorted({FIGURES_YEAR, timezone.localdate().year}):
        prefill_for(base, year)  # warm: the catalog's tables, the connection
        times = []
        for _ in range(21):
            reset_queries()  # the log keeps 9,000 queries: a full one counts none
            with CaptureQueriesContext(connection) as context:
                start = time.perf_counter()
                found = prefill_for(base, year)
                times.append((time.perf_counter() - start) * 1000)
        api = _page(client, f"/api/v1/bases/{base.code}/prefill/{year}/", repeats=11)
        years[str(year)] = {"ms": statistics.median(times), "best_ms": min(times),
                            "queries": len(context), "codes": len(found.values),
                            "api_ms": api["ms"], "api_queries": api["queries"]}
    return {"years": years}


@task
def export(args):
    from bases.ledger.models import ServiceActivity
    from bases.ledger.workbook import write_activities
    from bases.roster.models import Enterprise
    from bases.roster.workbook import write_roster

    path = Path(tempfile.mkdtemp()) / "export.xlsx"
    with CaptureQueriesContext(connection) as context:
        start, cpu = time.perf_counter(), time.process_time()
        with open(path, "wb") as handle:
            if args["kind"] == "roster":
                rows = write_roster(handle, enterprises=Enterprise.objects.all(),
                                    year=FIGURES_YEAR, with_base=True, with_contact=True)
            else:
                rows = write_activities(handle, with_base=True, activities=ServiceActivity
                                        .objects.filter(date__year=timezone.localdate().year))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    size = path.stat().st_size
    path.unlink()
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "bytes": size,
            "queries": len(context)}
