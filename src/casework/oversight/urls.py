from django.urls import path

from casework.oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.<str:fmt>", views.dashboard_export, name="dashboard_export"),
    path("cases/<slug:metric>/", views.drill, name="drill"),
    path("samples/", views.samples, name="samples"),
    path("samples/<int:sample_id>/", views.sample, name="sample"),
    path("samples/<int:sample_id>/files/<int:file_id>/", views.examine, name="examine"),
    path("samples/<int:sample_id>/pack/", views.pack_sample, name="pack_sample"),
    path("cases/<int:case_id>/pack/", views.pack_case, name="pack_case"),
    path("s62/", views.s62_export, name="s62"),
]
