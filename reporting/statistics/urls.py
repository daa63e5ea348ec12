from django.urls import path

from reporting.bulletin import views as bulletin_views
from reporting.statistics import views as stats_views

app_name = "statistics"
urlpatterns = [
    path("", stats_views.index, name="index"),
    path("rankings/", stats_views.rankings, name="rankings"),
    path("cities/", stats_views.cities, name="cities"),
    path("annexes.xlsx", stats_views.annex_workbook, name="annex_workbook"),
    path("charts.json", stats_views.chart_data, name="chart_data"),
    path("bulletin/", bulletin_views.bulletin_page, name="bulletin"),
    path("bulletin.docx", bulletin_views.bulletin_docx, name="bulletin_docx"),
]
