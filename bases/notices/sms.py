"""SMS: one small interface, chosen by the SMS_BACKEND setting (a dotted path).

A provider's adapter is a class whose instances have `send(*, phone, text)`: it sends one
message to one mainland mobile number, returns when the provider has accepted it, and
raises SmsError (or OSError for the network) when it has not. Construction takes no
arguments (read keys from the environment). The task that calls it retries on those two.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("bases.notices")


class SmsError(Exception):
    """The provider refused or failed the message; the task retries it."""


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    """Development and tests: the message goes to the log instead of a phone."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("短信（控制台）→ %s：%s", phone, text)


class LocmemSmsBackend:
    """Tests: keeps what was sent in `outbox` (a list of (phone, text))."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        LocmemSmsBackend.outbox.append((phone, text))


@cache
def _backend(path: str) -> SmsBackend:
    return import_string(path)()


def get_backend() -> SmsBackend:
    return _backend(settings.SMS_BACKEND)
