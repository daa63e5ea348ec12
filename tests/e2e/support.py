"""What the browser journeys share: one `Journey` per test, logins, the demo's figures.

Nothing here imports Playwright or Django models at import time: without Playwright the
journeys must still be collected (and skipped, or failed in CI) by the `browser` fixture.
"""

from __future__ import annotations

import contextlib
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

DEMO_PASSWORD = "Demo-Portal-2026"  # reporting/management/commands/seed_demo.py
OFFICER = "cs_officer"  # officer of 长沙科技新城 (HN001, 长沙市)
ADMIN = "province_admin"
CITY_VIEWER = "changsha_viewer"
CITY_REVIEWER = "changsha_reviewer"
FLAGSHIP = "长沙科技新城"
YEAR = 2018  # the open round of the demo
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

#: The one soft finding the journeys' figures raise (see `filing_values`).
EXPLAINED_CHECK = "yoy_change:service_expenditure"

CSP_MARK = "Content Security Policy"

OVERFLOW_JS = """width => {
  const wide = e => e.getBoundingClientRect().right > width + 0.5;
  const inScroller = e => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible' && !wide(p)) return true;
    }
    return false;
  };
  const sticksOut = e => wide(e) && !inScroller(e);
  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className.trim()
      ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
    ' (right edge ' + Math.round(e.getBoundingClientRect().right) + ' px)';
  const outermost = [...document.querySelectorAll('body *')]
    .filter(e => sticksOut(e) && !(e.parentElement && e.parentElement !== document.body
                                   && sticksOut(e.parentElement)));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          offenders: outermost.slice(0, 10).map(describe)};
}"""


def expect(target: Any, *args: Any, **kwargs: Any):
    """Playwright's `expect`, imported only when a journey actually runs."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target, *args, **kwargs)


class Journey:
    """One test's trip through the portal: its browser contexts, screenshots and downloads."""

    def __init__(self, *, name: str, base_url: str, browser: Browser) -> None:
        self.name = name
        self.base_url = base_url
        self.browser = browser
        self.contexts: list[Any] = []
        self.problems: list[str] = []
        self.shots = 0
        ARTIFACTS.mkdir(exist_ok=True)
        for stale in ARTIFACTS.glob(f"{name}-*"):
            stale.unlink()

    # --- browsers ----------------------------------------------------------------------

    def new_page(self, who: str, **options: Any) -> Page:
        """A fresh browser (own cookies) for one person; desktop size unless told."""
        settings = {**DESKTOP, **options}
        context = self.browser.new_context(base_url=self.base_url, locale="zh-CN",
                                           timezone_id="Asia/Shanghai", accept_downloads=True,
                                           **settings)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()

        def on_console(message: Any) -> None:
            if message.type == "error" and CSP_MARK in message.text:
                self.problems.append(f"{who} {page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"{who} {page.url}: {error}"))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()

    def assert_no_page_errors(self) -> None:
        """No script error and no Content-Security-Policy violation on any page visited."""
        assert not self.problems, "\n".join(self.problems)

    # --- artifacts ---------------------------------------------------------------------

    def shot(self, page: Page, label: str, *, full_page: bool = True) -> Path:
        """tests/e2e/artifacts/<journey>-<nn>-<label>.png; the whole page unless told.

        A full-page capture draws the sticky action bar where the window's bottom was, so
        a state at one figure is better shown as the window scrolled to it.
        """
        self.shots += 1
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"
        page.screenshot(path=path, full_page=full_page)
        return path

    def artifact(self, filename: str) -> Path:
        return ARTIFACTS / f"{self.name}-{filename}"

    def save_failure_screenshots(self) -> None:
        for n, context in enumerate(self.contexts, 1):
            for m, page in enumerate(context.pages, 1):
                with contextlib.suppress(Exception):  # best effort while reporting a failure
                    page.screenshot(path=ARTIFACTS / f"{self.name}-FAILED-{n}{m}.png",
                                    full_page=True)


# --- people ----------------------------------------------------------------------------


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Through the login page; leaves the browser wherever the portal sends it next."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def add_totp_device(username: str) -> None:
    """The admin's authenticator, as if enrolled earlier (confirmed); seed_demo gives the
    demo's admins one already."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bases.models import User

    if not TOTPDevice.objects.filter(user__username=username, confirmed=True).exists():
        TOTPDevice.objects.create(user=User.objects.get(username=username), name="e2e 手机",
                                  confirmed=True)


def totp_code(username: str) -> str:
    """The 6 digits the admin's authenticator app shows now."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def log_in_with_totp(page: Page, username: str = ADMIN, *, landing: str = r"/province/$") -> None:
    """Password, then the second factor on /accounts/2fa/verify/ (a code works once)."""
    log_in(page, username)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/"))
    page.get_by_label("动态验证码").fill(totp_code(username))
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page).to_have_url(re.compile(landing))


# --- the figures ---------------------------------------------------------------------


def flagship_code() -> str:
    from bases.models import Base

    return Base.objects.get(name=FLAGSHIP).code


