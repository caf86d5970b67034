"""The interactive API documentation (/api/v1/docs): Swagger UI from the pinned npm package
swagger-ui-dist, served from our own origin under the service's normal Content-Security-Policy.

No CDN (nothing loaded from elsewhere, so nothing to trust without integrity checks), no inline
script (the settings travel as a JSON data block), and no CSRF token in the page: "Try it out"
works with a bearer token (Authorize), so the page holds no secret.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase


class LocalSwagger(DocsBase):
    settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True}

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/docs.html", {"api": api, "swagger_settings": settings})
