from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from bases.audit import record
from bases.models import LoginSession


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs) -> None:
    if request is not None and request.session.session_key:
        LoginSession.objects.get_or_create(session_key=request.session.session_key,
                                           defaults={"user": user})
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
