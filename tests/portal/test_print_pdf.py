"""Every workbook the portal writes, opened by a real spreadsheet program: LibreOffice
converts each download to PDF headless, and poppler's pdfinfo / pdftotext count and read the
pages. Each annex sheet prints on exactly one page, the officer's form on at most two.

Without LibreOffice or poppler the tests skip, except under CI (CI set), where they fail:
.ci/run installs libreoffice-calc-nogui and poppler-utils.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from tests.base import in_ci
from tests.portal.test_spreadsheet import HostileTextTestCase, find_soffice, libreoffice


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    match = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert match, info
    return int(match[1])


def page_text(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path),
                           "-"], check=True, capture_output=True, text=True, timeout=60).stdout


class PrintedWorkbookTests(HostileTextTestCase):
    def tools(self) -> str:
        soffice = find_soffice()
        missing = [name for name, found in (("LibreOffice (soffice)", soffice),
                                            ("pdfinfo", shutil.which("pdfinfo")),
                                            ("pdftotext", shutil.which("pdftotext")))
                   if not found]
        if missing:
            message = (f"{', '.join(missing)} not installed: "
                       "apt-get install libreoffice-calc-nogui poppler-utils")
            if in_ci():
                self.fail(message + " (CI is set, so this fails instead of skipping)")
            self.skipTest(message + " (with CI set this fails instead)")
        assert soffice is not None
        return soffice

    def test_every_workbook_converts_to_pdf_and_prints_on_the_pages_it_should(self):
        soffice = self.tools()
        folder = Path(tempfile.mkdtemp(prefix="print-pdf-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        workbooks = {name: content for name, (content, _) in self.workbooks().items()}
        for name, content in workbooks.items():
            (folder / f"{name}.xlsx").write_bytes(content)
        # One LibreOffice start for all of them: each conversion costs seconds.
        libreoffice(soffice, folder / "profile", "--convert-to", "pdf", "--outdir",
                    str(folder / "pdf"), *[str(folder / f"{name}.xlsx") for name in workbooks])
        pages = {}
        for name in workbooks:
            with self.subTest(workbook=name):
                pdf = folder / "pdf" / f"{name}.pdf"
                self.assertTrue(pdf.is_file(), f"LibreOffice wrote no PDF for {name}")
                pages[name] = pdf_pages(pdf)
                self.assertGreaterEqual(pages[name], 1)

        annexes = folder / "pdf" / "annexes.pdf"
        sheets = load_workbook(io.BytesIO(workbooks["annexes"])).sheetnames
        annex_sheets = [name for name in sheets if name.startswith("附件")]
        self.assertEqual(len(annex_sheets), 6)
        for number, sheet in enumerate(annex_sheets, start=1):
            with self.subTest(sheet=sheet):
                text = page_text(annexes, number)
                # The page starts with its own label and holds no other annex: one page each.
                self.assertEqual(text.split()[0], sheet)
                self.assertIn(f"第 {number} 页", text)
        rankings = page_text(annexes, len(annex_sheets) + 1)
        self.assertEqual(rankings.split()[:5], ["指标", "名次", "基地名称", "数值", "单位"])
        self.assertNotIn("指标代码", rankings)  # the machine columns are not printed

        form = folder / "pdf" / "fillin.pdf"
        self.assertIn("填报说明", page_text(form, 1))
        self.assertIn("序号", page_text(form, 2))  # the guide took exactly one page
        self.assertLessEqual(pages["fillin"] - 1, 2, "the form prints on at most two pages")
        self.assertNotIn("building_area", "".join(
            page_text(form, page) for page in range(2, pages["fillin"] + 1)))
