"""Writes to the roster (views, and later the API and workbook import, call these) and its
selectors. Every refusal is a ValidationError whose message names the field, and is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from bases.access import writes_records
from bases.audit import record
from bases.credit_code import validate_credit_code
from bases.hooks import year_locked
from bases.models import Base, User
from bases.roster.figures import FIGURES
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange

#: The warning shown to a base adding an enterprise resident in another base at the same time.
ELSEWHERE = "已在其他基地登记"
#: The refusal of a write by anyone but the base's own officer or platform account.
NOT_WRITER = "只有本基地的信息管理员（或本基地的服务平台）可以修改名册"


@dataclass(frozen=True)
class EnterpriseFields:
    """What a base records about an enterprise (the forms' and the API's shape)."""

    name: str
    credit_code: str
    moved_in: dt.date
    moved_out: dt.date | None = None
    small_micro: bool = False
    high_tech: bool = False
    high_tech_cert: str = ""
    high_tech_valid_until: dt.date | None = None
    industry: str = ""
    contact: str = ""

    @classmethod
    def of(cls, enterprise: Enterprise) -> EnterpriseFields:
        return cls(**{name: getattr(enterprise, name) for name in cls.__dataclass_fields__})


def _snapshot(obj: Enterprise | EnterpriseYear, names) -> dict[str, object]:
    """JSON-able values (dates and Decimals as text: exact, readable in the history)."""
    out: dict[str, object] = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = str(value) if isinstance(value, dt.date | Decimal) else value
    return out


def _refuse(request: HttpRequest | None, actor: User, what: str,
            error: ValidationError) -> ValidationError:
    record(request, "roster_refused", object_repr=what, outcome="denied",
           detail="；".join(error.messages)[:2000], actor=actor)
    return error


def check_writer(actor: User, base: Base) -> None:
    """Defence in depth: the pages and the API answer outsiders 404 and readers 403 before
    they call a service; a caller that forgot (a command, a new page) is refused here."""
    if not writes_records(actor, base):
        raise ValidationError(NOT_WRITER, code="not_writer")


def _year_span_problem(enterprise_in: dt.date, last_year: int | None, year: int) -> str | None:
    if year < enterprise_in.year:
        return f"{year}年度早于入驻年份（{enterprise_in.year}年），不能填报"
    if last_year is not None and year > last_year:
        return f"{year}年度晚于迁出年份（{last_year}年），不能填报"
    return None


def _check_enterprise(base: Base, fields: EnterpriseFields,
                      instance: Enterprise | None) -> EnterpriseFields:
    """The normalised fields, or a ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    name = fields.name.strip()
    if not name:
        errors["name"] = "企业名称不能为空"
    code = fields.credit_code
    try:
        code = validate_credit_code(fields.credit_code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages[0]
    else:
        same = Enterprise.objects.filter(base=base, credit_code=code)
        if instance is not None:
            same = same.exclude(pk=instance.pk)
        other = same.first()
        if other is not None:
            errors["credit_code"] = f"本基地已登记统一社会信用代码为 {code} 的企业（{other.name}）"
    if fields.moved_out is not None and fields.moved_out < fields.moved_in:
        errors["moved_out"] = f"迁出日期（{fields.moved_out}）不能早于入驻日期（{fields.moved_in}）"
    cert = fields.high_tech_cert.strip()
    if fields.high_tech and not cert:
        errors["high_tech_cert"] = "高新技术企业须填写证书编号"
    if fields.high_tech and fields.high_tech_valid_until is None:
        errors["high_tech_valid_until"] = "高新技术企业须填写证书有效期"
    industry = fields.industry.strip().upper()
    if industry and industry not in dict(Enterprise._meta.get_field("industry").choices):
        errors["industry"] = f"所属行业应为国民经济行业门类字母 A–T，当前为“{industry}”"
    if instance is not None and "moved_out" not in errors:
        # Figures already kept must stay inside the residence.
        probe = Enterprise(moved_in=fields.moved_in, moved_out=fields.moved_out)
        for year in instance.years.values_list("year", flat=True):
            if year < fields.moved_in.year:
                errors["moved_in"] = f"已有{year}年度数据，入驻日期不能晚于{year}年"
            elif probe.last_year is not None and year > probe.last_year:
                errors["moved_out"] = f"已有{year}年度数据，迁出日期不能早于{year}年1月2日"
    if errors:
        raise ValidationError(errors)
    if not fields.high_tech:
        cert = ""
    return replace(fields, name=name, credit_code=code, high_tech_cert=cert, industry=industry,
                   high_tech_valid_until=fields.high_tech_valid_until if fields.high_tech
                   else None, contact=fields.contact.strip())


def _resident_between(start: dt.date, end: dt.date) -> Q:
    """Resident on some day of [start, end]: moved in by `end`, not moved out by `start`
    (the day of moving out is not a resident day)."""
    return Q(moved_in__lte=end) & (Q(moved_out__isnull=True) | Q(moved_out__gt=start))


def resident_elsewhere(*, base: Base, credit_code: str, moved_in: dt.date,
                       moved_out: dt.date | None) -> QuerySet[Enterprise]:
    """The same enterprise resident in other bases during an overlapping period."""
    overlap = Q(moved_out__isnull=True) | Q(moved_out__gt=moved_in)
    if moved_out is not None:
        overlap &= Q(moved_in__lt=moved_out)
    return (Enterprise.objects.filter(overlap, credit_code=credit_code)
            .exclude(base=base).select_related("base"))


def _save_enterprise(*, enterprise: Enterprise, fields: EnterpriseFields, actor: User,
                     action: str, request: HttpRequest | None) -> list[str]:
    before = None if enterprise.pk is None else _snapshot(enterprise,
                                                          EnterpriseFields.__dataclass_fields__)
    for name, value in asdict(fields).items():
        setattr(enterprise, name, value)
    if enterprise.pk is None:
        enterprise.created_by = actor
    enterprise.updated_by = actor
    enterprise.save()
    after = _snapshot(enterprise, EnterpriseFields.__dataclass_fields__)
    RosterChange.objects.create(base=enterprise.base, enterprise=enterprise, action=action,
                                by=actor, before=before, after=after)
    record(request, f"roster_{action}", object_repr=f"enterprise:{enterprise.pk}",
           detail=f"{enterprise.base.code} {enterprise.credit_code}", actor=actor)
    if resident_elsewhere(base=enterprise.base, credit_code=enterprise.credit_code,
                          moved_in=enterprise.moved_in, moved_out=enterprise.moved_out).exists():
        return [ELSEWHERE]
    return []


def create_enterprise(*, base: Base, fields: EnterpriseFields, actor: User,
                      request: HttpRequest | None = None) -> tuple[Enterprise, list[str]]:
    """Register an enterprise in the base's roster; returns it and any warnings."""
    try:
        check_writer(actor, base)
        fields = _check_enterprise(base, fields, None)
    except ValidationError as exc:
        raise _refuse(request, actor, f"base:{base.code}", exc) from None
    try:
        with transaction.atomic():
            enterprise = Enterprise(base=base)
            warnings = _save_enterprise(enterprise=enterprise, fields=fields, actor=actor,
                                        action=RosterChange.Action.CREATE, request=request)
    except IntegrityError:
        # The same code registered by a concurrent request after our check.
        taken = f"本基地已登记统一社会信用代码为 {fields.credit_code} 的企业"
        raise _refuse(request, actor, f"base:{base.code}",
                      ValidationError({"credit_code": taken})) from None
    return enterprise, warnings


def update_enterprise(*, enterprise: Enterprise, fields: EnterpriseFields, actor: User,
                      request: HttpRequest | None = None,
                      action: str = RosterChange.Action.UPDATE) -> list[str]:
    """Change an enterprise's record; returns warnings."""
    try:
        check_writer(actor, enterprise.base)
        fields = _check_enterprise(enterprise.base, fields, enterprise)
    except ValidationError as exc:
        raise _refuse(request, actor, f"enterprise:{enterprise.pk}", exc) from None
    with transaction.atomic():
        return _save_enterprise(enterprise=enterprise, fields=fields, actor=actor,
                                action=action, request=request)


def move_out(*, enterprise: Enterprise, moved_out: dt.date, actor: User,
             request: HttpRequest | None = None) -> None:
    """Record that the enterprise left the base on `moved_out`."""
    update_enterprise(enterprise=enterprise,
                      fields=replace(EnterpriseFields.of(enterprise), moved_out=moved_out),
                      actor=actor, request=request, action=RosterChange.Action.MOVE_OUT)


def _check_figures(values: dict[str, object]) -> dict[str, int | Decimal]:
    errors: dict[str, str] = {}
    clean: dict[str, int | Decimal] = {}
    for figure in FIGURES:
        raw = values.get(figure.code)
        if raw is None or raw == "":
            errors[figure.code] = f"{figure.label}不能为空"
            continue
        try:
            number = Decimal(str(raw).strip())
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[figure.code] = f"{figure.label}应为数字，当前为“{raw}”"
            continue
        if figure.kind == "int" and number != number.to_integral_value():
            errors[figure.code] = f"{figure.label}应为整数"
            continue
        if -number.as_tuple().exponent > figure.decimals and figure.kind == "decimal":
            errors[figure.code] = f"{figure.label}最多保留{figure.decimals}位小数"
            continue
        if figure.minimum is not None and number < figure.minimum:
            errors[figure.code] = f"{figure.label}不能小于{figure.minimum}"
            continue
        clean[figure.code] = int(number) if figure.kind == "int" else number.quantize(
            Decimal(1).scaleb(-figure.decimals))
    if errors:
        raise ValidationError(errors)
    return clean


def set_year_figures(*, enterprise: Enterprise, year: int, values: dict[str, object],
                     actor: User, request: HttpRequest | None = None) -> EnterpriseYear:
    """Set (create or replace) the enterprise's figures for `year` (codes: FIGURES)."""
    try:
        check_writer(actor, enterprise.base)
        problem = _year_span_problem(enterprise.moved_in, enterprise.last_year, year)
        if year > dt.date.today().year:
            problem = f"{year}年度尚未到来，不能填报"
        if problem:
            raise ValidationError({"year": problem})
        if year_locked(enterprise.base, year):
            raise ValidationError({"year": f"{year}年度报表已审核，该年度名册数据已锁定，不能修改"},
                                  code="locked")
        clean = _check_figures(values)
    except ValidationError as exc:
        raise _refuse(request, actor, f"enterprise:{enterprise.pk}", exc) from None
    codes = [figure.code for figure in FIGURES]
    with transaction.atomic():
        # One writer per enterprise at a time: the first save of a year cannot be doubled.
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        row = EnterpriseYear.objects.filter(enterprise=enterprise, year=year).first()
        before = None if row is None else _snapshot(row, codes)
        if row is None:
            row = EnterpriseYear(enterprise=enterprise, year=year)
        for code, value in clean.items():
            setattr(row, code, value)
        row.updated_by = actor
        row.save()
        RosterChange.objects.create(base=enterprise.base, enterprise=enterprise, year=year,
                                    action=RosterChange.Action.FIGURES, by=actor,
                                    before=before, after=_snapshot(row, codes))
        record(request, "roster_figures", object_repr=f"enterprise:{enterprise.pk}",
               detail=f"{enterprise.base.code} {enterprise.credit_code} {year}", actor=actor)
    return row


# Selectors ---------------------------------------------------------------------------------

def resident_in_year(year: int) -> Q:
    return _resident_between(dt.date(year, 1, 1), dt.date(year, 12, 31))


@dataclass(frozen=True)
class Duplicate:
    """One enterprise (credit code) resident in two or more bases on a common day of a year."""

    credit_code: str
    entries: list[Enterprise]


def _overlap(a: Enterprise, b: Enterprise, year: int) -> bool:
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)

    def span(e: Enterprise) -> tuple[dt.date, dt.date]:  # [first day, day after last) in Y
        return max(e.moved_in, start), min(e.moved_out or end, end)

    (a0, a1), (b0, b1) = span(a), span(b)
    return a0 < b1 and b0 < a1


