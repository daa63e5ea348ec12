"""URL patterns for workbook downloads, uploads and imports (included by reporting/urls.py)."""

from django.urls import path

from reporting.workbook import views as workbook_views

urlpatterns: list = [
    path("bases/<str:code>/reports/<int:year>/workbook.xlsx", workbook_views.report_workbook,
         name="report_workbook"),
    path("bases/<str:code>/reports/<int:year>/fill-in.xlsx", workbook_views.report_fill_in,
         name="report_fill_in"),
    path("bases/<str:code>/reports/<int:year>/upload/", workbook_views.report_upload,
         name="report_upload"),
    path("data/import/", workbook_views.import_page, name="import"),
    path("data/import/template.xlsx", workbook_views.import_template, name="import_template"),
    path("data/export/", workbook_views.export_data, name="export"),
    path("data/export/jobs/<uuid:job_id>/", workbook_views.export_job, name="export_job"),
    path("data/export/jobs/<uuid:job_id>/status/", workbook_views.export_job_status,
         name="export_job_status"),
    path("data/export/jobs/<uuid:job_id>/download/", workbook_views.export_job_download,
         name="export_job_download"),
]
