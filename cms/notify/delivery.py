"""Webhook deliveries: claimed by one instance at a time, signed, sent, retried, recorded.

Each pending delivery (written with its event, :mod:`cms.notify.outbox`) is *claimed* for a
while (``claimed_until``) by one ``UPDATE`` (on PostgreSQL over ``FOR UPDATE SKIP LOCKED``, so
instances never wait on each other or take the same row), then sent outside any transaction:
the mutation that caused it has long been answered. A claim that outlives its process (killed
mid-send) expires and the delivery is sent again: receivers deduplicate on ``webhook-id``, as
Standard Webhooks asks.

Each request follows the Standard Webhooks specification: ``webhook-id`` (the event's id),
``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``, made by the
``standardwebhooks`` library), and the JSON body as stored. A 2xx answer is a success; a 410
disables the endpoint; anything else (another status, a timeout, a refused connection, a
redirect: none is followed) is retried with exponential backoff and jitter until
``webhook_retry_hours`` after the event, then the delivery is marked failed.

Before each request the host is resolved and every address checked (:func:`check_target`):
loopback, private, link-local (cloud metadata), multicast and reserved addresses, and IPv6
addresses that lead to one (IPv4-mapped, NAT64, 6to4), are refused unless the host is listed
in ``CMS_WEBHOOK_ALLOWED_HOSTS``. The request then goes to the checked
address itself (the host name kept for the ``Host`` header and TLS), so a DNS answer that
changes between the check and the connection cannot redirect it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks.webhooks import Webhook as Signer
from tortoise.transactions import in_transaction

from cms.core import db
from cms.core.clock import utc
from cms.core.metrics import DELIVERIES
from cms.models import DeliveryStatus, OutboxEvent, Webhook, WebhookDelivery
from settings import Settings

CLAIM_SECONDS = 120
"""How long a claimed delivery is this instance's to send (more than any request may take)."""

BATCH = 20
"""Deliveries claimed at once."""

FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 3600.0


class Refused(ValueError):
    """A target the CMS will not send to (the message says why)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt gave."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The allowed hosts as URLs name them (``urlsplit(url).hostname``: lower case, and an IPv6
    address without the brackets that ``CMS_WEBHOOK_ALLOWED_HOSTS=[::1]`` may give it)."""
    return frozenset(host.strip().strip("[]").lower() for host in settings.webhook_allowed_hosts)


def check_url(url: str, allowed: frozenset[str]) -> str:
    """``url`` if it may be a webhook endpoint: absolute, https (or http to an allowed host),
    no credentials in it, a host name that can be looked up; :class:`Refused` otherwise.
    Addresses are checked at delivery."""
    if any(char.isspace() or not char.isprintable() for char in url.strip()):
        raise Refused("The URL may not contain spaces or control characters.")
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        raise Refused("The URL must be an absolute https:// URL.")
    if not _lookable(host):
        raise Refused(f"The URL's host {host[:100]} is not a valid host name.")
    if parts.username is not None or parts.password is not None:
        raise Refused("The URL may not carry a user name or password.")
    if parts.scheme == "http" and host not in allowed:
        raise Refused("The URL must use https (http only for CMS_WEBHOOK_ALLOWED_HOSTS).")
    if len(url) > 2000:
        raise Refused("The URL is longer than 2,000 characters.")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise Refused("The URL's port is not a valid port.") from None
    return url.strip()


def _lookable(host: str) -> bool:
    """Whether ``host`` is an IP address, or a name DNS can be asked about (IDNA: no empty
    label, none longer than 63 characters)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host.encode("idna")
        except UnicodeError:
            return False
    return True


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""IPv6 addresses that a NAT64 gateway turns into the IPv4 address in their last 32 bits."""


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded(address)
        if inner is not None and _forbidden(inner):
            return True
    return not address.is_global or address.is_multicast


