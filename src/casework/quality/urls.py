from django.urls import path

from casework.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    path("sample/", views.sample, name="sample"),
    path("sample/items/<int:item_id>/swap/", views.sample_swap, name="sample_swap"),
    path("assessments/new/", views.assessment_start, name="start"),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:assessment_id>/edit/", views.assessment_edit, name="edit"),
    path("assessments/<int:assessment_id>/feedback/", views.assessment_feedback, name="feedback"),
    path("assessments/<int:assessment_id>/acknowledge/", views.assessment_acknowledge, name="acknowledge"),
    path("assessments/<int:assessment_id>/close/", views.assessment_close, name="close"),
    path("moderation/<int:moderation_id>/", views.moderation_mark, name="moderate"),
    path("moderation/<int:moderation_id>/resolve/", views.moderation_resolve, name="resolve"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export.csv", views.coverage, {"fmt": "csv"}, name="coverage_csv"),
    path("coverage/export.xlsx", views.coverage, {"fmt": "xlsx"}, name="coverage_xlsx"),
    path("analytics/", views.analytics, name="analytics"),
    path("analytics/export.csv", views.analytics, {"fmt": "csv"}, name="analytics_csv"),
    path("analytics/export.xlsx", views.analytics, {"fmt": "xlsx"}, name="analytics_xlsx"),
]
