"""Included under /bases/<code>/ledger/ by bases/urls.py."""

from django.urls import path

from bases.ledger import overview_views, views

app_name = "ledger"
urlpatterns = [
    path("", views.activity_list, name="activities"),
    path("activities/new/", views.activity_edit, name="activity_new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/new/", views.institution_edit, name="institution_new"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("institutions/<int:pk>/delete/", views.institution_delete,
         name="institution_delete"),
    path("history/", views.history, name="history"),
    path("chart/", overview_views.base_chart, name="chart"),
    path("export/", overview_views.export_base, name="export"),
    path("import/", overview_views.import_activities, name="import"),
]
