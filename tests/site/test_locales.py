"""The website per locale (issue 22): article URLs, a feed per locale with its names
translated, hreflang alternates in the sitemaps, the news sitemap's language, and the links
between translations in JSON-LD; through the real app, on both databases."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import pytest
from tortoise.models import Model

from cms import models
from cms.core.ids import to_global_id
from cms.site.rss import NAMESPACES
from cms.site.sitemaps import NEWS_NS, SITEMAP_NS, XHTML_NS, news_language
from settings import Settings
from tests.conftest import QueryLog, gql
from tests.factories import T0, Factory
from tests.site.conftest import PUBLISHER, SITE
from tests.site.test_http import serving
from tests.structure.schemaorg_vocabulary import vocabulary

pytestmark = pytest.mark.database("sqlite", "postgres")

NS = {"s": SITEMAP_NS, "n": NEWS_NS, "x": XHTML_NS}
LOCALES = ["vi", "en", "fr"]
ARTICLE = "query ($id: ID!) { node(id: $id) { ... on Article { url jsonLd } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"locales": LOCALES})


async def feed(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


async def translate(model: type[Model], pk: int, texts: dict[str, str]) -> None:
    """Gives a section, a tag or an image its English texts (the ``translations`` column)."""
    await model.filter(id=pk).update(translations={"en": texts})


async def story(factory: Factory) -> dict[str, Any]:
    """A Vietnamese article and its English translation in a section and under a tag named in
    English, a second tag with no English name; an English article of its own; a translation
    published while its original is a draft; a translation still a draft."""
    news = await factory.section("Tin tức", slug="tin-tuc")
    await translate(models.Section, news.id, {"name": "News", "description": "The news"})
    tags = ["Khu công nghiệp", "Doanh nghiệp FDI"]
    original = await factory.article("Hội nghị sơ kết", T0, section=news, tags=tags)
    english = await factory.article(
        "Review conference",
        T0 + timedelta(hours=1),
        section=news,
        tags=tags,
        cover=True,
        locale="en",
        translation_of=original,
    )
    parks = await models.Tag.get(slug="khu-cong-nghiep")
    await translate(models.Tag, parks.id, {"name": "Industrial parks"})
    assert english.cover_id is not None
    await translate(models.Image, english.cover_id, {"caption": "The hall"})
    alone = await factory.article("Investors welcome", T0 + timedelta(hours=2), locale="en")
    draft = await factory.article("Bản nháp", None, status=models.ArticleStatus.DRAFT)
    early = await factory.article("Early English", T0, locale="en", translation_of=draft)
    unfinished = await factory.article(
        "Brouillon", None, status=models.ArticleStatus.DRAFT, locale="fr", translation_of=original
    )
    return {
        "original": original,
        "english": english,
        "alone": alone,
        "draft": draft,
        "early": early,
        "unfinished": unfinished,
    }


async def captions(client: httpx.AsyncClient, path: str) -> list[str | None]:
    """Each item's cover caption (``media:description``; feedparser folds it elsewhere)."""
    root = ET.fromstring((await client.get(path)).content)
    return [
        item.findtext("media:content/media:description", namespaces=NAMESPACES)
        for item in root.findall("channel/item")
    ]


def category(entry: Any) -> list[tuple[str, str]]:
    return [(tag.term, tag.scheme) for tag in entry.tags]


async def test_a_feed_per_locale_with_its_names(client: httpx.AsyncClient, factory: Factory):
    made = await story(factory)
    vietnamese = await feed(client, "/rss.xml")
    assert vietnamese.feed.language == "vi"
    assert vietnamese.feed.link == f"{SITE}/"
    assert [e.title for e in vietnamese.entries] == ["Hội nghị sơ kết"]
    assert category(vietnamese.entries[0])[0] == ("Tin tức", f"{SITE}/tin-tuc")

    english = await feed(client, "/en/rss.xml")
    assert english.feed.language == "en"
    assert english.feed.link == f"{SITE}/en/"
    assert english.feed.title == PUBLISHER
    self_link = {"rel": "self", "type": "application/rss+xml", "href": f"{SITE}/en/rss.xml"}
    assert self_link in [dict(link) for link in english.feed.links]
    titles = [e.title for e in english.entries]
    assert titles == ["Investors welcome", "Review conference", "Early English"]
    entry = english.entries[1]
    assert entry.link == f"{SITE}/en/tin-tuc/{made['english'].slug}"
    assert entry.id == to_global_id("Article", made["english"].id)
    assert category(entry) == [
        ("News", f"{SITE}/tin-tuc"),
        ("Industrial parks", f"{SITE}/tag/khu-cong-nghiep"),
        ("Doanh nghiệp FDI", f"{SITE}/tag/doanh-nghiep-fdi"),  # no English name: the default's
    ]
    assert entry.media_content[0]["medium"] == "image"
    assert await captions(client, "/en/rss.xml") == [None, "The hall", None]
    assert (await feed(client, "/fr/rss.xml")).entries == []


