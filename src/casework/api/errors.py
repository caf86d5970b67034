"""One mapping from errors to JSON responses, so every endpoint fails the same way.

Shape: {"detail": "what to do", "errors": {"field": ["message", ...]}}. A missing record and a
record the caller may not see give byte-identical 404s: the API is no existence oracle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from casework.core.errors import CaseworkError, EditConflict, NotFound

if TYPE_CHECKING:
    from ninja import NinjaAPI

NOT_FOUND_BODY = {"detail": "Not found."}
UNSTORABLE = (
    "Some values cannot be stored (for example an invisible NUL character in text, or a number too large). "
    "Nothing was saved: correct them and try again."
)
#: Where ninja reports the location of a bad value; the first parts name the request part.
_LOCATION_PARTS = {"body", "query", "path", "header", "cookie", "form", "payload", "filters"}


def field_errors_from_validation(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """pydantic's error list as {"field.path": ["message"]}; errors on the whole body under "__all__"."""
    result: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if str(part) not in _LOCATION_PARTS]
        key = ".".join(location) or "__all__"
        message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
        result.setdefault(key, []).append(message)
    return result


def install(api: NinjaAPI) -> None:
    # Handlers take `exc: Any`: ninja's stubs type the argument as "instance or class".
    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, NOT_FOUND_BODY, status=404)

    def casework_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, NotFound):
            return not_found(request, exc)
        body: dict[str, Any] = {"detail": exc.message, "errors": exc.field_errors}
        if isinstance(exc, EditConflict):
            body.update(current_version=exc.current_version, changed=exc.changed)
        return api.create_response(request, body, status=exc.status_code)

    def validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        body = {
            "detail": "Some values are missing or not valid. Correct them and try again.",
            "errors": field_errors_from_validation(list(exc.errors)),
        }
        return api.create_response(request, body, status=422)

    def authentication_error(request: HttpRequest, exc: Any) -> HttpResponse:
        body = {"detail": "Authentication required: send 'Authorization: Bearer <token>' or sign in.", "errors": {}}
        response = api.create_response(request, body, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="casework"'
        return response

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        message = exc.message
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            message = "The request body is not valid JSON."
        return api.create_response(request, {"detail": message, "errors": {}}, status=exc.status_code)

    def unstorable(request: HttpRequest, exc: Any) -> HttpResponse:
        # The database refused a value its column cannot hold (a NUL character in text, a number out
        # of range): the transaction rolled back, so nothing was saved. A client error, not a 500.
        body = {"detail": UNSTORABLE, "errors": {}}
        return api.create_response(request, body, status=422)

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(DataError, unstorable)
    api.add_exception_handler(CaseworkError, casework_error)
    api.add_exception_handler(NinjaValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, authentication_error)
    api.add_exception_handler(HttpError, http_error)
