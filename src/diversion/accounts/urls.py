from django.urls import path

from diversion.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/code/", views.second_step, name="second_step"),
    path("sign-in/set-up-authenticator/", views.set_up_authenticator,
         name="set_up_authenticator"),
    path("account/password/", views.change_password, name="change_password"),
    path("session/extend/", views.extend_session, name="extend_session"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("health/", views.health, name="health"),
]
