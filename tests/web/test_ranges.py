"""The Range parser (cms/web/media/ranges.py), from a table of headers and a 1000-byte file."""

from __future__ import annotations

import pytest

from cms.web.media.ranges import RangeNotSatisfiable, byte_range

SIZE = 1000

SERVED = [
    ("bytes=0-0", (0, 1)),
    ("bytes=0-9", (0, 10)),
    ("bytes=100-199", (100, 200)),
    ("bytes=990-", (990, 1000)),
    ("bytes=999-999", (999, 1000)),
    ("bytes=500-5000", (500, 1000)),  # the end is cut to the file
    ("bytes=-16", (984, 1000)),
    ("bytes=-5000", (0, 1000)),  # a suffix longer than the file: all of it
    ("BYTES=0-9", (0, 10)),  # the unit is case-insensitive
    (" bytes=0-9 ", (0, 10)),
]

WHOLE = [
    None,
    "",
    "bytes=",
    "bytes=-",
    "bytes=a-b",
    "bytes=9-0",  # backwards: invalid, so ignored
    "bytes=0-1,5-6",  # several ranges: the whole file
    "bytes=0-1, -5",
    "items=0-9",  # another unit
    "bytes 0-9",
    "bytes=+1-9",
    "bytes=0x10-",
    "bytes=1" + "0" * 18 + "-",  # more digits than any file's size
    "bytes=0-9\x00",
]

UNSATISFIABLE = ["bytes=1000-", "bytes=1000-2000", "bytes=5000-", "bytes=-0"]


@pytest.mark.parametrize(("header", "span"), SERVED)
def test_one_range_is_served(header: str, span: tuple[int, int]) -> None:
    assert byte_range(header, SIZE) == span


@pytest.mark.parametrize("header", WHOLE)
def test_other_headers_give_the_whole_file(header: str | None) -> None:
    assert byte_range(header, SIZE) is None


@pytest.mark.parametrize("header", UNSATISFIABLE)
def test_a_range_past_the_end_is_not_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as raised:
        byte_range(header, SIZE)
    assert raised.value.size == SIZE


@pytest.mark.parametrize("header", ["bytes=0-", "bytes=-1", "bytes=0-0"])
def test_no_range_of_an_empty_file_is_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 0)
