from django.urls import path

from casework.resourcing import views

app_name = "resourcing"
urlpatterns = [
    path("", views.home, name="home"),
    path("grades/", views.capacity_by_grade, name="grades"),
    path("grades/export.csv", views.capacity_by_grade, {"fmt": "csv"}, name="grades_csv"),
    path("grades/export.xlsx", views.capacity_by_grade, {"fmt": "xlsx"}, name="grades_xlsx"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/export.csv", views.unit_detail, {"fmt": "csv"}, name="unit_csv"),
    path("units/<int:unit_id>/export.xlsx", views.unit_detail, {"fmt": "xlsx"}, name="unit_xlsx"),
    path("units/<int:unit_id>/vacancies/", views.vacancies, name="vacancies"),
    path("units/<int:unit_id>/timesheet/", views.timesheet, name="timesheet"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/allocate/", views.AllocateView.as_view(), name="allocate"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/<int:scenario_id>/", views.scenario_detail, name="scenario"),
]
