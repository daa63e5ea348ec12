"""A real SMTP server inside the test (aiosmtpd on 127.0.0.1), and settings to reach it."""

from __future__ import annotations

import email
import socket
from contextlib import contextmanager
from email.message import Message

from aiosmtpd.controller import Controller
from django.test import override_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What the server received; with `refuse`, it answers every recipient with that reply."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse = refuse
        self.messages: list[Message] = []
        self.attempts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.attempts += 1
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


def smtp_settings(port: int):
    return override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                             EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_USE_TLS=False,
                             EMAIL_USE_SSL=False, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="",
                             EMAIL_TIMEOUT=5, PORTAL_BASE_URL="https://portal.example.gov.cn")


@contextmanager
def smtp_server(refuse: str = ""):
    """An SMTP server for the block, with the portal's e-mail settings pointing at it."""
    mailbox = Mailbox(refuse)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp_settings(port):
            yield mailbox
    finally:
        controller.stop()


def text_and_html(message: Message) -> tuple[str, str]:
    parts = {part.get_content_type(): part.get_payload(decode=True).decode(
        part.get_content_charset() or "utf-8") for part in message.walk()
        if not part.is_multipart()}
    return parts["text/plain"], parts["text/html"]


def subject(message: Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))
