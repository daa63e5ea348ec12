from django.apps import AppConfig


def report_approved(base, year: int) -> bool:
    """The year lock of the roster (bases.hooks): the base's report for the year is approved."""
    from reporting.models import Report, Status

    return Report.objects.filter(base=base, year=year, status=Status.APPROVED).exists()


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "信息报送"

    def ready(self) -> None:
        from bases.hooks import register_base_section, register_year_lock
        from reporting import notices  # noqa: F401  (registers its Celery tasks)
        from reporting.filing.views import base_rounds_section

        # The base page shows the base's rounds and reports; `bases` does not import us.
        register_base_section(base_rounds_section)
        register_year_lock(report_approved)
