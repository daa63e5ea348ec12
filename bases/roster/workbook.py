"""The roster workbook (SPEC section 10): one enterprise per row with one year's figures.

Row 1: Chinese headers with units; row 2: the codes (name, credit_code, ..., employees, ...).
Either row alone is enough to import; data start below them. The credit code is the natural
key: a row whose code is already in the base's roster updates that enterprise, so a resend
or a corrected file updates instead of duplicating. Figure cells left all empty leave the
enterprise's figures for the year as they are; filled, they must be complete.

The import reads through portal.sheets (the upload guard first), checks every row with the
rules of bases.roster.services, names each problem by sheet, row and column (a bad credit
code says which rule failed), and writes everything or nothing with bulk operations, each
change kept in the roster's history (RosterChange, before and after).

Contacts are personal data: written only into the exports for the base itself and for the
province (`with_contact`), never for a city.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring as _text
from math import copysign
from operator import attrgetter, itemgetter
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import FilteredRelation, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from bases.access import writes_records
from bases.audit import record
from bases.credit_code import credit_code_problem, is_valid, normalize
from bases.hooks import year_locked
from bases.models import Base, Role, User
from bases.roster.figures import FIGURE_CODES, FIGURES, INDUSTRIES, MAX_DIGITS, Figure
from bases.roster.generation import roster_changed
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange, last_resident_year
from bases.roster.services import ELSEWHERE, NOT_WRITER, EnterpriseFields, resident_in_year
from portal.bulk import JSONText, copy_rows, copy_update_rows
from portal.sheets import (
    CONTROL,
    CellError,
    CellProblem,
    ErrorList,
    bool_value,
    clean_text,
    date_value,
    is_empty,
    number_value,
    read_sheets,
    text_value,
)
from portal.spreadsheet import number_cell, text_cell
from portal.uploads import Source, UploadRefused

SHEET = "入驻企业名册"
ENTERPRISE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "企业名称"), ("credit_code", "统一社会信用代码"), ("moved_in", "入驻日期"),
    ("moved_out", "迁出日期"), ("small_micro", "小微企业（是/否）"),
    ("high_tech", "高新技术企业（是/否）"), ("high_tech_cert", "高新技术企业证书编号"),
    ("high_tech_valid_until", "证书有效期至"), ("industry", "所属行业（门类字母）"),
)
CONTACT_COLUMN = ("contact", "联系人及电话")
FIGURE_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (figure.code, figure.label_with_unit) for figure in FIGURES)
BASE_COLUMNS: tuple[tuple[str, str], ...] = (("base_code", "基地编码"), ("base_name", "基地名称"))
ALL_COLUMNS = BASE_COLUMNS + ENTERPRISE_COLUMNS + (CONTACT_COLUMN,) + FIGURE_COLUMNS
LABEL = dict(ALL_COLUMNS)
REQUIRED = ("name", "credit_code", "moved_in")
CONCURRENT = "导入期间名册被同时修改，未导入任何数据，请重新上传"
#: Header rows (labels, codes) on top of the enterprises.
HEADER_ROWS = 2
BATCH = 1000
_HEADERS = {**{key: key for key in LABEL}, **{text: key for key, text in LABEL.items()},
            **{figure.label: figure.code for figure in FIGURES}}
_INDUSTRY = dict(INDUSTRIES)
_BY_CODE = {figure.code: figure for figure in FIGURES}
_TEXT_LIMITS = {"name": 200, "high_tech_cert": 50, "contact": 100}
_ENTERPRISE_FIELDS = tuple(EnterpriseFields.__dataclass_fields__)


def max_rows() -> int:
    """Rows the upload guard lets through: the configured data rows plus the headers."""
    return settings.UPLOAD_MAX_ROWS + HEADER_ROWS


def sees_contacts(user: User) -> bool:
    return user.role in (Role.OFFICER, Role.PROVINCE)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    figures: int = 0
    unchanged: int = 0
    #: Enterprises of the file resident in another base at the same time.
    elsewhere: int = 0
    errors: ErrorList = field(default_factory=ErrorList)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> list[str]:
        if not self.elsewhere:
            return []
        return [f"{self.elsewhere}家企业{ELSEWHERE}（同一统一社会信用代码在其他基地同期在驻）"]


@dataclass
class _Row:
    row: int
    fields: EnterpriseFields
    figures: dict[str, int | Decimal] | None
    letters: dict[str, str]
    sheet: str = SHEET


# --- export --------------------------------------------------------------------------------


def write_roster(target: str | IO[bytes], *, enterprises: QuerySet[Enterprise], year: int,
                 with_base: bool = False, with_contact: bool = False) -> int:
    """Stream the enterprises resident in `year` with their figures of `year` to an .xlsx in
    the import's layout (one query, streamed); returns the row count."""
    columns = ((BASE_COLUMNS if with_base else ()) + ENTERPRISE_COLUMNS
               + ((CONTACT_COLUMN,) if with_contact else ()) + FIGURE_COLUMNS)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.append([text_cell(sheet, text) for _key, text in columns])
    sheet.append([text_cell(sheet, key) for key, _text in columns])
    names = ["base__code", "base__name", *(key for key, _ in ENTERPRISE_COLUMNS)]
    if with_contact:
        names.append("contact")
    names += [f"figures__{code}" for code in FIGURE_CODES]
    rows = (enterprises.filter(resident_in_year(year))
            .annotate(figures=FilteredRelation("years", condition=Q(years__year=year)))
            .order_by("base__code", "name", "id").values_list(*names)
            .iterator(chunk_size=2000))
    skip = 0 if with_base else 2
    writers = [_writer(sheet, name) for name in names[skip:]]
    count = 0
    for values in rows:
        sheet.append([write(value) for write, value in zip(writers, values[skip:],
                                                            strict=True)])
        count += 1
    workbook.save(target)
    return count


