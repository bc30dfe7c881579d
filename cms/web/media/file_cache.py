"""Small stored files kept in memory, for answering without reading them again.

Only for files whose key names their content (renditions): the bytes under such a key never
change. Each answer still asks the store whether the file is there and unchanged (its size and
time of writing), so a deleted file is never served from here.
"""

from __future__ import annotations

from collections import OrderedDict

from cms.media.storage import MediaStat

MAX_ENTRY_BYTES = 512 * 1024
"""Larger files are not kept: their answer is dominated by sending them anyway."""


class FileCache:
    """The most recently used small files, at most ``max_bytes`` of them in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[bytes, MediaStat]] = OrderedDict()
        self._size = 0

    def get(self, key: str, found: MediaStat) -> bytes | None:
        """The bytes kept for ``key`` if they are those the store has now (``found``)."""
        entry = self._entries.get(key)
        if entry is None or entry[1] != found:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def wants(self, found: MediaStat) -> bool:
        """Whether a file of this size would be kept."""
        return found.size <= min(MAX_ENTRY_BYTES, self.max_bytes)

    def put(self, key: str, data: bytes, found: MediaStat) -> None:
        """Keep ``data`` (the file ``found`` describes), forgetting the least recently used."""
        if len(data) != found.size or not self.wants(found):
            return
        self.forget(key)
        self._entries[key] = (data, found)
        self._size += len(data)
        while self._size > self.max_bytes:
            _, (old, _) = self._entries.popitem(last=False)
            self._size -= len(old)

    def forget(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._size -= len(entry[0])
