from django.contrib import admin
from django.urls import include, path

from casework.api.api import api
from casework.health import healthz

# A database outage is a 503 with Retry-After, not a generic 500 (casework/core/unavailable.py).
handler500 = "casework.core.unavailable.server_error"

admin.site.site_header = "Casework Assurance administration"
admin.site.site_title = "Casework Assurance"

urlpatterns = [
    path("", include("casework.identity.urls")),
    path("", include("casework.api.urls")),  # API token pages (the tokens live in the api app)
    path("healthz", healthz, name="healthz"),  # load balancers and monitoring; no sign-in, no case data
    path("cases/", include("casework.cases.urls")),
    path("people/", include("casework.identity.person_urls")),
    path("audit/", include("casework.audit.urls")),
    path("progression/", include("casework.progression.urls")),
    path("quality/", include("casework.quality.urls")),
    path("resourcing/", include("casework.resourcing.urls")),
    path("assurance/", include("casework.assurance.urls")),
    path("partners/", include("casework.partners.urls")),
    path("oversight/", include("casework.oversight.urls")),
    path("overview/", include("casework.workday.urls")),  # each role's landing page and the lists behind its figures
    path("imports/", include("casework.imports.urls")),
    path("exports/", include("casework.exports.urls")),  # exports prepared in the background
    path("records/", include("casework.records.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
