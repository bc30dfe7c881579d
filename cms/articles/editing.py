"""Writing articles: create, update, publish (now or scheduled), unpublish, archive, delete and
restore a revision, each one transaction that checks everything before its first write.

Who may do what: editors and admins everything; an ``AUTHOR`` creates articles and edits their
own (those listing their author profile) while they are drafts, and nothing else. An author's
article always lists them: their profile is filled in when ``authorIds`` is left out, and a list
without it is refused (``FORBIDDEN``), as is every field or action their role may not use.

Every change but a creation names the ``version`` the writer last saw: if the article has
changed since, the answer is :class:`Conflict` and nothing is written (see
:func:`cms.articles.store.write_if_unchanged`). Every save stores a revision and an audit
entry in the same transaction, and the content event it means to the public, if any
(:mod:`cms.notify.outbox`): ``article.published`` when it comes into view, ``updated`` when it
changes in view, ``unpublished``, ``archived`` or ``deleted`` when it leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import EDITORS, WRITERS, require
from cms.articles import body, publishing, revisions
from cms.articles import store as articles
from cms.articles.input import ArticleChanges, ArticleInput, BodyLimits, check
from cms.articles.structure_reads import tag_names
from cms.articles.visibility import effective_status
from cms.core.errors import Forbidden, InvalidInput, NotFound, SlugTaken
from cms.core.fields import instant, slug_race
from cms.core.viewer import Viewer
from cms.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    Author,
    Event,
    Image,
    Role,
    Section,
)
from cms.notify import outbox

Status = ArticleStatus


async def create(viewer: Viewer, now: datetime, given: ArticleInput, limits: BodyLimits) -> Article:
    """A new draft (``articleCreate``)."""
    require(viewer, WRITERS, "write articles")
    given = replace(given, author_ids=_with_own_profile(viewer, given.author_ids))
    async with slug_race("slug"), in_transaction():
        data = await check(given, viewer, now, limits)
        article = await articles.save(data, user_id=viewer.user_id)
        await audit.record(
            viewer, audit.Action.CREATE, "Article", article.id, article.title, locale=article.locale
        )
    return article


async def translate(
    viewer: Viewer, now: datetime, article_id: int, locale: str, limits: BodyLimits
) -> Article:
    """A draft in ``locale`` (checked by the caller) of the story ``article_id`` tells
    (``articleTranslate``): the original's structure (figures and photos, section, tags,
    authors, event, cover) and, to be translated, its texts; linked to the story's other
    translations. :class:`InvalidInput` (``locale``) when the story has that locale already.

    Who may: those who may write articles, of any article they may see. An author's own profile
    joins the byline if it is not on it (the translator is credited, and may edit the draft).
    """
    require(viewer, WRITERS, "write articles")
    try:
        return await _translate(viewer, now, article_id, locale, limits)
    except IntegrityError:  # another writer took the locale (or the slug) a moment ago
        found = await Article.filter(id=article_id).values_list("story_id", flat=True)
        story = found[0] if found and found[0] is not None else article_id
        if await Article.exists(story_id=story, locale=locale):
            raise _translated(locale) from None
        raise SlugTaken("The slug was taken a moment ago: try again.", field="slug") from None


def _translated(locale: str) -> InvalidInput:
    return InvalidInput(f"This story already has a `{locale}` version.", field="locale")


async def _translate(
    viewer: Viewer, now: datetime, article_id: int, locale: str, limits: BodyLimits
) -> Article:
    async with in_transaction():
        original = await _found(viewer, now, article_id)
        story = original.story_id or original.id
        taken = original.locale == locale or await Article.exists(story_id=story, locale=locale)
        if taken:
            raise _translated(locale)
        current = await _as_input(original)
        own = (
            ()
            if viewer.author_id is None or viewer.role is not Role.AUTHOR
            else (viewer.author_id,)
        )
        authors = tuple(dict.fromkeys((*(current.author_ids or ()), *own)))
        given = replace(current, author_ids=authors, locale=locale)
        data = await check(given, viewer, now, limits, locale=locale)
        if original.story_id is None:
            await Article.filter(id=original.id).update(story_id=original.id)
            original.story_id = original.id
        article = await articles.save(replace(data, story_id=story), user_id=viewer.user_id)
        summary = f"{article.title} (translation of #{original.id}, {original.locale})"
        await audit.record(
            viewer, audit.Action.CREATE, "Article", article.id, summary, locale=article.locale
        )
    return article


async def update(
    viewer: Viewer,
    now: datetime,
    article_id: int,
    version: int,
    changes: ArticleChanges,
    limits: BodyLimits,
) -> Article:
    """Change an article's content (``articleUpdate``); its status stays as it is."""
    require(viewer, WRITERS, "edit articles")
    async with slug_race("slug"), in_transaction():
        await _catch_up(now)
        article = await _found(viewer, now, article_id)
        current = await _as_input(article)
        if viewer.role is Role.AUTHOR:
            _check_own_draft(viewer, article, current, now)
            _with_own_profile(viewer, changes.given().get("author_ids", current.author_ids) or ())
        articles.check_version(article, version)
        data = await check(
            changes.applied_to(current),
            viewer,
            now,
            limits,
            article_id=article.id,
            locale=article.locale,
        )
        was_public = outbox.is_public(article, now)
        await _save(viewer, article, data, version)
        await audit.record(
            viewer, audit.Action.UPDATE, "Article", article.id, article.title, locale=article.locale
        )
        await outbox.article_moved(article, was_public, now)
    return article


