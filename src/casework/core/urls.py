"""Pages about the service itself (help, contact, accessibility, privacy, feedback)."""

from django.urls import path

from casework.core import views

urlpatterns = [
    *[path(f"service/{page}/", views.service_page, {"page": page}, name=page) for page in views.SERVICE_PAGES],
]
