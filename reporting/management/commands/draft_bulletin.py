"""Write the bulletin draft (通报草稿) as a Word document from the command line.

python manage.py draft_bulletin --year Y [--compare-year Y-1] [--cohort-batch B] [--preview] \
    [--top N] -o FILE.docx
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reporting.bulletin.docx import write_bulletin_docx
from reporting.bulletin.draft import draft_bulletin
from reporting.statistics.annexes import MAX_TOP
from reporting.years import checked_years


class Command(BaseCommand):
    help = "Write the bulletin draft of one year (text, rankings and 附件1–附件6) as .docx."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--compare-year", type=int, default=None,
                            help="comparison year of the cohort figures and 附件2/4/6 "
                                 "(default: the year before)")
        parser.add_argument("--cohort-batch", type=int, default=None,
                            help="narrow the comparison cohort to one batch (the 2017 "
                                 "bulletin uses 1); default: every base reporting both years")
        parser.add_argument("--preview", action="store_true",
                            help="also count submitted, not yet approved reports")
        parser.add_argument("--top", type=int, default=None,
                            help="bases named in every ranked list (default: as printed, "
                                 "6 for building area and 5 elsewhere)")
        parser.add_argument("-o", "--output", required=True, help="the .docx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        year, compare_year = checked_years(options["year"], options["compare_year"])
        top = options["top"]
        if top is not None and not 1 <= top <= MAX_TOP:
            raise CommandError(f"--top must be between 1 and {MAX_TOP}")
        bulletin = draft_bulletin(year=year, compare_year=compare_year,
                                  cohort_batch=options["cohort_batch"],
                                  preview=options["preview"], top=top)
        try:
            write_bulletin_docx(bulletin, options["output"])
        except OSError as exc:
            raise CommandError(f"cannot write {options['output']}: {exc}") from exc
        annexes = bulletin.annexes
        self.stdout.write(f"wrote {options['output']}: {annexes.n} bases in {year}, "
                          f"cohort of {annexes.cohort_size} with {compare_year}"
                          + (" (preview)" if options["preview"] else ""))
