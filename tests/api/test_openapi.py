"""The OpenAPI description is served and lists every endpoint."""

from __future__ import annotations

from tests.api.conftest import HttpsClient

EXPECTED = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/auth/revoke": {"post"},
    "/api/v1/auth/me": {"get"},
    "/api/v1/cases": {"get", "post"},
    "/api/v1/cases/{case_id}": {"get", "patch"},
    "/api/v1/cases/{case_id}/stage": {"post"},
    "/api/v1/cases/{case_id}/defendants": {"get", "post"},
    "/api/v1/defendants/{defendant_id}": {"patch"},
    "/api/v1/defendants/{defendant_id}/charges": {"post"},
    "/api/v1/cases/{case_id}/hearings": {"get", "post"},
    "/api/v1/hearings/{hearing_id}": {"patch"},
}


def test_openapi_lists_the_endpoints(db):
    response = HttpsClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Casework Assurance API"
    paths = {path: set(methods) for path, methods in schema["paths"].items()}
    # Other apps add their own routers; these are the register's endpoints.
    for path, methods in EXPECTED.items():
        assert methods <= paths.get(path, set()), path
    assert "TokenAuth" in schema["components"]["securitySchemes"]
    assert "CaseIn" in schema["components"]["schemas"]


def test_interactive_docs_page_loads(db):
    response = HttpsClient().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_docs_use_the_pinned_swagger_ui_under_the_normal_csp(db):
    """The docs once turned CSP off, loaded Swagger UI from a CDN without integrity and embedded the
    CSRF token. Now: our own copy of swagger-ui-dist, the strict policy, no token, no inline script."""
    import re

    from casework.core.middleware import SecurityHeadersMiddleware

    response = HttpsClient().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SecurityHeadersMiddleware.POLICY
    html = response.content.decode()
    assert "cdn" not in html.lower() and "://" not in html.replace("http://www.w3.org", "")
    assert "/static/swagger-ui/swagger-ui-bundle.js" in html and "/static/casework/api-docs.js" in html
    assert "csrf" not in html.lower()
    inline = [s for s in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) if "application/json" not in s]
    assert inline == [], "an inline script would need 'unsafe-inline'"


def test_admin_pages_carry_the_csp(client, personas):
    from casework.core.middleware import SecurityHeadersMiddleware

    assert client.get("/admin/login/")["Content-Security-Policy"] == SecurityHeadersMiddleware.POLICY
    client.force_login(personas.admin)
    assert client.get("/admin/")["Content-Security-Policy"] == SecurityHeadersMiddleware.POLICY


def test_the_swagger_files_come_from_the_pinned_npm_package():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pinned = json.loads((root / "package.json").read_text())["dependencies"]["swagger-ui-dist"]
    assert pinned[0].isdigit(), "pin an exact version"
    locked = json.loads((root / "package-lock.json").read_text())["packages"]["node_modules/swagger-ui-dist"]
    assert locked["version"] == pinned and locked["integrity"].startswith("sha512-")


def test_the_openapi_document_is_built_once_and_equals_a_fresh_build(db, monkeypatch):
    import json

    from ninja.openapi import schema as openapi_schema
    from ninja.responses import NinjaJSONEncoder

    from casework.api.api import api

    built: list[str] = []
    real = openapi_schema.get_schema

    def counted(*, api, path_prefix):
        built.append(path_prefix)
        return real(api=api, path_prefix=path_prefix)

    monkeypatch.setattr("ninja.main.get_schema", counted)
    api._openapi_by_prefix.clear()
    first = HttpsClient().get("/api/v1/openapi.json").json()
    second = HttpsClient().get("/api/v1/openapi.json").json()
    assert built == ["/api/v1/"] and first == second
    fresh = json.loads(json.dumps(real(api=api, path_prefix="/api/v1/"), cls=NinjaJSONEncoder))
    assert first == fresh
