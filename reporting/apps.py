from django.apps import AppConfig


def report_approved(base, year: int) -> bool:
    """The year lock of the roster (bases.hooks): the base's report for the year is approved."""
    from reporting.models import Report, Status

    return Report.objects.filter(base=base, year=year, status=Status.APPROVED).exists()


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "信息报送"

    def ready(self) -> None:
        from bases.hooks import register_base_section, register_export_starter, register_year_lock
        from reporting import notices  # noqa: F401  (registers its Celery tasks)
        from reporting.filing.views import base_rounds_section
        from reporting.workbook.views import start_province_export

        # The base page shows the base's rounds and reports; `bases` does not import us.
        register_base_section(base_rounds_section)
        register_year_lock(report_approved)
        # bases' province-wide exports run on our ExportJob (one job mechanism).
        register_export_starter(start_province_export)
        _connect_statistics_cache()


def _connect_statistics_cache() -> None:
    """A saved or deleted base or city changes the statistics' bases token (cohorts by
    batch, city rows, names in the rankings), and so does a round (the coverage notes read
    whether it is open): see reporting/statistics/cache.py."""
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import post_delete, post_save

    from bases.models import Base, City
    from reporting.models import Report, Round
    from reporting.statistics import cache

    for model in (Base, City, Round):
        for signal in (post_save, post_delete):
            signal.connect(cache.bases_changed, sender=model,
                           dispatch_uid=f"statistics-{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(cache.forget, sender=Report, dispatch_uid=f"statistics-report-{signal}")
    request_started.connect(cache.request_started, dispatch_uid="statistics-request-started")
    request_finished.connect(cache.request_finished, dispatch_uid="statistics-request-finished")
