"""The HTTP API under /api/v1/: bearer tokens for machines, the session (with CSRF) for the browser.

OpenAPI is served at /api/v1/openapi.json and interactive docs at /api/v1/docs.
"""

from ninja import NinjaAPI

from casework.api import errors
from casework.api.auth import DEFAULT_AUTH
from casework.api.docs import LocalSwagger
from casework.api.routers import auth, cases, parts

api = NinjaAPI(
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
