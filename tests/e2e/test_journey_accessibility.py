"""Journey 9 (issue 16): every page each demo role uses passes axe-core's WCAG 2 A/AA rules,
fits a phone, and is photographed at desktop and phone width (tests/e2e/artifacts/)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.accessibility import axe_source, violations
from tests.e2e.support import (
    ADMIN,
    CITY_VIEWER,
    OFFICER,
    PHONE,
    assert_fits,
    flagship_code,
    log_in,
    report_path,
    totp_code,
)

pytestmark = pytest.mark.e2e


def pages_by_role() -> dict[str, list[str]]:
    from django.urls import reverse

    code = flagship_code()
    return {
        "": ["/accounts/login/"],
        OFFICER: [f"/bases/{code}/", report_path(code), reverse("bases:roster", args=[code]),
                  reverse("bases:ledger:activities", args=[code]), "/accounts/password/"],
        CITY_VIEWER: ["/city/", "/bases/", report_path(code), "/statistics/",
                      "/statistics/cities/"],
        ADMIN: ["/province/", "/bases/", "/reports/?year=2018", "/rounds/", "/rounds/2018/",
                "/statistics/", "/statistics/rankings/", "/data/import/", "/handovers/",
                "/roster/duplicates/", "/statistics/bulletin/?year=2017"],
        "security_admin": ["/admin/", "/admin/bases/user/", "/admin/bases/user/add/",
                           "/admin/axes/accessattempt/"],
        "audit_admin": ["/audit/"],
    }


def sign_in(page: Any, username: str) -> None:
    """Password, then (the demo's admins) the code of the authenticator seed_demo gave them."""
    log_in(page, username)
    if re.search(r"/accounts/2fa/verify/", page.url):
        page.get_by_label("动态验证码").fill(totp_code(username))
        page.get_by_role("button", name="验证", exact=True).click()
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def test_every_page_of_every_role_passes_axe_and_fits_a_phone(journey):
    source = axe_source()
    found: list[str] = []
    for username, paths in pages_by_role().items():
        who = username or "anonymous"
        desktop = journey.new_page(who, bypass_csp=True)
        if username:
            sign_in(desktop, username)
        phone = journey.new_page(f"{who}-phone", bypass_csp=True, **PHONE,
                                 storage_state=desktop.context.storage_state())
        for path in paths:
            for page, width in ((desktop, "desktop"), (phone, "phone")):
                response = page.goto(path)
                assert response is not None and response.status == 200, (who, path)
                found += violations(page, source)
                journey.shot(page, f"{who}-{slug(path)}-{width}")
                if width == "phone":
                    assert_fits(page)
    assert found == [], "\n".join(found)
