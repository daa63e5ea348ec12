"""The evidence files: what they are (by content, never by name) and where they live.

Files are kept under settings.PRIVATE_MEDIA_DIR, outside the web root, under a random name;
only the download view (which checks the caller's scope) reads them back, always as an
attachment.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings

#: The largest evidence file accepted (SPEC section 9).
MAX_BYTES = 5 * 1024 * 1024

#: Leading bytes of each accepted type. A name or a browser's Content-Type proves nothing.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def detect_type(content: bytes) -> str | None:
    """The content type the bytes really are, or None when they are none of PDF/JPEG/PNG."""
    for signature, content_type in SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def clean_name(raw: str) -> str:
    """The file's own name without any folder a browser or a client sent along."""
    name = os.path.basename((raw or "").replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable())
    return name[-200:] or "证明材料"


def path_of(stored_name: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_DIR) / stored_name


def store(content: bytes, *, base_id: int) -> str:
    """Write the bytes under a new random name; the name to keep in the database."""
    stored_name = f"ledger/{base_id}/{uuid.uuid4().hex}"
    path = path_of(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(content)
    return stored_name


def remove(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)
