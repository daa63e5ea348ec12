"""The upload guard in front of the workbook reader: hostile files are refused before parsing."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from reporting.workbook.data import (
    WorkbookError,
    check_upload,
    read_data_workbook,
)
from tests.workbook.helpers import WorkbookTestCase


class UploadGuardTests(WorkbookTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # ~1 MB on disk, 208 MB once inflated: over the 200 MB limit.
        buffer = io.BytesIO()
        chunk = bytes(8 * 1024 * 1024)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
                for _ in range(26):
                    entry.write(chunk)
        cls.bomb = buffer.getvalue()

    def valid_bytes(self) -> bytes:
        return self.write_book("valid.xlsx", reports=[]).read_bytes()

    def assert_guard(self, data: bytes, name: str, message: str, **limits: int) -> None:
        with self.assertRaises(WorkbookError) as raised:
            check_upload(SimpleUploadedFile(name, data), **limits)
        self.assertIn(message, str(raised.exception))

    def test_valid_workbook_passes(self):
        check_upload(SimpleUploadedFile("ok.xlsx", self.valid_bytes()))

    def test_not_a_zip(self):
        self.assert_guard(b"code,name\nA001,x\n", "data.xlsx", "不是有效的 .xlsx 工作簿")

    def test_wrong_extension(self):
        self.assert_guard(self.valid_bytes(), "data.xls", "只接受 .xlsx 格式")
        self.assert_guard(self.valid_bytes(), "data.csv", "只接受 .xlsx 格式")

    def test_oversize(self):
        self.assert_guard(self.valid_bytes(), "big.xlsx", "文件过大", max_bytes=1000)

    def test_corrupt_zip(self):
        self.assert_guard(b"PK\x03\x04" + b"\x00garbage" * 100, "broken.xlsx", "文件已损坏")

    def test_too_many_entries(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for i in range(30):
                archive.writestr(f"x{i}.xml", "")
        self.assert_guard(buffer.getvalue(), "many.xlsx", "条目过多", max_entries=20)

    def test_zip_bomb_is_refused_from_its_directory(self):
        self.assertLess(len(self.bomb), 2 * 1024 * 1024)
        self.assert_guard(self.bomb, "bomb.xlsx", "疑似压缩炸弹")
        tracemalloc.start()
        try:
            book = read_data_workbook(SimpleUploadedFile("bomb.xlsx", self.bomb))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertIn("疑似压缩炸弹", str(book.errors[0]))
        self.assertLess(peak, 8 * 1024 * 1024)  # nothing inflated: the upload itself

    def test_command_refuses_a_bomb(self):
        path = self.tmp / "bomb.xlsx"
        path.write_bytes(self.bomb)
        with self.assertRaisesMessage(CommandError, "疑似压缩炸弹"):
            call_command("import_workbook", str(path), stdout=io.StringIO(),
                         stderr=io.StringIO())

    def test_upload_page_refuses_a_bomb_with_the_same_message(self):
        self.login(self.pat)
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("bomb.xlsx", self.bomb)})
        self.assertContains(response, "疑似压缩炸弹", status_code=400)

    def test_reading_never_raises_on_broken_files(self):
        for name, data in (("a.xlsx", b""), ("b.xlsx", b"PK\x03\x04junk"),
                           ("c.xlsx", self.bomb), ("d.txt", b"hello")):
            book = read_data_workbook(SimpleUploadedFile(name, data))
            self.assertFalse(book.ok, name)
        # A real zip that is not a workbook inside.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<not-a-workbook")
        book = read_data_workbook(SimpleUploadedFile("e.xlsx", buffer.getvalue()))
        self.assertIn("无法读取", str(book.errors[0]))