def _embedded(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address that ``address`` reaches through a translation (IPv4-mapped, NAT64,
    6to4), if any: ``64:ff9b::a9fe:a9fe`` is the metadata service to a host behind NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


async def check_target(url: str, allowed: frozenset[str], resolve_seconds: float = 10.0) -> str:
    """The address to connect to for ``url``, after resolving its host within
    ``resolve_seconds`` (a resolver that never answers must not hold the delivery loop);
    :class:`Refused` when any address it resolves to is not public (unless the host is
    allowed)."""
    check_url(url, allowed)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    lookup = asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    try:
        infos = await asyncio.wait_for(lookup, resolve_seconds)
    except TimeoutError:
        late = f"The host {host} could not be resolved within {resolve_seconds:g} s."
        raise Refused(late) from None
    except OSError as error:
        raise Refused(f"The host {host} cannot be resolved: {error.strerror or error}.") from None
    except UnicodeError:  # saved before check_url looked at host names
        raise Refused(f"The host {host[:100]} is not a valid host name.") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise Refused(f"The host {host} resolves to no address.")
    if host not in allowed:
        bad = next((a for a in addresses if _forbidden(a)), None)
        if bad is not None:
            raise Refused(f"The host {host} resolves to {bad}, which is not a public address.")
    return str(addresses[0])


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: 5 s, 10 s, 20 s ...
    doubling up to an hour, each with up to 25 % jitter either way (receivers that came back
    are not hit by every sender at once)."""
    base = min(FIRST_RETRY_SECONDS * 2.0 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    jitter: float = (rng or random).uniform(0.75, 1.25)
    return base * jitter


async def claim(now: datetime, limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due deliveries for this instance; their ids."""
    when = utc(now)
    locking = "" if db.dialect(db.connection()) == "sqlite" else " FOR UPDATE SKIP LOCKED"
    async with in_transaction():
        rows = await db.fetch(
            "UPDATE webhook_delivery SET claimed_until = ? WHERE id IN ("
            "SELECT id FROM webhook_delivery WHERE status = 'pending' AND next_attempt_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until < ?) "
            f"ORDER BY next_attempt_at, id LIMIT ?{locking}) RETURNING id",
            [when + timedelta(seconds=CLAIM_SECONDS), when, when, limit],
        )
    return sorted(int(row["id"]) for row in rows)


async def release(ids: list[int]) -> None:
    """Give up the claims on these deliveries (those still pending): due again at once."""
    await WebhookDelivery.filter(id__in=ids, status=DeliveryStatus.PENDING).update(
        claimed_until=None
    )


class Sender:
    """Sends claimed deliveries with one HTTP client (no redirects, a short timeout)."""

    def __init__(self, settings: Settings) -> None:
        self.allowed = allowed_hosts(settings)
        self.timeout = settings.webhook_timeout
        self.retry_window = timedelta(hours=settings.webhook_retry_hours)
        self.client = httpx.AsyncClient(
            timeout=settings.webhook_timeout, follow_redirects=False, trust_env=False
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def run_once(self, now: datetime, stopping: Callable[[], bool] = lambda: False) -> int:
        """Claim and send what is due at ``now``; how many were claimed. Once ``stopping()``,
        the rest are not sent; they, and the one in flight if the round is cancelled, are
        released for another instance to take at once (an error leaves its claims to expire,
        so that a failing round is not retried at once)."""
        ids = await claim(now)
        left = list(ids)
        try:
            while left and not stopping():
                await self.send(left[0], now)
                left.pop(0)
        except asyncio.CancelledError:  # stopped in flight: the receiver gets it again later
            await release(left)
            raise
        if left:
            await release(left)
        return len(ids)

    async def send(self, delivery_id: int, now: datetime) -> None:
        delivery = await WebhookDelivery.get_or_none(id=delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return
        hook = await Webhook.get(id=delivery.webhook_id)
        event = await OutboxEvent.get(id=delivery.event_id)
        if not hook.active:
            await _finish(delivery, DeliveryStatus.FAILED, now, "The endpoint is disabled.")
            return
        outcome = await self.attempt(hook, event)
        await self.record(delivery, hook, event, outcome, now)

    async def attempt(self, hook: Webhook, event: OutboxEvent) -> Outcome:
        started = time.perf_counter()
        try:
            address = await check_target(hook.url, self.allowed, self.timeout)
            response = await self._post(hook, event, address)
            code: int | None = response.status_code
            error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        except Refused as refused:
            code, error = None, str(refused)
        except httpx.TimeoutException:
            code, error = None, "The receiver did not answer in time."
        except httpx.HTTPError as failure:
            code, error = None, f"The request failed: {type(failure).__name__}."
        return Outcome(code, error[:500], round((time.perf_counter() - started) * 1000))

    async def _post(self, hook: Webhook, event: OutboxEvent, address: str) -> httpx.Response:
        parts = urlsplit(hook.url)
        host = parts.hostname or ""
        netloc = f"[{address}]" if ":" in address else address
        if parts.port is not None:
            netloc += f":{parts.port}"
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        timestamp = datetime.now(UTC)  # the receiver checks it against its own clock
        signature = Signer(hook.secret).sign(event.uid, timestamp, event.body)
        headers = {
            "host": parts.netloc.rpartition("@")[2],
            "content-type": "application/json",
            "user-agent": "cms-webhooks/1",
            "webhook-id": event.uid,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signature,
        }
        return await self.client.post(
            target,
            content=event.body.encode(),
            headers=headers,
            extensions={"sni_hostname": host} if parts.scheme == "https" else {},
        )

    async def record(
        self,
        delivery: WebhookDelivery,
        hook: Webhook,
        event: OutboxEvent,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        delivery.duration_ms = outcome.duration_ms
        if outcome.succeeded:
            await _finish(delivery, DeliveryStatus.SUCCEEDED, now)
            DELIVERIES.labels("delivered").inc()
        elif outcome.status_code == 410:
            await _disable(hook, "The receiver answered 410 Gone.")
            await _finish(delivery, DeliveryStatus.FAILED, now, outcome.error)
            DELIVERIES.labels("failed").inc()
        else:
            retry_at = utc(now) + timedelta(seconds=backoff(delivery.attempts))
            if retry_at > utc(event.occurred_at) + self.retry_window:
                await _finish(delivery, DeliveryStatus.FAILED, now, outcome.error)
                DELIVERIES.labels("failed").inc()
            else:
                DELIVERIES.labels("retry").inc()
                delivery.next_attempt_at = retry_at
                delivery.claimed_until = None
                await delivery.save()


async def _finish(
    delivery: WebhookDelivery, status: DeliveryStatus, now: datetime, error: str | None = None
) -> None:
    delivery.status = status
    delivery.finished_at = utc(now)
    delivery.next_attempt_at = None
    delivery.claimed_until = None
    if error is not None:
        delivery.last_error = error[:500]
    await delivery.save()


async def _disable(hook: Webhook, reason: str) -> None:
    hook.active = False
    hook.disabled_reason = reason
    await hook.save(update_fields=["active", "disabled_reason", "updated_at"])
