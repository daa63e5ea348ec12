from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "信息报送"

    def ready(self) -> None:
        from bases.hooks import register_base_section
        from reporting.views import base_rounds_section

        # The base page shows the base's rounds and reports; `bases` does not import us.
        register_base_section(base_rounds_section)