def report_path(code: str | None = None, year: int = YEAR) -> str:
    return f"/bases/{code or flagship_code()}/reports/{year}/"


def filing_values() -> dict[str, str]:
    """Form text for every figure of 长沙科技新城's 2018 report that pass every hard check
    and raise exactly one soft finding.

    Last year's approved figures, with 服务性支出 up by 60% (more than the ±50% of the
    own-history check), so it always asks for an explanation: `EXPLAINED_CHECK`. The
    province-median check never applies: every figure has last year's to compare with.
    """
    from bases.models import Base
    from reporting.filing import checks
    from reporting.filing.forms import as_form_text
    from reporting.filing.selectors import approved_values, previous_year_medians

    base = Base.objects.get(name=FLAGSHIP)
    last = approved_values(base.pk, YEAR - 1)
    values: dict[str, Any] = dict(last)
    values["service_expenditure"] = (Decimal(last["service_expenditure"]) * Decimal("1.6")
                                     ).quantize(Decimal("0.01"))
    assert checks.hard_errors(values) == {}
    found = [f.check for f in checks.soft_findings(values, previous=last,
                                                   medians=previous_year_medians(YEAR))]
    assert found == [EXPLAINED_CHECK], found
    return {code: as_form_text(value) for code, value in values.items()}


def fill_report(page: Page, values: dict[str, str]) -> None:
    """Type figures into the officer's form (selects for yes/no figures)."""
    from reporting import indicators

    for code, text in values.items():
        field = page.locator(f"#id_{code}")
        if indicators.BY_CODE[code].is_bool:
            field.select_option(text)
        else:
            field.fill(text)


def submit_through_services(values: dict[str, str], explanation: str) -> None:
    """The officer's first submission, made without the browser (setup for later journeys)."""
    from bases.models import User
    from reporting import indicators
    from reporting.filing import services

    officer = User.objects.get(username=OFFICER)
    parsed = {code: indicators.BY_CODE[code].parse(text) for code, text in values.items()}
    report = services.save_draft(base=officer.base, year=YEAR, actor=officer, values=parsed,
                                 version=None)
    services.submit_report(report=report, actor=officer, version=report.version,
                           explanations={EXPLAINED_CHECK: explanation})


def save_draft_through_services(values: dict[str, str]) -> None:
    from bases.models import User
    from reporting import indicators
    from reporting.filing import services

    officer = User.objects.get(username=OFFICER)
    parsed = {code: indicators.BY_CODE[code].parse(text) for code, text in values.items()}
    services.save_draft(base=officer.base, year=YEAR, actor=officer, values=parsed,
                        version=None)


def set_review_levels(levels: int, year: int = YEAR) -> None:
    """The demo's round is two-level (seed_demo); a journey of the one-level review sets it
    back, through the rounds' service."""
    from reporting.filing import rounds
    from reporting.models import Round

    round_ = Round.objects.get(year=year)
    rounds.reschedule_round(round_=round_, opens_on=round_.opens_on, deadline=round_.deadline,
                            actor=None, review_levels=levels)


def round_row(page: Page, year: int = YEAR) -> Any:
    """The year's row in the 年度报送 table of a base's page."""
    return page.locator("tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(rf"^\s*{year}\s*$")))


def center(locator: Any) -> None:
    """Scroll the window so that the element is in the middle (clear of the sticky bar)."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")


def horizontal_overflow(page: Page) -> dict[str, Any]:
    """The page's scroll width against the window, and the outermost elements sticking out
    past the browser window's width (not those inside a scrolling box like .table-wrap)."""
    return page.evaluate(OVERFLOW_JS, page.viewport_size["width"])


def assert_fits(page: Page) -> None:
    """No sideways scrolling: scrollWidth <= innerWidth, and innerWidth is still the
    window's width (a phone browser widens the layout to fit content that sticks out, so
    innerWidth alone would grow along with scrollWidth)."""
    width = page.viewport_size["width"]
    layout = horizontal_overflow(page)
    assert layout["innerWidth"] == width and layout["scrollWidth"] <= layout["innerWidth"], (
        f"{page.url} scrolls sideways in a {width} px window (innerWidth "
        f"{layout['innerWidth']}, scrollWidth {layout['scrollWidth']}); sticking out: "
        f"{layout['offenders']}")


def approve_flagship() -> None:
    """One approval in the open 2018 round (1 of the demo's 102 bases), through both
    levels of its review."""
    from bases.models import User
    from reporting.filing import services
    from reporting.models import Report

    submit_through_services(filing_values(), "新建孵化楼投入使用。")
    report = Report.objects.get(base__name=FLAGSHIP, year=YEAR)
    # The demo's 2018 round is two-level: the 长沙市 reviewer passes it first.
    report = services.city_approve_report(
        report=report, actor=User.objects.get(username="changsha_reviewer"),
        version=report.version)
    services.approve_report(report=report, actor=User.objects.get(username=ADMIN),
                            version=report.version)
