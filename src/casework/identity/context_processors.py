from typing import Any

from django.http import HttpRequest

from casework.identity.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Role-based navigation items for the service header (casework.identity.navigation)."""
    user = getattr(request, "user", None)
    return {"nav_items": items_for(user, request.path) if user is not None and user.is_authenticated else []}
