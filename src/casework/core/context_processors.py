from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The service navigation for the signed-in user's roles (casework.core.navigation)."""
    from casework.core.navigation import navigation_for

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": None}
    return {"navigation": navigation_for(user, request.path)}
