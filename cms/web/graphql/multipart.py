"""Upload requests (the GraphQL multipart request spec), read as they arrive.

A request is three kinds of part, in this order: ``operations`` (the GraphQL request as JSON,
each file a ``null``), ``map`` (which file part goes to which ``null``: ``{"0":
["variables.input.file"]}``) and the files. Each file part is written to a temporary file as
it arrives (:class:`~cms.media.spool.Spool`: counted against the per-file limit, hashed),
never held in memory whole. A browser form posted from another site cannot send one: the
request must carry one of :data:`CSRF_HEADERS`, which makes browsers ask first (CORS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from cms.core.errors import ImageTooLarge, Unauthenticated
from cms.media.spool import Spool, file_name
from cms.media.uploads import UploadedFile, UploadLimits
from cms.web.body import BadBody, decode_object
from cms.web.errors import Refused
from cms.web.request import RequestState, request_state

CSRF_HEADERS = ("apollo-require-preflight", "graphql-require-preflight", "x-apollo-operation-name")
"""Headers a cross-site form cannot send: one must come with every multipart request."""

FIELDS = ("operations", "map")


def has_csrf_header(headers: Mapping[str, str]) -> bool:
    return any(headers.get(name) for name in CSRF_HEADERS)


async def check_sender(request: Request) -> None:
    """Refuse, before the body is read, a multipart request without a CSRF header (400) or
    without credentials (401): anonymous readers upload nothing."""
    if not has_csrf_header(request.headers):
        raise Refused(
            400,
            "A multipart request must carry an Apollo-Require-Preflight (or "
            "GraphQL-Require-Preflight, or X-Apollo-Operation-Name) header, against cross-site "
            "request forgery.",
        )
    try:
        viewer = await request_state(request.scope).viewer()
    except Unauthenticated as error:
        raise Refused.bad_token(error.message) from None
    if not viewer.signed_in:
        raise Refused(401, "Sign in to upload images: send `Authorization: Bearer <token>`.")


async def read_operations(request: Request, limits: UploadLimits) -> dict[str, Any]:
    """The request's ``operations`` with each mapped ``null`` replaced by its
    :class:`UploadedFile`; :class:`Refused` if the request breaks the spec or a limit."""
    state = request_state(request.scope)
    reader = _Reader(state, limits)
    try:
        fields, files = await reader.read(request)
    except BaseException:
        await discard(state)
        raise
    return _placed(fields, files)


async def discard(state: RequestState) -> None:
    """Remove every temporary file of the request (call when it has been answered)."""
    spools, state.spools = state.spools or [], None
    for spool in spools:
        await spool.discard()


class _Reader:
    """python-multipart's callbacks, collecting fields in memory (bounded) and files on disk."""

    def __init__(self, state: RequestState, limits: UploadLimits) -> None:
        self.state, self.limits = state, limits
        self.fields: dict[str, str] = {}
        self.files: dict[str, UploadedFile] = {}
        self._headers: dict[bytes, bytes] = {}
        self._name, self._value = b"", b""
        self._field: str | None = None
        self._data = bytearray()
        self._file: UploadedFile | None = None
        self._pending: list[tuple[Spool, bytes]] = []

    async def read(self, request: Request) -> tuple[dict[str, str], dict[str, UploadedFile]]:
        parser = MultipartParser(_boundary(request), self._callbacks())  # type: ignore[arg-type]
        try:
            async for chunk in request.stream():
                parser.write(chunk)
                await self._flush()
            parser.finalize()
        except MultipartParseError:
            raise Refused(400, "The multipart body is malformed.") from None
        except ImageTooLarge as error:
            raise Refused(413, error.message) from None
        await self._flush()
        for uploaded in self.files.values():
            await uploaded.spool.finish()
        return self.fields, self.files

    def _callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._add_name(d[s:e]),
            "on_header_value": lambda d, s, e: self._add_value(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": lambda d, s, e: self._part_data(d[s:e]),
            "on_part_end": self._part_end,
        }

    def _begin(self) -> None:
        self._headers, self._field, self._file = {}, None, None
        self._data = bytearray()

    def _add_name(self, data: bytes) -> None:
        self._name += data

    def _add_value(self, data: bytes) -> None:
        self._value += data

    def _header_end(self) -> None:
        self._headers[self._name.lower()] = self._value
        self._name, self._value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self._start_field(name)
        else:
            self._start_file(name, options[b"filename"].decode("utf-8", "replace"))

    def _start_field(self, name: str) -> None:
        if name not in FIELDS or name in self.fields:
            raise Refused(400, f"Unexpected form field {name[:40]!r}: send operations, then map.")
        self._field = name

    def _start_file(self, name: str, filename: str) -> None:
        if "map" not in self.fields:
            raise Refused(400, "Files must come after the operations and map fields.")
        photos = self.limits.photos
        if name in self.files or len(self.files) >= photos.max_files:
            raise Refused(413, f"At most {photos.max_files} files per request.")
        kept = file_name(filename)
        spool = Spool(photos.tmp_dir, photos.max_bytes, kept)
        if self.state.spools is None:
            self.state.spools = []
        self.state.spools.append(spool)
        content_type = self._headers.get(b"content-type", b"").decode("latin-1")
        self._file = UploadedFile(spool, kept, content_type)
        self.files[name] = self._file

    def _part_data(self, data: bytes) -> None:
        if self._file is not None:
            self._pending.append((self._file.spool, bytes(data)))
            return
        self._data.extend(data)
        if len(self._data) > self.limits.field_bytes:
            raise Refused(413, f"The {self._field} field is over {self.limits.field_bytes} bytes.")

    def _part_end(self) -> None:
        if self._field is not None:
            self.fields[self._field] = self._data.decode("utf-8", "replace")

    async def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for spool, data in pending:
            await spool.write(data)


def _boundary(request: Request) -> bytes:
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise Refused(400, "The multipart body has no boundary.")
    return boundary


def _placed(fields: dict[str, str], files: dict[str, UploadedFile]) -> dict[str, Any]:
    """``operations`` with its nulls replaced by the files ``map`` names."""
    try:
        operations = decode_object(fields.get("operations", ""), "The operations field")
        mapping = decode_object(fields.get("map", ""), "The map field")
    except BadBody as error:
        raise Refused(400, str(error)) from None
    if set(mapping) != set(files):
        raise Refused(400, "The map must name every file part, and only those.")
    for name, paths in mapping.items():
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise Refused(400, f"map.{name[:40]} must be a list of paths such as variables.file.")
        for path in paths:
            _place(operations, path, files[name])
    return operations


def _place(operations: dict[str, Any], path: str, file: UploadedFile) -> None:
    *parents, last = path.split(".")
    target: Any = operations
    try:
        if parents[:1] != ["variables"]:
            raise LookupError
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        index: int | str = int(last) if isinstance(target, list) else last
        if target[index] is not None:
            raise LookupError
        target[index] = file
    except (LookupError, ValueError, TypeError):
        raise Refused(400, f"The map path {path[:80]!r} is not a null in the variables.") from None
