"""The ledger's pages under /bases/<code>/ledger/.

Who sees the base (its officer, its city's viewer, the province) reads its ledger; only its
officer writes. Everyone else, and a reader at a writing page, gets the audited 404.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from bases.access import get_base, outside_scope
from bases.hooks import year_locked
from bases.ledger import files, services
from bases.ledger.categories import CATEGORIES, label
from bases.ledger.forms import ActivityForm, AttachmentForm, InstitutionForm, LedgerFilterForm
from bases.ledger.models import ActivityAttachment, Institution, LedgerChange, ServiceActivity
from bases.models import Base, Role

#: What the download of an evidence file always says: save it, never show or run it here.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}


def is_writer(request: HttpRequest, base: Base) -> bool:
    return request.user.role == Role.OFFICER and request.user.base_id == base.pk


def writable_base(request: HttpRequest, code: str) -> Base:
    """The base whose ledger the signed-in officer writes (its own); the audited 404 else."""
    base = get_base(request, code)
    if not is_writer(request, base):
        raise outside_scope(request, f"ledger-write:{code}")
    return base


def _activity(request: HttpRequest, base: Base, pk: int) -> ServiceActivity:
    activity = (ServiceActivity.objects.select_related("provider", "base")
                .filter(base=base, pk=pk).first())
    if activity is None:
        raise outside_scope(request, f"activity:{pk}")
    return activity


def _institution(request: HttpRequest, base: Base, pk: int) -> Institution:
    institution = Institution.objects.select_related("base").filter(base=base, pk=pk).first()
    if institution is None:
        raise outside_scope(request, f"institution:{pk}")
    return institution


def _refused(form, exc: services.LedgerRefused) -> None:
    """Put a service's refusal on the form: on its field when the form has it."""
    if exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        form.add_error(None, str(exc))


def _form_page(request: HttpRequest, base: Base, form, *, current: str, heading: str,
               cancel: str) -> HttpResponse:
    # A refused form answers 400: nothing was saved.
    status = 400 if request.method == "POST" else 200
    return render(request, "bases/ledger/entry_form.html", {
        "base": base, "form": form, "current": current, "heading": heading,
        "cancel": cancel}, status=status)


