"""Search results: a relevance-ranked connection of articles with highlighted snippets."""

from __future__ import annotations

import strawberry

from cms.articles.reads import ArticleRow
from cms.core import surrogate
from cms.search.documents import searchable_text
from cms.search.engine import SearchPage
from cms.search.highlight import highlight
from cms.search.query import Query
from schema.types.article import Article
from schema.types.pagination import PageInfo

SNIPPET_LENGTH = 200
"""About how many characters of the body a snippet shows around the first match."""


@strawberry.type(
    description="Where the searched words occur, as HTML: the text is escaped and each match is "
    "wrapped in `<mark>`, on the words as written (with their accents), whatever was typed."
)
class SearchHighlights:
    _edge: strawberry.Private[ArticleSearchEdge]

    @strawberry.field(description="The title with its matches marked; null if the title has none.")
    def title(self) -> str | None:
        return highlight(self._edge._article.title, self._edge._query)

    @strawberry.field(
        description="About 200 characters of the summary, body or captions around the first "
        "match, matches marked, `…` where cut; null if only the title, an author or the event "
        "matched."
    )
    def body(self) -> str | None:
        text = searchable_text(self._edge._article)
        return highlight(text, self._edge._query, max_length=SNIPPET_LENGTH)


@strawberry.type(description="A matching article with its cursor, relevance and highlights.")
class ArticleSearchEdge:
    cursor: str = strawberry.field(description="Opaque cursor: pass it as `after`.")
    node: Article = strawberry.field(description="The article.")
    score: float = strawberry.field(
        description="Relevance, higher first: 8 if every word is in the title, +4 if the words "
        "occur together in the order typed, +2 if the words typed with accents occur with exactly "
        "those accents. Equal scores are ordered newest first."
    )
    _article: strawberry.Private[ArticleRow]
    _query: strawberry.Private[Query]

    @strawberry.field(description="The matches in the title and a snippet of the text.")
    def highlights(self) -> SearchHighlights:
        return SearchHighlights(_edge=self)


@strawberry.type(
    description="One page of search results, best match first. Page with `first` and `after: "
    "pageInfo.endCursor`."
)
class ArticleSearchConnection:
    edges: list[ArticleSearchEdge] = strawberry.field(description="The results with cursors.")
    nodes: list[Article] = strawberry.field(description="The articles alone.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more results exist.")
    _page: strawberry.Private[SearchPage]

    @strawberry.field(description="How many articles match, across all pages.")
    async def total_count(self) -> int:
        return await self._page.total()

    @classmethod
    def of(cls, page: SearchPage, query: Query) -> ArticleSearchConnection:
        surrogate.record_articles()
        nodes = [Article.from_row(article) for article in page.articles]
        edges = [
            ArticleSearchEdge(
                cursor=cursor,
                node=node,
                score=float(hit.score),
                _article=article,
                _query=query,
            )
            for cursor, node, hit, article in zip(
                page.cursors, nodes, page.hits, page.articles, strict=True
            )
        ]
        return cls(edges=edges, nodes=nodes, page_info=PageInfo(_page=page), _page=page)
