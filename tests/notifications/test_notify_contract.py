"""The GOV.UK Notify backend against a local server implementing Notify's documented send-email
endpoint (POST /v2/notifications/email): it checks the JWT the official client signs (HS256 with
the key's secret, `iss` the service id, `iat` within 30 seconds), the request body, and answers as
Notify does, including its error format."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest

from casework.notifications import services
from casework.notifications.backends import Message, NotifyBackend, PermanentSendError, TransientSendError

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"casework_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


class FakeNotify(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    answer: tuple[int, dict[str, Any]] | None = None

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, kind: str, message: str) -> None:
        self._reply(status, {"status_code": status, "errors": [{"error": kind, "message": message}]})

    def do_POST(self) -> None:
        if self.path != "/v2/notifications/email":
            return self._error(404, "NotFound", "Not found")
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self._error(401, "AuthError", "Unauthorized: authentication token must be provided")
        token = auth.removeprefix("Bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.PyJWTError as error:
            return self._error(403, "AuthError", f"Invalid token: {error}")
        if header.get("alg") != "HS256" or claims.get("iss") != SERVICE_ID or abs(time.time() - claims["iat"]) > 30:
            return self._error(403, "AuthError", "Invalid token: iss or iat")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        try:
            uuid.UUID(body["template_id"])
            assert "@" in body["email_address"]
            assert isinstance(body.get("personalisation", {}), dict)
        except (KeyError, ValueError, AssertionError):
            return self._error(400, "ValidationError", "email_address or template_id is not valid")
        FakeNotify.received.append({"body": body, "claims": claims})
        if FakeNotify.answer is not None:
            status, reply = FakeNotify.answer
            return self._reply(status, reply)
        notification_id = str(uuid.uuid4())
        self._reply(
            201,
            {
                "id": notification_id,
                "reference": body.get("reference"),
                "content": {
                    "subject": "Subject",
                    "body": "Body",
                    "from_email": "casework@notifications.service.gov.uk",
                },
                "uri": f"http://{self.headers['Host']}/v2/notifications/{notification_id}",
                "template": {"id": body["template_id"], "version": 1, "uri": "x"},
            },
        )


@pytest.fixture
def notify_server(settings) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeNotify.received, FakeNotify.answer = [], None
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.NOTIFY_API_KEY, settings.NOTIFY_BASE_URL, settings.NOTIFICATIONS_BACKEND = API_KEY, url, "notify"
    settings.NOTIFY_TEMPLATES = {"ctl_warning": TEMPLATE_ID}
    yield url
    server.shutdown()
    server.server_close()


def message(**overrides: Any) -> Message:
    values = {
        "kind": "ctl_warning",
        "template_id": TEMPLATE_ID,
        "email_address": "someone@example.test",
        "personalisation": {"urn": "01TS0000001"},
        "reference": "ref-1",
    }
    return Message(**{**values, **overrides})


def test_the_official_client_signs_and_sends_what_notify_documents(notify_server):
    provider_id = NotifyBackend().send(message())
    (received,) = FakeNotify.received
    assert received["claims"]["iss"] == SERVICE_ID
    assert received["body"] == {
        "email_address": "someone@example.test",
        "template_id": TEMPLATE_ID,
        "personalisation": {"urn": "01TS0000001"},
        "reference": "ref-1",
    }
    assert uuid.UUID(provider_id)


def test_a_wrong_key_is_refused_by_notify_and_not_retried(notify_server, settings):
    settings.NOTIFY_API_KEY = f"casework_test-{SERVICE_ID}-{uuid.uuid4()}"
    with pytest.raises(PermanentSendError, match="403"):
        NotifyBackend().send(message())


def test_a_bad_request_is_permanent(notify_server):
    with pytest.raises(PermanentSendError, match="400"):
        NotifyBackend().send(message(email_address="not-an-address"))


@pytest.mark.parametrize("status", [429, 500])
def test_rate_limits_and_server_errors_are_retried(notify_server, status):
    FakeNotify.answer = (
        status,
        {"status_code": status, "errors": [{"error": "RateLimitError", "message": "slow down"}]},
    )
    with pytest.raises(TransientSendError, match=str(status)):
        NotifyBackend().send(message())


def test_an_unreachable_notify_is_retried(settings):
    settings.NOTIFY_API_KEY, settings.NOTIFY_BASE_URL = API_KEY, "http://127.0.0.1:9"
    with pytest.raises(TransientSendError):
        NotifyBackend().send(message())


def test_no_template_configured_is_permanent(notify_server):
    with pytest.raises(PermanentSendError, match="NOTIFY_TEMPLATE_CTL_WARNING"):
        NotifyBackend().send(message(template_id=""))


def test_queued_message_goes_through_notify_end_to_end(notify_server, addressed, case_a):
    record = services.notify(
        kind="ctl_warning",
        to=services.Recipient.for_user(addressed.prosecutor_a),
        personalisation={"name": "P A", "urn": case_a.urn, "expires_on": "1 May", "days_left": 7, "link": "x"},
        case_ids=[case_a.pk],
    )
    assert services.deliver(record.pk) == "sent"
    record.refresh_from_db()
    (received,) = FakeNotify.received
    assert record.provider_id and received["body"]["reference"] == record.reference
    assert received["body"]["template_id"] == TEMPLATE_ID and received["body"]["personalisation"]["urn"] == case_a.urn
