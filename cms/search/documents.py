"""What the search index holds for one article: its title words and everything else it says.

The title is indexed apart (title matches rank first). The rest is the summary, the body's
paragraphs, headings and quotes with their attributions, the figures' captions (each kind of
block says what it gives: :func:`cms.articles.body.search_text`), the authors' names and the
event's name (in the article's locale when the event has it in that locale).
Each word is stored as its key in the article's locale (:mod:`cms.search.analysis`: an English
stem in ``Word.folded``; the word as written stays in ``Word.exact``).
Both backends index exactly these words, so they find exactly the same articles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cms.articles import body as body_
from cms.articles.reads import ArticleRow
from cms.models import Article
from cms.search.analysis import analysis_for
from cms.text import Word, words

MAX_WORD_LENGTH = 60
"""Longer "words" (pasted hashes, base64) are not indexed: nobody searches for them."""


@dataclass(frozen=True, slots=True)
class Document:
    """The indexed words of one article (``folded``: each word's key), and its locale."""

    article_id: int
    title: list[Word]
    body: list[Word]
    locale: str | None = None
    """The article's locale (None: indexed before locales, by a migration)."""


def searchable_text(article: Article | ArticleRow) -> str:
    """The article's own text other than its title, in reading order: what body snippets show."""
    return _text(article.summary, article.body)


def build(article: Article, author_names: Sequence[str], event_name: str | None) -> Document:
    """The index document of ``article`` (its author names and event name given by the caller)."""
    return build_from(
        article.id,
        article.title,
        article.summary,
        article.body,
        author_names,
        event_name,
        locale=article.locale,
    )


def build_from(
    article_id: int,
    title: str,
    summary: str,
    body: Sequence[Mapping[str, Any]],
    author_names: Sequence[str],
    event_name: str | None,
    *,
    locale: str | None = None,
) -> Document:
    """:func:`build` from an article's stored values (for migrations, which have no models;
    they name no locale: folded words, as before locales)."""
    analysis = analysis_for(locale)
    extra = [*author_names, *([event_name] if event_name else [])]
    body_words = [w for part in (_text(summary, body), *extra) for w in _indexed(part)]
    return Document(
        article_id, analysis.indexed(_indexed(title)), analysis.indexed(body_words), locale
    )


def _text(summary: str, body: Sequence[Mapping[str, Any]]) -> str:
    summary_part = [summary] if summary else []
    return "\n\n".join([*summary_part, *body_.search_text(body_.from_json(body))])


def _indexed(text: str) -> list[Word]:
    return [w for w in words(text) if len(w.folded) <= MAX_WORD_LENGTH]
