from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BasesConfig(AppConfig):
    name = "bases"
    verbose_name = "基地与账号"

    def ready(self) -> None:
        from bases import signals  # noqa: F401
        from bases.hooks import register_base_section
        from bases.notices import tasks  # noqa: F401  (registers the Celery tasks)
        from bases.platform_views import platform_section

        register_base_section(platform_section)


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site (bases/admin_site.py)."""

    default = False  # `bases` itself is configured by BasesConfig
    default_site = "bases.admin_site.PortalAdminSite"
