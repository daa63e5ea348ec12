from django.urls import include, path

from bases import platform_views, views
from bases.ledger import overview_views as ledger_views
from bases.roster import views as roster_views
from bases.roster import workbook_views as roster_files

app_name = "bases"
urlpatterns = [
    path("bases/", views.base_list, name="list"),
    path("bases/<str:code>/", views.base_detail, name="detail"),
    path("bases/<str:code>/ledger/", include("bases.ledger.urls")),
    path("bases/<str:code>/handover/", views.handover, name="handover"),
    path("bases/<str:code>/handover-request/", views.handover_request, name="handover_request"),
    path("bases/<str:code>/roster/", include("bases.roster.urls")),
    path("bases/<str:code>/platform/register/", platform_views.platform_register,
         name="platform_register"),
    path("bases/<str:code>/platform/request/", platform_views.platform_request,
         name="platform_request"),
    path("bases/<str:code>/platform/requests/<int:pk>/", platform_views.platform_decide,
         name="platform_decide"),
    path("bases/<str:code>/platform/token/", platform_views.platform_token,
         name="platform_token"),
    path("roster/duplicates/", roster_views.duplicates, name="roster_duplicates"),
    path("roster/export/", roster_files.export_province, name="roster_export_province"),
    path("ledger/", ledger_views.coverage, name="ledger_coverage"),
    path("ledger/chart/", ledger_views.chart, name="ledger_chart"),
    path("ledger/export/", ledger_views.export_province, name="ledger_export_province"),
    path("handovers/", views.handover_list, name="handovers"),
    path("audit/", views.audit_log, name="audit_log"),
]
