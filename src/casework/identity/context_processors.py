from typing import Any

from django.http import HttpRequest

from casework.identity.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The service navigation for the signed-in user's roles (casework.identity.navigation)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": None}
    return {"navigation": navigation_for(user, request.path)}
