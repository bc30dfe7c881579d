"""The search index's storage, one per database, written in the article's own transaction.

SQLite: an FTS5 table ``article_search`` (rowid = article id) with four columns: the folded
title, the folded rest, and the same two with the words as written (lower case, accents kept).
Tokens are written space-separated by :mod:`cms.text` and read back by FTS5's ``ascii``
tokenizer, so FTS5 never folds anything itself (its ``remove_diacritics`` leaves ``đ``) and there
is no stemmer (``ngai`` must not find ``ngày``).

PostgreSQL: a table ``article_search(article_id, title tsvector, document tsvector, public_at,
sort_at)`` with a GIN index on ``document`` (title and rest; the rest starts two positions after
the title, so a phrase never spans the two), ``title`` alone beside it, small, for ranking, and
the article's visibility (``published_at`` if its status is public) and sort date, so that a
search never joins the article table (building a hash of every visible article cost ~10 ms); a
trigger keeps those two in step with the article row, whoever updates it. The ``tsvector`` is
built here, not by ``to_tsvector`` (whose parser depends on the server's locale and whose
``english`` configuration drops syllables like ``so``, ``do``, ``an``): each word is a folded
lexeme and, at the same position, ``=`` + the word as written. ``document`` is kept in the
table's own pages (storage MAIN, a toast target of a whole page) rather than in TOAST: ranking
reads it for every match, and the planner, which does not count TOAST, would otherwise scan the
table rather than use the GIN index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from cms.db import connection, dialect, execute, execute_many, marks
from cms.models import Article, ArticleAuthor, Event
from cms.search.documents import Document, build, build_from
from cms.services.visibility import public_at_sql
from cms.text import Word, sort_key

EXACT = "="
"""Prefix of PostgreSQL lexemes that hold a word as written (folded lexemes never contain it)."""
MAX_POSITION = 16383
"""PostgreSQL's largest word position; later words share it (phrases there match loosely)."""
MAX_POSITIONS_PER_LEXEME = 256
"""PostgreSQL keeps at most this many positions of one lexeme."""

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5("
    "title, body, title_exact, body_exact, tokenize = 'ascii', prefix = '1 2 3 4')",
    # FTS5 tables take no foreign key: a deleted article leaves the index by this trigger.
    "CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON article "
    "BEGIN DELETE FROM article_search WHERE rowid = old.id; END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS article_search_delete",
    "DROP TABLE IF EXISTS article_search",
)
# The article's sort date, as SQL over an article row named ``{row}``: copied, with when it comes
# into view (visibility.public_at_sql), into the PostgreSQL index row.
_SORT_AT = "COALESCE({row}.published_at, {row}.created_at)"
POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS article_search ("
    "article_id INT PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE, "
    "title TSVECTOR NOT NULL, document TSVECTOR NOT NULL, "
    "public_at TIMESTAMPTZ, sort_at TIMESTAMPTZ NOT NULL) WITH (toast_tuple_target = 8160)",
    "ALTER TABLE article_search ALTER COLUMN document SET STORAGE MAIN",
    "CREATE OR REPLACE FUNCTION article_search_visibility() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN UPDATE article_search SET public_at = {public_at_sql('NEW')}, "
    f"sort_at = {_SORT_AT.format(row='NEW')} WHERE article_id = NEW.id; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS article_search_visibility ON article",
    "CREATE TRIGGER article_search_visibility AFTER UPDATE OF status, published_at, created_at "
    "ON article FOR EACH ROW EXECUTE FUNCTION article_search_visibility()",
    "CREATE INDEX IF NOT EXISTS article_search_document ON article_search USING GIN (document)",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS article_search_visibility ON article",
    "DROP FUNCTION IF EXISTS article_search_visibility()",
    "DROP TABLE IF EXISTS article_search",
)


async def create(db: BaseDBAsyncClient) -> None:
    """Create the index's tables (the migration calls this)."""
    for sql in SQLITE_CREATE if dialect(db) == "sqlite" else POSTGRES_CREATE:
        await db.execute_script(sql)


