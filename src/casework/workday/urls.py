from django.urls import path

from casework.workday import views

app_name = "workday"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<slug:key>/", views.figure_items, name="figure"),
]
