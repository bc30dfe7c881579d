"""The key that signs URLs, the same on every instance: from ``CMS_SECRET_KEY`` or the database.

Unset, the secret is the random one migration 0006 stored in ``instance_secret`` (every instance
of one site shares its database, so they share it too); it is read once, at start-up. A missing
row (deleted by hand) is made again, and then every earlier URL stops working, as it does when
``CMS_SECRET_KEY`` changes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextlib import suppress

from pydantic import SecretStr
from tortoise.exceptions import IntegrityError

from cms.models import InstanceSecret

SIGNING = "signing"
"""The name of the stored secret (as migration 0006 writes it)."""

PURPOSE = b"cms rendition urls"
"""What the key derived from the secret is for: another use would derive its own."""


async def signing_key(configured: SecretStr | None) -> bytes:
    """The key that signs rendition URLs (32 bytes), derived from the shared secret."""
    secret = configured.get_secret_value() if configured else await _stored()
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


async def _stored() -> str:
    """The database's secret; made now if its row is missing (the first instance's wins)."""
    found = await InstanceSecret.filter(name=SIGNING).values_list("value", flat=True)
    if not found:
        with suppress(IntegrityError):  # another instance made it meanwhile: theirs stands
            await InstanceSecret.create(name=SIGNING, value=secrets.token_urlsafe(48))
        found = await InstanceSecret.filter(name=SIGNING).values_list("value", flat=True)
    return str(found[0])
