"""Shared by the bulletin tests: the printed 2017 figures, the demo data loaded as approved
reports, and readers of the written .docx."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document

from reporting.bulletin.draft import (
    SECTION_ONE,
    SECTION_TWO,
)


def docx_paragraphs(source: str | Path | bytes) -> list[tuple[str, str]]:
    document = Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    return [(p.style.name, p.text) for p in document.paragraphs]


def section_one(paragraphs: list[tuple[str, str]]) -> str:
    texts = [text for _, text in paragraphs]
    return "\n".join(texts[texts.index(SECTION_ONE) + 1:texts.index(SECTION_TWO)])


def assert_clean(text: str) -> None:
    """No missing figure leaks into the text, and no clause is left dangling."""
    for bad in ("None", "—", "，。", "：。", "。。", "，，", "、、", "：，", "nan"):
        assert bad not in text, f"{bad!r} in {text!r}"
