"""Server-side request forgery: what webhook URLs may be, and where deliveries may go.

At ``webhookCreate`` a URL must be https, or plain http to a host in
``CMS_WEBHOOK_ALLOWED_HOSTS`` (here ``127.0.0.1``). At delivery the host is resolved and every
address checked: loopback, private, link-local (the cloud metadata address), IPv6 loopback and
IPv4-mapped addresses are refused unless the host is allowed; the refusal is recorded and
nothing is sent. No redirect is followed; a receiver that does not answer in time fails.
"""

from __future__ import annotations

import pytest

from cms.models import OutboxEvent, Webhook
from cms.notify import delivery
from settings import Settings
from tests.editing.helpers import post, published
from tests.notify.conftest import Deliver
from tests.notify.helpers import CREATE, Receiver, create_webhook, deliveries, webhooks

pytestmark = pytest.mark.database("sqlite", "postgres")

TIMEOUT = 0.5
"""``webhook_timeout`` in these tests: a receiver that takes longer has failed."""


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_timeout": TIMEOUT})


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://example.org/hook", "https"),
        ("http://localhost:8000/hook", "https"),
        ("http://127.0.0.1.nip.io/hook", "https"),
        ("ftp://example.org/hook", "https"),
        ("/hook", "absolute"),
        ("https://", "absolute"),
        ("https://user:password@example.org/hook", "password"),
        ("https://example.org:99999/hook", "port"),
        ("https://example.org/" + "a" * 2000, "2,000"),
        ("https://exa mple.org/hook", "space"),
        ("https://example.org/\nhook", "space"),
        ("https://a..b/hook", "host name"),
        ("https://" + "a" * 64 + ".example.org/hook", "host name"),
    ],
)
async def test_webhook_create_refuses_unsafe_urls(client, admin, url, why):
    body = await post(
        client, CREATE, {"input": {"url": url, "events": ["ARTICLE_PUBLISHED"]}}, admin
    )
    answer = body["data"]["webhookCreate"]
    assert (answer["__typename"], answer["code"], answer["field"]) == (
        "ValidationError",
        "VALIDATION",
        "url",
    )
    assert why in answer["message"]
    assert await webhooks(client, admin) == []


async def test_a_nul_in_a_webhook_url_is_refused_before_anything_runs(client, admin):
    """NUL characters are refused for every argument at the transport (issue 17): a request
    error with the input's path, not the mutation's own ``ValidationError``."""
    variables = {
        "input": {"url": "https://example.org/ho\u0000ok", "events": ["ARTICLE_PUBLISHED"]}
    }
    body = await post(client, CREATE, variables, admin)
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "input.url"}
    assert await webhooks(client, admin) == []


async def test_https_and_allowed_http_urls_are_taken(client, admin, receiver):
    for url in ("https://hooks.example.org/cms?key=1", receiver.url()):
        made = await create_webhook(client, admin, url)
        assert made["webhook"]["url"] == url
    assert len(await webhooks(client, admin)) == 2


FORBIDDEN_TARGETS = [
    "https://localhost:{port}/hook",  # a name for a loopback address
    "https://127.0.0.2:{port}/hook",
    "https://2130706433:{port}/hook",  # 127.0.0.1 written as one number
    "https://0.0.0.0:{port}/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "https://[::1]:{port}/hook",
    "https://[::ffff:127.0.0.1]:{port}/hook",  # IPv4-mapped loopback
    "https://[::ffff:169.254.169.254]/latest/meta-data/",
    "https://[fe80::1]/hook",
    "https://[fd00:ec2::254]/latest/meta-data/",  # the metadata service over IPv6
    "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # the same through a NAT64 gateway
    "https://[2002:7f00:1::1]:{port}/hook",  # 6to4 of 127.0.0.1
]


