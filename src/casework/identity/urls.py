from django.urls import path

from casework.core import views as core_views
from casework.identity import views
from casework.identity.oidc import views as oidc_views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.sign_in_code, name="login_code"),
    path("login/set-up-authenticator/", views.set_up_authenticator, name="login_set_up_authenticator"),
    path("login/oidc/<str:provider_name>/", oidc_views.oidc_start, name="oidc_start"),
    path("login/oidc/<str:provider_name>/callback/", oidc_views.oidc_callback, name="oidc_callback"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("account/", views.account, name="account"),
    path("account/recovery-codes/", views.recovery_codes_new, name="account_recovery_codes"),
    path("account/set-password/<str:token>/", views.set_password, name="account_set_password"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:person_id>/", views.account_detail, name="account_detail"),
    path("accounts/<int:person_id>/invite/", views.account_invite, name="account_invite"),
    path(
        "accounts/<int:person_id>/reset-authenticator/",
        views.account_reset_authenticator,
        name="account_reset_authenticator",
    ),
    path("accounts/<int:person_id>/deactivate/", views.account_deactivate, name="account_deactivate"),
    path("accounts/<int:person_id>/reactivate/", views.account_reactivate, name="account_reactivate"),
    # pages about the service (help, contact, accessibility, privacy, feedback), linked from every footer
    *[
        path(f"service/{page}/", core_views.service_page, {"page": page}, name=page)
        for page in core_views.SERVICE_PAGES
    ],
]
