from django.urls import path

from casework.api import views

urlpatterns = [
    path("account/tokens/", views.tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("accounts/<int:person_id>/tokens/", views.person_tokens, name="api_person_tokens"),
    path("accounts/<int:person_id>/tokens/revoke/", views.person_tokens_revoke, name="api_person_tokens_revoke"),
]