async def drop(db: BaseDBAsyncClient) -> None:
    """Drop the index's tables (the migration's way back)."""
    for sql in SQLITE_DROP if dialect(db) == "sqlite" else POSTGRES_DROP:
        await db.execute_script(sql)


async def index_articles(articles: Sequence[Article]) -> None:
    """Write the index entries of ``articles`` (call inside the transaction that saved them)."""
    if not articles:
        return
    ids = [a.id for a in articles]
    links = await ArticleAuthor.filter(article_id__in=ids).select_related("author")
    names: defaultdict[int, list[tuple[int, str]]] = defaultdict(list)
    for link in links:
        names[link.article_id].append((link.position, link.author.name))
    event_ids = {a.event_id for a in articles if a.event_id is not None}
    events = (
        dict(await Event.filter(id__in=event_ids).values_list("id", "name")) if event_ids else {}
    )
    docs = [
        build(
            article,
            [name for _, name in sorted(names[article.id])],
            events.get(article.event_id) if article.event_id is not None else None,
        )
        for article in articles
    ]
    await write(docs)


async def write(docs: Sequence[Document], db: BaseDBAsyncClient | None = None) -> None:
    """Replace the index entries of these documents' articles."""
    if not docs:
        return
    db = db or connection()
    if dialect(db) == "sqlite":
        await execute(
            f"DELETE FROM article_search WHERE rowid IN ({marks(len(docs))})",
            [d.article_id for d in docs],
            db,
        )
        await db.execute_many(
            "INSERT INTO article_search (rowid, title, body, title_exact, body_exact) "
            "VALUES (?, ?, ?, ?, ?)",
            [_fts_row(d) for d in docs],
        )
    else:
        # With the article's visibility and sort date copied from its row (written in the same
        # transaction), so a search reads this table alone.
        await execute_many(
            "INSERT INTO article_search (article_id, title, document, public_at, sort_at) "
            "SELECT a.id, ?::tsvector, ?::tsvector, "
            f"{public_at_sql('a')}, {_SORT_AT.format(row='a')} "
            "FROM article a WHERE a.id = ? "
            "ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, "
            "document = EXCLUDED.document, public_at = EXCLUDED.public_at, "
            "sort_at = EXCLUDED.sort_at",
            [[*tsvectors(d), d.article_id] for d in docs],
            db,
        )


async def remove(article_ids: Sequence[int]) -> None:
    """Drop the index entries of these articles (deleting an article does it by itself)."""
    if not article_ids:
        return
    db = connection()
    column = "rowid" if dialect(db) == "sqlite" else "article_id"
    await execute(
        f"DELETE FROM article_search WHERE {column} IN ({marks(len(article_ids))})", article_ids, db
    )


async def reindex(
    batch_size: int = 200, progress: Callable[[int, int], Awaitable[None] | None] | None = None
) -> int:
    """Rebuild every article's entry, ``batch_size`` articles per transaction; returns the count.

    ``progress(done, total)`` is called after each batch. Entries of articles that no longer
    exist are dropped first.
    """
    from tortoise.transactions import in_transaction

    total = await Article.all().count()
    db = connection()
    orphan = (
        "DELETE FROM article_search WHERE rowid NOT IN (SELECT id FROM article)"
        if dialect(db) == "sqlite"
        else "DELETE FROM article_search WHERE article_id NOT IN (SELECT id FROM article)"
    )
    await db.execute_script(orphan)
    done, last_id = 0, 0
    while True:
        batch = await Article.filter(id__gt=last_id).order_by("id").limit(batch_size)
        if not batch:
            break
        async with in_transaction(Article._meta.default_connection or "default"):
            await index_articles(batch)
        done += len(batch)
        last_id = batch[-1].id
        if progress is not None:
            result = progress(done, total)
            if result is not None:
                await result
    await analyze(db)
    return done


async def analyze(db: BaseDBAsyncClient) -> None:
    """Refresh PostgreSQL's statistics of the index after a bulk write, so it plans with them."""
    if dialect(db) == "postgres":
        await db.execute_script("ANALYZE article_search")


