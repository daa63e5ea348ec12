"""The activities workbook: export then import changes nothing, an import is all or nothing
with every error named by sheet, row and column, and a resend by 外部编号 updates."""

import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from bases.ledger import workbook
from bases.ledger.models import LedgerChange, ServiceActivity
from bases.models import AuditEvent
from portal.spreadsheet import set_text
from tests import hostile
from tests.base import sign_in
from tests.ledger.helpers import LedgerTestCase
from tests.workbook_files import body, read_back, upload, xlsx

HEADER = ("日期", "服务类别", "活动名称", "服务企业家次", "服务机构", "备注", "外部编号")


class ActivitiesImportTests(LedgerTestCase):
    def import_rows(self, *rows, header=HEADER):
        return workbook.import_activities(base=self.base_a, actor=self.alice,
                                          file=upload(xlsx([header, *rows])))

    def test_rows_are_imported_with_history_and_one_audit_record(self):
        result = self.import_rows(
            (dt.date(2018, 6, 1), "创业辅导", "创业沙龙", 12, "长沙创业服务中心", "", "P-1"),
            ("2018-07-02", "financing", "路演", "8", "本基地", "备注", ""))
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        self.assertEqual((result.created, result.updated), (2, 0))
        salon = ServiceActivity.objects.get(external_id="P-1")
        self.assertEqual((salon.category, salon.provider_id, salon.enterprises_served),
                         ("coaching", self.institution.pk, 12))
        self.assertEqual(ServiceActivity.objects.get(title="路演").provider_id, None)
        self.assertEqual(LedgerChange.objects.filter(action="create", kind="activity",
                                                     object_id=salon.pk).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(event="ledger_import",
                                                   outcome="success").count(), 1)

    def test_one_bad_row_imports_nothing_and_every_error_is_positioned(self):
        result = self.import_rows(
            ("2018-06-01", "创业辅导", "创业沙龙", 12, "", "", ""),
            ("2099-01-01", "唱歌", "", -1, "别人的机构", "", ""),
            ("2014-01-01", "info", "早于认定", 100001, "", "", ""))
        self.assertFalse(result.ok)
        self.assertEqual(self.activity_count(), 1)
        messages = [str(error) for error in result.errors]
        self.assertIn("工作表“服务活动”第3行 A列（日期）：不能晚于今天", messages[0])
        self.assertTrue(any("第3行 B列（服务类别）：“唱歌”不是服务类别" in m for m in messages))
        self.assertTrue(any("第3行 C列（活动名称）：必填" in m for m in messages))
        self.assertTrue(any("第3行 D列（服务企业家次）：须为0至100000之间的整数" in m
                            for m in messages))
        self.assertTrue(any("第3行 E列（服务机构）：“别人的机构”不是本基地登记的第三方服务机构" in m
                            for m in messages))
        self.assertTrue(any("第4行 A列（日期）：不能早于基地的认定年份（2015年）" in m
                            for m in messages))
        self.assertTrue(any("第4行 D列" in m for m in messages))
        self.assertEqual(AuditEvent.objects.filter(event="ledger_import",
                                                   outcome="denied").count(), 1)

    def test_unknown_header_and_missing_column_are_named(self):
        result = self.import_rows(("2018-06-01", "x"), header=("日期", "花费"))
        messages = [str(error) for error in result.errors]
        self.assertIn("第1行 B列（花费）：未知的列标题", messages[0])
        self.assertTrue(any("（服务类别）：缺少这一列" in m for m in messages))

    def test_resend_by_external_id_updates_and_same_file_twice_changes_nothing(self):
        row = ("2018-06-01", "人员培训", "创业培训", 10, "", "", "P-9")
        self.assertEqual(self.import_rows(row).created, 1)
        again = self.import_rows(row)
        self.assertEqual((again.created, again.updated, again.unchanged), (0, 0, 1))
        changed = self.import_rows(row[:3] + (25,) + row[4:])
        self.assertEqual(changed.updated, 1)
        activity = ServiceActivity.objects.get(external_id="P-9")
        self.assertEqual(activity.enterprises_served, 25)
        change = LedgerChange.objects.filter(object_id=activity.pk, action="update").get()
        self.assertEqual((change.before["enterprises_served"], change.after["enterprises_served"]),
                         (10, 25))

    def test_same_external_id_twice_in_a_file_is_refused(self):
        result = self.import_rows(("2018-06-01", "info", "一", 1, "", "", "X"),
                                  ("2018-06-02", "info", "二", 1, "", "", "X"))
        self.assertIn("第3行 G列（外部编号）：与第2行重复", str(result.errors[0]))

    def test_import_refused_for_an_approved_year(self):
        from bases import hooks

        hooks.register_year_lock(lambda base, year: year == 2017)
        try:
            result = self.import_rows(("2017-06-01", "info", "旧年", 1, "", "", ""))
        finally:
            hooks._year_locks.pop()
        self.assertIn("2017年度报表已审核", str(result.errors[0]))
        self.assertEqual(self.activity_count(), 1)

    def test_import_is_bulk_a_constant_number_of_queries(self):
        def queries(count: int) -> int:
            rows = [(f"2018-03-{1 + i % 28:02d}", "info", f"活动{i}", i, "", "", f"Q{count}-{i}")
                    for i in range(count)]
            with CaptureQueriesContext(connection) as context:
                self.assertTrue(self.import_rows(*rows).ok)
            return len(context)

        self.assertEqual(queries(5), queries(60))


