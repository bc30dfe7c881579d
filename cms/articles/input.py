"""What a writer sends for an article, checked and normalised before anything is written.

Every rule of an article's content lives here: text is NFC and trimmed, within length limits; an
explicit slug is ASCII kebab-case and free; tags follow :func:`cms.articles.tags.checked`; the
body has at most ``max_blocks`` blocks of at most ``max_block_chars`` characters, headings of
level 2 to 6, and figures of pictures the writer may see; authors, event, section and cover
exist. A refusal is an :class:`InvalidInput` (or
:class:`SlugTaken`) whose ``field`` is the path of the value in the API's input, such as
``title``, ``authorIds.2`` or ``body.3.figure.imageIds.1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from cms.articles import body, tags
from cms.articles.store import ArticleData
from cms.core.errors import InvalidInput
from cms.core.fields import KEEP, Keep, free_slug, line, slug_format, text
from cms.core.viewer import Viewer
from cms.media import images
from cms.models import Article, Author, Event, Section

TITLE_MAX = 500
SUMMARY_MAX = 2000
BYLINE_MAX = 300
MAX_AUTHORS = 20
SEO_TITLE_MAX = 70
"""What search engines show of a title."""
SEO_DESCRIPTION_MAX = 160
"""What search engines show of a description."""


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """How large a body may be (from the settings ``max_blocks`` and ``max_block_chars``)."""

    max_blocks: int
    max_block_chars: int


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """An article's content as a writer gives it, not yet checked.

    ``author_ids`` None means "not given" (an author's own profile is then filled in).
    """

    title: str
    summary: str = ""
    byline: str = ""
    blocks: tuple[body.Block, ...] = ()
    author_ids: tuple[int, ...] | None = None
    event_id: int | None = None
    cover_id: int | None = None
    slug: str | None = None
    section_id: int | None = None
    tags: tuple[str, ...] = ()
    seo_title: str = ""
    seo_description: str = ""
    locale: str | None = None
    """The language it is written in, checked (:class:`cms.core.locales.Locales`); on creation
    only (None: the default locale)."""


@dataclass(frozen=True, slots=True)
class ArticleChanges:
    """An update: the fields given replace the article's; ``KEEP`` leaves one as it is.

    ``None`` clears the event, the cover or the section and empties summary, byline, body,
    authors, tags and the search engines' title and description; a title or slug cannot be
    cleared.
    """

    title: str | Keep | None = KEEP
    summary: str | Keep | None = KEEP
    byline: str | Keep | None = KEEP
    blocks: tuple[body.Block, ...] | Keep | None = KEEP
    author_ids: tuple[int, ...] | Keep | None = KEEP
    event_id: int | Keep | None = KEEP
    cover_id: int | Keep | None = KEEP
    slug: str | Keep | None = KEEP
    section_id: int | Keep | None = KEEP
    tags: tuple[str, ...] | Keep | None = KEEP
    seo_title: str | Keep | None = KEEP
    seo_description: str | Keep | None = KEEP

    def given(self) -> dict[str, Any]:
        """The fields given, by name."""
        found = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in found.items() if not isinstance(value, Keep)}

    def applied_to(self, current: ArticleInput) -> ArticleInput:
        """``current`` with these changes made."""
        given = self.given()
        for name in ("title", "slug"):
            if name in given and given[name] is None:
                raise InvalidInput(f"`{name}` cannot be null: leave it out to keep it.", field=name)
        empty: dict[str, Any] = {
            "summary": "",
            "byline": "",
            "blocks": (),
            "author_ids": (),
            "tags": (),
            "seo_title": "",
            "seo_description": "",
        }
        return replace(
            current, **{k: empty[k] if v is None and k in empty else v for k, v in given.items()}
        )


async def check(
    given: ArticleInput,
    viewer: Viewer,
    now: datetime,
    limits: BodyLimits,
    *,
    article_id: int | None = None,
    locale: str | None = None,
) -> ArticleData:
    """The checked, normalised content of an article (a draft; the caller sets the status).

    Text first, then what needs the database: the authors, event, section and pictures exist
    (and the pictures are ones ``viewer`` may see), and an explicit slug is free
    (``article_id``'s own slug counts as free) within ``locale`` (the article's; None: the
    input's, on creation). Reads only: call it before the first write.
    """
    title = line(given.title, "title", TITLE_MAX, required=True)
    summary = text(given.summary, "summary", SUMMARY_MAX)
    byline = line(given.byline, "byline", BYLINE_MAX)
    seo_title = line(given.seo_title, "seoTitle", SEO_TITLE_MAX)
    seo_description = line(given.seo_description, "seoDescription", SEO_DESCRIPTION_MAX)
    tag_names = tags.checked(given.tags)
    slug = slug_format(given.slug.strip(), "slug") if given.slug is not None else None
    blocks = checked_blocks(given.blocks, limits)
    author_ids = list(dict.fromkeys(given.author_ids or ()))
    if len(author_ids) > MAX_AUTHORS:
        raise InvalidInput(f"At most {MAX_AUTHORS} authors.", field="authorIds")
    await _check_authors(author_ids, list(given.author_ids or ()))
    await _check_event(given.event_id)
    await _check_section(given.section_id)
    await _check_pictures(blocks, given.cover_id, viewer, now)
    locale = locale or given.locale
    if slug is not None:
        within: dict[str, object] | None = {"locale": locale} if locale is not None else None
        await free_slug(Article, slug, "slug", own_id=article_id, within=within)
    return ArticleData(
        title=title,
        blocks=blocks,
        summary=summary,
        byline=byline,
        author_ids=author_ids,
        event_id=given.event_id,
        cover_id=given.cover_id,
        slug=slug,
        section_id=given.section_id,
        tags=tag_names,
        seo_title=seo_title,
        seo_description=seo_description,
        locale=locale,
    )


def checked_blocks(blocks: Sequence[body.Block], limits: BodyLimits) -> list[body.Block]:
    """The body's blocks, normalised; :class:`InvalidInput` on the first one that breaks a rule
    (each kind's own rules are in :mod:`cms.articles.body`)."""
    if len(blocks) > limits.max_blocks:
        raise InvalidInput(
            f"The body has {len(blocks)} blocks: at most {limits.max_blocks} are allowed.",
            field="body",
        )
    return body.checked(blocks, body.Sizes(limits.max_block_chars))


async def _check_authors(unique: list[int], given: list[int]) -> None:
    if not unique:
        return
    found = {int(str(i)) for i in await Author.filter(id__in=unique).values_list("id", flat=True)}
    for n, author_id in enumerate(given):
        if author_id not in found:
            raise InvalidInput("There is no author with this ID.", field=f"authorIds.{n}")


async def _check_event(event_id: int | None) -> None:
    if event_id is not None and not await Event.filter(id=event_id).exists():
        raise InvalidInput("There is no event with this ID.", field="eventId")


async def _check_section(section_id: int | None) -> None:
    if section_id is not None and not await Section.filter(id=section_id).exists():
        raise InvalidInput("There is no section with this ID.", field="sectionId")


async def _check_pictures(
    blocks: Sequence[body.Block], cover_id: int | None, viewer: Viewer, now: datetime
) -> None:
    """Every picture exists and ``viewer`` may see it: all of them for editors; for others the
    public ones and those of their own articles (another article's draft-only photos are not)."""
    cover = [cover_id] if cover_id is not None else []
    wanted = [*cover, *body.image_ids(blocks)]
    if not wanted:
        return
    seen = await images.visible_to(viewer, wanted, now)
    if cover_id is not None and cover_id not in seen:
        raise InvalidInput(_NO_PICTURE, field="coverId")
    for n, block in enumerate(blocks):
        if isinstance(block, body.Figure):
            for m, image_id in enumerate(block.image_ids):
                if image_id not in seen:
                    raise InvalidInput(_NO_PICTURE, field=f"body.{n}.figure.imageIds.{m}")


_NO_PICTURE = "There is no picture with this ID, or you may not use it."
