"""Browser journeys (issue 9): Playwright driving Chromium against pytest-django's live server.

`make test` runs them with the rest of the suite when a Chromium is found. Without one they
skip with the reason, except when the CI environment variable is set (CI=true): there a
missing browser (or a missing Playwright) fails them, so CI can never pass without running
them. `pytest -m e2e` runs only the journeys, `pytest -m "not e2e"` everything else.

The browser: $E2E_CHROMIUM if set, else the system Chromium (Debian's /usr/bin/chromium),
else one installed by `playwright install chromium`. Screenshots go to tests/e2e/artifacts/
(git-ignored), and every page still open when a journey fails is saved there too.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.base import in_ci
from tests.e2e.support import Journey

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: browser journey (Playwright + Chromium against the live server); skipped "
        "without a browser unless CI is set",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the journeys last, after pytest-django has put transactional tests at the end.

    Each journey flushes the live-server database when it ends, data migrations included
    (the 14 cities); any transactional test after it would find no cities. Last is also
    where slow browser tests belong.
    """
    journeys = [item for item in items if item.get_closest_marker("e2e")]
    if journeys:
        others = [item for item in items if not item.get_closest_marker("e2e")]
        items[:] = others + journeys


_failed_key = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember whether the journey itself failed (for the failure screenshots)."""
    report = yield
    if report.when == "call":
        item.stash[_failed_key] = report.failed
    return report


INSTALL_CHROMIUM = "apt-get install -y chromium fonts-noto-cjk"


def browser_unavailable(reason: str, fix: str = INSTALL_CHROMIUM) -> None:
    if in_ci():
        pytest.fail(f"{reason}. CI is set, so the browser journeys fail instead of skipping "
                    f"({fix}).", pytrace=False)
    pytest.skip(f"{reason}; browser journeys skipped ({fix}; with CI set they fail instead)")


def find_chromium() -> str | None:
    configured = os.environ.get("E2E_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for candidate in (*SYSTEM_CHROMIUMS, shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser(django_db_setup) -> Iterator[object]:
    """One Chromium for the session (started after, and stopped before, the test database).

    Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
    from a thread with a running loop; DJANGO_ALLOW_ASYNC_UNSAFE is set only while the
    browser is up (the journeys run last), never for the rest of the suite.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Playwright is not installed", "pip install -e '.[dev]'")
    configured = os.environ.get("E2E_CHROMIUM")
    executable = find_chromium()
    if configured and executable is None:
        browser_unavailable(f"E2E_CHROMIUM={configured} is not a file")

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        if executable is None and not Path(playwright.chromium.executable_path).is_file():
            browser_unavailable("No Chromium found (looked for $E2E_CHROMIUM, "
                                f"{', '.join(SYSTEM_CHROMIUMS)}, chromium on PATH and "
                                "Playwright's own browsers)")
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


def _load_cities() -> None:
    """The cities of the data migration: a transactional test before us may have flushed them."""
    import importlib

    from django.apps import apps

    importlib.import_module("bases.migrations.0002_load_cities").load_cities(apps, None)


@pytest.fixture
def journey(request: pytest.FixtureRequest, live_server, browser) -> Iterator[Journey]:
    """The demo portal (seed_demo) behind the live server, and a browser to walk it with."""
    from django.core.management import call_command

    _load_cities()
    call_command("seed_demo", stdout=io.StringIO())
    name = re.sub(r"^test_journey_", "", request.module.__name__.rsplit(".", 1)[-1])
    trip = Journey(name=name, base_url=live_server.url, browser=browser)
    try:
        yield trip
        if not request.node.stash.get(_failed_key, False):
            trip.assert_no_page_errors()
    finally:
        if request.node.stash.get(_failed_key, False):
            trip.save_failure_screenshots()
        trip.close()
