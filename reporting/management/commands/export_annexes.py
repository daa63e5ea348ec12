"""Write the annex workbook from the command line (SPEC section 7).

python manage.py export_annexes --year Y [--compare-year Y-1] [--cohort-batch B] [--preview] \
    -o FILE
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reporting.statistics.annex_workbook import WORKBOOK_TOP, write_annex_workbook
from reporting.statistics.annexes import compute_annexes, compute_rankings
from reporting.statistics.roster import duplicates_note
from reporting.years import checked_years


class Command(BaseCommand):
    help = "Write the annex workbook (附件1–附件6 and 排名) of one year."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--compare-year", type=int, default=None,
                            help="comparison year of 附件2/4/6 (default: the year before)")
        parser.add_argument("--cohort-batch", type=int, default=None,
                            help="narrow the comparison cohort to one batch (the 2017 "
                                 "bulletin uses 1); default: every base reporting both years")
        parser.add_argument("--preview", action="store_true",
                            help="also count submitted, not yet approved reports")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        year, compare_year = checked_years(options["year"], options["compare_year"])
        annexes = compute_annexes(year=year, compare_year=compare_year,
                                  cohort_batch=options["cohort_batch"],
                                  preview=options["preview"])
        rankings = compute_rankings(year=year, top=WORKBOOK_TOP, preview=options["preview"])
        try:
            write_annex_workbook(annexes, rankings, options["output"],
                                 duplicates=duplicates_note(annexes.year))
        except OSError as exc:
            raise CommandError(f"cannot write {options['output']}: {exc}") from exc
        self.stdout.write(f"wrote {options['output']}: {annexes.n} bases in {year}, "
                          f"cohort of {annexes.cohort_size} with {compare_year}"
                          + (" (preview)" if options["preview"] else ""))
