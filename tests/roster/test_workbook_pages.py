"""The import pages of the roster and the ledger: a good file imports and says what changed,
a bad one answers 400 listing every error by sheet, row and column, nothing saved."""

from bases.ledger.models import ServiceActivity
from bases.roster import workbook
from bases.roster.models import Enterprise
from tests.roster.helpers import RosterTestCase, credit_code
from tests.roster.test_workbook import CODES, LABELS, row
from tests.workbook_files import upload, xlsx


class ImportPagesTests(RosterTestCase):
    def post_roster(self, *rows):
        self.login(self.alice)
        return self.client.post("/bases/A001/roster/import/", {
            "year": "2018", "file": upload(xlsx([LABELS, CODES, *rows],
                                                sheet=workbook.SHEET))}, follow=True)

    def test_roster_upload_imports_and_lists_the_enterprises(self):
        response = self.post_roster(row(50, "星沙新材料有限公司"), row(2, "株洲动力有限公司"))
        self.assertContains(response, "导入完成：新增2家，修改0家，2018年度数据2家，未变0家。")
        self.assertContains(response, "1家企业已在其他基地登记")
        self.assertNotContains(response, self.base_b.name)  # the other base stays unnamed
        self.assertContains(response, "星沙新材料有限公司")

    def test_roster_upload_with_an_error_answers_400_and_saves_nothing(self):
        response = self.post_roster(row(51), row(52, code=credit_code(52)[:-1] + "I"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "未导入：发现 1 处错误", status_code=400)
        self.assertContains(response, "工作表“入驻企业名册”第4行 B列（统一社会信用代码）："
                                      "统一社会信用代码不使用字母 I", status_code=400)
        self.assertFalse(Enterprise.objects.filter(credit_code=credit_code(51)).exists())

    def test_not_an_xlsx_is_refused_by_the_guard(self):
        self.login(self.alice)
        response = self.client.post("/bases/A001/roster/import/", {
            "year": "2018", "file": upload(b"name,code\n", "roster.csv")})
        self.assertContains(response, "只接受 .xlsx 格式", status_code=400)

    def test_activities_upload_imports_and_returns_to_the_ledger(self):
        self.login(self.alice)
        response = self.client.post("/bases/A001/ledger/import/", {"file": upload(xlsx([
            ("日期", "服务类别", "活动名称", "服务企业家次"),
            ("2018-06-01", "创业辅导", "创业沙龙", 12)]))}, follow=True)
        self.assertContains(response, "导入完成：新增1条，修改0条，未变0条。")
        self.assertTrue(ServiceActivity.objects.filter(base=self.base_a, title="创业沙龙").exists())


class ConcurrentImportTests(RosterTestCase):
    def test_a_clash_with_a_concurrent_write_is_an_error_not_a_crash(self):
        from unittest import mock

        from django.db import IntegrityError

        with mock.patch("bases.roster.workbook._write", side_effect=IntegrityError):
            result = workbook.import_roster(
                base=self.base_a, actor=self.alice, year=2018,
                file=upload(xlsx([LABELS, CODES, row(60)], sheet=workbook.SHEET)))
        self.assertEqual(str(result.errors[0]), workbook.CONCURRENT)