async def publish(
    viewer: Viewer, now: datetime, article_id: int, version: int, at: datetime | None
) -> Article:
    """Publish now, or at ``at``: a future ``at`` schedules the article, which then comes into
    view by itself at that time (``articlePublish``). A past ``at`` back-dates it."""
    require(viewer, EDITORS, "publish articles")
    when = instant(at, "at") if at is not None else now
    later = when > now
    step = _Move(
        sources=(Status.DRAFT, Status.SCHEDULED),
        status=Status.SCHEDULED if later else Status.PUBLISHED,
        when=lambda _: when,
        action=audit.Action.PUBLISH,
        summary=f"Scheduled for {when.isoformat()}" if later else "Published",
    )
    return await _move(viewer, now, article_id, version, step)


async def unpublish(viewer: Viewer, now: datetime, article_id: int, version: int) -> Article:
    """Back to draft, out of public view, without a publication time (``articleUnpublish``)."""
    require(viewer, EDITORS, "unpublish articles")
    return await _move(viewer, now, article_id, version, _UNPUBLISH)


async def archive(viewer: Viewer, now: datetime, article_id: int, version: int) -> Article:
    """Withdraw a published or scheduled article from public view (``articleArchive``)."""
    require(viewer, EDITORS, "archive articles")
    return await _move(viewer, now, article_id, version, _ARCHIVE)


async def delete(viewer: Viewer, now: datetime, article_id: int, version: int) -> int:
    """Delete an article with its revisions, links, preview tokens and search entry
    (``articleDelete``); its id."""
    require(viewer, EDITORS, "delete articles")
    async with in_transaction():
        await _catch_up(now)
        article = await _found(viewer, now, article_id)
        articles.check_version(article, version)
        await articles.delete_if_unchanged(article.id, version)
        await audit.record(
            viewer, audit.Action.DELETE, "Article", article.id, article.title, locale=article.locale
        )
        if outbox.is_public(article, now):
            await outbox.article_event(outbox.EventType.ARTICLE_DELETED, article, now)
    return article_id


async def restore_revision(
    viewer: Viewer, now: datetime, article_id: int, number: int, version: int, limits: BodyLimits
) -> Article:
    """Make revision ``number``'s title, summary and body the article's again, with its authors,
    event, cover, section and tags, as a new revision (``articleRestoreRevision``). The status
    stays as it is; a linked object deleted since is left out (a cover, event or section becomes
    none); a revision saved before its links (or tags) were recorded keeps the article's."""
    require(viewer, EDITORS, "restore revisions")
    async with in_transaction():
        await _catch_up(now)
        article = await _found(viewer, now, article_id)
        articles.check_version(article, version)
        old = await revisions.get(article.id, number)
        blocks = tuple(body.from_json(old.body))
        given = replace(
            await _as_input(article), title=old.title, summary=old.summary, blocks=blocks
        )
        given = await _with_links(given, old)
        try:
            data = await check(given, viewer, now, limits, article_id=article.id)
        except InvalidInput as error:
            message = f"Revision {number} cannot be restored: {error.message}"
            raise InvalidInput(message, field="revision") from None
        was_public = outbox.is_public(article, now)
        await _save(viewer, article, data, version)
        summary = f"Restored revision {number}: {article.title}"
        await audit.record(
            viewer, audit.Action.RESTORE, "Article", article.id, summary, locale=article.locale
        )
        await outbox.article_moved(article, was_public, now)
    return article


# --- the steps every mutation shares ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Move:
    """A status change: from which statuses (as readers see them), to which, and when."""

    sources: tuple[Status, ...]
    status: Status
    when: Callable[[Article], datetime | None]
    """The publication time after the move, from the article before it."""
    action: audit.Action
    summary: str


_UNPUBLISH = _Move(
    sources=(Status.SCHEDULED, Status.PUBLISHED, Status.ARCHIVED),
    status=Status.DRAFT,
    when=lambda _: None,
    action=audit.Action.UNPUBLISH,
    summary="Unpublished",
)
_ARCHIVE = _Move(
    sources=(Status.SCHEDULED, Status.PUBLISHED),
    status=Status.ARCHIVED,
    when=lambda article: article.published_at,
    action=audit.Action.ARCHIVE,
    summary="Archived",
)


