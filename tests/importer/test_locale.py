"""``cms import --locale``: the imported articles are written in that locale, their slugs unique
within it; the loader through :func:`cms.importer.load.import_file`, the option through the real
``cms`` command (rows read with ``sqlite3`` or ``asyncpg``, not through the code under test)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cms.importer.load import Outcome, import_file
from cms.importer.parser import parse_bytes
from cms.models import Article, ArticleImage, Image
from cms.text import fold
from settings import Settings
from tests.cli.test_cli import count, output, query, runner
from tests.importer.test_load import (
    PUBLISHED_AT,
    SAMPLE_TEXT,
    SLUG,
    export,
    options,
    write,
)

pytestmark = pytest.mark.database("sqlite", "postgres")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write(tmp_path / "exports" / "article.txt", SAMPLE_TEXT)


async def test_one_export_in_two_locales_is_two_articles_with_the_same_slug(orm, settings, sample):
    given = options(settings, None, placeholder_images=True)

    vi = await import_file(sample, given)
    en = await import_file(sample, options(settings, None, placeholder_images=True, locale="en"))

    assert (vi.outcome, en.outcome) == (Outcome.CREATED, Outcome.CREATED)
    assert vi.article_id != en.article_id
    rows = await Article.all().order_by("id").values_list("locale", "slug", "published_at")
    assert rows == [("vi", SLUG, PUBLISHED_AT), ("en", SLUG, PUBLISHED_AT)]
    # The first keeps the key every import before translations made: re-importing an old
    # installation's files finds their articles.
    parsed = parse_bytes(SAMPLE_TEXT.encode())
    key = f"{fold(parsed.title)}|{parsed.published_at.isoformat()}"
    plain = hashlib.sha256(key.encode()).hexdigest()
    first = await Article.get(id=vi.article_id)
    assert first.source_key == plain
    # The photos are the same files: taken in once, shown by both.
    assert await Image.all().count() == 5
    assert await ArticleImage.filter(article_id=en.article_id).count() == 5

    again_vi = await import_file(sample, given)
    again_en = await import_file(
        sample, options(settings, None, placeholder_images=True, locale="en")
    )

    assert (again_vi.outcome, again_vi.article_id) == (Outcome.UNCHANGED, vi.article_id)
    assert (again_en.outcome, again_en.article_id) == (Outcome.UNCHANGED, en.article_id)
    assert await Article.all().count() == 2


async def test_a_second_locale_first_leaves_the_default_locale_its_own_article(
    orm, settings, tmp_path
):
    path = write(tmp_path / "in" / "news.txt", export("Investors meet", "Lan", "A paragraph."))

    en = await import_file(path, options(settings, None, locale="en"))
    vi = await import_file(path, options(settings, None, locale="vi"))
    write(path, export("Investors meet", "Lan", "A corrected paragraph."))
    fixed = await import_file(path, options(settings, None, locale="en"))

    assert (en.outcome, vi.outcome, fixed.outcome) == (
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.UPDATED,
    )
    assert fixed.article_id == en.article_id
    summaries = await Article.all().order_by("id").values_list("locale", "summary")
    assert summaries == [("en", "A corrected paragraph."), ("vi", "A paragraph.")]


def test_the_locale_option_checks_the_configured_locales(settings: Settings, tmp_path: Path):
    write(tmp_path / "in" / "news.txt", export("Investors meet", "Lan", "A paragraph."))
    cms = runner(tmp_path, settings.database_url)
    url = settings.database_url

    unconfigured = cms("import", "in", "--locale", "en")

    assert unconfigured.returncode == 2, output(unconfigured)
    assert "Unknown locale 'en': use one of vi." in unconfigured.stderr
    assert "Traceback" not in unconfigured.stderr
    assert count(url, "article") == 0

    unknown = cms("import", "in", "--locale", "xx-not a tag", CMS_LOCALES="vi,en")

    assert unknown.returncode == 2, output(unknown)
    assert "use one of vi, en." in unknown.stderr
    assert count(url, "article") == 0

    # Written the standard way whatever the case given.
    english = cms("import", "in", "--locale", "EN", CMS_LOCALES="vi,en")
    default = cms("import", "in", CMS_LOCALES="vi,en")

    assert english.returncode == 0, output(english)
    assert default.returncode == 0, output(default)
    assert "created  investors-meet" in english.stdout
    assert "created  investors-meet" in default.stdout
    rows = query(url, "SELECT locale, slug FROM article ORDER BY id")
    assert rows == [("en", "investors-meet"), ("vi", "investors-meet")]

    again = cms("import", "in", "--locale", "en", CMS_LOCALES="vi,en")

    assert again.returncode == 0, output(again)
    assert "unchanged  investors-meet" in again.stdout
    assert count(url, "article") == 2
