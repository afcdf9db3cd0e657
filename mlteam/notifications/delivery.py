"""Sending one webhook: where it may go (SSRF guard), how it is signed (Standard Webhooks) and
the HTTP POST itself. No redirects are followed; every attempt has a 5 s budget."""

import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from standardwebhooks.webhooks import Webhook

from mlteam.kernel.errors import InvalidInput

TIMEOUT_SECONDS = 5.0
EXCERPT = 500
# Cloud metadata services answer on these even where they are not link-local.
METADATA_HOSTS = {"metadata.google.internal", "metadata.goog"}
METADATA_ADDRESSES = {
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class UnsafeTarget(Exception):
    """The URL resolves somewhere a webhook must never reach (or is not a web URL)."""


def check_url_form(url: str) -> None:
    """What can be refused without a DNS lookup: scheme, credentials, a host, a port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise InvalidInput("invalid_url", "This is not a valid URL.") from None
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidInput("invalid_url", "A URL has no spaces or control characters.")
    if parts.scheme not in {"http", "https"}:
        raise InvalidInput("invalid_url", "A webhook URL starts with https:// (or http://).")
    if parts.username or parts.password:
        raise InvalidInput(
            "invalid_url", "Put no credentials in a webhook URL; receivers verify the signature."
        )
    if not parts.hostname:
        raise InvalidInput("invalid_url", "A webhook URL needs a host name.")


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in METADATA_ADDRESSES
    )


def check_target(url: str) -> None:
    """Resolve the host now (at send time, so a DNS change cannot slip past a check made when
    the subscription was saved) and refuse it when any address is internal."""
    try:
        check_url_form(url)
    except InvalidInput as error:
        raise UnsafeTarget(error.message) from None
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    parts = urlsplit(url)
    host = parts.hostname.rstrip(".").lower()
    if host in METADATA_HOSTS:
        raise UnsafeTarget(f"{host} is a cloud metadata service.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise UnsafeTarget(f"{host} does not resolve ({error.strerror}).") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if _forbidden(address):
            raise UnsafeTarget(
                f"{host} resolves to {address}, an internal address; webhooks only go to public "
                "hosts (set WEBHOOK_ALLOW_PRIVATE=true for receivers on your own network)."
            )


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    signature = Webhook(secret).sign(message_id, moment, body)
    return {
        "content-type": "application/json",
        "user-agent": "mlteam-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    response_excerpt: str
    error: str

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """Timeouts, connection errors, 5xx and 429 may succeed later; other answers will not."""
        if self.status_code is None:
            return not self.error.startswith("refused:")
        return self.status_code >= 500 or self.status_code == 429


def send(url: str, secret: str, message_id: str, payload: dict) -> Outcome:
    import httpx  # here: the worker sends, the app servers that import this module never do

    body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    started = time.monotonic()
    try:
        check_target(url)
    except UnsafeTarget as refusal:
        return Outcome(None, 0, "", f"refused: {refusal}")
    headers = signed_headers(secret, message_id, int(time.time()), body)
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.post(url, content=body.encode(), headers=headers)
    except httpx.TimeoutException:
        return Outcome(None, _ms(started), "", "timed out after 5 s")
    except httpx.HTTPError as error:
        return Outcome(None, _ms(started), "", f"connection failed: {type(error).__name__}")
    return Outcome(response.status_code, _ms(started), response.text[:EXCERPT], "")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
