from django.urls import path

from casework.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/<slug:export_kind>/", views.job_new, name="new"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/status.json", views.job_status, name="status"),
    path("<int:job_id>/download", views.job_download, name="download"),
]
