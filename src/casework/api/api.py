"""The HTTP API under /api/v1/: bearer tokens for machines, the session (with CSRF) for the browser.

OpenAPI is served at /api/v1/openapi.json and interactive docs at /api/v1/docs.
"""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from casework.api import errors
from casework.api.auth import DEFAULT_AUTH
from casework.api.docs import LocalSwagger
from casework.api.routers import auth, cases, parts


class CaseworkAPI(NinjaAPI):
    """The API, with its OpenAPI document built once per path prefix: the document depends only on
    the routes, fixed when the URL configuration loads, and building it took about a second a request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._openapi_by_prefix: dict[str, OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._openapi_by_prefix:
            self._openapi_by_prefix[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return self._openapi_by_prefix[path_prefix]


api = CaseworkAPI(
    title="Casework Assurance API",
    version="1",
    description="The case register for Complex Casework Units. Every read of a case is logged (DPA 2018 s.62).",
    urls_namespace="api",
    auth=DEFAULT_AUTH,
    docs=LocalSwagger(),
)
errors.install(api)
api.add_router("/auth", auth.router)
api.add_router("/cases", cases.router)
api.add_router("", parts.router)
api.add_router("", "casework.progression.api.router")  # case progression (progression/api.py)
api.add_router("", "casework.assurance.api.router")  # assurance verdicts and sign-offs (assurance/api.py)
api.add_router("", "casework.quality.api.router")  # individual quality assessments (quality/api.py)
api.add_router("", "casework.resourcing.api.router")  # REM bands, records and unit capacity (resourcing/api.py)
api.add_router("", "casework.partners.api.router")  # police partnership: referrals and agreements (partners/api.py)
api.add_router("", "casework.oversight.api.router")  # oversight figures (oversight/api.py)
