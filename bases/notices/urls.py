from django.urls import path

from bases.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("<int:pk>/read/", views.notice_read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.notice_settings, name="settings"),
]
