"""Web API URL patterns (/api/v1/…, /api/schema/, /api/docs/).

DRF answers authentication itself (401/403 JSON), so every view here is exempt from
LoginRequiredMiddleware, which would otherwise redirect API clients to the login page.
"""

from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from reporting.api import admin as _api_admin  # noqa: F401  (replaces DRF's token admin)
from reporting.api import ledger, roster
from reporting.api import views as api
from reporting.api.guards import JsonErrorsMixin
from reporting.api.prefill import PrefillView

SIDECAR = "drf_spectacular_sidecar/swagger-ui-dist/"


class SchemaView(JsonErrorsMixin, SpectacularAPIView):
    """The OpenAPI schema (YAML, or JSON with ?format=json), for signed-in accounts."""


class SwaggerView(JsonErrorsMixin, SpectacularSwaggerSplitView):
    """Swagger UI from the portal's own static files (drf-spectacular-sidecar), never a CDN;
    its start-up script is a separate same-origin file, as the CSP (script-src 'self') needs."""

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(SIDECAR + filename)

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static(SIDECAR + "favicon-32x32.png")


def api_path(route: str, view, name: str):
    return path(route, login_not_required(view.as_view()), name=name)


urlpatterns = [
    api_path("v1/indicators/", api.IndicatorList, "api-indicators"),
    api_path("v1/bases/", api.BaseList, "api-bases"),
    api_path("v1/bases/<str:code>/", api.BaseDetail, "api-base"),
    api_path("v1/bases/<str:code>/prefill/<int:year>/", PrefillView, "api-prefill"),
    api_path("v1/rounds/", api.RoundList, "api-rounds"),
    api_path("v1/reports/", api.ReportList, "api-reports"),
    api_path("v1/reports/<str:pk>/", api.ReportDetail, "api-report"),
    api_path("v1/reports/<str:pk>/submit/", api.ReportSubmit, "api-report-submit"),
    api_path("v1/reports/<str:pk>/return/", api.ReportReturn, "api-report-return"),
    api_path("v1/reports/<str:pk>/approve/", api.ReportApprove, "api-report-approve"),
    api_path("v1/reports/<str:pk>/city-approve/", api.ReportCityApprove,
             "api-report-city-approve"),
    api_path("v1/reports/<str:pk>/reopen/", api.ReportReopen, "api-report-reopen"),
    api_path("v1/reports/<str:pk>/history/", api.ReportHistory, "api-report-history"),
    api_path("v1/statistics/annexes/", api.AnnexesView, "api-annexes"),
    api_path("v1/statistics/rankings/", api.RankingsView, "api-rankings"),
    api_path("v1/completeness/", api.CompletenessView, "api-completeness"),
    # A base's own records (SPEC 9, 10): its ledger and roster, for its platform account too.
    api_path("v1/bases/<str:code>/activities/", ledger.ActivityList, "api-activities"),
    api_path("v1/bases/<str:code>/activities/<str:pk>/", ledger.ActivityDetail,
             "api-activity"),
    api_path("v1/bases/<str:code>/activities/<str:pk>/attachments/", ledger.AttachmentUpload,
             "api-activity-attachments"),
    api_path("v1/bases/<str:code>/institutions/", ledger.InstitutionList, "api-institutions"),
    api_path("v1/bases/<str:code>/institutions/<str:pk>/", ledger.InstitutionDetail,
             "api-institution"),
    api_path("v1/bases/<str:code>/enterprises/", roster.EnterpriseList, "api-enterprises"),
    api_path("v1/bases/<str:code>/enterprises/<str:pk>/", roster.EnterpriseDetail,
             "api-enterprise"),
    api_path("v1/bases/<str:code>/enterprises/<str:pk>/years/<str:year>/",
             roster.EnterpriseYearFigures, "api-enterprise-year"),
    api_path("v1/enterprises/duplicates/", roster.DuplicateList, "api-enterprise-duplicates"),
    path("schema/", login_not_required(SchemaView.as_view()), name="schema"),
    path("docs/", login_not_required(SwaggerView.as_view(url_name="schema")),
         name="swagger-ui"),
    # Anything else under /api/ answers a JSON 404 rather than the HTML page.
    re_path(r"^", login_not_required(api.api_not_found)),
]
