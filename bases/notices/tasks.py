"""Celery tasks that deliver a saved notice by e-mail or SMS.

Both retry with growing delays (30 s, 1 min, 2 min, … at most an hour, with jitter) when
the server refuses or cannot be reached; each failure is logged. Without a broker (the
embedded default) they run in the caller's process, retried at once as often, and a last
failure is logged by bases.notices.services._run_here instead of reaching the page.
"""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from bases.notices.models import Notice
from bases.notices.services import RETRIES
from bases.notices.sms import SmsError, get_backend

logger = logging.getLogger("bases.notices")

RETRY = {"autoretry_for": (smtplib.SMTPException, OSError, SmsError), "retry_backoff": 30,
         "retry_backoff_max": 3600, "retry_jitter": True, "max_retries": RETRIES}


def absolute(link: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{link}" if link else settings.PORTAL_BASE_URL + "/"


def render_email(notice: Notice) -> EmailMultiAlternatives:
    """The notice's e-mail: subject, plain text and HTML from templates/notices/email/."""
    context = {"notice": notice, "user": notice.recipient, "url": absolute(notice.link),
               "portal_url": settings.PORTAL_BASE_URL + "/",
               "notices_url": absolute("/notices/")}
    subject = " ".join(render_to_string("notices/email/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("notices/email/body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notice.recipient.email])
    message.attach_alternative(render_to_string("notices/email/body.html", context), "text/html")
    return message


@shared_task(bind=True, name="bases.notices.send_notice_email", **RETRY)
def send_notice_email(self, notice_id: int) -> bool:
    notice = Notice.objects.select_related("recipient").filter(pk=notice_id).first()
    if notice is None or not notice.recipient.email:
        return False
    try:
        render_email(notice).send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("邮件发送失败（已重试%s次），通知 %s 收件人 %s：%r",
                       self.request.retries, notice_id, notice.recipient.email, exc)
        raise
    logger.info("邮件已发送：通知 %s 收件人 %s", notice_id, notice.recipient.email)
    return True


@shared_task(bind=True, name="bases.notices.send_notice_sms", **RETRY)
def send_notice_sms(self, notice_id: int) -> bool:
    notice = Notice.objects.select_related("recipient").filter(pk=notice_id).first()
    if notice is None or not notice.recipient.mobile:
        return False
    text = render_to_string("notices/sms.txt", {"notice": notice,
                                                 "url": absolute(notice.link)}).strip()
    try:
        get_backend().send(phone=notice.recipient.mobile, text=text)
    except (SmsError, OSError) as exc:
        logger.warning("短信发送失败（已重试%s次），通知 %s：%r",
                       self.request.retries, notice_id, exc)
        raise
    return True