def activity_list(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    filters = LedgerFilterForm(request.GET or None, base=base)
    year, category = filters.values()
    in_year = ServiceActivity.objects.filter(base=base, date__year=year)
    totals = {row["category"]: row for row in in_year.values("category").annotate(
        sessions=Count("id"), served=Sum("enterprises_served"))}
    summary = [{"key": key, "label": text, "sessions": totals.get(key, {}).get("sessions", 0),
                "served": totals.get(key, {}).get("served") or 0} for key, text in CATEGORIES]
    shown = in_year.filter(category=category) if category else in_year
    shown = shown.select_related("provider").annotate(
        attachment_count=Count("attachments")).order_by("-date", "-id")
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    return render(request, "bases/ledger/activity_list.html", {
        "base": base, "filters": filters, "year": year, "page": page, "summary": summary,
        "writer": is_writer(request, base), "locked": year_locked(base, year)})


def activity_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    base = get_base(request, code)
    activity = _activity(request, base, pk)
    return _activity_page(request, base, activity, AttachmentForm())


def _activity_page(request: HttpRequest, base: Base, activity: ServiceActivity,
                   upload_form: AttachmentForm, status: int = 200) -> HttpResponse:
    return render(request, "bases/ledger/activity_detail.html", {
        "base": base, "activity": activity, "category": label(activity.category),
        "attachments": activity.attachments.all(), "upload_form": upload_form,
        "writer": is_writer(request, base),
        "locked": year_locked(base, activity.date.year)}, status=status)


def activity_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    base = writable_base(request, code)
    activity = _activity(request, base, pk) if pk is not None else None
    form = ActivityForm(request.POST or None, base=base, instance=activity)
    if request.method == "POST" and form.is_valid():
        try:
            if activity is None:
                activity = services.create_activity(base=base, actor=request.user,
                                                    data=form.to_input(), request=request)
                messages.success(request, f"已记录服务活动“{activity.title}”。")
            else:
                activity = services.update_activity(activity=activity, actor=request.user,
                                                    data=form.to_input(), request=request)
                messages.success(request, f"已保存服务活动“{activity.title}”。")
        except services.LedgerRefused as exc:
            _refused(form, exc)
        else:
            return redirect("bases:ledger:activity", code=base.code, pk=activity.pk)
    cancel = (activity_url(activity) if activity else _list_url(base))
    return _form_page(request, base, form, current="activities", cancel=cancel,
                      heading=f"修改服务活动：{activity.title}" if activity else "记录服务活动")


def activity_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    base = writable_base(request, code)
    activity = _activity(request, base, pk)
    return _confirm_delete(
        request, base, what=f"服务活动“{activity}”",
        delete=lambda: services.delete_activity(activity=activity, actor=request.user,
                                                request=request),
        cancel=activity_url(activity), done=f"{_list_url(base)}?year={activity.date.year}",
        consequence="活动及其全部证明材料将被删除，删除记录保留在修改记录中。")


def _confirm_delete(request: HttpRequest, base: Base, *, what: str,
                    delete: Callable[[], None], cancel: str, done: str,
                    consequence: str) -> HttpResponse:
    """GET asks for confirmation; POST deletes, or shows the service's refusal (400)."""
    error = None
    if request.method == "POST":
        try:
            delete()
        except services.LedgerRefused as exc:
            error = str(exc)
        else:
            messages.success(request, f"已删除{what}。")
            return redirect(done)
    return render(request, "bases/ledger/confirm_delete.html", {
        "base": base, "what": what, "error": error, "cancel": cancel,
        "consequence": consequence}, status=400 if error else 200)


def attachment_upload(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    base = writable_base(request, code)
    activity = _activity(request, base, pk)
    if request.method != "POST":
        return redirect(activity_url(activity))
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.add_attachment(activity=activity, actor=request.user,
                                                 upload=form.cleaned_data["file"],
                                                 request=request)
        except services.LedgerRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已上传证明材料“{attachment.original_name}”。")
            return redirect(activity_url(activity))
    return _activity_page(request, base, activity, form, status=400)


def _attachment(request: HttpRequest, base: Base, pk: int) -> ActivityAttachment:
    attachment = (ActivityAttachment.objects.select_related("activity__base")
                  .filter(activity__base=base, pk=pk).first())
    if attachment is None:
        raise outside_scope(request, f"attachment:{pk}")
    return attachment


def attachment_download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    base = get_base(request, code)
    attachment = _attachment(request, base, pk)
    try:
        handle = open(files.path_of(attachment.stored_name), "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response


def attachment_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    base = writable_base(request, code)
    attachment = _attachment(request, base, pk)
    back = activity_url(attachment.activity)
    return _confirm_delete(
        request, base, what=f"证明材料“{attachment.original_name}”",
        delete=lambda: services.delete_attachment(attachment=attachment, actor=request.user,
                                                  request=request),
        cancel=back, done=back, consequence="文件将被删除，删除记录保留在修改记录中。")


def institution_list(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    institutions = Institution.objects.filter(base=base).annotate(
        activity_count=Count("activities")).order_by("name", "id")
    return render(request, "bases/ledger/institution_list.html", {
        "base": base, "institutions": institutions, "writer": is_writer(request, base)})


def institution_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    base = writable_base(request, code)
    institution = _institution(request, base, pk) if pk is not None else None
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        try:
            if institution is None:
                institution = services.create_institution(
                    base=base, actor=request.user, data=form.to_input(), request=request)
            else:
                institution = services.update_institution(
                    institution=institution, actor=request.user, data=form.to_input(),
                    request=request)
        except services.LedgerRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已保存第三方服务机构“{institution.name}”。")
            return redirect("bases:ledger:institutions", code=base.code)
    return _form_page(request, base, form, current="institutions",
                      cancel=reverse("bases:ledger:institutions", kwargs={"code": base.code}),
                      heading=f"修改第三方服务机构：{institution.name}" if institution
                      else "添加第三方服务机构")


def institution_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    base = writable_base(request, code)
    institution = _institution(request, base, pk)
    back = reverse("bases:ledger:institutions", kwargs={"code": base.code})
    return _confirm_delete(
        request, base, what=f"第三方服务机构“{institution.name}”",
        delete=lambda: services.delete_institution(institution=institution,
                                                   actor=request.user, request=request),
        cancel=back, done=back, consequence="删除记录保留在修改记录中。")


#: How the history names each field of a snapshot.
FIELD_LABELS = {
    "date": "活动日期", "category": "服务类别", "title": "活动名称", "provider": "服务提供方",
    "enterprises_served": "服务企业家次", "note": "备注", "external_id": "外部编号",
    "attachments": "证明材料", "name": "机构名称", "credit_code": "统一社会信用代码",
    "categories": "服务类别", "since": "合作起始日期", "until": "合作终止日期",
    "original_name": "文件名", "content_type": "文件类型", "size": "大小（字节）",
    "activity": "服务活动",
}


def _shown(key: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key == "category":
        return label(str(value))
    if key == "categories":
        return "、".join(label(item) for item in value)
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


def change_rows(change: LedgerChange) -> list[dict[str, str]]:
    """The fields a change touched, each with its value before and after."""
    before, after = change.before or {}, change.after or {}
    rows = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if change.action == LedgerChange.Action.UPDATE and old == new:
            continue
        rows.append({"label": FIELD_LABELS.get(key, key), "before": _shown(key, old),
                     "after": _shown(key, new)})
    return rows


def history(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    page = Paginator(LedgerChange.objects.filter(base=base), 50).get_page(
        request.GET.get("page"))
    for change in page:
        change.rows = change_rows(change)
    return render(request, "bases/ledger/history.html", {"base": base, "page": page})


def _list_url(base: Base) -> str:
    return reverse("bases:ledger:activities", kwargs={"code": base.code})


def activity_url(activity: ServiceActivity) -> str:
    return reverse("bases:ledger:activity", kwargs={"code": activity.base.code,
                                                    "pk": activity.pk})
