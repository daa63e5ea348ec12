"""The bulletin draft (通报草稿): a print-friendly page and a Word download.

Province admins only (anyone else gets the 404 of `require_role`): the draft is the
province's text. Same selection and query string as the statistics page (year, comparison
year, cohort batch, preview); an invalid selection answers the statistics page with its
errors (400). Both outputs are exports and are audited as `export_bulletin`.
"""

from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bases.access import require_role
from bases.audit import record
from bases.models import Role
from reporting.bulletin.docx import DOCX, write_bulletin_docx
from reporting.bulletin.draft import Bulletin, draft_bulletin
from reporting.statistics.forms import AnnexForm, form_data
from reporting.statistics.views import render_index


def _audit(request: HttpRequest, bulletin: Bulletin, filename: str) -> None:
    annexes = bulletin.annexes
    batch = annexes.cohort_batch or "all"
    record(request, "export_bulletin",
           object_repr=f"{filename} compare={annexes.compare_year} batch={batch}")


def _draft(request: HttpRequest) -> tuple[AnnexForm, Bulletin | None]:
    require_role(request, Role.PROVINCE)
    form = AnnexForm(form_data(request), user=request.user)
    if not form.is_valid():
        return form, None
    return form, draft_bulletin(**form.annex_arguments())


def bulletin_page(request: HttpRequest) -> HttpResponse:
    form, bulletin = _draft(request)
    if bulletin is None:
        return render_index(request, form, status=400)
    _audit(request, bulletin, f"{bulletin.filename_stem}.html")
    return render(request, "reporting/bulletin.html",
                  {"bulletin": bulletin, "query": form.query()})


def bulletin_docx(request: HttpRequest) -> HttpResponse:
    form, bulletin = _draft(request)
    if bulletin is None:
        return render_index(request, form, status=400)
    buffer = io.BytesIO()
    write_bulletin_docx(bulletin, buffer)
    filename = f"{bulletin.filename_stem}.docx"
    _audit(request, bulletin, filename)
    response = HttpResponse(buffer.getvalue(), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
