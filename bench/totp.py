"""RFC 6238 time-based one-time codes, as django_otp.oath computes them (without Django, so
the locust process can use it; the `load_setup` task checks both agree)."""

from __future__ import annotations

import hmac
import struct
import time
from hashlib import sha1


def totp(key_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return str(code).zfill(digits)
