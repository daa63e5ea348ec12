"""One catalog: a figure registered in reporting/indicators.py appears everywhere at once.

Each test registers an extra indicator (`use_catalog` re-derives every table of the
registry) and restores the real catalog afterwards; nothing else is edited, so the form,
the data workbook, the API and the annexes must all take their figures from the registry.
"""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal

from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reporting import indicators
from reporting.filing.checks import soft_findings
from reporting.indicators import OPERATION, PLATFORMS, WAN, AnnexRow, Indicator, SoftShare
from reporting.models import Report, ReportValue, Status
from tests.base import BaseTestCase

FORM = "/bases/A001/reports/2018/"

#: An operation figure printed as the last row of 附件1 and 附件2, in 万平方米.
INCUBATION_AREA = Indicator(
    "incubation_area", OPERATION, "孵化场地面积", "平方米", "decimal", decimals=2,
    annex=AnnexRow(14, WAN, 1, 1, comparison_scale=WAN, comparison_decimals=1))
#: A figure the annexes do not print.
ROADSHOWS = Indicator("roadshows", PLATFORMS, "举办项目路演", "场", "int", required=False)


class CatalogTestCase(BaseTestCase):
    def use(self, catalog: tuple[Indicator, ...]) -> None:
        original = indicators.CATALOG
        indicators.use_catalog(catalog)
        self.addCleanup(indicators.use_catalog, original)

    def register(self, *extra: Indicator) -> None:
        self.use((*indicators.CATALOG, *extra))

    def approved(self, base, year: int, **values: str) -> Report:
        report = Report.objects.create(base=base, year=year, status=Status.APPROVED)
        ReportValue.objects.bulk_create(ReportValue(report=report, code=code, value=Decimal(v))
                                        for code, v in values.items())
        return report

    def api(self, user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client


class RegisteredFigureTests(CatalogTestCase):
    def test_a_registered_figure_is_a_field_of_the_officers_form_and_is_saved(self):
        self.register(INCUBATION_AREA)
        self.open_round(2018)
        self.login(self.alice)
        page = self.client.get(FORM).content.decode()
        self.assertIn('name="incubation_area"', page)
        self.assertIn("孵化场地面积", page)
        response = self.client.post(FORM, {"action": "save", "version": "",
                                           "incubation_area": "1,234.5"})
        self.assertRedirects(response, FORM)
        report = Report.objects.get(base=self.base_a, year=2018)
        self.assertEqual(report.value_map(), {"incubation_area": Decimal("1234.50")})
        response = self.client.post(FORM, {"action": "save", "version": str(report.version),
                                           "incubation_area": "1.234"})
        self.assertContains(response, "最多保留2位小数")
        self.assertEqual(Report.objects.get(pk=report.pk).value_map(),
                         {"incubation_area": Decimal("1234.50")})

    def test_a_registered_figure_is_a_column_of_the_exported_data_workbook(self):
        self.register(INCUBATION_AREA)
        self.approved(self.base_a, 2017, incubation_area="5000.25", building_area="9000.00")
        self.login(self.pat)
        response = self.client.get("/data/export/?year=2017")
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.getvalue()))["reports"]
        self.assertEqual(sheet.cell(row=1, column=sheet.max_column).value, "孵化场地面积（平方米）")
        header = [cell.value for cell in sheet[2]]
        self.assertEqual(header[-1], "incubation_area")
        row = dict(zip(header, (cell.value for cell in sheet[3]), strict=True))
        self.assertEqual((row["base_code"], row["incubation_area"], row["building_area"]),
                         ("A001", 5000.25, 9000))

    def test_a_registered_figure_is_a_validated_row_of_the_fill_in_workbook(self):
        self.register(INCUBATION_AREA)
        self.open_round(2018)
        self.login(self.alice)
        response = self.client.get("/bases/A001/reports/2018/fill-in.xlsx")
        form = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["填报表"]
        row = next(r for r in range(1, form.max_row + 1)
                   if form[f"G{r}"].value == "incubation_area")
        self.assertEqual((form[f"B{row}"].value, form[f"C{row}"].value), ("孵化场地面积", "平方米"))
        validation = next(v for v in form.data_validations.dataValidation
                          if str(v.sqref) == f"E{row}")
        self.assertEqual(validation.type, "decimal")

    def test_a_registered_figure_is_in_the_api_list_schema_and_values(self):
        self.register(INCUBATION_AREA)
        client = self.api(self.alice)
        listed = client.get("/api/v1/indicators/").json()
        self.assertEqual(listed[-1]["code"], "incubation_area")
        self.assertEqual((listed[-1]["label"], listed[-1]["unit"]), ("孵化场地面积", "平方米"))
        schema = client.get("/api/schema/").content.decode()
        self.assertIn("        incubation_area:", schema)
        report = self.approved(self.base_a, 2017, incubation_area="77.10")
        values = client.get(f"/api/v1/reports/{report.pk}/").json()["values"]
        self.assertEqual(values, {"incubation_area": "77.10"})

    def test_a_registered_annex_row_is_printed_in_both_operation_annexes(self):
        self.register(INCUBATION_AREA)
        self.approved(self.base_a, 2016, incubation_area="10000.00")
        self.approved(self.base_b, 2016, incubation_area="6000.00")
        self.approved(self.base_a, 2017, incubation_area="12345.00")
        self.approved(self.base_b, 2017, incubation_area="7655.00")
        response = self.api(self.pat).get(
            "/api/v1/statistics/annexes/?year=2017&compare_year=2016")
        self.assertEqual(response.status_code, 200)
        annexes = response.json()["annexes"]
        for number, shown in ((1, ["2.0", "1.0"]), (2, ["1.6", "2.0", "25.0%"])):
            last = annexes[f"附件{number}"]["rows"][-1]
            self.assertEqual((last["code"], last["label"]),
                             ("incubation_area", "孵化场地面积（万平方米）"))
            self.assertEqual([cell["display"] for cell in last["cells"]], shown)

    def test_a_figure_without_an_annex_row_is_filed_but_not_printed(self):
        self.register(ROADSHOWS)
        self.open_round(2018)
        self.login(self.alice)
        self.assertContains(self.client.get(FORM), 'name="roadshows"')
        self.approved(self.base_a, 2017, roadshows="3")
        annexes = self.api(self.pat).get("/api/v1/statistics/annexes/?year=2017").json()
        codes = {row["code"] for annex in annexes["annexes"].values() for row in annex["rows"]}
        self.assertNotIn("roadshows", codes)
        self.assertIn("building_area", codes)


