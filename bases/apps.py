from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BasesConfig(AppConfig):
    name = "bases"
    verbose_name = "基地与账号"

    def ready(self) -> None:
        from bases import signals  # noqa: F401
        from bases.notices import tasks  # noqa: F401  (registers the Celery tasks)


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site (bases/admin_site.py)."""

    default = False  # `bases` itself is configured by BasesConfig
    default_site = "bases.admin_site.PortalAdminSite"
