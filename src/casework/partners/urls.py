from django.urls import URLPattern, path

from casework.partners import views


def form_routes(prefix: str, name: str, forms: tuple[tuple[str, views.View], ...]) -> list[URLPattern]:
    """`<prefix>/<form>/` to each form's view, named `<name>_<form>` (the page's form posts there)."""
    return [path(f"{prefix}/{form}/", view, name=f"{name}_{form}") for form, view in forms]


app_name = "partners"
urlpatterns = [
    # Police portal: police liaison officers only, their own force only.
    path("portal/", views.portal_home, name="portal"),
    path("portal/new/", views.portal_submit, name="portal_submit"),
    path("portal/agreement/", views.portal_agreement, name="portal_agreement"),
    path("portal/referrals/<int:referral_id>/", views.portal_referral, name="portal_referral"),
    path("portal/referrals/<int:referral_id>/missing/", views.portal_send_missing, name="portal_send_missing"),
    path("portal/referrals/<int:referral_id>/escalate/", views.portal_escalate, name="portal_escalate"),
    path(
        "portal/referrals/<int:referral_id>/action-plans/<int:plan_id>/answer/",
        views.portal_answer,
        name="portal_answer",
    ),
    # CCU side.
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral"),
    # Each form on a referral's page posts to its own small view.
    *form_routes(
        "referrals/<int:referral_id>",
        "referral",
        (
            ("acknowledge", views.referral_acknowledge),
            ("accept", views.referral_accept),
            ("redirect", views.referral_redirect),
            ("decline", views.referral_decline),
            ("advise", views.referral_advise),
            ("action_plan", views.referral_action_plan),
            ("escalate", views.referral_escalate),
            ("resolve", views.referral_resolve),
        ),
    ),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:agreement_id>/", views.agreement_detail, name="agreement"),
    path(
        "agreements/<int:agreement_id>/performance.csv",
        views.agreement_performance_export,
        name="agreement_performance_export",
    ),
    # Each form on an agreement's page posts to its own small view.
    *form_routes(
        "agreements/<int:agreement_id>",
        "agreement",
        (
            ("parameters", views.agreement_parameters),
            ("deviation", views.agreement_deviation),
            ("remove_deviation", views.agreement_remove_deviation),
            ("sign", views.agreement_sign),
            ("transition", views.agreement_transition),
            ("revise", views.agreement_revise),
            ("meeting", views.agreement_meeting),
            ("action_done", views.agreement_action_done),
            ("disagreement", views.agreement_disagreement),
            ("resolve_disagreement", views.agreement_resolve_disagreement),
        ),
    ),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_publish, name="template_publish"),
    path("templates/<int:number>/", views.template_detail, name="template"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export.csv", views.coverage, {"export": True}, name="coverage_export"),
]
