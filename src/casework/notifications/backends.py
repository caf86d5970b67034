"""Where e-mail goes: GOV.UK Notify in production; the console, a directory or memory otherwise.

Every backend takes the same message (template id, address, personalisation, reference) and
returns the provider's id for it. A backend raises TransientSendError for failures worth retrying
(rate limits, Notify's 5xx, the network) and PermanentSendError for those that never will succeed
(a bad template id or address, a key without permission).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("casework.notifications")


@dataclass(frozen=True)
class Message:
    kind: str
    template_id: str
    email_address: str
    personalisation: dict[str, Any]
    reference: str


class SendError(Exception):
    pass


class TransientSendError(SendError):
    pass


class PermanentSendError(SendError):
    pass


class Backend(Protocol):
    name: str

    def send(self, message: Message) -> str: ...


class ConsoleBackend:
    """Writes each message to the log: for the demo and local development."""

    name = "console"

    def send(self, message: Message) -> str:
        lines = [f"E-mail ({message.kind}) to {message.email_address}, template {message.template_id or '(none)'}:"]
        lines += [f"  {key}: {value}" for key, value in message.personalisation.items()]
        logger.info("\n".join(lines))
        return f"console-{uuid.uuid4()}"


class FileBackend:
    """One JSON file a message in NOTIFICATIONS_FILE_DIR: for tests and demos that read the mail."""

    name = "file"

    def send(self, message: Message) -> str:
        directory = Path(settings.NOTIFICATIONS_FILE_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        provider_id = str(uuid.uuid4())
        path = directory / f"{message.reference}.json"
        path.write_text(json.dumps({**asdict(message), "id": provider_id}, indent=2, sort_keys=True))
        return provider_id


#: Messages sent by the memory backend, for tests (like Django's locmem mail outbox).
outbox: list[Message] = []


class MemoryBackend:
    name = "memory"

    def send(self, message: Message) -> str:
        outbox.append(message)
        return f"memory-{len(outbox)}"


class NotifyBackend:
    """GOV.UK Notify's send-email endpoint, through the official client."""

    name = "notify"

    def __init__(self) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(
            settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=settings.NOTIFY_TIMEOUT_SECONDS
        )

    def send(self, message: Message) -> str:
        from notifications_python_client.errors import APIError

        if not message.template_id:
            raise PermanentSendError(
                f"No template id is configured for {message.kind} (NOTIFY_TEMPLATE_{message.kind.upper()})."
            )
        try:
            response = self.client.send_email_notification(
                email_address=message.email_address,
                template_id=message.template_id,
                personalisation=message.personalisation,
                reference=message.reference,
                email_reply_to_id=settings.NOTIFY_REPLY_TO_ID or None,
            )
        except APIError as error:
            status = error.status_code
            text = f"GOV.UK Notify answered {status}: {error.message}"
            # 429: rate or daily limit; 5xx and 503 (the client's own code for a network failure): try again.
            if status == 429 or status >= 500:
                raise TransientSendError(text) from error
            raise PermanentSendError(text) from error
        return str(response.get("id", ""))


BACKENDS = {"console": ConsoleBackend, "file": FileBackend, "memory": MemoryBackend, "notify": NotifyBackend}


def get_backend() -> Backend:
    name = settings.NOTIFICATIONS_BACKEND
    factory: Any = BACKENDS.get(name) or import_string(name)
    backend: Backend = factory()
    return backend
