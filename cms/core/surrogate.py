"""Surrogate keys: which objects an anonymous answer shows, so that a CDN in front can drop
exactly the answers a change touches (``Surrogate-Key``, or the name in
``CMS_SURROGATE_KEY_HEADER``: Fastly reads ``Surrogate-Key``, Cloudflare ``Cache-Tag``).

While a GraphQL operation runs (:func:`recording`), every object the answer is made of records
its key as it is turned into a GraphQL object (``article:12``, ``author:3``, ``event:``,
``image:``, ``section:``, ``tag:``, ``collection:``), every list of articles records
``articles`` and the lists of sections, tags and collections ``sections``, ``tags``,
``collections``: no statement, one dictionary insertion per object. The keys are kept in order of
appearance; an answer showing more than :data:`MAX_IDS` objects names the first
:data:`MAX_IDS` and ``articles`` (bounded header, about 1 KB). A CDN purges ``article:<id>``
and ``articles`` when an article's public face changes, ``<kind>:<id>`` when another object
changes, and the list's key when one is made: the ``cache.purge`` webhook event
(:mod:`cms.notify.outbox`) lists them, written with the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "ARTICLES",
    "MAX_IDS",
    "header_value",
    "record",
    "record_articles",
    "record_list",
    "recording",
]

ARTICLES = "articles"
"""The key of every answer that lists articles (a new publication may change any list)."""

MAX_IDS = 64
"""Most object keys one header names; past it, ``articles`` stands for the rest."""

_keys: ContextVar[dict[str, None] | None] = ContextVar("cms_surrogate_keys", default=None)


@contextmanager
def recording() -> Iterator[dict[str, None]]:
    """Record the keys of what is built inside the block (the tasks it starts included)."""
    keys: dict[str, None] = {}
    _keys.set(keys)
    try:
        yield keys
    finally:
        _keys.set(None)


def record(kind: str, pk: int) -> None:
    """The answer shows object ``pk`` of ``kind`` (``article``, ``author``...)."""
    keys = _keys.get()
    if keys is not None:
        keys[f"{kind}:{pk}"] = None


def record_articles() -> None:
    """The answer holds a list of articles."""
    record_list(ARTICLES)


def record_list(key: str) -> None:
    """The answer holds a list: ``articles``, ``sections``, ``tags`` or ``collections`` (a new
    one of them changes it)."""
    keys = _keys.get()
    if keys is not None:
        keys[key] = None


def header_value(keys: dict[str, None]) -> str:
    """The header's value for ``keys``: ``articles`` first if present, then at most
    :data:`MAX_IDS` object keys (``articles`` added when some were left out)."""
    ids = [key for key in keys if key != ARTICLES]
    listed = ARTICLES in keys or len(ids) > MAX_IDS
    return " ".join([ARTICLES, *ids[:MAX_IDS]] if listed else ids)
