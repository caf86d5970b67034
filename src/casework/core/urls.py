from django.urls import path

from casework.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    *[path(f"service/{page}/", views.service_page, {"page": page}, name=page) for page in views.SERVICE_PAGES],
]
