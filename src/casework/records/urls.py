from django.urls import path

from casework.records import views

app_name = "records"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("review/", views.review_list, name="review"),
    path("review/<slug:record_type>/<str:record_id>/", views.review_detail, name="review_detail"),
    path("holds/", views.holds, name="holds"),
    path("holds/<int:hold_id>/lift/", views.hold_lift, name="hold_lift"),
    path("disposals/", views.disposal_log, name="disposals"),
    path("schedule/", views.schedule, name="schedule"),
    path("export/<slug:kind>/<slug:fmt>/", views.export, name="export"),
    path("restricted/", views.restricted, name="restricted"),
    path("restricted/<int:case_id>/open/", views.restricted_open, name="restricted_open"),
    path("restricted/<int:case_id>/lift/", views.restriction_lift, name="restriction_lift"),
]
