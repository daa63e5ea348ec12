from django.urls import path

from reporting.filing import city, views
from reporting.workbook import urls as workbook_urls

app_name = "reporting"
urlpatterns = [
    path("province/", views.overview, name="overview"),
    path("city/", city.city_page, name="city"),
    path("reports/", views.review_queue, name="queue"),
    path("city/reviews/", views.city_queue, name="city_queue"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:year>/", views.round_detail, name="round"),
    path("rounds/<int:year>/completeness.xlsx", views.completeness_workbook,
         name="completeness_workbook"),
    path("bases/<str:code>/reports/<int:year>/", views.report_page, name="report"),
    path("bases/<str:code>/reports/<int:year>/review/", views.report_review, name="review"),
    path("bases/<str:code>/reports/<int:year>/prefill/", views.report_prefill, name="prefill"),
]
urlpatterns += workbook_urls.urlpatterns
