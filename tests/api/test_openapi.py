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
