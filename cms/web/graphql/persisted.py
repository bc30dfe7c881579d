"""Persisted queries: documents sent once and then named by their SHA-256.

Two kinds, one protocol (Apollo's: ``extensions.persistedQuery = {version: 1, sha256Hash}``):

- **Automatic** (APQ). A client sends the hash alone; the first time, the answer is the error
  ``PersistedQueryNotFound`` and the client sends the hash with the document, which runs and, if
  it parsed and validated, is remembered, so that the next request (a GET, cacheable by a CDN)
  needs only the hash. Remembered documents live in each process's memory, least recently used
  out beyond :data:`AUTOMATIC_BYTES`: anonymous clients can make the server keep documents, but
  only valid ones, within a fixed budget, and never in the database. Behind a load balancer each
  instance learns a document once (one more round trip for the client).
- **Trusted documents**, registered by an operator (``cms queries register``) in the database that
  every instance shares. With ``CMS_PERSISTED_QUERIES_ONLY`` they are the only documents anonymous
  clients may run (by hash, or as their exact text); signed-in clients may run anything. In that
  mode every anonymous request the response cache does not answer looks its document up (one
  statement by primary key), so a removed document stops running at once; its answers kept by
  the cache go too, since removing raises the content version.
"""

from __future__ import annotations

from collections import OrderedDict

from cms.web.errors import Refused
from cms.web.graphql import trusted as registry
from cms.web.graphql.params import persisted_query

AUTOMATIC_BYTES = 4 * 1024 * 1024
"""Memory for automatically persisted documents, per process."""

AUTOMATIC_MAX_DOCUMENT = 64 * 1024
"""The longest document remembered automatically (a longer one runs, but is not kept)."""

NOT_FOUND = "PersistedQueryNotFound"
"""The message Apollo clients look for (they also read the code) before sending the document."""


def requested_hash(extensions: object) -> str | None:
    """The ``sha256Hash`` a request's ``extensions`` names, or ``None`` if it names none.

    A ``persistedQuery`` that is not ``{version: 1, sha256Hash: <64 hex digits>}`` is refused.
    """
    persisted = persisted_query(extensions)
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise _bad("`extensions.persistedQuery` must be an object.")
    if persisted.get("version") != 1:
        raise _bad("Unsupported persisted query version: send `version: 1`.")
    sha = persisted.get("sha256Hash")
    key = registry.normal_hash(sha) if isinstance(sha, str) else None
    if key is None:
        raise _bad("`extensions.persistedQuery.sha256Hash` must be a SHA-256 in hexadecimal.")
    return key


def check_hash(key: str, document: str) -> None:
    """Refuse a document sent with a hash that is not its own."""
    if registry.sha256_hex(document) != key:
        raise _bad("`sha256Hash` is not the SHA-256 of the document sent with it.")


def not_found() -> Refused:
    """``PersistedQueryNotFound``: ``200`` as Apollo Server answers it to ``application/json``;
    ``404`` for the spec's media type, which must not be 2xx without ``data`` (and not ``400``,
    which older Apollo Clients take to mean "this server has no persisted queries")."""
    return Refused(404, NOT_FOUND, code="PERSISTED_QUERY_NOT_FOUND", json_status=200)


def untrusted() -> Refused:
    """A document that is not registered, from an anonymous client in trusted-documents mode."""
    return Refused(
        403,
        "This server runs only registered documents for anonymous clients: send a registered "
        "document, or its `extensions.persistedQuery.sha256Hash` (signed-in clients may send any).",
        code="PERSISTED_QUERY_REQUIRED",
        json_status=200,
    )


def _bad(message: str) -> Refused:
    return Refused(400, message)


class PersistedQueries:
    """One process's automatically persisted documents, in front of the registered ones (see
    the module doc)."""

    def __init__(
        self, max_bytes: int = AUTOMATIC_BYTES, max_document: int = AUTOMATIC_MAX_DOCUMENT
    ) -> None:
        self.max_bytes = max_bytes
        self.max_document = max_document
        self._automatic: OrderedDict[str, str] = OrderedDict()
        self._size = 0

    def __len__(self) -> int:
        return len(self._automatic)

    async def find(self, key: str, *, automatic: bool) -> str | None:
        """The document with this key, ``None`` if there is none. With ``automatic``, documents
        clients registered in this process count too, and a registered one found in the
        database is remembered with them (no statement the next time)."""
        if not automatic:
            return await registry.document(key)
        if (found := self._automatic.get(key)) is not None:
            self._automatic.move_to_end(key)
            return found
        found = await registry.document(key)
        if found is not None:
            self.remember(key, found)
        return found

    async def registered(self, key: str) -> str | None:
        """The document registered under this key, as the database says now."""
        return await registry.document(key)

    def remember(self, key: str, document: str) -> None:
        """Keep a document a client registered (it parsed and validated), within the budget."""
        size = len(document.encode("utf-8", "surrogatepass"))
        if size > self.max_document or size > self.max_bytes:
            return
        if key in self._automatic:
            self._automatic.move_to_end(key)
            return
        self._automatic[key] = document
        self._size += size
        while self._size > self.max_bytes:
            _, dropped = self._automatic.popitem(last=False)
            self._size -= len(dropped.encode("utf-8", "surrogatepass"))