def write_province_roster(target: str | IO[bytes], *, year: int) -> int:
    """Every base's roster of `year`, contacts included (the province's background job)."""
    return write_roster(target, enterprises=Enterprise.objects.all(), year=year,
                        with_base=True, with_contact=True)


def _writer(sheet: Any, name: str):
    if name.startswith("figures__"):
        return lambda value: number_cell(sheet, value)
    if name in ("small_micro", "high_tech"):
        return lambda value: text_cell(sheet, "是" if value else "否")
    if name in ("moved_in", "moved_out", "high_tech_valid_until"):
        return lambda value: text_cell(sheet, value.isoformat() if value else "")
    return lambda value: text_cell(sheet, value)


# --- reading -------------------------------------------------------------------------------


def _header(name: str, rows: list[list], errors: ErrorList) -> tuple[dict[int, str], int]:
    """(column index -> key, number of header rows) from row 1, and row 2 when it holds
    the codes."""
    first = rows[0]
    keys: dict[int, str] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(first):
        if is_empty(raw):
            continue
        letter = get_column_letter(index + 1)
        text = clean_text(raw) if isinstance(raw, str | int | float) else ""
        key = _HEADERS.get(text)
        if key is None:
            errors.append(CellError(name, 1, letter, text[:40], "未知的列标题"))
        elif key in seen:
            errors.append(CellError(name, 1, letter, LABEL[key],
                                    f"列标题重复（与 {seen[key]} 列相同）"))
        else:
            keys[index] = key
            seen[key] = letter
    for key in REQUIRED:
        if key not in seen:
            errors.append(CellError(name, 1, None, LABEL[key], "缺少这一列"))
    second = rows[1] if len(rows) > 1 else []
    codes_row = bool(keys) and all(
        index < len(second) and clean_text(second[index]) == key for index, key in keys.items())
    return keys, 2 if codes_row else 1


_INT_LIMIT = 10 ** MAX_DIGITS


def _figure(figure: Figure, raw: object) -> int | Decimal:
    if type(raw) is float and figure.kind == "int" and raw.is_integer() \
            and 0 <= raw < _INT_LIMIT:
        return int(raw)  # the common cell, without a Decimal (20,000 rows x 10 figures)
    number = number_value(raw, max_digits=MAX_DIGITS - figure.decimals)
    if figure.kind == "int" and number != number.to_integral_value():
        raise CellProblem("应为整数")
    if figure.kind == "decimal" and -number.normalize().as_tuple().exponent > figure.decimals:
        raise CellProblem(f"最多保留{figure.decimals}位小数")
    if figure.minimum is not None and number < figure.minimum:
        raise CellProblem(f"不能小于{figure.minimum}")
    if figure.kind == "int":
        return int(number)
    return number.quantize(_QUANTUM[figure.decimals])


_QUANTUM = {decimals: Decimal(1).scaleb(-decimals) for decimals in range(6)}


