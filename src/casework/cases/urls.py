from django.urls import path

from casework.cases import views

app_name = "cases"
urlpatterns = [
    path("my/", views.case_list, {"scope": "my"}, name="my"),
    path("my/export.csv", views.case_list, {"scope": "my", "export": True}, name="my_export"),
    path("unit/", views.case_list, {"scope": "unit"}, name="unit"),
    path("unit/export.csv", views.case_list, {"scope": "unit", "export": True}, name="unit_export"),
    path("all/", views.case_list, {"scope": "all"}, name="all"),
    path("all/export.csv", views.case_list, {"scope": "all", "export": True}, name="all_export"),
    path("new/", views.case_create, name="create"),
    path("find/", views.case_find, name="find"),
    path("access-grants/", views.access_grants, name="access_grants"),
    path("access-grants/<int:grant_id>/review/", views.access_grant_review, name="access_grant_review"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/edit/", views.CaseEditView.as_view(), name="edit"),
    path("<int:case_id>/stage/", views.StageChangeView.as_view(), name="stage"),
    path("<int:case_id>/defendants/new/", views.DefendantAddView.as_view(), name="defendant_add"),
    path("<int:case_id>/defendants/<int:defendant_id>/edit/", views.DefendantEditView.as_view(), name="defendant_edit"),
    path("<int:case_id>/defendants/<int:defendant_id>/charges/new/", views.ChargeAddView.as_view(), name="charge_add"),
    path(
        "<int:case_id>/defendants/<int:defendant_id>/charges/<int:charge_id>/edit/",
        views.ChargeEditView.as_view(),
        name="charge_edit",
    ),
    path("<int:case_id>/hearings/new/", views.HearingAddView.as_view(), name="hearing_add"),
    path("<int:case_id>/hearings/<int:hearing_id>/edit/", views.HearingEditView.as_view(), name="hearing_edit"),
    path("<int:case_id>/documents/new/", views.DocumentAddView.as_view(), name="document_add"),
    path(
        "<int:case_id>/documents/<int:document_id>/revise/",
        views.DocumentReviseView.as_view(),
        name="document_revise",
    ),
    path("<int:case_id>/reviews/new/", views.ReviewAddView.as_view(), name="review_add"),
    # The case page's sections (after the fixed paths above, which they must not shadow).
    path("<int:case_id>/<slug:section>/", views.case_detail, name="section"),
]
