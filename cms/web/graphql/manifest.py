"""Apollo's persisted-query manifest: the list of operations client build tools exchange.

``@apollo/generate-persisted-query-manifest`` writes one from an app's source, with each operation
as the client will send it (``body``) and its ``id``, by default the SHA-256 of the body; Apollo
Client's ``generatePersistedQueryIdsFromManifest`` reads one to send ids instead of documents.
``cms queries register`` takes such a file, and ``--json`` writes one of what it registered::

    {"format": "apollo-persisted-query-manifest", "version": 1,
     "operations": [{"id": "<sha256>", "name": "Feed", "type": "query", "body": "query Feed {…}"}]}

Pure: text in, operations out, one exception type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import orjson

from cms.web.graphql.trusted import sha256_hex

FORMAT = "apollo-persisted-query-manifest"
VERSION = 1


class BadManifest(ValueError):
    """A file that is not a manifest this server can take (the message says why)."""


@dataclass(frozen=True, slots=True)
class ManifestOperation:
    """One operation: ``body`` is the whole document it is sent as."""

    id: str
    name: str
    type: str
    body: str


def read(text: str | bytes) -> list[ManifestOperation]:
    """The operations of a manifest, each with ``id`` the SHA-256 of its ``body``.

    Ids made otherwise (a custom generator) are refused: this server names documents by their
    SHA-256 only, which is what clients send as ``sha256Hash``.
    """
    try:
        manifest = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise BadManifest(f"not JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadManifest(f'not a manifest: expected {{"format": "{FORMAT}", ...}}')
    if manifest.get("version") != VERSION:
        raise BadManifest(f"manifest version {manifest.get('version')!r}: only {VERSION} is known")
    entries = manifest.get("operations")
    if not isinstance(entries, list):
        raise BadManifest("`operations` must be a list")
    return [_operation(entry, n) for n, entry in enumerate(entries)]


def _operation(entry: object, n: int) -> ManifestOperation:
    if not isinstance(entry, dict) or not all(
        isinstance(entry.get(key), str) for key in ("id", "name", "type", "body")
    ):
        raise BadManifest(f"operations[{n}] must have string `id`, `name`, `type` and `body`")
    operation = ManifestOperation(entry["id"], entry["name"], entry["type"], entry["body"])
    if operation.id.lower() != sha256_hex(operation.body):
        raise BadManifest(
            f"operations[{n}] ({operation.name}): `id` is not the SHA-256 of `body` (this server "
            "names documents by their SHA-256: generate the manifest with the default ids)"
        )
    return operation


def write(operations: Iterable[ManifestOperation]) -> str:
    """A manifest of ``operations``, as JSON text."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "operations": [asdict(operation) for operation in operations],
    }
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2).decode()
