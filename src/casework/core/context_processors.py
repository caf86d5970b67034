from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Role-based navigation items for the service header (filled in by casework.core.navigation)."""
    from casework.core.navigation import items_for

    user = getattr(request, "user", None)
    return {"nav_items": items_for(user, request.path) if user is not None and user.is_authenticated else []}
