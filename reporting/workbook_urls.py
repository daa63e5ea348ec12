"""URL patterns for workbook downloads, uploads and imports (included by reporting/urls.py)."""

from django.urls import path

from reporting import workbook_views

urlpatterns: list = [
    path("bases/<str:code>/reports/<int:year>/workbook.xlsx", workbook_views.report_workbook,
         name="report_workbook"),
    path("bases/<str:code>/reports/<int:year>/upload/", workbook_views.report_upload,
         name="report_upload"),
    path("data/import/", workbook_views.import_page, name="import"),
    path("data/export/", workbook_views.export_data, name="export"),
]
