from django.urls import path

from bases.roster import views, workbook_views

# Included from bases/urls.py under bases/<code>/roster/ (names in the `bases` namespace).
urlpatterns = [
    path("", views.roster_list, name="roster"),
    path("new/", views.enterprise_new, name="roster_new"),
    path("history/", views.roster_history, name="roster_history"),
    path("export/", workbook_views.export_base, name="roster_export"),
    path("import/", workbook_views.import_roster, name="roster_import"),
    path("<int:pk>/", views.enterprise_detail, name="roster_detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="roster_edit"),
    path("<int:pk>/move-out/", views.enterprise_move_out, name="roster_move_out"),
    path("<int:pk>/years/<int:year>/", views.year_figures, name="roster_year"),
]
