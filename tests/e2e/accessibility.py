"""axe-core in the browser journeys (issue 16.16): WCAG 2 A/AA, the rules behind China's
GB/T 37668 web-accessibility standard.

axe-core comes from the npm registry, installed for the tests only (`npm ci --prefix
tests/e2e`, which .ci/run does; tests/e2e/node_modules is never committed). $AXE_CORE_JS
names another copy. Without it the check skips with the reason, except under CI, where it
fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.base import in_ci

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
INSTALL = "npm ci --prefix tests/e2e"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_JS") or AXE_JS)
    if not path.is_file():
        reason = f"axe-core is not installed ({path} is missing; {INSTALL})"
        if in_ci():
            pytest.fail(f"{reason}. CI is set, so the accessibility check fails instead of "
                        "skipping.", pytrace=False)
        pytest.skip(f"{reason}; with CI set this fails instead")
    return path.read_text()


def violations(page: Any, source: str) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page as it stands, one line per element.

    The page's context must be opened with bypass_csp=True: the portal's policy allows no
    script but its own, and axe is injected.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{page.url} [{v['id']}] {v['help']}: {', '.join(map(str, node['target']))}"
            for v in result["violations"] for node in v["nodes"]]