@dataclass
class _Context:
    year: int
    seen_codes: dict[str, int]


def _parse_row(values: dict[str, Any], number: int, context: _Context,
               ) -> tuple[EnterpriseFields | None, dict | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    texts: dict[str, str] = {}
    for key in ("name", "credit_code", "high_tech_cert", "industry", "contact", "base_code"):
        if key in values:
            try:
                texts[key] = text_value(values[key])
            except CellProblem as exc:
                problems.append((key, str(exc)))
    for key, limit in _TEXT_LIMITS.items():
        if len(texts.get(key, "")) > limit:
            problems.append((key, f"不能超过{limit}个字符（当前{len(texts[key])}个）"))
    if "name" in values and not texts.get("name", "x"):
        problems.append(("name", "企业名称不能为空"))
    code = normalize(texts.get("credit_code", ""))
    if "credit_code" in texts:
        problem = credit_code_problem(code) if code else "统一社会信用代码不能为空"
        if problem:
            problems.append(("credit_code", problem))
        elif code in context.seen_codes:
            problems.append(("credit_code", f"与第{context.seen_codes[code]}行的统一社会信用代码"
                                            "重复（同一基地每家企业只能登记一次）"))
        else:
            context.seen_codes[code] = number
    dates: dict[str, dt.date | None] = {}
    for key in ("moved_in", "moved_out", "high_tech_valid_until"):
        raw = values.get(key)
        if is_empty(raw):
            dates[key] = None
            if key == "moved_in":
                problems.append((key, "必填"))
            continue
        dates[key] = date_value(raw)
        if dates[key] is None:
            problems.append((key, "应为日期，如 2018-05-10"))
    moved_in, moved_out = dates["moved_in"], dates["moved_out"]
    if moved_in and moved_out and moved_out < moved_in:
        problems.append(("moved_out", f"迁出日期（{moved_out}）不能早于入驻日期（{moved_in}）"))
    flags: dict[str, bool] = {}
    for key in ("small_micro", "high_tech"):
        raw = values.get(key)
        flag = False if is_empty(raw) else bool_value(raw)
        if flag is None:
            problems.append((key, "应填“是”或“否”"))
        flags[key] = bool(flag)
    if flags["high_tech"]:
        if not texts.get("high_tech_cert"):
            problems.append(("high_tech_cert", "高新技术企业须填写证书编号"))
        if dates["high_tech_valid_until"] is None and "high_tech_valid_until" not in {
                key for key, _ in problems}:
            problems.append(("high_tech_valid_until", "高新技术企业须填写证书有效期"))
    industry = texts.get("industry", "").upper()
    if industry and industry not in _INDUSTRY:
        problems.append(("industry",
                         f"所属行业应为国民经济行业门类字母 A–T，当前为“{industry[:10]}”"))
    figures = _parse_figures(values, problems)
    if figures is not None and moved_in is not None:
        last_year = last_resident_year(moved_in, moved_out)
        if context.year < moved_in.year:
            problems.append(("moved_in", f"{context.year}年度早于入驻年份（{moved_in.year}年），"
                                         "不能填报该年度数据"))
        elif last_year is not None and context.year > last_year:
            problems.append(("moved_out", f"{context.year}年度晚于迁出年份（{last_year}年），"
                                          "不能填报该年度数据"))
    if problems or moved_in is None:
        return None, None, problems
    high_tech = flags["high_tech"]
    fields = EnterpriseFields(
        name=texts.get("name", ""), credit_code=code, moved_in=moved_in, moved_out=moved_out,
        small_micro=flags["small_micro"], high_tech=high_tech,
        high_tech_cert=texts.get("high_tech_cert", "") if high_tech else "",
        high_tech_valid_until=dates["high_tech_valid_until"] if high_tech else None,
        industry=industry, contact=texts.get("contact", ""))
    return fields, figures, []


def _parse_figures(values: dict[str, Any], problems: list[tuple[str, str]],
                   ) -> dict[str, int | Decimal] | None:
    present = [code for code in FIGURE_CODES if not is_empty(values.get(code))]
    if not present:
        return None
    figures: dict[str, int | Decimal] = {}
    for code in FIGURE_CODES:
        figure = _BY_CODE[code]
        if code not in present:
            problems.append((code, f"{figure.label}必填（年度数据须填写完整）"))
            continue
        try:
            figures[code] = _figure(figure, values[code])
        except CellProblem as exc:
            problems.append((code, f"{figure.label}{exc}"))
    return figures


# The common row, valid, read without the general path's per-cell calls: 20,000 rows of 19
# cells are most of an import's reading time. A row it is not sure of (any problem, any
# unusual cell) returns None and goes through _parse_row, so every message stays that
# path's; a file without every enterprise column (or with only some figure columns) goes
# there whole.

_FLAGS = {"": False, "是": True, "否": False, True: True, False: False}
_INDUSTRY_CELLS = {"": "", **{letter: letter for letter in _INDUSTRY},
                   **{letter.lower(): letter for letter in _INDUSTRY}}
_UNSURE = object()


def _quick_reader(keys: dict[int, str], context: _Context, base_code: str):
    """A function reading one row into (fields, figures), or None when it is not sure."""
    where = {key: index for index, key in keys.items()}
    if any(key not in where for key, _label in ENTERPRISE_COLUMNS):
        return None
    figure_columns = [where.get(code) for code in FIGURE_CODES]
    with_figures = all(index is not None for index in figure_columns)
    if not with_figures and any(index is not None for index in figure_columns):
        return None
    width = max(where.values()) + 1
    i_name, i_code, i_in, i_out, i_small, i_high, i_cert, i_until, i_industry = (
        where[key] for key, _label in ENTERPRISE_COLUMNS)
    i_contact, i_base = where.get("contact"), where.get("base_code")
    year = context.year
    seen = context.seen_codes
    decimals = [(index, figure.decimals, figure.minimum, 10 ** figure.decimals,
                 _QUANTUM[figure.decimals])
                for index, figure in zip(figure_columns, FIGURES, strict=True)
                if figure.kind == "decimal"]
    counts = [(figure.code, index) for index, figure in zip(figure_columns, FIGURES,
                                                             strict=True)
              if figure.kind == "int"]
    first_figure = figure_columns[0]
    dates: dict[object, object] = {"": None, None: None}

    def date(raw: object) -> object:
        # date_value depends on the text alone: the 20,000 cells hold few distinct dates.
        found = dates.get(raw, _UNSURE) if type(raw) is str else _UNSURE
        if found is _UNSURE:
            if type(raw) is str:
                found = dates[raw] = None if not raw.strip() else (date_value(raw) or _UNSURE)
            elif type(raw) is dt.datetime:
                found = raw.date()
            elif type(raw) is dt.date:
                found = raw
        return found

    def figures_of(row: list) -> dict[str, int | Decimal] | None | object:
        if row[first_figure] == "":
            # No figure at all is fine: the general path says what a partial row misses.
            return None if all(row[index] == "" for index in figure_columns) else _UNSURE
        figures: dict[str, int | Decimal] = {}
        for code, index in counts:
            raw = row[index]
            if type(raw) is not float or not (raw.is_integer() and 0 <= raw < _INT_LIMIT):
                return _UNSURE
            figures[code] = int(raw)
        for (index, places, minimum, scale, quantum), code in zip(decimals, _DECIMAL_CODES,
                                                         strict=True):
            raw = row[index]
            if (type(raw) is not float or not -1e13 < raw < 1e13
                    or (minimum is not None and raw < minimum)):
                return _UNSURE
            # A float that is the nearest double to k/10^places: number_value reads it (to
            # 15 significant digits, |k| < 10^15) as exactly k/10^places, which quantize()
            # keeps. Otherwise (a sum such as 30.01+5, -0.0) as number_value reads it.
            units = round(raw * scale)
            if units / scale == raw and (units or copysign(1.0, raw) > 0):
                figures[code] = Decimal(units).scaleb(-places)
                continue
            text = f"{raw:.15g}"
            point = text.find(".")
            if "e" in text or (point >= 0 and len(text) - point - 1 > places):
                return _UNSURE
            figures[code] = Decimal(text).quantize(quantum)
        return {code: figures[code] for code in FIGURE_CODES}

    def read(row: list) -> tuple[EnterpriseFields, dict | None] | None:
        if len(row) < width:
            return None
        name, code, cert = row[i_name], row[i_code], row[i_cert]
        contact = "" if i_contact is None else row[i_contact]
        base = "" if i_base is None else row[i_base]
        if (type(name) is not str or type(code) is not str or type(cert) is not str
                or type(contact) is not str or type(base) is not str):
            return None
        # On the cells as they are: strip() would take away some control characters.
        if CONTROL.search(name + code + cert + contact + base):
            return None
        name, cert, contact = name.strip(), cert.strip(), contact.strip()
        if (not name or len(name) > 200 or len(cert) > 50 or len(contact) > 100
                or name[0] == "'" or cert[:1] == "'" or contact[:1] == "'"
                or (base != base_code and base.strip())):
            return None
        code = normalize(code)
        if code in seen or not is_valid(code):
            return None
        moved_in, moved_out, until = date(row[i_in]), date(row[i_out]), date(row[i_until])
        if moved_in is None or _UNSURE in (moved_in, moved_out, until):
            return None
        if moved_out is not None and moved_out < moved_in:
            return None
        small, high = _FLAGS.get(row[i_small]), _FLAGS.get(row[i_high])
        industry = row[i_industry]
        industry = _INDUSTRY_CELLS.get(industry) if type(industry) is str else None
        if small is None or high is None or industry is None:
            return None
        if high and (not cert or until is None):
            return None
        figures = figures_of(row) if with_figures else None
        if figures is _UNSURE:
            return None
        if figures is not None:
            last_year = last_resident_year(moved_in, moved_out)
            if year < moved_in.year or (last_year is not None and year > last_year):
                return None
        return EnterpriseFields(
            name=name, credit_code=code, moved_in=moved_in, moved_out=moved_out,
            small_micro=small, high_tech=high, high_tech_cert=cert if high else "",
            high_tech_valid_until=until if high else None, industry=industry,
            contact=contact), figures

    return read


_DECIMAL_CODES = tuple(figure.code for figure in FIGURES if figure.kind == "decimal")


def read_roster(file: Source, *, base: Base, year: int) -> tuple[list[_Row], ErrorList]:
    """The file's enterprises (and figures of `year`) and every problem, positioned."""
    errors = ErrorList()
    try:
        sheets = read_sheets(file, max_rows=max_rows())
    except UploadRefused as exc:
        errors.append(CellError("", None, None, "", str(exc)))
        return [], errors
    name = SHEET if SHEET in sheets else next(iter(sheets))
    rows = sheets[name]
    if not rows:
        errors.append(CellError(name, None, None, "", "工作表是空的"))
        return [], errors
    keys, skip = _header(name, rows, errors)
    letters = {key: get_column_letter(index + 1) for index, key in keys.items()}
    context = _Context(year, {})
    parsed: list[_Row] = []
    quick = _quick_reader(keys, context, base.code)
    for number, raw_row in enumerate(rows[skip:], start=skip + 1):
        if quick is not None:
            found = quick(raw_row)
            if found is not None:
                context.seen_codes[found[0].credit_code] = number
                parsed.append(_Row(number, found[0], found[1], letters, name))
                continue
        values = {key: raw_row[index] if index < len(raw_row) else ""
                  for index, key in keys.items()}
        if all(is_empty(value) for value in values.values()):
            continue
        fields, figures, problems = _parse_row(values, number, context)
        base_code = values.get("base_code")
        if not is_empty(base_code) and clean_text(base_code) != base.code:
            problems.append(("base_code", f"只能导入本基地（{base.code}）的企业"))
        for key, message in problems:
            errors.append(CellError(name, number, letters.get(key), LABEL[key], message))
        if fields is not None and not problems:
            parsed.append(_Row(number, fields, figures, letters, name))
    if not parsed and not errors:
        errors.append(CellError(name, None, None, "", "没有企业数据行"))
    return parsed, errors


# --- import --------------------------------------------------------------------------------


def import_roster(*, base: Base, actor: User, year: int, file: Source,
                  request: HttpRequest | None = None) -> ImportResult:
    """Import a roster workbook into `base`'s roster with figures for `year`: all or
    nothing. The pages answer outsiders first; the writer is checked here again."""
    if not writes_records(actor, base):
        result = ImportResult()
        result.errors.append(CellError("", None, None, "", NOT_WRITER))
        record(request, "roster_import", object_repr=f"base:{base.code}", outcome="denied",
               detail=NOT_WRITER, actor=actor)
        return result
    rows, errors = read_roster(file, base=base, year=year)
    result = ImportResult(errors=errors)
    if not errors:
        _check_against_roster(base, year, rows, errors)
    if errors:
        record(request, "roster_import", object_repr=f"base:{base.code}", outcome="denied",
               detail=f"{errors.total}处错误：{errors[0]}"[:500], actor=actor)
        return result
    try:
        with transaction.atomic():
            _write(base=base, actor=actor, year=year, rows=rows, result=result)
            roster_changed()  # bulk writes send no model signals
            record(request, "roster_import", object_repr=f"base:{base.code}",
                   detail=f"{year}年度：新增{result.created}家，修改{result.updated}家，"
                          f"年度数据{result.figures}家，未变{result.unchanged}家", actor=actor)
    except IntegrityError:
        # Another write to the roster (a second upload, the API) came in between.
        result.errors.append(CellError("", None, None, "", CONCURRENT))
    return result


def _check_against_roster(base: Base, year: int, rows: list[_Row], errors: ErrorList) -> None:
    """Rules that need the stored roster: the year's lock, and figures of other years that
    a changed residence would leave outside it. Two queries, plus the lock's."""
    if year > timezone.localdate().year:
        errors.append(CellError("", None, None, "年度", f"{year}年度尚未到来，不能填报"))
        return
    if any(row.figures is not None for row in rows) and year_locked(base, year):
        errors.append(CellError("", None, None, "年度",
                                f"{year}年度报表已审核，该年度名册数据已锁定，不能修改"))
        return
    years: dict[str, list[int]] = {}
    for code, figure_year in (EnterpriseYear.objects.filter(enterprise__base=base)
                              .values_list("enterprise__credit_code", "year")):
        years.setdefault(code, []).append(figure_year)
    for row in rows:
        fields = row.fields
        last_year = last_resident_year(fields.moved_in, fields.moved_out)
        for kept in sorted(years.get(fields.credit_code, [])):
            if kept < fields.moved_in.year:
                errors.append(CellError(row.sheet, row.row, row.letters.get("moved_in"),
                                        LABEL["moved_in"],
                                        f"已有{kept}年度数据，入驻日期不能晚于{kept}年"))
                break
            if last_year is not None and kept > last_year:
                errors.append(CellError(row.sheet, row.row, row.letters.get("moved_out"),
                                        LABEL["moved_out"],
                                        f"已有{kept}年度数据，迁出日期不能早于{kept}年1月2日"))
                break


def _write(*, base: Base, actor: User, year: int, rows: list[_Row],
           result: ImportResult) -> None:
    """Plain rows through portal.bulk: no model instance per enterprise (see there why)."""
    now = timezone.now()
    names = _ENTERPRISE_FIELDS
    existing = {values[1 + names.index("credit_code")]: values for values in
                Enterprise.objects.filter(base=base).values_list("id", *names)}
    new: list[tuple] = []
    updates: list[tuple] = []
    history: list[tuple] = []  # (enterprise id or row index of `new`, year, action, before, after)
    fields_of = attrgetter(*names)
    for row in rows:
        values = fields_of(row.fields)
        stored = existing.get(row.fields.credit_code)
        if stored is None:
            new.append(values)
            history.append((-len(new), None, RosterChange.Action.CREATE, None, values))
        elif stored[1:] != values:
            updates.append((stored[0], *values, actor.pk, now))
            history.append((stored[0], None, RosterChange.Action.UPDATE, stored[1:], values))
    ids = copy_rows(Enterprise, ("base_id", *names, "created_by_id", "updated_by_id",
                                 "created_at", "updated_at"),
                    [(base.pk, *values, actor.pk, actor.pk, now, now) for values in new])
    copy_update_rows(Enterprise, (*names, "updated_by_id", "updated_at"), updates)
    enterprise_ids = {code: values[0] for code, values in existing.items()}
    enterprise_ids.update(zip((values[names.index("credit_code")] for values in new), ids,
                              strict=True))
    changes = [(base.pk, ids[-key - 1] if key < 0 else key, None, action, actor.pk, now,
                None if before is None else _enterprise_json(before), _enterprise_json(after))
               for key, _year, action, before, after in history]
    with_figures = _write_figures(actor=actor, year=year, rows=rows, now=now, base=base,
                                  enterprise_ids=enterprise_ids, changes=changes)
    copy_rows(RosterChange, ("base_id", "enterprise_id", "year", "action", "by_id", "at",
                             "before", "after"), changes, returning=False)
    result.created, result.updated, result.figures = len(new), len(updates), len(with_figures)
    touched = set(ids) | {values[0] for values in updates} | with_figures
    result.unchanged = sum(1 for row in rows
                           if enterprise_ids[row.fields.credit_code] not in touched)
    result.elsewhere = _resident_elsewhere(base, [row.fields for row in rows])


def _write_figures(*, base: Base, actor: User, year: int, rows: list[_Row], now: dt.datetime,
                   enterprise_ids: dict[str, int], changes: list[tuple]) -> set[int]:
    """Create or replace the year's figures of the rows that carry them; the ids of the
    enterprises whose figures changed. Their history goes into `changes`."""
    stored = {values[1]: values for values in EnterpriseYear.objects.filter(
        enterprise__base=base, year=year).values_list("id", "enterprise_id", *FIGURE_CODES)}
    new: list[tuple] = []
    updates: list[tuple] = []
    changed: set[int] = set()
    figures_of = itemgetter(*FIGURE_CODES)
    for row in rows:
        if row.figures is None:
            continue
        enterprise_id = enterprise_ids[row.fields.credit_code]
        values = figures_of(row.figures)
        before = stored.get(enterprise_id)
        if before is not None and before[2:] == values:
            continue
        if before is None:
            new.append((enterprise_id, year, *values, actor.pk, now))
        else:
            updates.append((before[0], *values, actor.pk, now))
        changed.add(enterprise_id)
        changes.append((base.pk, enterprise_id, year, RosterChange.Action.FIGURES, actor.pk, now,
                        None if before is None else _figures_json(before[2:]),
                        _figures_json(values)))
    copy_rows(EnterpriseYear, ("enterprise_id", "year", *FIGURE_CODES, "updated_by_id",
                               "updated_at"), new, returning=False)
    copy_update_rows(EnterpriseYear, (*FIGURE_CODES, "updated_by_id", "updated_at"), updates)
    return changed


def _figures_json(values: tuple) -> JSONText:
    """The figures as the roster's history keeps them (services._snapshot: Decimals as
    text, exact and readable; counts as numbers), encoded."""
    return JSONText(_FIGURES_TEMPLATE % values)


def _enterprise_json(values: tuple) -> JSONText:
    """An enterprise's fields (in _ENTERPRISE_FIELDS order) as services._snapshot keeps them
    (dates as ISO text), encoded."""
    (name, code, moved_in, moved_out, small_micro, high_tech, cert, valid_until, industry,
     contact) = values
    return JSONText(_ENTERPRISE_TEMPLATE % (
        _text(name), _text(code), _date(moved_in), _date(moved_out),
        "true" if small_micro else "false", "true" if high_tech else "false", _text(cert),
        _date(valid_until), _text(industry), _text(contact)))


def _date(value: dt.date | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


# The history's JSON from one template per record: a dict per record, encoded, was a fifth
# of a 20,000-row import (the database keeps jsonb: the text's layout does not matter).
_FIGURES_TEMPLATE = "{" + ", ".join(
    f'"{code}": "%s"' if _BY_CODE[code].kind == "decimal" else f'"{code}": %d'
    for code in FIGURE_CODES) + "}"
_ENTERPRISE_TEMPLATE = "{" + ", ".join(f'"{name}": %s' for name in _ENTERPRISE_FIELDS) + "}"
assert _ENTERPRISE_FIELDS == ("name", "credit_code", "moved_in", "moved_out", "small_micro",
                              "high_tech", "high_tech_cert", "high_tech_valid_until",
                              "industry", "contact")


def _resident_elsewhere(base: Base, rows: list[EnterpriseFields]) -> int:
    """How many of the file's enterprises are resident in another base at the same time
    (one query, after the write: the base's roster holds the file's codes, and the credit
    code index finds their other entries, instead of 20,000 codes sent as parameters)."""
    others: dict[str, list[tuple[dt.date, dt.date | None]]] = {}
    codes = Enterprise.objects.filter(base=base).values("credit_code")
    for code, moved_in, moved_out in (Enterprise.objects.filter(credit_code__in=codes)
                                      .exclude(base=base).order_by()
                                      .values_list("credit_code", "moved_in", "moved_out")):
        others.setdefault(code, []).append((moved_in, moved_out))
    count = 0
    for row in rows:
        for moved_in, moved_out in others.get(row.credit_code, ()):
            if ((moved_out is None or moved_out > row.moved_in)
                    and (row.moved_out is None or moved_in < row.moved_out)):
                count += 1
                break
    return count
