from django.urls import path

from casework.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_home, name="home"),
    path("runs/<int:run_id>/", views.import_run_detail, name="run"),
    path("runs/<int:run_id>/start/", views.import_run_start, name="start"),
    path("runs/<int:run_id>/resume/", views.import_run_resume, name="resume"),
]