async def test_section_and_tag_feeds_per_locale(client: httpx.AsyncClient, factory: Factory):
    await story(factory)
    section = await feed(client, "/en/sections/tin-tuc/rss.xml")
    assert section.feed.title == f"News - {PUBLISHER}"
    assert section.feed.subtitle == "The news"
    assert section.feed.link == f"{SITE}/tin-tuc"
    assert [e.title for e in section.entries] == ["Review conference"]
    assert [e.title for e in (await feed(client, "/sections/tin-tuc/rss.xml")).entries] == [
        "Hội nghị sơ kết"
    ]
    tag = await feed(client, "/en/tag/khu-cong-nghiep/rss.xml")
    assert tag.feed.title == f"Industrial parks - {PUBLISHER}"
    assert tag.feed.language == "en"
    assert [e.title for e in tag.entries] == ["Review conference"]
    untranslated = await feed(client, "/en/tag/doanh-nghiep-fdi/rss.xml")
    assert untranslated.feed.title == f"Doanh nghiệp FDI - {PUBLISHER}"
    assert [e.title for e in (await feed(client, "/tag/khu-cong-nghiep/rss.xml")).entries] == [
        "Hội nghị sơ kết"
    ]


async def test_without_fallback_untranslated_picture_texts_are_left_out(
    settings: Settings, factory: Factory
):
    async with serving(settings.model_copy(update={"locale_fallback": False})) as client:
        original = await factory.article("Ảnh", T0, cover=True)
        await factory.article("Photo", T0, cover=True, locale="en", translation_of=original)
        assert await captions(client, "/rss.xml") == ["Ảnh bìa"]
        assert await captions(client, "/en/rss.xml") == [None]  # no English caption


@pytest.mark.parametrize(
    "path",
    [
        "/de/rss.xml",
        "/de/sections/tin-tuc/rss.xml",
        "/de/tag/khu-cong-nghiep/rss.xml",
        "/vi/rss.xml",  # the default locale's feeds have one address: without a prefix
        "/vi/sections/tin-tuc/rss.xml",
        "/EN/rss.xml",  # as the settings write it
        "/x-/rss.xml",
        "/en/sections/nowhere/rss.xml",
    ],
)
async def test_other_locales_have_no_feed(client: httpx.AsyncClient, factory: Factory, path: str):
    await story(factory)
    response = await client.get(path)
    assert response.status_code == 404, (path, response.text)


