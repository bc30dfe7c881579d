"""Rendition URLs: signed, so that only the renditions this CMS hands out can be made.

A path below ``/media/`` reads ``r/<content hash>/<name>-<signature>.<extension>``::

    r/9f86d0…0a08/640x360-f500-300-0c1f2e…77.webp

The signature is HMAC-SHA256 over the hash, name and extension with the instances' shared key
(:mod:`cms.core.signing`), cut to 128 bits. Making one up, or changing a width, a focal point
or a format, gives a path that :meth:`RenditionUrls.parse` refuses before any work is done.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from cms.media.renditions import BY_EXTENSION, FOCAL_STEPS, Policy, Rendition

SIGNATURE_CHARS = 32
"""Hex digits of the signature kept in URLs: 128 bits."""

_PATH = re.compile(
    r"r/(?P<hash>[0-9a-f]{64})/"
    r"(?P<name>(?P<w>[1-9][0-9]{0,4})x(?P<h>[1-9][0-9]{0,5})"
    r"(?:-f(?P<fx>[0-9]{1,4})-(?P<fy>[0-9]{1,4}))?)"
    rf"-(?P<sig>[0-9a-f]{{{SIGNATURE_CHARS}}})\.(?P<ext>[a-z]{{3,4}})"
)


class NotStarted(RuntimeError):
    """The signing key was asked for before the app's start-up read it."""


class RenditionUrls:
    """Signs rendition paths and checks them. The key arrives at start-up (:meth:`start`)."""

    def __init__(self, policy: Policy, key: bytes | None = None) -> None:
        self.policy = policy
        self._key = key

    def start(self, key: bytes) -> None:
        """Use ``key`` from now on (the app's lifespan calls this before serving)."""
        self._key = key

    def path(self, rendition: Rendition) -> str:
        """The rendition's path below ``/media/``, signed."""
        ext = rendition.format.extension
        signature = self._sign(rendition.content_hash, rendition.name, ext)
        return f"r/{rendition.content_hash}/{rendition.name}-{signature}.{ext}"

    def parse(self, path: str) -> Rendition | None:
        """The rendition a path names, or None unless it is one this CMS signed, written exactly
        as it writes it (no leading zeros, no other spelling of the same rendition)."""
        found = _PATH.fullmatch(path)
        if found is None or (fmt := BY_EXTENSION.get(found["ext"])) is None:
            return None
        focal = None if found["fx"] is None else (int(found["fx"]), int(found["fy"]))
        rendition = Rendition(found["hash"], int(found["w"]), int(found["h"]), fmt, focal)
        if rendition.name != found["name"] or not self._plausible(rendition):
            return None
        expected = self._sign(rendition.content_hash, rendition.name, found["ext"])
        return rendition if hmac.compare_digest(expected, found["sig"]) else None

    def _plausible(self, rendition: Rendition) -> bool:
        """What no signed rendition can break, checked even before the signature."""
        focal_ok = rendition.focal is None or max(rendition.focal) <= FOCAL_STEPS
        return rendition.width <= self.policy.widths[-1] and focal_ok

    def _sign(self, content_hash: str, name: str, extension: str) -> str:
        if self._key is None:
            raise NotStarted("rendition URLs are signed only once the app has started")
        message = f"rendition:{content_hash}/{name}.{extension}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:SIGNATURE_CHARS]