async def migrate_forward(apps: Any, schema_editor: BaseSchemaEditor) -> None:
    """Migration step: create the index and fill it, and the sort keys, for existing content."""
    db = schema_editor.client
    await create(db)
    name = dialect(db)
    if name == "postgres":  # sort keys compare byte by byte, whatever the database's locale
        for table, column in (("article", "title_sort"), ("author", "name_sort")):
            await db.execute_script(
                f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(255) COLLATE "C"'
            )
    marks = ("?", "?") if name == "sqlite" else ("$1", "$2")
    keyed = (("article", "title_sort", "title"), ("author", "name_sort", "name"))
    for table, column, source in keyed:
        rows = await db.execute_query_dict(f"SELECT id, {source} AS text FROM {table}")
        if rows:
            await db.execute_many(
                f"UPDATE {table} SET {column} = {marks[0]} WHERE id = {marks[1]}",
                [[sort_key(row["text"]), row["id"]] for row in rows],
            )
    # In batches by id: a large archive's bodies never sit in memory all at once.
    last_id = 0
    while True:
        articles = await db.execute_query_dict(
            "SELECT a.id, a.title, a.summary, a.body, e.name AS event_name "
            "FROM article a LEFT JOIN event e ON e.id = a.event_id "
            f"WHERE a.id > {marks[0]} ORDER BY a.id LIMIT 500",
            [last_id],
        )
        if not articles:
            break
        last_id = int(articles[-1]["id"])
        ids = [int(row["id"]) for row in articles]
        links = await db.execute_query_dict(
            "SELECT l.article_id, l.position, au.name FROM article_author l "
            "JOIN author au ON au.id = l.author_id "
            f"WHERE l.article_id >= {marks[0]} AND l.article_id <= {marks[1]}",
            [ids[0], ids[-1]],
        )
        names: defaultdict[int, list[tuple[int, str]]] = defaultdict(list)
        for link in links:
            names[int(link["article_id"])].append((int(link["position"]), str(link["name"])))
        docs = [
            build_from(
                int(row["id"]),
                row["title"],
                row["summary"],
                orjson.loads(row["body"]) if isinstance(row["body"], str | bytes) else row["body"],
                [name for _, name in sorted(names[int(row["id"])])],
                row["event_name"],
            )
            for row in articles
        ]
        await write(docs, db)
    await analyze(db)


async def migrate_backward(apps: Any, schema_editor: BaseSchemaEditor) -> None:
    """Migration step back: drop the index."""
    await drop(schema_editor.client)


def _fts_row(doc: Document) -> list[Any]:
    return [
        doc.article_id,
        " ".join(w.folded for w in doc.title),
        " ".join(w.folded for w in doc.body),
        " ".join(w.exact for w in doc.title),
        " ".join(w.exact for w in doc.body),
    ]


def tsvectors(doc: Document) -> tuple[str, str]:
    """``tsvector`` literals of the title and of the whole document: folded and exact lexemes."""
    title: dict[str, list[int]] = {}
    document: dict[str, list[int]] = {}

    def add(items: list[Word], start: int, *into: dict[str, list[int]]) -> int:
        position = start
        for word in items:
            at = min(position, MAX_POSITION)
            for positions in into:
                for lexeme in (word.folded, EXACT + word.exact):
                    slots = positions.setdefault(lexeme, [])
                    if len(slots) < MAX_POSITIONS_PER_LEXEME and (not slots or slots[-1] != at):
                        slots.append(at)
            position += 1
        return position

    after_title = add(doc.title, 1, title, document)
    add(doc.body, after_title + 1, document)
    return _literal(title), _literal(document)


def _literal(positions: dict[str, list[int]]) -> str:
    return " ".join(
        f"{quote_lexeme(lexeme)}:{','.join(map(str, at))}" for lexeme, at in positions.items()
    )


def quote_lexeme(lexeme: str) -> str:
    """``lexeme`` quoted for a ``tsvector`` or ``tsquery`` literal (any text is safe in it)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