@pytest.mark.parametrize("template", FORBIDDEN_TARGETS)
async def test_deliveries_to_internal_addresses_are_refused(
    receiver: Receiver, client, admin, editor, deliver: Deliver, template: str
):
    url = template.format(port=receiver.port)
    await create_webhook(client, admin, url)  # https: taken, checked again at delivery
    await published(client, editor)
    await deliver()

    [refused] = await deliveries(client, admin)
    assert (refused["status"], refused["attempts"], refused["httpStatus"]) == ("PENDING", 1, None)
    assert "not a public address" in refused["lastError"], refused["lastError"]
    assert refused["nextAttemptAt"] is not None
    assert receiver.requests == []


@pytest.mark.parametrize("host", ["localhost", "[::ffff:127.0.0.1]"])
async def test_plain_http_to_a_host_no_longer_allowed_sends_nothing(
    receiver: Receiver, client, admin, editor, deliver: Deliver, settings: Settings, host: str
):
    """An http endpoint made while its host was allowed (``CMS_WEBHOOK_ALLOWED_HOSTS`` has
    changed since) is refused at delivery, before any connection; with the host allowed again
    the same endpoint works."""
    url = f"http://{host}:{receiver.port}/hook"
    was_allowed = frozenset({host.strip("[]"), host})
    await Webhook.create(
        url=delivery.check_url(url, was_allowed),
        events=["article.published"],
        secret="whsec_" + "A" * 43 + "=",
    )
    await published(client, editor)
    await deliver()
    [refused] = await deliveries(client, admin)
    assert refused["httpStatus"] is None and "https" in refused["lastError"]
    assert receiver.requests == []

    allowing = delivery.Sender(settings.model_copy(update={"webhook_allowed_hosts": [host]}))
    try:
        outcome = await allowing.attempt(
            await Webhook.get(), await OutboxEvent.exclude(type="cache.purge").get()
        )
    finally:
        await allowing.close()
    assert (outcome.status_code, outcome.error) == (200, "")
    assert [r.path for r in receiver.requests] == ["/hook"]


async def test_a_host_that_cannot_be_looked_up_is_recorded_and_the_rest_go_on(
    receiver: Receiver, client, admin, editor, deliver: Deliver
):
    """An endpoint saved before its URL's host was checked (an empty label: no name lookup
    can even be asked) fails its own delivery, recorded; the other endpoints' go out."""
    await Webhook.create(
        url="https://a..b/hook", events=["article.published"], secret="whsec_" + "A" * 43 + "="
    )
    await create_webhook(client, admin, receiver.url())
    await published(client, editor)
    await deliver()

    assert len(receiver.requests) == 1
    hooks = {hook["url"]: hook for hook in await webhooks(client, admin)}
    broken, sent = hooks["https://a..b/hook"], hooks[receiver.url()]
    [failed] = broken["deliveries"]["nodes"]
    assert (failed["status"], failed["attempts"], failed["httpStatus"]) == ("PENDING", 1, None)
    assert "host name" in failed["lastError"]
    assert sent["deliveries"]["nodes"][0]["status"] == "SUCCEEDED"


async def test_redirects_are_not_followed(receiver: Receiver, client, admin, editor, deliver):
    await create_webhook(client, admin, receiver.url("/moved"))
    await published(client, editor)
    await deliver()

    [moved] = await deliveries(client, admin)
    assert (moved["status"], moved["httpStatus"], moved["lastError"]) == (
        "PENDING",
        302,
        "HTTP 302",
    )
    assert [r.path for r in receiver.requests] == ["/moved"]
    assert receiver.at("/target") == []


async def test_a_receiver_slower_than_the_timeout_fails(
    receiver: Receiver, client, admin, editor, deliver
):
    receiver.delay = TIMEOUT * 4
    await create_webhook(client, admin, receiver.url())
    await published(client, editor)
    await deliver()

    [slow] = await deliveries(client, admin)
    assert (slow["status"], slow["attempts"], slow["httpStatus"]) == ("PENDING", 1, None)
    assert "in time" in slow["lastError"]
    assert slow["durationMs"] < TIMEOUT * 4 * 1000  # it did not wait for the answer
    assert len(receiver.requests) == 1
