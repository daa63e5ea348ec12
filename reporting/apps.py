from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "信息报送"

    def ready(self) -> None:
        from bases.hooks import register_base_section, register_year_lock
        from reporting.views import base_rounds_section

        # The base page shows the base's rounds and reports; `bases` does not import us.
        register_base_section(base_rounds_section)
        # The ledger's entries of a year lock while the base's report of it is approved.
        register_year_lock(report_approved)


def report_approved(base, year: int) -> bool:
    from reporting.models import Report, Status

    return Report.objects.filter(base=base, year=year, status=Status.APPROVED).exists()
