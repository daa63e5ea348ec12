from django.contrib.auth import views as auth_views
from django.urls import path

from bases import two_factor, views
from bases.forms import LoginForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/setup/", two_factor.setup, name="otp_setup"),
    path("2fa/verify/", two_factor.verify, name="otp_verify"),
]
