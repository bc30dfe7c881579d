"""The ready-made documents of the editors' workbench: an editor's day in GraphiQL.

Each is a named operation with example variables; the page opens one in a new tab from its
*Documents* panel. ``tests/graphiql/test_documents.py`` runs every one against the API, so a
renamed field breaks a test, not an editor's morning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DEMO_SLUG = (
    "hoi-nghi-so-ket-6-thang-dau-nam-gap-mat-doanh-nghiep-nha-dau-tu-trien-khai-nhiem-vu-6-thang-"
    "cuoi-nam-2023"
)
"""The demo article's slug (``cms demo``): the examples work on a fresh install."""
DEMO_SLUG_EN = "mid-year-review-meeting-with-businesses-and-investors-2023"
"""The slug of its English translation (``cms demo``; read with ``CMS_LOCALES=vi,en``)."""


_OPERATION = re.compile(r"^(?:query|mutation) (\w+)", flags=re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One ready-made document: a title and a line of help for the panel, the operation, and
    example variables (IDs in them are examples: the panel says where to find real ones)."""

    title: str
    help: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The operation's name (``query Feed(...)`` is ``Feed``)."""
        found = _OPERATION.search(self.query)
        assert found, self.query
        return found[1]


_ERRORS = "... on UserError { code message field }"

FEED = Document(
    "The home feed",
    "Published articles, newest first, as readers see them. Press Ctrl-Enter to run.",
    """\
# The article feed, newest first. Press Ctrl-Enter (or the play button) to run it.
# Open "Docs" on the left for every type and field.
query Feed($first: Int = 10, $after: String) {
  articles(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      slug
      title
      publishedAt
      byline
      authors { name }
      event { name startsAt }
      cover { url caption width height }
    }
  }
}
""",
)

DRAFTS = Document(
    "Drafts and scheduled articles",
    "What is in progress (editors and admins; authors see their own): IDs and versions to use.",
    """\
query Drafts($first: Int = 20) {
  articles(first: $first, filter: { status: [DRAFT, SCHEDULED] },
           orderBy: { field: UPDATED_AT, direction: DESC }) {
    nodes { id slug title status version updatedAt publishedAt }
  }
}
""",
)

ARTICLE = Document(
    "One article by slug, with its figures",
    "Its ID and version (for the mutations), and its body as blocks: copy them into "
    "AddFigure's body.",
    """\
query Article($slug: String!) {
  article(slug: $slug) {
    id slug title summary byline status version publishedAt
    authors { id name }
    cover { id url }
    body {
      __typename
      ... on ParagraphBlock { text }
      ... on HeadingBlock { text level }
      ... on QuoteBlock { text attribution }
      ... on FigureBlock {
        caption credit
        images { id alt caption width height thumbnail: rendition(width: 320) { url } }
      }
    }
  }
}
""",
    {"slug": DEMO_SLUG},
)

STRUCTURE = Document(
    "Sections, tags and lists",
    "The site's menu (sections in their order, with their pages' URLs), the most used tags, and "
    "the hand-picked lists with their versions (for collectionSetItems).",
    """\
query Structure($tags: String) {
  sections { id name path url children { id name path url } }
  tags(first: 20, query: $tags) { nodes { id name slug url } }
  collections { nodes { id slug name version } }
}
""",
    {"tags": None},
)

COLLECTION = Document(
    "A hand-picked list",
    "A collection's articles in the editors' order (the demo's front page is trang-chu); drafts "
    "and archived ones are skipped, as readers would see it.",
    """\
query Collection($slug: String!) {
  collection(slug: $slug) {
    id name version
    items(first: 10) { nodes { id title url section { name } tags { name } } }
  }
}
""",
    {"slug": "trang-chu"},
)

SEO = Document(
    "Search engines and social networks",
    "What the website puts in the page's head: the canonical URL, the SEO title and "
    "description, the social image and the JSON-LD (URLs need CMS_SITE_URL); and the related "
    "articles.",
    """\
query Seo($slug: String!) {
  article(slug: $slug) {
    url seoTitle seoDescription
    socialImage { url width height }
    jsonLd
    event { jsonLd }
    related(first: 5) { title url }
  }
}
""",
    {"slug": DEMO_SLUG},
)

SEARCH = Document(
    "Search",
    "Accent-insensitive: hoi nghi finds Hội nghị. Quotes make a phrase.",
    """\
query Search($query: String!, $first: Int = 10) {
  search(query: $query, first: $first) {
    totalCount
    edges { score node { id slug title status } highlights { title body } }
  }
}
""",
    {"query": "hoi nghi doanh nghiep"},
)

CREATE = Document(
    "Create a draft",
    "A new article, saved as a draft. Photos' snippets (Photos panel) go in body.",
    f"""\
mutation CreateDraft($title: String!, $summary: String, $body: [ArticleBlockInput!]) {{
  articleCreate(input: {{ title: $title, summary: $summary, body: $body }}) {{
    ... on ArticleCreateSuccess {{ article {{ id slug status version }} }}
    {_ERRORS}
  }}
}}
""",
    {
        "title": "Tiêu đề bài viết",
        "summary": "Một câu tóm tắt.",
        "body": [{"paragraph": {"text": "Đoạn văn đầu tiên."}}],
    },
)

ADD_FIGURE = Document(
    "Add a figure with an uploaded photo",
    "articleUpdate takes the body whole: the blocks you have (Article shows them) with the "
    "figure snippet from Photos where it belongs, and the version you last saw.",
    f"""\
mutation AddFigure($id: ID!, $version: Int!, $body: [ArticleBlockInput!]!) {{
  articleUpdate(input: {{ id: $id, version: $version, body: $body }}) {{
    ... on ArticleUpdateSuccess {{
      article {{
        id version
        body {{ __typename ... on FigureBlock {{ caption images {{ id }} }} }}
      }}
    }}
    ... on ConflictError {{ currentVersion }}
    {_ERRORS}
  }}
}}
""",
    {
        "id": "QXJ0aWNsZToy",
        "version": 1,
        "body": [
            {"paragraph": {"text": "Đoạn văn đầu tiên."}},
            {"figure": {"imageIds": ["SW1hZ2U6Mg=="], "caption": "Chú thích ảnh."}},
        ],
    },
)

PUBLISH = Document(
    "Publish or schedule",
    "at: null publishes now; a time to come (with its offset) schedules.",
    f"""\
mutation Publish($id: ID!, $version: Int!, $at: DateTime) {{
  articlePublish(input: {{ id: $id, version: $version, at: $at }}) {{
    ... on ArticlePublishSuccess {{ article {{ id slug status publishedAt version }} }}
    ... on ConflictError {{ currentVersion }}
    {_ERRORS}
  }}
}}
""",
    {"id": "QXJ0aWNsZToy", "version": 2, "at": None},
)

REVISIONS = Document(
    "Revisions",
    "Every save, newest first: the number to restore.",
    """\
query Revisions($slug: String!) {
  article(slug: $slug) {
    id version
    revisions(first: 20) { nodes { number createdAt user { name } title status bodyText } }
  }
}
""",
    {"slug": DEMO_SLUG},
)

RESTORE = Document(
    "Restore a revision",
    "Brings a revision back as a new one (nothing is lost).",
    f"""\
mutation Restore($id: ID!, $revision: Int!, $version: Int!) {{
  articleRestoreRevision(input: {{ id: $id, revision: $revision, version: $version }}) {{
    ... on ArticleRestoreRevisionSuccess {{ article {{ id title status version }} }}
    ... on ConflictError {{ currentVersion }}
    {_ERRORS}
  }}
}}
""",
    {"id": "QXJ0aWNsZToy", "revision": 1, "version": 3},
)

PREVIEW = Document(
    "Make a preview link",
    "A token that shows this one article as it stands to anyone who has it: "
    'article(slug: "…", previewToken: "…").',
    f"""\
mutation PreviewLink($id: ID!, $expiresIn: Int = 3600) {{
  articlePreviewLink(input: {{ id: $id, expiresIn: $expiresIn }}) {{
    ... on ArticlePreviewLinkSuccess {{ token expiresAt }}
    {_ERRORS}
  }}
}}
""",
    {"id": "QXJ0aWNsZToy", "expiresIn": 3600},
)

TRANSLATE = Document(
    "Translate an article",
    "Starts its draft in another locale of CMS_LOCALES: the same figures, photos, section, tags "
    "and authors, its texts to translate (then ArticleUpdate and Publish, as for any draft).",
    f"""\
mutation Translate($id: ID!, $locale: String!) {{
  articleTranslate(input: {{ id: $id, locale: $locale }}) {{
    ... on ArticleTranslateSuccess {{
      article {{ id slug locale title status version translations {{ locale title status }} }}
    }}
    {_ERRORS}
  }}
}}
""",
    {"id": "QXJ0aWNsZToy", "locale": "en"},
)

IN_ENGLISH = Document(
    "An article in English",
    "The demo's article as English readers get it (CMS_LOCALES=vi,en): its section, tags and "
    "event in English too, and its other versions with their addresses.",
    """\
query ArticleInEnglish($slug: String!, $locale: String = "en") {
  article(slug: $slug, locale: $locale) {
    id slug locale title summary publishedAt
    section { name }
    tags { name }
    event { name location host }
    translations { locale title url }
  }
}
""",
    {"slug": DEMO_SLUG_EN},
)

VIEWER = Document(
    "Who am I",
    "The signed-in user (null for API tokens, which belong to no user).",
    """\
query WhoAmI {
  viewer { name email role lastLoginAt }
}
""",
)

DOCUMENTS = (
    FEED,
    DRAFTS,
    ARTICLE,
    STRUCTURE,
    COLLECTION,
    SEO,
    SEARCH,
    CREATE,
    ADD_FIGURE,
    PUBLISH,
    REVISIONS,
    RESTORE,
    PREVIEW,
    TRANSLATE,
    IN_ENGLISH,
    VIEWER,
)
"""In the order of the panel; the feed is the first tab on a first visit."""

UPLOAD = """\
mutation UploadPhotos($input: ImagesUploadInput!) {
  imagesUpload(input: $input) {
    ... on ImagesUploadSuccess {
      images {
        id url width height alt caption credit
        thumbnail: rendition(width: 320) { url width height }
      }
    }
    ... on UserError { code message field }
  }
}
"""
"""What the *Photos* panel sends, over the multipart request (all the photos, or none)."""


def as_json() -> list[dict[str, Any]]:
    """The documents as the page's script reads them."""
    return [
        {
            "name": d.name,
            "title": d.title,
            "help": d.help,
            "query": d.query,
            "variables": d.variables,
        }
        for d in DOCUMENTS
    ]