class HostileActivitiesUploadTests(LedgerTestCase):
    def refused(self, data: bytes) -> str:
        result = workbook.import_activities(base=self.base_a, actor=self.alice,
                                            file=upload(data))
        self.assertFalse(result.ok)
        self.assertEqual(self.activity_count(), 1)
        return str(result.errors[0])

    def test_small_file_inflating_to_many_rows_is_refused_by_the_guard(self):
        data = hostile.row_bomb(20)
        self.assertLess(len(data), 100_000)
        self.assertIn("行的上限", self.refused(data))

    def test_formula_in_a_title_is_refused_with_its_cell(self):
        message = self.refused(xlsx([HEADER, ("2018-06-01", "info",
                                              '=HYPERLINK("http://x","点我")', 1)]))
        self.assertIn("第2行 C列（活动名称）：单元格含公式但没有计算结果", message)

    def test_title_typed_as_text_starting_with_equals_is_exported_as_text(self):
        book = Workbook()
        sheet = book.active
        sheet.append(list(HEADER))
        sheet.append(["2018-06-01", "info", None, 1])
        set_text(sheet.cell(row=2, column=3), "=1+1")
        buffer = io.BytesIO()
        book.save(buffer)
        result = workbook.import_activities(base=self.base_a, actor=self.alice,
                                            file=upload(buffer.getvalue()))
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        self.assertTrue(ServiceActivity.objects.filter(title="=1+1").exists())
        sign_in(self.client, self.alice)
        data = body(self.client.get(f"/bases/{self.base_a.code}/ledger/export/?year=2018"))
        self.assertIn("'=1+1", [row[2] for row in read_back(data)])

    def sheet(self, title_xml: str, served_xml: str) -> bytes:
        header = [(f"{c}1", f'<c r="{c}1" t="inlineStr"><is><t>{t}</t></is></c>')
                  for c, t in zip("ABCD", HEADER, strict=False)]
        return hostile.workbook({"服务活动": hostile.cells(
            *header, ("A2", '<c r="A2" t="inlineStr"><is><t>2018-06-01</t></is></c>'),
            ("B2", '<c r="B2" t="inlineStr"><is><t>info</t></is></c>'),
            ("C2", f'<c r="C2" t="inlineStr"><is><t>{title_xml}</t></is></c>'),
            ("D2", f'<c r="D2" t="inlineStr"><is><t>{served_xml}</t></is></c>'))})

    def test_huge_exponent_and_control_characters_are_positioned_errors(self):
        result = workbook.import_activities(base=self.base_a, actor=self.alice,
                                            file=upload(self.sheet("a&#x1;b", "9e999999999")))
        self.assertEqual([str(e) for e in result.errors], [
            "工作表“服务活动”第2行 C列（活动名称）：含有不可见的控制字符（如 NUL），请删除后再上传",
            "工作表“服务活动”第2行 D列（服务企业家次）：须为0至100000之间的整数"])

    def test_raw_nul_bytes_are_refused_by_the_guard(self):
        self.assertIn("不是 UTF-8 编码的 XML", self.refused(self.sheet("a\x00b", "1")))


class ActivitiesExportTests(LedgerTestCase):
    def test_export_then_import_changes_nothing(self):
        sign_in(self.client, self.alice)
        response = self.client.get(f"/bases/{self.base_a.code}/ledger/export/?year=2018")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        data = body(response)
        rows = read_back(data)
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(rows[1], ("2018-05-10", "人员培训", "创业培训班", 30, "长沙创业服务中心",
                                   "第一期", None))
        # Without 外部编号 a row is new: give the exported one its reference first.
        ServiceActivity.objects.filter(pk=self.activity.pk).update(external_id="E-1")
        data = body(self.client.get(f"/bases/{self.base_a.code}/ledger/export/?year=2018"))
        changes = LedgerChange.objects.count()
        result = workbook.import_activities(base=self.base_a, actor=self.alice,
                                            file=upload(data))
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 0, 1))
        self.assertEqual(LedgerChange.objects.count(), changes)

    def test_province_export_has_the_base_in_front(self):
        # The page runs it as a background job (tests/ledger/test_province_exports.py).
        target = io.BytesIO()
        self.assertEqual(workbook.write_province_activities(target, year=2018), 1)
        rows = read_back(target.getvalue())
        self.assertEqual(rows[0][:3], ("基地编码", "基地名称", "日期"))
        self.assertEqual(rows[1][:3], ("A001", "长沙科技新城", "2018-05-10"))
