from django.urls import path

from diversion.administration import views

app_name = "administration"

urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("new/", views.user_create, name="user_create"),
    path("<int:pk>/", views.user_edit, name="user_edit"),
    path("<int:pk>/sign-out-everywhere/", views.sign_out_everywhere,
         name="sign_out_everywhere"),
    path("<int:pk>/reset-authenticator/", views.reset_authenticator,
         name="reset_authenticator"),
    path("data-sharing/", views.agreement_list, name="agreement_list"),
    path("data-sharing/new/", views.agreement_create, name="agreement_create"),
    path("data-sharing/<int:pk>/withdraw/", views.agreement_withdraw,
         name="agreement_withdraw"),
]
