"""The input checks the content mutations share (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cms.core import fields
from cms.core.errors import InvalidInput


@pytest.mark.parametrize("slug", ["a", "hoi-nghi", "hoi-nghi-2023", "2023", "a" * 120, "x-1-y-2"])
def test_kebab_case_ascii_slugs_pass(slug: str) -> None:
    assert fields.slug_format(slug, "slug") == slug


@pytest.mark.parametrize(
    "slug",
    ["", "-a", "a-", "a--b", "A", "hội-nghị", "a_b", "a b", "a/b", "../etc", "a" * 121, "a\n"],
)
def test_other_slugs_are_refused_naming_the_field(slug: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        fields.slug_format(slug, "slug")
    assert refused.value.field == "slug"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (" Bich.Lien@Example.ORG ", "bich.lien@example.org"),
        ("a+tag@sub.example.vn", "a+tag@sub.example.vn"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_emails_are_trimmed_and_lower_cased(given: str | None, stored: str | None) -> None:
    assert fields.email(given, "email") == stored


@pytest.mark.parametrize(
    "given", ["plain", "a@b", "a@@b.org", "a b@c.org", "a@-b.org", "a@b..org", "đ@b.org"]
)
def test_malformed_emails_are_refused(given: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        fields.email(given, "email")
    assert refused.value.field == "email"


def test_text_is_nfc_trimmed_and_bounded() -> None:
    assert fields.text("  Ho\u0302\u0323i\nnghi\u0323  ", "bio", 20) == "Hội\nnghị"
    assert fields.line(" Hội \n\t nghị ", "name", 20) == "Hội nghị"
    assert fields.text("x" * 5, "bio", 5) == "xxxxx"
    for value, required, limit in [("x" * 6, False, 5), ("  ", True, 5)]:
        with pytest.raises(InvalidInput) as refused:
            fields.text(value, "bio", limit, required=required)
        assert refused.value.field == "bio"


def test_date_times_need_an_offset_and_come_back_in_utc() -> None:
    hanoi = timezone(timedelta(hours=7))
    given = datetime(2023, 7, 19, 14, 0, tzinfo=hanoi)
    assert fields.instant(given, "startsAt") == datetime(2023, 7, 19, 7, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput) as naive:
        fields.instant(datetime(2023, 7, 19, 14, 0), "startsAt")
    assert naive.value.field == "startsAt"
    with pytest.raises(InvalidInput) as overflow:
        fields.instant(datetime(1, 1, 1, 0, 0, tzinfo=hanoi), "endsAt")
    assert overflow.value.field == "endsAt"


def test_camel_case_names() -> None:
    assert [fields.camel(n) for n in ("name", "avatar_id", "starts_at")] == [
        "name",
        "avatarId",
        "startsAt",
    ]
