"""Global IDs: one encoder for the API and the content events, and a strict decoder."""

from __future__ import annotations

import base64

import pytest

from cms.core import ids
from cms.core.errors import InvalidId
from schema.types.node import to_global_id


def test_an_id_is_the_base64_of_type_and_key_and_reads_back() -> None:
    assert ids.to_global_id("Article", 1) == "QXJ0aWNsZTox"
    assert ids.from_global_id(ids.to_global_id("Image", ids.MAX_PK)) == ("Image", ids.MAX_PK)
    assert to_global_id("Author", 7) == ids.to_global_id("Author", 7)


@pytest.mark.parametrize(
    "raw",
    [b"Article:0", b"Article:-1", b"Article:01", b"Article: 1", b":1", b"Article", b"Article:x"],
)
def test_text_that_no_object_of_ours_has_is_no_id(raw: bytes) -> None:
    with pytest.raises(InvalidId) as refused:
        ids.from_global_id(base64.b64encode(raw).decode(), "coverId")
    assert refused.value.field == "coverId"


def test_keys_beyond_the_column_and_long_text_are_no_ids() -> None:
    too_big = ids.to_global_id("Article", ids.MAX_PK + 1)
    for value in (too_big, "not base64!", "A" * (ids.MAX_ID_LENGTH + 1)):
        with pytest.raises(InvalidId):
            ids.from_global_id(value)


def test_an_id_of_another_type_names_the_type_wanted() -> None:
    assert ids.pk_of(ids.to_global_id("Event", 3), "Event", "eventId") == 3
    with pytest.raises(InvalidId, match="must be the ID of an Event") as refused:
        ids.pk_of(ids.to_global_id("Author", 3), "Event", "eventId")
    assert refused.value.field == "eventId"
