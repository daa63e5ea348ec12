"""Shared set-up of the ledger tests: the personas' bases with a little ledger, real files in
a private folder of the test's own, and generated evidence files (good and hostile)."""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

from django.test import override_settings

from bases.ledger import services
from bases.ledger.models import Institution, ServiceActivity
from tests.base import BaseTestCase


def small_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def small_png() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def windows_executable() -> bytes:
    """The start of a PE executable: what a renamed .exe looks like inside."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"


class LedgerTestCase(BaseTestCase):
    """Base A (alice's, designated 2015) has one institution and one 2018 activity."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.private_dir = Path(tempfile.mkdtemp(prefix="ledger-test-"))
        cls._private = override_settings(PRIVATE_MEDIA_DIR=cls.private_dir)
        cls._private.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._private.disable()
        shutil.rmtree(cls.private_dir, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.institution = services.create_institution(
            base=cls.base_a, actor=cls.alice, data=services.InstitutionInput(
                name="长沙创业服务中心", categories=("training", "coaching"),
                since=dt.date(2016, 3, 1)))
        cls.activity = services.create_activity(
            base=cls.base_a, actor=cls.alice, data=services.ActivityInput(
                date=dt.date(2018, 5, 10), category="training", title="创业培训班",
                provider_id=cls.institution.pk, enterprises_served=30, note="第一期"))

    def activity_count(self) -> int:
        return ServiceActivity.objects.count()

    def institution_count(self) -> int:
        return Institution.objects.count()
