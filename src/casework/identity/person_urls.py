from django.urls import path

from casework.identity import person_views as views

app_name = "people"
urlpatterns = [
    path("<int:person_id>/", views.person_detail, name="detail"),
]