class CatalogRulesTests(CatalogTestCase):
    def test_a_catalog_the_annexes_cannot_print_is_refused_and_nothing_changes(self):
        before = indicators.CATALOG
        twin = Indicator("building_area", OPERATION, "建筑面积", "平方米", "decimal")
        crowded = Indicator("crowded", OPERATION, "拥挤", "家", "int", annex=AnnexRow(1))
        unscalable = Indicator("heads", OPERATION, "人数", "人", "int", annex=AnnexRow(20, WAN))
        for extra in (twin, crowded, unscalable):
            with self.subTest(extra=extra.code), self.assertRaises(ValueError):
                indicators.use_catalog((*before, extra))
            self.assertIs(indicators.CATALOG, before)
            self.assertEqual(list(indicators.BY_CODE.values()), list(before))

    def test_the_share_check_takes_its_limit_from_the_catalog(self):
        share = SoftShare("operator_revenue", Decimal("0.3"))
        self.use(tuple(replace(i, soft_share=share) if i.code == "service_revenue" else i
                       for i in indicators.CATALOG))
        values = {"operator_revenue": Decimal("100.00"), "service_revenue": Decimal("30.01")}
        finding, = soft_findings(values)
        self.assertEqual((finding.check, finding.message),
                         ("service_revenue_share:service_revenue",
                          "服务收入超过营业收入的30%，请说明原因"))
        self.assertEqual(soft_findings({**values, "service_revenue": Decimal("30.00")}), [])
