"""Issues 16.14 and 16.15: confirmations that say what will happen, the extension form
above the completeness tables, labelled filters, the import page's default, the favicon."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.models import Report, Status
from tests.filing.test_filing import URL, FilingTestCase
from tests.workbook.helpers import WorkbookTestCase, full_values, report_row

ROOT = Path(__file__).resolve().parents[2]


def confirm_text(page: str, action: str) -> str:
    button = re.search(rf'<button[^>]*value="{action}"[^>]*>', page)[0]
    return re.search(r'data-confirm="([^"]*)"', button)[1]


class ConfirmationTests(FilingTestCase):
    def test_approving_asks_first_saying_the_report_locks(self):
        self.login(self.alice)
        self.submit_complete()
        self.login(self.pat)

        page = self.client.get(URL).content.decode()

        text = confirm_text(page, "approve")
        self.assertIn("确认审核通过长沙科技新城2018年度报表", text)
        self.assertIn("不能再修改", text)
        self.assertIn("js/confirm.js", page)
        self.assertIn("data-confirm", (ROOT / "static/js/confirm.js").read_text())

    def test_closing_the_round_asks_first_saying_every_draft_becomes_read_only(self):
        self.login(self.pat)

        page = self.client.get("/rounds/2018/").content.decode()

        text = confirm_text(page, "close")
        self.assertIn("所有草稿和已退回的报表立即变为只读", text)
        self.assertIn("2 个基地尚未提交", text)
        self.assertIn("js/confirm.js", page)


class RoundPageLayoutTests(FilingTestCase):
    def test_the_extension_form_comes_before_the_long_tables(self):
        self.login(self.pat)

        page = self.client.get("/rounds/2018/").content.decode()

        self.assertLess(page.index("批准延期"), page.index('id="completeness"'))


class FilterLabelTests(FilingTestCase):
    def test_every_filter_of_the_base_list_and_the_queue_has_a_label(self):
        self.login(self.pat)
        for url in ("/bases/", "/reports/?year=2018"):
            page = self.client.get(url).content.decode()
            form = page[page.index('<form method="get" class="filters">'):]
            form = form[:form.index("</form>")]
            controls = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
            with self.subTest(url=url):
                self.assertTrue(controls)
                for control in controls:
                    self.assertIn(f'<label for="{control}">', form)


class FaviconTests(FilingTestCase):
    def test_pages_name_the_icon_and_favicon_ico_leads_to_it(self):
        self.login(self.alice)

        page = self.client.get(URL).content.decode()
        response = self.client.get("/favicon.ico")

        self.assertIn('rel="icon" href="/static/favicon.svg"', page)
        self.assertEqual((response.status_code, response["Location"]),
                         (301, "/static/favicon.svg"))
        self.assertTrue((ROOT / "static/favicon.svg").read_text().startswith("<svg"))


class ImportDefaultTests(WorkbookTestCase):
    def test_the_import_page_offers_submitted_first_and_imports_as_submitted_by_default(self):
        path = self.write_book("one.xlsx", reports=[report_row("A001", 2017, full_values())])
        self.login(self.pat)

        page = self.client.get("/data/import/").content.decode()
        self.client.post("/data/import/", {
            "file": SimpleUploadedFile("one.xlsx", path.read_bytes()), "action": "preview"})
        token = self.client.session["workbook_import"]["token"]
        self.client.post("/data/import/", {"action": "confirm", "token": token})

        options = re.findall(r'<option value="(\w+)"( selected)?>', page)
        self.assertEqual(options[0], ("submitted", " selected"))
        self.assertNotIn("base_code", page)
        self.assertEqual(Report.objects.get(year=2017).status, Status.SUBMITTED)


class DateWordingTests(FilingTestCase):
    def test_messages_write_dates_as_the_pages_do(self):
        # Issue 16.9: one way of writing a date: 2018年3月31日, in messages as on pages.
        self.round.deadline = self.round.deadline.replace(year=2018, month=3, day=31)
        self.round.save()
        self.login(self.alice)

        refused = self.submit_complete().content.decode()
        self.login(self.pat)
        granted = self.client.post("/rounds/2018/", {
            "action": "extend", "base": self.base_a.code, "deadline": "2099-04-05",
            "note": "材料补充"}, follow=True).content.decode()

        self.assertIn("报送截止日期（2018年3月31日）已过", refused)
        self.assertIn("已为长沙科技新城延期至2099年4月5日。", granted)
