from django.apps import AppConfig


class BasesConfig(AppConfig):
    name = "bases"
    verbose_name = "基地与账号"

    def ready(self) -> None:
        from bases import signals  # noqa: F401