async def _found(viewer: Viewer, now: datetime, article_id: int) -> Article:
    """The article if ``viewer`` may see it; :class:`NotFound` otherwise (whether it exists or
    not: an author learns nothing of other people's drafts)."""
    found = await articles.visible_model(viewer, now, article_id)
    if found is None:
        raise NotFound("There is no article with this ID, or you may not see it.", field="id")
    return found


async def _catch_up(now: datetime) -> None:
    """Mark scheduled articles whose time has come published first (with their events), so
    that the event a write emits comes after theirs: every change of an existing article does
    this before it reads the article."""
    await publishing.publish_due_here(now)


def _with_own_profile(viewer: Viewer, author_ids: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The authors of an article written by ``viewer``: an author's own profile when none are
    given; :class:`Forbidden` for an author's list without it (they would lose the article)."""
    if viewer.role is not Role.AUTHOR:
        return author_ids
    own = viewer.author_id
    if own is None:
        raise Forbidden(
            "Your account is not linked to an author profile, so no article could be yours: "
            "ask an admin to link it."
        )
    if author_ids is None:
        return (own,)
    if own not in author_ids:
        raise Forbidden("Your own author profile must stay among `authorIds`.", field="authorIds")
    return author_ids


def _check_own_draft(
    viewer: Viewer, article: Article, current: ArticleInput, now: datetime
) -> None:
    """Authors edit only their own articles, and only while they are drafts."""
    if viewer.author_id not in (current.author_ids or ()):
        raise Forbidden("Authors may edit only their own articles.", field="id")
    if effective_status(article, now) is not Status.DRAFT:
        raise Forbidden(
            "Authors may edit their articles only while they are drafts: ask an editor.",
            field="id",
        )


async def _with_links(given: ArticleInput, old: ArticleRevision) -> ArticleInput:
    """``given`` with the revision's tags and links, those still there (a restore's)."""
    if old.tags is not None:
        given = replace(given, tags=tuple(old.tags))
    links = revisions.Links.of(old)
    if links is None:
        return given
    wanted = links.author_ids
    found = await Author.filter(id__in=wanted).values_list("id", flat=True) if wanted else []
    alive = {int(str(i)) for i in found}
    return replace(
        given,
        author_ids=tuple(i for i in wanted if i in alive),
        event_id=await _still(Event, links.event_id),
        cover_id=await _still(Image, links.cover_id),
        section_id=await _still(Section, links.section_id),
    )


async def _still(model: type[Event | Image | Section], pk: int | None) -> int | None:
    """``pk`` if that row still exists, else ``None``."""
    return pk if pk is not None and await model.exists(id=pk) else None


async def _as_input(article: Article) -> ArticleInput:
    """What the article holds now, as input (what an update starts from)."""
    return ArticleInput(
        title=article.title,
        summary=article.summary,
        byline=article.byline,
        blocks=tuple(body.from_json(article.body)),
        author_ids=tuple(await articles.author_ids(article.id)),
        event_id=article.event_id,
        cover_id=article.cover_id,
        section_id=article.section_id,
        tags=tuple(await tag_names(article.id)),
        seo_title=article.seo_title,
        seo_description=article.seo_description,
    )


async def _save(viewer: Viewer, article: Article, data: articles.ArticleData, version: int) -> None:
    """Save checked content over ``article``, keeping its status and import identity."""
    kept = replace(
        data,
        status=article.status,
        published_at=article.published_at,
        source_key=article.source_key,
        source_hash=article.source_hash,
    )
    await articles.save(kept, article, expected_version=version, user_id=viewer.user_id)


async def _move(
    viewer: Viewer, now: datetime, article_id: int, version: int, step: _Move
) -> Article:
    """Make ``step`` on an article, if its status is one the step starts from."""
    async with in_transaction():
        await _catch_up(now)
        article = await _found(viewer, now, article_id)
        articles.check_version(article, version)
        current = effective_status(article, now)
        if current not in step.sources:
            raise InvalidInput(_refusal(current, step.status), field="id")
        when = step.when(article)
        was_public = current is Status.PUBLISHED
        await articles.set_status(article, step.status, when, version, user_id=viewer.user_id)
        summary = f"{step.summary}: {article.title}"
        await audit.record(
            viewer, step.action, "Article", article.id, summary, locale=article.locale
        )
        await outbox.article_moved(article, was_public, now)
    return article


def _refusal(current: Status, wanted: Status) -> str:
    """Why an article in ``current`` cannot move to ``wanted``."""
    if wanted is Status.DRAFT:
        return "The article is a draft already: there is nothing to unpublish."
    if wanted is Status.ARCHIVED:
        if current is Status.ARCHIVED:
            return "The article is archived already."
        return "Only published or scheduled articles can be archived; delete a draft instead."
    if current is Status.PUBLISHED:
        return "The article is published already; unpublish it first to publish it again."
    return "The article is archived: unpublish it (back to draft) before publishing it again."