def duplicates_for_year(year: int, *, base: Base | None = None) -> list[Duplicate]:
    """The credit codes resident in two bases on a common day of `year`, in one query.

    With `base`: only the duplicates that concern that base."""
    in_year = Enterprise.objects.filter(resident_in_year(year))
    # A code is unique per base, so its rows are its bases: a plain count, which PostgreSQL
    # can hash, where COUNT(DISTINCT) sorts all 240,000 enterprises of the province.
    shared = in_year.values("credit_code").annotate(
        bases=Count("id")).filter(bases__gt=1).order_by()
    if base is not None:
        shared = shared.filter(credit_code__in=in_year.filter(base=base).values("credit_code"))
    rows = (in_year.filter(credit_code__in=shared.values("credit_code"))
            .select_related("base__city")
            .order_by("credit_code", "base__city__sort_order", "base__code"))
    by_code: dict[str, list[Enterprise]] = {}
    for row in rows:
        by_code.setdefault(row.credit_code, []).append(row)
    duplicates = []
    for code, entries in by_code.items():
        # Resident in the same year is not enough: the stays must share a day.
        kept = [e for e in entries if any(_overlap(e, o, year) for o in entries if o is not e)]
        if base is not None and not any(e.base_id == base.pk for e in kept):
            continue
        if kept:
            duplicates.append(Duplicate(code, kept))
    return duplicates