async def test_each_locale_feed_is_cached_on_its_own(client: httpx.AsyncClient, factory: Factory):
    made = await story(factory)
    answers = {}
    for path in ("/rss.xml", "/en/rss.xml"):
        for _ in range(3):
            answers[path] = await client.get(path)
        assert answers[path].headers["x-cms-cache"] == "hit", path
        etag = answers[path].headers["etag"]
        unchanged = await client.get(path, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304, path
    assert answers["/rss.xml"].headers["etag"] != answers["/en/rss.xml"].headers["etag"]
    keys = answers["/en/rss.xml"].headers["surrogate-key"].split()
    assert f"article:{made['english'].id}" in keys
    assert f"article:{made['original'].id}" not in keys


def urls(sitemap: ET.Element) -> dict[str, dict[str, str]]:
    """Each ``loc`` of a sitemap with its alternates (``hreflang`` -> ``href``)."""
    found: dict[str, dict[str, str]] = {}
    for url in sitemap.findall("s:url", NS):
        links = url.findall("x:link", NS)
        assert all(link.get("rel") == "alternate" for link in links)
        found[url.findtext("s:loc", namespaces=NS) or ""] = {
            link.get("hreflang", ""): link.get("href", "") for link in links
        }
    return found


async def every_url(client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """The article URLs of every monthly sitemap the index names."""
    index = ET.fromstring((await client.get("/sitemap.xml")).content)
    found: dict[str, dict[str, str]] = {}
    for loc in index.findall("s:sitemap/s:loc", NS):
        name = (loc.text or "").removeprefix(SITE)
        if name != "/sitemaps/sections.xml":
            response = await client.get(name)
            assert response.status_code == 200, name
            found |= urls(ET.fromstring(response.content))
    return found


async def test_sitemaps_name_each_articles_translations(
    client: httpx.AsyncClient, factory: Factory
):
    made = await story(factory)
    vi = f"{SITE}/tin-tuc/{made['original'].slug}"
    en = f"{SITE}/en/tin-tuc/{made['english'].slug}"
    both = {"vi": vi, "en": en, "x-default": vi}
    assert await every_url(client) == {
        vi: both,  # the French draft is not named
        en: both,
        f"{SITE}/en/{made['alone'].slug}": {},
        f"{SITE}/en/{made['early'].slug}": {},  # its Vietnamese original is a draft
    }


async def test_x_default_is_the_original_without_a_default_locale_version(
    client: httpx.AsyncClient, factory: Factory
):
    original = await factory.article("Investors welcome", T0, locale="en")
    french = await factory.article(
        "Bienvenue", T0 + timedelta(days=40), locale="fr", translation_of=original
    )
    await factory.article(
        "Chào mừng", None, status=models.ArticleStatus.DRAFT, translation_of=original
    )
    en, fr = f"{SITE}/en/{original.slug}", f"{SITE}/fr/{french.slug}"
    alternates = {"en": en, "fr": fr, "x-default": en}
    assert await every_url(client) == {en: alternates, fr: alternates}


async def test_the_news_sitemap_names_each_articles_language(
    client: httpx.AsyncClient, factory: Factory
):
    now = datetime.now(UTC)
    original = await factory.article("Tin nóng", now - timedelta(hours=2))
    english = await factory.article(
        "Breaking", now - timedelta(hours=1), locale="en", translation_of=original
    )
    response = await client.get("/sitemap-news.xml")
    assert response.status_code == 200, response.text
    languages = {
        url.findtext("s:loc", namespaces=NS): url.findtext(
            "n:news/n:publication/n:language", namespaces=NS
        )
        for url in ET.fromstring(response.content).findall("s:url", NS)
    }
    assert languages == {
        f"{SITE}/en/{english.slug}": "en",
        f"{SITE}/{original.slug}": "vi",
    }


def test_news_languages_are_what_google_news_asks():
    given = ["vi", "en", "en-GB", "pt-BR", "zh", "zh-Hans", "zh-TW", "zh-Hant", "zh-HK"]
    assert [news_language(tag) for tag in given] == [
        "vi",
        "en",
        "en",
        "pt",
        "zh-cn",
        "zh-cn",
        "zh-tw",
        "zh-tw",
        "zh-tw",
    ]


async def json_ld(client: httpx.AsyncClient, article: models.Article) -> tuple[str, Any]:
    body = await gql(client, ARTICLE, {"id": to_global_id("Article", article.id)})
    assert "errors" not in body, body
    node = body["data"]["node"]
    assert vocabulary().problems(node["jsonLd"]) == []
    return node["url"], node["jsonLd"]


def work(url: str, article: models.Article, locale: str) -> dict[str, str]:
    identifier = to_global_id("Article", article.id)
    return {"@type": "NewsArticle", "@id": url, "url": url, "identifier": identifier,
            "inLanguage": locale}  # fmt: skip


async def test_json_ld_links_the_translations(client: httpx.AsyncClient, factory: Factory):
    made = await story(factory)
    original_url, original = await json_ld(client, made["original"])
    english_url, english = await json_ld(client, made["english"])
    assert english_url == f"{SITE}/en/tin-tuc/{made['english'].slug}"
    assert (original["inLanguage"], english["inLanguage"]) == ("vi", "en")
    assert (original["articleSection"], english["articleSection"]) == ("Tin tức", "News")
    assert english["keywords"] == ["Industrial parks", "Doanh nghiệp FDI"]
    assert original["workTranslation"] == [work(english_url, made["english"], "en")]
    assert "translationOfWork" not in original
    assert english["translationOfWork"] == work(original_url, made["original"], "vi")
    assert "workTranslation" not in english
    _, early = await json_ld(client, made["early"])  # its original is a draft
    assert "translationOfWork" not in early and early["inLanguage"] == "en"
    _, alone = await json_ld(client, made["alone"])
    assert {"workTranslation", "translationOfWork"}.isdisjoint(alone)


async def test_a_template_may_place_the_locale(settings: Settings, factory: Factory):
    placed = settings.model_copy(update={"article_path": "/{locale}/{section}/{slug}.html"})
    async with serving(placed) as client:
        made = await story(factory)
        vi = f"{SITE}/vi/tin-tuc/{made['original'].slug}.html"
        en = f"{SITE}/en/tin-tuc/{made['english'].slug}.html"
        assert (await feed(client, "/rss.xml")).entries[0].link == vi
        assert (await feed(client, "/en/rss.xml")).entries[1].link == en
        assert (await every_url(client))[en] == {"vi": vi, "en": en, "x-default": vi}
        assert (await json_ld(client, made["english"]))[0] == en


async def statements(client: httpx.AsyncClient, log: QueryLog, path: str) -> int:
    log.reset()
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return len(log.statements)


@pytest.mark.parametrize("stories", [2, 8])
async def test_statements_do_not_grow_with_the_translations(
    settings: Settings, factory: Factory, count_queries: QueryLog, stories: int
):
    async with serving(settings.model_copy(update={"sitemap_max_urls": 100})) as client:
        section = await factory.section("Tin tức", slug="tin-tuc")
        await translate(models.Section, section.id, {"name": "News"})
        for i in range(stories):
            original = await factory.article(f"Bài {i}", section=section, tags=[f"Chủ đề {i}"])
            await factory.article(
                f"Story {i}",
                section=section,
                tags=[f"Chủ đề {i}"],
                cover=True,
                locale="en",
                translation_of=original,
            )
        paths = {
            "/rss.xml": 5,  # the articles with their bodies, authors, tags, pictures, sections
            "/en/rss.xml": 5,  # the same: the names' translations come with their rows
            "/en/sections/tin-tuc/rss.xml": 6,  # and the section by its path
            "/sitemaps/2024-03.xml": 2,  # the page's articles, then their stories' versions
        }
        found = {path: await statements(client, count_queries, path) for path in paths}
        assert found == paths
        assert len(urls(ET.fromstring((await client.get("/sitemaps/2024-03.xml")).content))) == (
            2 * stories
        )


@pytest.mark.parametrize("stories", [2, 8])
async def test_json_ld_of_a_page_reads_the_translations_in_one_statement(
    client: httpx.AsyncClient, factory: Factory, count_queries: QueryLog, stories: int
):
    section = await factory.section("Tin tức", slug="tin-tuc")
    writer = await factory.author("Bích Liên")
    for i in range(stories):
        options: dict[str, Any] = {"section": section, "author_list": [writer], "cover": True}
        original = await factory.article(f"Bài {i}", tags=[f"Chủ đề {i}"], **options)
        await factory.article(f"Story {i}", locale="en", translation_of=original, **options)
    count_queries.reset()
    body = await gql(client, "{ articles(first: 20) { nodes { jsonLd } } }")
    assert "errors" not in body, body
    # the page, then its authors, sections, tags, covers and stories: one statement each
    assert count_queries.count == 6, count_queries.statements
    docs = [node["jsonLd"] for node in body["data"]["articles"]["nodes"]]
    assert all(vocabulary().problems(doc) == [] for doc in docs)
    linked = [doc.get("workTranslation") or doc.get("translationOfWork") for doc in docs]
    assert all(linked) and len(linked) >= stories  # the default locale's, if not every one's
