from django.urls import include, path

from bases import views

app_name = "bases"
urlpatterns = [
    path("bases/", views.base_list, name="list"),
    path("bases/<str:code>/", views.base_detail, name="detail"),
    path("bases/<str:code>/ledger/", include("bases.ledger.urls")),
    path("bases/<str:code>/handover/", views.handover, name="handover"),
    path("bases/<str:code>/handover-request/", views.handover_request, name="handover_request"),
    path("handovers/", views.handover_list, name="handovers"),
    path("audit/", views.audit_log, name="audit_log"),
]
