"""Canonical URLs: the path templates, filled and checked (cms.site.urls, settings.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cms.core.ids import to_global_id
from cms.site.urls import SiteUrls
from settings import Settings

SITE = "https://kcn.example.vn"


def _urls(**overrides: object) -> SiteUrls:
    return SiteUrls.of(Settings(_env_file=None, site_url=SITE + "/", **overrides))  # type: ignore[arg-type]


def test_the_default_paths() -> None:
    urls = _urls()
    assert urls.base == SITE
    assert (
        urls.article("so-ket", 7, "tin-tuc/hoat-dong", locale="vi")
        == f"{SITE}/tin-tuc/hoat-dong/so-ket"
    )
    assert urls.section("tin-tuc/hoat-dong", "hoat-dong") == f"{SITE}/tin-tuc/hoat-dong"
    assert urls.tag("khu-cong-nghiep") == f"{SITE}/tag/khu-cong-nghiep"
    assert urls.author("duc-anh") == f"{SITE}/author/duc-anh"
    assert _urls(author_path="/tac-gia/{slug}.html").author("duc-anh") == (
        f"{SITE}/tac-gia/duc-anh.html"
    )


def test_an_article_without_a_section_drops_that_part() -> None:
    assert _urls().article("so-ket", 7, None, locale="vi") == f"{SITE}/so-ket"
    urls = _urls(article_path="/bai/{section}/{slug}.html")
    assert urls.article("so-ket", 7, None, locale="vi") == f"{SITE}/bai/so-ket.html"
    assert (
        urls.article("so-ket", 7, "thong-bao", locale="vi") == f"{SITE}/bai/thong-bao/so-ket.html"
    )


def test_values_are_percent_encoded() -> None:
    urls = _urls(article_path="/a/{id}")
    encoded = to_global_id("Article", 12).replace("=", "%3D")
    assert urls.article("x", 12, None, locale="vi") == f"{SITE}/a/{encoded}"
    assert _urls().tag("a b?") == f"{SITE}/tag/a%20b%3F"


def test_without_a_site_url_there_are_no_urls() -> None:
    urls = SiteUrls.of(Settings(_env_file=None))
    assert urls.base is None
    assert urls.article("so-ket", 1, "tin-tuc", locale="vi") is None
    assert urls.section("tin-tuc", "tin-tuc") is None
    assert urls.tag("x") is None
    assert urls.author("x") is None
    assert "CMS_SITE_URL" in urls.MISSING


@pytest.mark.parametrize(
    ("field", "template", "message"),
    [
        ("article_path", "/{section}/{title}", "unknown placeholder {title}"),
        ("article_path", "{slug}", "must start with /"),
        ("article_path", "/{section}", "name the page"),
        ("article_path", "/{slug}?x=1", "a path only"),
        ("tag_path", "/tag/{path}", "unknown placeholder {path}"),
        ("section_path", "/s/{id}", "unknown placeholder {id}"),
        ("author_path", "/a/{id}", "unknown placeholder {id}"),
    ],
)
def test_templates_are_checked_when_the_settings_load(
    field: str, template: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("{", r"\{").replace("?", r"\?")):
        Settings(_env_file=None, **{field: template})  # type: ignore[arg-type]


def test_other_locales_get_their_prefix() -> None:
    urls = _urls(locales=["vi", "en"])
    assert urls.article("so-ket", 7, "tin-tuc", locale="vi") == f"{SITE}/tin-tuc/so-ket"
    assert urls.article("hoi-nghi", 8, "tin-tuc", locale="en") == f"{SITE}/en/tin-tuc/hoi-nghi"
    assert urls.article("hoi-nghi", 8, None, locale="en") == f"{SITE}/en/hoi-nghi"
    assert (urls.home("vi"), urls.home("en")) == (f"{SITE}/", f"{SITE}/en/")
    english_first = _urls(locales=["en", "vi"])
    assert english_first.article("a", 1, None, locale="en") == f"{SITE}/a"
    assert english_first.article("a", 1, None, locale="vi") == f"{SITE}/vi/a"


def test_a_template_may_place_the_locale() -> None:
    urls = _urls(locales=["vi", "en"], article_path="/{locale}/{section}/{slug}.html")
    assert urls.article("a", 1, "tin-tuc", locale="vi") == f"{SITE}/vi/tin-tuc/a.html"
    assert urls.article("b", 2, "tin-tuc", locale="en") == f"{SITE}/en/tin-tuc/b.html"
    assert urls.article("b", 2, None, locale="en-GB") == f"{SITE}/en-GB/b.html"
    assert (urls.home("vi"), urls.home("en")) == (f"{SITE}/", f"{SITE}/en/")


def test_the_site_url_must_be_absolute() -> None:
    with pytest.raises(ValidationError, match="absolute http"):
        Settings(_env_file=None, site_url="kcn.example.vn")
