from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from bases.audit import record
from bases.models import LoginSession, User
from bases.roster.generation import roster_changed
from bases.roster.models import Enterprise


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs) -> None:
    if request is not None and request.session.session_key:
        LoginSession.objects.get_or_create(session_key=request.session.session_key,
                                           defaults={"user": user})
    if request is not None:
        from django_otp import devices_for_user

        # Remembered so that the 2FA middleware needs no query on every request.
        request.session["otp_enrolled"] = any(True for _ in devices_for_user(user,
                                                                              confirmed=True))
    record(request, "login", object_repr=f"user:{user.username}", actor=user)


@receiver(user_logged_out)
def forget_session(sender, request, user, **kwargs) -> None:
    if request is not None and request.session.session_key:
        LoginSession.objects.filter(session_key=request.session.session_key).delete()
    if user is not None:
        record(request, "logout", object_repr=f"user:{user.username}", actor=user)


@receiver(user_login_failed)
def note_failure(sender, credentials, request=None, **kwargs) -> None:
    # Only the username: the password is never written anywhere.
    record(request, "login_failed", object_repr=f"user:{credentials.get('username', '')}",
           outcome="failure")


@receiver(user_locked_out)
def note_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    from django.conf import settings
    from django.utils import timezone

    from bases.models import AuditEvent

    # axes signals on the locking failure and again on every attempt while locked.
    subject = f"user:{username or ''}"
    already = AuditEvent.objects.filter(
        event="lockout", object_repr=subject,
        at__gte=timezone.now() - settings.AXES_COOLOFF_TIME).exists()
    record(request, "login_blocked" if already else "lockout", object_repr=subject,
           outcome="locked")


@receiver(post_save, sender=User)
def end_sessions_of_deactivated_user(sender, instance: User, created: bool, **kwargs) -> None:
    if not created and not instance.is_active:
        from bases.services import end_sessions

        end_sessions(instance)


# The 重复入驻 count is cached under the roster's token (bases/roster/generation.py).
post_save.connect(roster_changed, sender=Enterprise, dispatch_uid="roster-generation-save")
post_delete.connect(roster_changed, sender=Enterprise, dispatch_uid="roster-generation-delete")
