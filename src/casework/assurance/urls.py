from django.urls import path

from casework.assurance import views

app_name = "assurance"

urlpatterns = [
    path("cases/<int:case_id>/recheck/", views.case_recheck, name="recheck"),
    path("cases/<int:case_id>/history/", views.case_history, name="history"),
    path("cases/<int:case_id>/exemptions/new/", views.ExemptionView.as_view(), name="exemption"),
    path("cases/<int:case_id>/waivers/new/", views.WaiverGrantView.as_view(), name="waiver_grant"),
    path("cases/<int:case_id>/waivers/<int:waiver_id>/revoke/", views.WaiverRevokeView.as_view(), name="waiver_revoke"),
    path("cases/<int:case_id>/signoffs/new/", views.SignOffRequestView.as_view(), name="signoff_request"),
    path("cases/<int:case_id>/panel/", views.panel, name="panel"),
    path("cases/<int:case_id>/panel/register/", views.panel_register, name="panel_register"),
    path("cases/<int:case_id>/panel/meetings/new/", views.PanelMeetingView.as_view(), name="panel_meeting"),
    path(
        "cases/<int:case_id>/panel/actions/<int:action_id>/done/", views.panel_action_complete, name="panel_action_done"
    ),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:signoff_id>/", views.signoff_decide, name="signoff_decide"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.<str:fmt>", views.dashboard, name="dashboard_export"),
    path("dashboard/rules/<str:rule_code>/", views.rule_failing, name="rule_failing"),
    path("dashboard/rules/<str:rule_code>/export.<str:fmt>", views.rule_failing, name="rule_failing_export"),
]
