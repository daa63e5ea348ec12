from django.urls import path

from reporting import stats_views

app_name = "statistics"
urlpatterns = [
    path("", stats_views.index, name="index"),
    path("rankings/", stats_views.rankings, name="rankings"),
    path("cities/", stats_views.cities, name="cities"),
    path("annexes.xlsx", stats_views.annex_workbook, name="annex_workbook"),
]
